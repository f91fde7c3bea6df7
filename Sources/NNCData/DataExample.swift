import NNCDiagnostics

/// Runs the examples of the data diagnostics (E05xx) for `nnc explain` and its tests, in
/// memory, exactly as training reads data, so the explanation shows the real message.
public enum DataExample {
    /// The example kinds this type runs (see `DiagnosticCode.Documentation.exampleKind`).
    public static let kinds: Set<String> = ["csv", "idx", "data path", "labels", "preprocessing"]

    /// The model the "csv" and "preprocessing" examples are read for: input [4], 3 classes.
    static let classifier = DataContract(
        input: [4], output: [3], outputName: "dense", targets: .classNumbers,
        lossName: "sparse categorical cross-entropy")
    /// The model the "labels" example is read for: input [4], one linear output, mse.
    static let regression = DataContract(
        input: [4], output: [1], outputName: "dense", targets: .values, lossName: "mse")

    /// The diagnostics reading `example` gives (empty when it reads cleanly), or nil when
    /// `kind` is not a data kind.
    ///
    /// - "csv": the text of `example.csv`, label first, read for a model with input [4] and
    ///   3 classes (sparse labels).
    /// - "idx": an IDX file's bytes in hex, read as `example.idx`.
    /// - "data path": a data file's path, relative to `directory` when given.
    /// - "labels": the shape of an NPY labels file, `(64, 5000)`, read with 4 features per
    ///   sample for a model with input [4], one linear output and mse.
    /// - "preprocessing": the JSON a weights file saves, checked for a model with input [4]
    ///   and 3 classes.
    public static func diagnostics(_ example: String, kind: String, relativeTo directory: String? = nil)
        -> [Diagnostic]?
    {
        do throws(DataError) {
            switch kind {
            case "csv":
                let options = CSVOptions(path: "example.csv")
                let raw = try DataReader.readCSV(
                    DataFile(path: options.path, contents: Array(example.utf8)), options, mode: .classes)
                let problems = classifier.problems(with: raw.summary)
                guard problems.isEmpty else { return problems }
                _ = try Preprocessing(inputShape: [4], targets: .sparse(classes: 3)).fit(on: raw).apply(to: raw)
            case "labels":
                let shape = example.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                guard let count = shape.first, count <= 1 << 16, let elements = NumericArray.product(shape, 1),
                    elements <= 1 << 24
                else { return nil }
                let inputs = try DataReader.npyArray(DataFile(path: "inputs.npy", contents: npy(shape: [count, 4])))
                let labels = try DataReader.npyArray(DataFile(path: "labels.npy", contents: npy(shape: shape)))
                return regression.problems(with: try DataReader.pair(inputs, labels, mode: .values).summary)
            case "preprocessing":
                try Preprocessing.decode(example, file: "weights.safetensors").validate(
                    against: classifier, file: "weights.safetensors")
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

    /// An NPY file of zeros (float32) of `shape`.
    static func npy(shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        var text = Array(header.utf8)
        text += [UInt8](repeating: 0x20, count: (64 - (10 + text.count + 1) % 64) % 64) + [0x0A]
        let values = [UInt8](repeating: 0, count: 4 * shape.reduce(1, *))
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + values
    }
}
