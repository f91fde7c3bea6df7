import NNCDiagnostics

/// A data file that cannot be used: unreadable, malformed, out of range, the wrong size or
/// corrupt. It carries one located `Diagnostic` (codes E0501–E0505) naming the file and,
/// for text formats, the line and column of the offending value (the line is quoted when
/// rendered); for binary formats the message names the record and byte offset.
public struct DataError: Error, Sendable, CustomStringConvertible {
    public var diagnostic: Diagnostic

    public init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }

    public init(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation, label: String = "",
        notes: [String] = [], help: String? = nil
    ) {
        diagnostic = .error(code, message, at: location, label: label, notes: notes, help: help)
    }

    /// An error about a whole file (or a binary file, where lines mean nothing): the
    /// location prints as the path alone.
    public init(_ code: DiagnosticCode, _ message: String, file path: String, notes: [String] = [], help: String? = nil)
    {
        self.init(code, message, at: SourceLocation.file(path), notes: notes, help: help)
    }

    /// The diagnostic as nnc prints it.
    public var description: String { DiagnosticRenderer().render(diagnostic) }
}

extension SourceLocation {
    /// A location naming only a file: rendered as its path, with no line quoted.
    static func file(_ path: String) -> SourceLocation {
        SourceLocation(file: SourceFile(path: path, text: ""), line: 0, column: 0)
    }
}
