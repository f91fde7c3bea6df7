import Foundation
import NNCDriver
import NNCPlan
import NNCTestSupport
import Testing

/// `tree_lstm` against Tai et al.'s equations: a small model of each variant trained for two
/// epochs on random trees, `nnc predict` on them, and models/verify/tree_lstm.py's numpy
/// recursion from the root (the paper's formulas, count and weight layout) on the weights nnc
/// wrote. Needs numpy in python3: skipped (saying so) without it.
@Suite struct TreeLSTMVerifyTests {
    static let numpyAvailable: Bool = (try? Python.run(["-c", "import numpy"]))?.status == 0

    static func spec(_ variant: String) -> String {
        """
        input: [7, 3]
        layers:
          - tree_lstm: {units: 5, input_dim: 6, embedding_dim: 4, variant: \(variant), name: tree_lstm}
          - dense: {units: 2, name: dense}
        init: {bias: {normal: {std: 0.3}}}
        loss: mse
        optimizer: {adam: 0.01}
        train: {epochs: 2, batch_size: 16, seed: 1}
        data:
          train: {images: trees.npy, labels: y.npy}
        """
    }

    @Test(.enabled(if: numpyAvailable, "python3 cannot import numpy"), arguments: ["child_sum", "n_ary"])
    func matchesThePapersEquationsAndCount(variant: String) throws {
        let s = try Scratch()
        let path = try s.spec("tree.yaml", Self.spec(variant))
        // 64 random trees of 1 to 7 nodes (GradientCheck's generator), random targets.
        let plan = try #require(
            Driver.compile(path: path, options: LoweringOptions(mode: .training, batch: 64)).plan)
        let data = GradientCheck.randomData(for: plan, seed: 8)
        try DataBoundaryTests.npy([64, 7, 3], data.input.map(Float.init)).write(
            to: URL(fileURLWithPath: s.path("trees.npy")))
        try DataBoundaryTests.npy([64, 2], (data.target ?? []).map(Float.init)).write(
            to: URL(fileURLWithPath: s.path("y.npy")))
        let train = try Binary.run(["train", path, "--out", s.path("run"), "--quiet"])
        try #require(train.status == 0, "\(train.stderr)")
        let weights = s.path("run/weights.safetensors")
        let predict = try Binary.run([
            "predict", path, "--weights", weights, "--input", s.path("trees.npy"), "--format", "json",
        ])
        try #require(predict.status == 0, "\(predict.stderr)")
        let predictions = try s.write("predictions.json", predict.stdout)
        let script = Repo.models.appendingPathComponent("verify/tree_lstm.py").path
        let run = try Python.run([script, weights, s.path("trees.npy"), predictions])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let count = variant == "child_sum" ? 224 : 374
        #expect(run.stdout.contains("paper counts \(count), nnc wrote \(count)"), "\(run.stdout)")
        #expect(run.stdout.contains("max abs difference"), "\(run.stdout)")
    }
}
