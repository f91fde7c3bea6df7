@_exported import NNCDiagnostics
