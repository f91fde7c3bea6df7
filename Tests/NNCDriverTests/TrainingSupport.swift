import Foundation
import NNCDriver
import NNCRuntime
import NNCSpec
import Testing

/// A scratch folder per test: spec files and run folders, removed when done.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes a spec; `DATA/` in it stands for the bundled data folder.
    @discardableResult
    func spec(_ name: String, _ yaml: String) throws -> String {
        let text = yaml.replacingOccurrences(of: "DATA/", with: Repo.models.appendingPathComponent("data").path + "/")
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }
}

/// A bundled example and the test result its comment promises, checked by training it for
/// real with its own recipe and seed (ExampleResultsTests, SequenceExampleResultsTests).
struct BundledExample: Sendable, CustomStringConvertible {
    var model: String
    /// The test metric and the bound it must reach (accuracy at least, loss at most).
    var metric: String
    var bound: Double
    /// Epochs to train instead of the spec's own, or nil for the full recipe.
    var epochs: Int? = nil
    var description: String { model }

    func trainsToItsResult() throws {
        let s = try Scratch()
        let result = try Training.run(
            Repo.models.appendingPathComponent("\(model).yaml").path, epochs: epochs, out: s.path("run"))
        let test = try #require(result.test)
        let value = try #require(metric == "loss" ? test.loss : test.metrics[metric])
        if metric == "loss" {
            #expect(value <= bound, "\(model): test loss \(value)")
        } else {
            #expect(value >= bound, "\(model): test \(metric) \(value)")
        }
    }
}

enum Training {
    /// Trains `model` to the end (or until `stopAfterBatches` batches of this process).
    static func run(
        _ model: String?, resume: String? = nil, epochs: Int? = nil, out: String, threads: Int = 2,
        stopAfterBatches: Int? = nil
    ) throws -> TrainingResult {
        let session = try TrainingSession.make(
            model: model, resume: resume,
            overrides: .init(epochs: epochs, threads: threads, outputDirectory: out))
        var batches = 0
        let counter = BatchCounter()
        return try session.trainer.run(observer: counter) {
            batches = counter.batches
            return stopAfterBatches.map { batches >= $0 } ?? false
        }
    }

    /// The tensors of a safetensors file, by name.
    static func tensors(_ path: String) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try SafeTensors(contentsOf: path).tensors.map { ($0.name, $0.values) })
    }

    /// The failure's diagnostics, rendered.
    static func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let failure as TrainingFailure {
            return DiagnosticRenderer().render(failure.diagnostics)
        } catch {
            return "\(error)"
        }
    }
}

/// Counts batches (and records notes) for tests.
final class BatchCounter: TrainingObserver {
    var batches = 0
    var notes: [String] = []
    var records: [EpochRecord] = []
    func runStarted(_ header: RunHeader) {}
    func epochStarted(_ epoch: Int, of epochs: Int, batches: Int) {}
    func batchFinished(
        _ batch: Int, of batches: Int, samples: Int, seconds: Double, loss: Double, metrics: () -> [(String, Double)]
    ) {
        self.batches += 1
    }
    func epochFinished(_ record: EpochRecord, of epochs: Int) { records.append(record) }
    func note(_ text: String) { notes.append(text) }
    func testFinished(_ result: SplitResult) {}
}
