import Foundation
import NNCData
import NNCDiagnostics
import NNCDriver

/// The fuzz targets: each takes one input's bytes through the path a user's file takes in
/// `nnc` and must return, whatever the bytes, without a trap, a hang or unbounded memory.
/// `nnc-fuzz` runs them under libFuzzer (Scripts/fuzz.sh) or replays a corpus
/// with them; the test suite replays the corpus in Tests/Fuzz/corpus.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A YAML model spec through `nnc check` (load, decode, build the graph, check, compare with data, render).
    case yaml
    /// A `.nn` DSL model through `nnc check`.
    case dsl
    /// A data file (its first byte picks the format and the model) through `nnc check`'s
    /// header comparison and then the full read `nnc train` does, contract checks included.
    case data
    /// A safetensors file as the weights `nnc eval` loads and as the checkpoint `nnc train --resume` reads.
    case weights

    /// Runs one input; true when it went the whole way without a refusal (a model that
    /// checks, data that fills a batch, weights that load or a checkpoint that resumes).
    @discardableResult
    public func run(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .yaml: SpecFuzzer.run(bytes, fileName: "fuzz.yaml")
        case .dsl: SpecFuzzer.run(bytes, fileName: "fuzz.nn")
        case .data: DataFuzzer.shared.run(bytes)
        case .weights: WeightsFuzzer.shared.run(bytes)
        }
    }

    /// Runs the target on a few valid inputs, so the one-time set-up of global tables (the
    /// registry, the data kinds' plans) happens before libFuzzer counts allocations: what a
    /// global keeps for the life of the process is not a leak of the input that made it.
    public func warmUp() {
        switch self {
        case .yaml:
            run(
                Array(
                    "input: [4]\nlayers: [{dense: {units: 2, activation: softmax}}]\nloss: sparse_categorical_crossentropy\n"
                        .utf8))
        case .dsl:
            run(Array("input 4\ndense 2 activation=softmax\nloss sparse_categorical_crossentropy\n".utf8))
        case .data:
            for (_, bytes) in Self.dataSeeds() { run(bytes) }
        case .weights:
            run([])
        }
        run([])
    }

    /// With NNC_FUZZ_TRACE set, what each input came to (to see that seeds get past the checks).
    static let tracing = ProcessInfo.processInfo.environment["NNC_FUZZ_TRACE"] != nil

    static func trace(_ message: @autoclosure () -> String) {
        if tracing { print(message()) }
    }

    static func describe(_ diagnostics: [Diagnostic]) -> String {
        DiagnosticRenderer().render(diagnostics)
    }

    static func describe(_ error: Error) -> String {
        if let failure = error as? TrainingFailure { return describe(failure.diagnostics) }
        if let failure = error as? DataError { return describe([failure.diagnostic]) }
        return "\(error)"
    }

    /// Valid seeds for the data target, by kind: its selector byte, then a valid file.
    public static func dataSeeds() -> [(name: String, bytes: [UInt8])] {
        DataKind.all.enumerated().map { index, kind in (kind.name, [UInt8(index)] + kind.seed) }
    }
}

/// A private folder for the files a target writes (the readers take paths, as in `nnc`),
/// removed when the process exits (libFuzzer ends with exit too).
enum FuzzWorkspace {
    static let root: String = {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("nnc-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { FuzzWorkspace.remove() }
        return path
    }()

    /// Writes `bytes` to `name` in the workspace and returns its path.
    @discardableResult
    static func write(_ bytes: some Collection<UInt8>, to name: String) -> String {
        let path = root + "/" + name
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    static func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
