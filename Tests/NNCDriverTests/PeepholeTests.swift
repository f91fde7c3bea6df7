import Foundation
import Testing

/// `lstm` with `peephole: true` against tf.keras's PeepholeLSTMCell: a small model trained
/// for an epoch, `nnc predict` on random sequences, and models/verify/peephole_lstm.py's
/// numpy recurrence (tf.keras's formulas, its weight shapes and count) on the weights nnc
/// wrote. Needs numpy in python3: skipped (saying so) without it.
@Suite struct PeepholeTests {
    static let numpyAvailable: Bool = (try? Python.run(["-c", "import numpy"]))?.status == 0

    static let spec = """
        model: peephole
        input: [12, 2]
        layers:
          - lstm: {units: 5, peephole: true, name: lstm}
          - dense: {units: 1, name: dense}
        init: {bias: {normal: {std: 0.3}}}
        loss: mse
        optimizer: {adam: 0.01}
        train: {epochs: 1, batch_size: 16, seed: 1}
        data:
          train: {generate: {adding: {length: 12, samples: 64}}}
        """

    @Test(.enabled(if: numpyAvailable, "python3 cannot import numpy"))
    func matchesTheKerasRecurrenceAndCount() throws {
        let s = try Scratch()
        let path = try s.spec("peephole.yaml", Self.spec)
        let train = try Binary.run(["train", path, "--out", s.path("run"), "--quiet"])
        try #require(train.status == 0, "\(train.stderr)")
        let weights = s.path("run/weights.safetensors")
        let inputs = s.path("inputs.npy")
        try ExportTests.writeInputs(inputs, samples: 9, shape: [12, 2], range: -1...1)
        let predict = try Binary.run(["predict", path, "--weights", weights, "--input", inputs, "--format", "json"])
        try #require(predict.status == 0, "\(predict.stderr)")
        let predictions = try s.write("predictions.json", predict.stdout)
        let script = Repo.models.appendingPathComponent("verify/peephole_lstm.py").path
        let run = try Python.run([script, weights, inputs, predictions])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("Keras counts 175, nnc wrote 175"), "\(run.stdout)")
        #expect(run.stdout.contains("max abs difference"), "\(run.stdout)")
    }

    /// The summary counts the peepholes and shows them in the formula.
    @Test func summaryCountsThePeepholes() throws {
        let s = try Scratch()
        let path = try s.spec("peephole.yaml", Self.spec)
        let run = try Binary.run(["summary", path, "--explain"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("4 × (5·(2 + 5) + 5) + 3·5 = 175"), "\(run.stdout)")
        #expect(run.stdout.contains("+ 6·5 peepholes"), "\(run.stdout)")
        #expect(run.stdout.contains("Total params: 181"), "\(run.stdout)")
    }
}
