import Foundation
import NNCDriver
import NNCRuntime
import Testing

/// Divergence is caught while the loss is still finite: a step's loss past
/// `Trainer.divergenceGrowth` (10⁴) times the untrained model's stops the run with E0520.
/// The rule's other side: healthy runs stay far below it (ExampleResultsTests and
/// SequenceExampleResultsTests train the bundled examples with their recipes under the rule;
/// per batch their losses stay under 1.2 times the first step's; hinton_dropout_mlp's
/// learning rate of 10, the wildest recipe, spikes to 9.1 times it in its first epoch and
/// recovers).
@Suite(.serialized) struct DivergenceTests {
    static let iris = """
        model: blowup
        input: [4]
        layers:
          - dense: {units: 16, activation: relu}
          - dense: {units: 3, activation: softmax}
        loss: sparse_categorical_crossentropy
        optimizer: {sgd: 1000000.0}
        train: {epochs: 20, batch_size: 16, seed: 1}
        data:
          train: {path: DATA/iris.csv}
        """

    /// A learning rate of 10⁶ used to drive the loss to 4.8·10³⁰ and train on, undiagnosed.
    @Test func aLossGrowingByOrdersOfMagnitudeStopsBeforeItIsInfinite() throws {
        let s = try Scratch()
        let spec = try s.spec("blowup.yaml", Self.iris)
        let run = try Binary.run(["train", spec, "--out", s.path("run"), "--threads", "2", "--quiet"])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("error: training stops when the loss grows by orders of magnitude; the loss reached"),
            "\(run.stderr)")
        #expect(run.stderr.contains("times the untrained model's"), "\(run.stderr)")
        #expect(run.stderr.contains("note: at step 2 (epoch 1, batch 2 of 10), learning rate 1e+06"), "\(run.stderr)")
        #expect(run.stderr.contains("blowup.yaml:7:18:") && run.stderr.contains("[E0520]"), "\(run.stderr)")
        #expect(run.stderr.contains("help: lower the learning rate"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("run/weights.safetensors")))
    }

    /// The healthy side, measured: bundled examples with their own recipes end far below the
    /// rule (their worst batch is under 1.2 times the first step's loss).
    @Test(arguments: ["iris_mlp", "wine_mlp", "iris_regression"])
    func healthyBundledRunsStayFarBelowTheRule(_ model: String) throws {
        let s = try Scratch()
        let result = try Training.run(Repo.models.appendingPathComponent("\(model).yaml").path, out: s.path("run"))
        let initial = try #require(result.state.initialLoss)
        let worst = try #require(result.history.map(\.loss).max())
        #expect(worst < 2 * initial, "\(model): epoch loss \(worst) against the first step's \(initial)")
    }

    /// The first step's loss travels with the checkpoint, so a resumed run judges by the same scale.
    @Test func theScaleIsKeptAcrossAResume() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", TrainingTests.iris)
        let straight = try Training.run(spec, out: s.path("straight"))
        _ = try Training.run(spec, epochs: 2, out: s.path("split"))
        let resumed = try Training.run(spec, resume: s.path("split"), epochs: 4, out: s.path("split"))
        #expect(straight.state.initialLoss != nil && resumed.state.initialLoss == straight.state.initialLoss)
    }

    /// A NaN kernel before a ReLU keeps every loss finite (relu maps NaN to 0): the weights
    /// themselves are checked at the end of each epoch.
    @Test func weightsTurnedNaNBehindAReLUStopTheRun() throws {
        let s = try Scratch()
        let spec = try s.spec("hidden.yaml", Self.iris.replacingOccurrences(of: "sgd: 1000000.0", with: "sgd: 0.01"))
        let session = try TrainingSession.make(
            model: spec, resume: nil, overrides: .init(epochs: 2, threads: 2, outputDirectory: s.path("run")))
        let exec = session.trainer.executor
        let kernel = try #require(exec.stateBuffers([.parameter]).first { $0.name == "dense.kernel" })
        exec.write(kernel.id, [Float](repeating: .nan, count: kernel.elements))
        let message = try #require(Training.failure { _ = try session.trainer.run(observer: SilentObserver()) })
        #expect(message.contains("[E0520]"), "\(message)")
        #expect(
            message.contains(
                "error: training stops when the weights are not finite; 1 parameter tensor became NaN or infinite"),
            "\(message)")
        #expect(message.contains("note: after epoch 1 (step 10): 'dense.kernel'"), "\(message)")
    }
}
