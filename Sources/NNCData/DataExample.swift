import NNCDiagnostics

/// Runs the examples of the data diagnostics (E05xx) for `nnc explain` and its tests, in
/// memory, exactly as training reads data, so the explanation shows the real message.
public enum DataExample {
    /// The example kinds this type runs (see `DiagnosticCode.Documentation.exampleKind`).
    public static let kinds: Set<String> = ["csv", "idx", "data path"]

    /// The diagnostics reading `example` gives (empty when it reads cleanly), or nil when
    /// `kind` is not a data kind.
    ///
    /// - "csv": the text of `example.csv`, label first, read for a model with input [4] and
    ///   3 classes (sparse labels).
    /// - "idx": an IDX file's bytes in hex, read as `example.idx`.
    /// - "data path": a data file's path, relative to `directory` when given.
    public static func diagnostics(_ example: String, kind: String, relativeTo directory: String? = nil) -> [Diagnostic]? {
        do throws(DataError) {
            switch kind {
            case "csv":
                let options = CSVOptions(path: "example.csv")
                let raw = try DataReader.readCSV(DataFile(path: options.path, contents: Array(example.utf8)), options, mode: .classes)
                _ = try Preprocessing(inputShape: [4], targets: .sparse(classes: 3)).fit(on: raw).apply(to: raw)
            case "idx":
                let bytes = example.split(separator: " ").compactMap { UInt8($0, radix: 16) }
                _ = try DataReader.idxArray(DataFile(path: "example.idx", contents: bytes))
            case "data path":
                _ = try DataFile.load(directory.map { $0 + "/" + example } ?? example)
            default:
                return nil
            }
            return []
        } catch {
            return [error.diagnostic]
        }
    }
}
