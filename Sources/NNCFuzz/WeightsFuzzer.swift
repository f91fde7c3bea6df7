import Foundation
import NNCDriver
import NNCRuntime

/// A safetensors file read the two ways `nnc` reads one: as the weights `nnc eval` and
/// `nnc predict` load (validated, saved preprocessing decoded, loaded into an evaluator), and
/// as the checkpoint `nnc train --resume` continues from (tensors, optimizer state and the
/// saved training state checked against a trainer of the same model).
final class WeightsFuzzer: @unchecked Sendable {
    static let shared = WeightsFuzzer()

    /// A small classifier with standardized CSV data, so its weights carry saved preprocessing.
    static let spec = """
        model: fuzz_weights
        input: [4]
        layers:
          - dense: {units: 5, activation: relu}
          - batchnorm
          - dense: {units: 3, activation: softmax}
        loss: sparse_categorical_crossentropy
        optimizer: {adam: 0.01}
        train: {epochs: 2, batch_size: 4, seed: 1}
        data:
          train: {path: data.csv, label_column: 0}
          preprocess: {standardize: true, classes: 3}

        """
    static let csv =
        "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7,1.4\n2,6.3,3.3,6.0,2.5\n0,4.9,3.0,1.4,0.2\n1,6.4,3.2,4.5,1.5\n2,5.8,2.7,5.1,1.9\n"

    let modelPath: String
    let trainer: Trainer

    init() {
        FuzzWorkspace.write(Array(Self.csv.utf8), to: "weights/data.csv")
        modelPath = FuzzWorkspace.write(Array(Self.spec.utf8), to: "weights/model.yaml")
        do {
            let source = try Driver.loadSource(modelPath)
            let checked = Driver.check(source)
            guard let spec = checked.spec, let graph = checked.graph, !checked.hasErrors else {
                throw DriverError("the weights model does not check")
            }
            let data = try DataLoading.load(spec, graph: graph, seed: 1)
            let options = TrainingOptions(
                graph: graph, modelFile: spec.file,
                overrides: .init(threads: 1, outputDirectory: FuzzWorkspace.root + "/weights/run"))
            trainer = try Trainer(spec: spec, graph: graph, data: data, options: options)
        } catch {
            fatalError("the weights fuzzer's model does not train: \(error)")
        }
    }

    func run(_ bytes: [UInt8]) -> Bool {
        _ = try? SafeTensors(decoding: Data(bytes)).nonFinite()
        let path = FuzzWorkspace.write(bytes, to: "weights/input.safetensors")
        var loaded = false
        var resumed = false
        do {
            let session = try InferenceSession.make(model: modelPath, weights: path, readingData: false)
            _ = try session.evaluator(batch: 2, threads: 1, withLoss: true)
            loaded = true
            FuzzTarget.trace("weights: loaded into an evaluator")
        } catch {
            FuzzTarget.trace("weights: \(FuzzTarget.describe(error))")
        }
        do {
            let notes = try trainer.resume(from: path)
            resumed = true
            FuzzTarget.trace("checkpoint: resumed: \(notes)")
        } catch {
            FuzzTarget.trace("checkpoint: \(FuzzTarget.describe(error))")
        }
        // A weights file is no checkpoint; a checkpoint also loads as weights.
        return loaded || resumed
    }
}
