import Foundation
import NNCDriver
import NNCRuntime
import NNCSpec
import Testing

/// Training runs on the bundled data: exact resume, refused resumes, divergence, frozen
/// layers, early stopping, the run folder.
@Suite(.serialized) struct TrainingTests {
    /// iris with dropout, batchnorm, shuffling and a short last batch (120 = 7×16 + 8):
    /// everything that could make a resumed run drift.
    static let iris = """
        model: iris_resume
        input: [4]
        layers:
          - dense: {units: 16}
          - batchnorm
          - activation: relu
          - dropout: 0.2
          - dense: {units: 3, activation: softmax}
        loss: sparse_categorical_crossentropy
        metrics: [accuracy]
        optimizer: {adam: 0.01}
        schedule: {cosine: {duration: 40, unit: steps}}
        train: {epochs: 4, batch_size: 16, seed: 3, validation_split: 0.2}
        data:
          train: {path: DATA/iris.csv}
          preprocess: {standardize: true}
        """

    @Test func resumingContinuesBitForBit() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let straight = try Training.run(spec, out: s.path("straight"))
        _ = try Training.run(spec, epochs: 2, out: s.path("split"))
        let resumed = try Training.run(spec, resume: s.path("split"), epochs: 4, out: s.path("split"))
        #expect(straight.history.count == 4 && resumed.history.count == 4)
        #expect(
            try Training.tensors(s.path("straight/weights.safetensors"))
                == Training.tensors(s.path("split/weights.safetensors")))
        #expect(straight.history.map(\.loss) == resumed.history.map(\.loss))
        #expect(straight.history.map(\.validationMetrics) == resumed.history.map(\.validationMetrics))
        // The optimizer state too: Adam's moments continue, not restart.
        let a = try Training.tensors(s.path("straight/checkpoint.safetensors"))
        let b = try Training.tensors(s.path("split/checkpoint.safetensors"))
        #expect(a.keys.contains { $0.hasPrefix("optimizer/") } && a == b)
    }

    /// An interrupt in the middle of an epoch (as Ctrl-C does), then `--resume DIR` alone:
    /// the spec comes from the checkpoint, the epoch's order and running sums continue.
    @Test func interruptedMidEpochResumesFromTheCheckpointAlone() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let straight = try Training.run(spec, out: s.path("straight"))
        let stopped = try Training.run(spec, out: s.path("cut"), stopAfterBatches: 11)
        #expect(stopped.interrupted && stopped.state.epoch == 1 && stopped.state.batch == 3)
        let resumed = try Training.run(nil, resume: s.path("cut"), out: s.path("cut"))
        #expect(
            try Training.tensors(s.path("straight/weights.safetensors"))
                == Training.tensors(s.path("cut/weights.safetensors")))
        #expect(resumed.history.map(\.loss) == straight.history.map(\.loss))
        #expect(resumed.history.map(\.validationLoss) == straight.history.map(\.validationLoss))
    }

    @Test func resumingADifferentModelIsRefusedWithTheDifferences() throws {
        let s = try Scratch()
        _ = try Training.run(try s.spec("iris.yaml", Self.iris), epochs: 1, out: s.path("run"))
        let wider = try s.spec("wider.yaml", Self.iris.replacingOccurrences(of: "units: 16", with: "units: 32"))
        let message = try #require(
            Training.failure { _ = try Training.run(wider, resume: s.path("run"), out: s.path("run")) })
        #expect(
            message.contains("error: a checkpoint resumes only the model it was written for; 7 parameter tensors of"),
            "\(message)")
        #expect(message.contains("note: and 10 tensors of optimizer state"), "\(message)")
        #expect(message.contains("[E0521]"))
        #expect(
            message.contains("note: 'dense.kernel' is [4, 16] in the checkpoint but [4, 32] in the model"), "\(message)"
        )
        #expect(message.contains("note: 'batchnorm.moving_mean' is [16] in the checkpoint but [32] in the model"))
        // A changed setting that keeps the shapes continues, and says so.
        let longer = try s.spec("longer.yaml", Self.iris.replacingOccurrences(of: "epochs: 4", with: "epochs: 3"))
        let session = try TrainingSession.make(
            model: longer, resume: s.path("run"), overrides: .init(outputDirectory: s.path("run")))
        #expect(session.notes.contains { $0.contains("the spec changed since the checkpoint") })
    }

    @Test func aDivergingLossStopsWithTheStepAndTheLayer() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "diverge.yaml",
            """
            model: diverge
            input: [4]
            layers:
              - dense: {units: 16, activation: relu}
              - dense: 1
            loss: mse
            optimizer: {sgd: {learning_rate: 1.0e10}}
            train: {epochs: 5, batch_size: 16, seed: 1}
            data:
              train: {path: DATA/iris.csv}
            """)
        // A rate this large makes the second step's loss infinite at once (a smaller one is
        // caught while the loss is still finite and growing: DivergenceTests).
        let message = try #require(Training.failure { _ = try Training.run(spec, out: s.path("run")) })
        #expect(message.contains("error: training stops when the loss is not finite; the loss became"), "\(message)")
        #expect(message.contains("[E0520]"))
        #expect(message.contains("learning rate 1e+10"), "\(message)")
        #expect(message.contains("note: at step "), "\(message)")
        // The outputs grow past 1e19, so the loss squares them into infinity.
        #expect(
            message.contains("note: the first non-finite value is the output of 'loss' (mse + gradient)"), "\(message)")
        #expect(message.contains("note: its largest finite input magnitude is"), "\(message)")
        #expect(message.contains("diverge.yaml:7:"), "\(message)")
    }

    @Test func frozenLayersKeepTheirInitialWeights() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "frozen.yaml",
            """
            model: frozen
            input: [4]
            layers:
              - dense: {units: 8, activation: tanh, trainable: false, name: fixed}
              - dense: {units: 3, activation: softmax, name: head}
            loss: sparse_categorical_crossentropy
            optimizer: {adam: 0.01}
            train: {epochs: 3, batch_size: 32, seed: 5}
            data:
              train: {path: DATA/iris.csv}
            """)
        let session = try TrainingSession.make(
            model: spec, resume: nil, overrides: .init(outputDirectory: s.path("run")))
        let exec = session.trainer.executor
        let before = exec.tensors(exec.stateBuffers([.parameter]))
        _ = try session.trainer.run(observer: SilentObserver())
        let after = Dictionary(
            uniqueKeysWithValues: exec.tensors(exec.stateBuffers([.parameter])).map { ($0.name, $0.values) })
        for t in before {
            if t.name.hasPrefix("fixed.") {
                #expect(after[t.name] == t.values, "\(t.name) changed")
            } else {
                #expect(after[t.name] != t.values, "\(t.name) did not train")
            }
        }
    }

    @Test func earlyStoppingStopsAndRestoresTheBestWeights() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "early.yaml",
            Self.iris
                .replacingOccurrences(of: "epochs: 4", with: "epochs: 60")
                .replacingOccurrences(
                    of: "schedule: {cosine: {duration: 40, unit: steps}}", with: "optimizer: {adam: 0.05}"
                )
                .replacingOccurrences(of: "optimizer: {adam: 0.01}\n", with: "")
                .replacingOccurrences(
                    of: "validation_split: 0.2}",
                    with: "validation_split: 0.2, early_stopping: {monitor: val_loss, patience: 3, restore_best: true}}"
                ))
        let counter = BatchCounter()
        let session = try TrainingSession.make(
            model: spec, resume: nil, overrides: .init(outputDirectory: s.path("run")))
        let result = try session.trainer.run(observer: counter)
        #expect(result.stoppedEarly && result.history.count < 60)
        let losses = result.history.compactMap(\.validationLoss)
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(result.history.count == best + 1 + 3, "stopped \(result.history.count) epochs in, best at \(best + 1)")
        #expect(counter.notes.contains { $0.hasPrefix("early stopping: val_loss has not improved for 3 epochs") })
        #expect(counter.notes.contains { $0.hasPrefix("restored the weights of epoch \(best + 1)") })
        // The saved weights are the best epoch's: evaluating them gives its validation loss.
        let inference = try InferenceSession.make(model: spec, weights: result.weightsPath)
        let data = try inference.data(seed: 3)
        let evaluator = try inference.evaluator(batch: 30, threads: 2, withLoss: true)
        let validation = try evaluator.evaluate(try .init(data.validation!))
        #expect(abs(validation.loss - losses[best]) < 1e-6, "\(validation.loss) vs \(losses[best])")
    }

    @Test func theRunFolderHoldsTheLogCurvesAndResults() throws {
        let s = try Scratch()
        let result = try Training.run(try s.spec("iris.yaml", Self.iris), out: s.path("run"))
        let lines = try String(contentsOfFile: s.path("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(
            first["epoch"] as? Int == 1 && first["val_loss"] is Double
                && (first["metrics"] as? [String: Double])?["accuracy"] != nil)
        let svg = try String(contentsOfFile: s.path("run/curves.svg"), encoding: .utf8)
        #expect(
            svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("accuracy") && svg.contains("validation")
        )
        let results =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.path("run/results.json"))))
            as! [String: Any]
        for key in ["epochs", "train_loss", "val_loss", "samples_per_second", "weights"] {
            #expect(results[key] != nil, "\(key)")
        }
        #expect(results["weights"] as? String == result.weightsPath)
        let weights = try SafeTensors(contentsOf: result.weightsPath)
        #expect(
            weights.metadata["nnc.format"] == "weights"
                && weights.metadata["nnc.preprocessing"]?.contains("standardDeviation") == true)
        #expect(!weights.tensors.contains { $0.name.hasPrefix("optimizer/") })
    }

    @Test func badDataIsReportedAtItsLine() throws {
        let s = try Scratch()
        let csv = try s.write("bad.csv", "0,5.1,3.5,1.4,0.2\n1,7.0,3.2,4.7\n2,6.3,3.3,6.0,2.5\n")
        let spec = try s.spec(
            "bad.yaml",
            """
            input: [4]
            layers: [{dense: {units: 3, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            data: {train: {path: \(csv)}}
            """)
        let message = try #require(Training.failure { _ = try Training.run(spec, out: s.path("run")) })
        #expect(message.contains("bad.csv:2:"), "\(message)")
        #expect(message.contains("[E0502]"))
    }

    /// Transfer learning: LeNet-style layers trained on one model initialize another's,
    /// frozen ones stay put, and a shape mismatch is reported at the layer.
    @Test func transferInitializesAndFreezesNamedLayers() throws {
        let s = try Scratch()
        let source = try s.spec(
            "source.yaml",
            """
            model: source
            input: [4]
            layers:
              - dense: {units: 8, activation: tanh, name: features}
              - dense: {units: 3, activation: softmax, name: head}
            loss: sparse_categorical_crossentropy
            optimizer: {adam: 0.01}
            train: {epochs: 3, batch_size: 32, seed: 1}
            data: {train: {path: DATA/iris.csv}}
            """)
        _ = try Training.run(source, out: s.path("source"))
        let trained = try Training.tensors(s.path("source/weights.safetensors"))
        let target = try s.spec(
            "target.yaml",
            """
            model: target
            input: [4]
            layers:
              - dense: {units: 8, activation: tanh, name: features, trainable: false}
              - dense: {units: 3, activation: softmax, name: new_head}
            transfer: {weights: source/weights.safetensors, layers: [features]}
            loss: sparse_categorical_crossentropy
            optimizer: {adam: 0.01}
            train: {epochs: 2, batch_size: 32, seed: 2}
            data: {train: {path: DATA/iris.csv}}
            """)
        let session = try TrainingSession.make(
            model: target, resume: nil, overrides: .init(outputDirectory: s.path("target")))
        #expect(session.notes.contains("initialized 1 layer (40 parameters) from source/weights.safetensors: features"))
        #expect(session.notes.contains("frozen (trainable: false): features"))
        let result = try session.trainer.run(observer: SilentObserver())
        let after = try Training.tensors(result.weightsPath)
        #expect(
            after["features.kernel"] == trained["features.kernel"] && after["features.bias"] == trained["features.bias"]
        )
        // A layer of another shape is refused at its own line.
        let wrong = try s.spec(
            "wrong.yaml",
            try String(contentsOfFile: target, encoding: .utf8).replacingOccurrences(of: "units: 8", with: "units: 6"))
        let message = try #require(
            Training.failure {
                _ = try TrainingSession.make(model: wrong, resume: nil, overrides: .init(outputDirectory: s.path("w")))
            })
        #expect(
            message.contains(
                "wrong.yaml:4:5: error: transferred weights must have the layer's shapes; 'features.kernel' is [4, 8] in the file but [4, 6] in the model"
            ), "\(message)")
    }

    @Test func unreadableWeightsAndUnwritableFoldersAreReported() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let missing = try #require(
            Training.failure { _ = try InferenceSession.make(model: spec, weights: s.path("nope.safetensors")) })
        #expect(
            missing.contains("error: a weights file must be a readable safetensors file;")
                && missing.contains("[E0522]"), "\(missing)")
        let garbage = try s.write("garbage.safetensors", "not a safetensors file at all")
        let damaged = try #require(Training.failure { _ = try InferenceSession.make(model: spec, weights: garbage) })
        #expect(damaged.contains("the header claims") && damaged.contains("[E0522]"), "\(damaged)")
        let blocked = try s.write("file", "a file where the run folder should be")
        let unwritable = try #require(Training.failure { _ = try Training.run(spec, out: blocked + "/run") })
        #expect(
            unwritable.contains("error: the run folder '\(blocked)/run' cannot be created")
                && unwritable.contains("[E0523]"), "\(unwritable)")
    }

    /// reduce_on_plateau watches the validation loss at the end of each epoch and the rate
    /// it sets is the one the next epoch's steps use (the log shows it).
    @Test func plateauReductionsReachTheSteps() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "plateau.yaml",
            Self.iris
                .replacingOccurrences(
                    of: "schedule: {cosine: {duration: 40, unit: steps}}",
                    with: "schedule: {reduce_on_plateau: {monitor: val_loss, factor: 0.5, patience: 1, min_delta: 0.5}}"
                )
                .replacingOccurrences(of: "epochs: 4", with: "epochs: 6"))
        let counter = BatchCounter()
        let session = try TrainingSession.make(
            model: spec, resume: nil, overrides: .init(outputDirectory: s.path("run")))
        let result = try session.trainer.run(observer: counter)
        // min_delta 0.5 makes every epoch after the first a plateau: halve after each.
        #expect(result.history.map(\.learningRate) == [0.01, 0.01, 0.005, 0.0025, 0.00125, 0.000625])
        #expect(
            counter.notes.filter { $0.hasPrefix("val_loss has not improved for 1 epoch: learning rate reduced to") }
                .count == 5)
    }
}
