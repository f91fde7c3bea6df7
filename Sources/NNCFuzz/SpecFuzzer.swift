import NNCDiagnostics
import NNCDriver

/// A model file through what `nnc check` does: load, decode, check, compare with the data
/// files it names (relative paths lead into an empty folder, so they are missing), then the
/// shape trace and the rendered diagnostics the user would read.
enum SpecFuzzer {
    static func run(_ bytes: [UInt8], fileName: String) -> Bool {
        // `nnc` refuses a model file that is not UTF-8 before loading it.
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        let file = SourceFile(path: FuzzWorkspace.root + "/model/" + fileName, text: text)
        let result = Driver.check(file, readingData: true)
        if !result.hasErrors, let graph = result.graph {
            _ = ShapeTrace.render(graph)
        }
        _ = DiagnosticRenderer().render(result.diagnostics)
        return !result.hasErrors
    }
}
