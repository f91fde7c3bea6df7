import Foundation
import NNCRuntime
import Testing

/// `nnc train --monitor`: the per-layer table on stdout and monitor.jsonl in the run folder at
/// each report point, and weights bit-identical to a run without it.
@Suite(.serialized) struct MonitorTests {
    static func reports(_ folder: String) throws -> [[String: Any]] {
        try String(contentsOfFile: folder + "/monitor.jsonl", encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func aReportIntervalBelowOneIsAUsageError() throws {
        for bad in ["0", "-3", "x"] {
            let run = try Binary.run(["train", "models/iris_mlp.yaml", "--monitor-every", bad])
            #expect(run.status == 64, "--monitor-every \(bad): \(run.stderr)")
        }
    }

    @Test func everyNStepsOnTheMNISTMLPWithIdenticalWeights() throws {
        let s = try Scratch()
        let common = ["train", "models/mnist_mlp.yaml", "--epochs", "1", "--threads", "2"]
        let plain = try Binary.run(common + ["--out", s.path("plain"), "--quiet"])
        let watched = try Binary.run(common + ["--out", s.path("watched"), "--monitor-every", "10"])
        try #require(plain.status == 0 && watched.status == 0, "\(plain.stderr)\(watched.stderr)")
        #expect(
            try Training.tensors(s.path("plain/weights.safetensors"))
                == Training.tensors(s.path("watched/weights.safetensors")))
        #expect(!FileManager.default.fileExists(atPath: s.path("plain/monitor.jsonl")))

        // 32 steps: reports at steps 0, 10, 20 and 30.
        let reports = try Self.reports(s.path("watched"))
        #expect(reports.map { $0["step"] as? Int } == [0, 10, 20, 30])
        for report in reports {
            let layers = try #require(report["layers"] as? [[String: Any]])
            #expect(layers.map { $0["layer"] as? String } == ["dense", "dense_1"])
            let hidden = layers[0]
            #expect((hidden["weight_norm"] as? Double ?? 0) > 1 && (hidden["gradient_norm"] as? Double ?? 0) > 0)
            let ratio = try #require(hidden["update_ratio"] as? Double)
            #expect(ratio > 1e-4 && ratio < 0.1, "\(ratio)")
            #expect(hidden["activation"] as? String == "relu" && hidden["dead_fraction"] is Double)
            #expect(layers[1]["activation"] as? String == "logits" && layers[1]["dead_fraction"] == nil)

            // The activations of the batch of 128 in 20 buckets: 128 × 128 and 128 × 10 values.
            for (layer, units) in zip(layers, [128, 10]) {
                let histogram = try #require(layer["histogram"] as? [String: [Double]])
                let (edges, counts) = (try #require(histogram["edges"]), try #require(histogram["counts"]))
                #expect(counts.count == 20 && edges.count == 21 && edges == edges.sorted())
                #expect(counts.reduce(0, +) == Double(128 * units), "\(layer["layer"]!)")
            }
            // ReLU: every dead unit's values are zeros, and the zeros fill the first bucket, at 0.
            let zeros = try #require(hidden["zero_fraction"] as? Double)
            #expect(zeros > 0 && zeros >= hidden["dead_fraction"] as? Double ?? 1)
            let histogram = try #require(hidden["histogram"] as? [String: [Double]])
            #expect(histogram["edges"]?.first == 0 && histogram["counts"]![0] >= zeros * 128 * 128)
            // MNIST's border pixels are 0 in every image: their kernel gradients are exactly 0.
            let gradientZeros = try #require(hidden["gradient_zero_fraction"] as? Double)
            #expect(gradientZeros > 0.05 && gradientZeros < 1, "\(gradientZeros)")
            // ‖g‖² = n (std² + mean²) over the 784 × 128 + 128 gradient values.
            let (mean, std) = (
                try #require(hidden["gradient_mean"] as? Double), try #require(hidden["gradient_std"] as? Double)
            )
            let norm = try #require(hidden["gradient_norm"] as? Double)
            #expect(abs(100_480 * (std * std + mean * mean) - norm * norm) <= 1e-6 * norm * norm, "\(report)")
        }
        // Adam's first step moves the weights by more than the rule of thumb: flagged.
        let first = try #require((reports[0]["layers"] as? [[String: Any]])?.first)
        #expect(first["flag"] as? String == "high", "\(first)")
        #expect(watched.stdout.contains("monitor: epoch 1, step 10, loss "), "\(watched.stdout)")
        #expect(watched.stdout.contains("  layer    ‖w‖"), "\(watched.stdout)")
        #expect(watched.stdout.contains("act std  act zeros  dead/saturated"), "\(watched.stdout)")
    }

    /// Per epoch, on iris's tanh layer: the saturated fraction; a resumed run keeps the reports
    /// of the part before it.
    @Test func perEpochWithSaturationAndResume() throws {
        let s = try Scratch()
        let out = s.path("run")
        let run = try Binary.run([
            "train", "models/iris_mlp.yaml", "--epochs", "3", "--threads", "1", "--out", out, "--monitor", "--quiet",
        ])
        try #require(run.status == 0, "\(run.stderr)")
        let reports = try Self.reports(out)
        #expect(reports.map { $0["epoch"] as? Int } == [1, 2, 3])
        #expect(reports.allSatisfy { $0["batch"] as? Int == 5 }, "the last of 6 batches of 96 samples")
        let hidden = try #require((reports[2]["layers"] as? [[String: Any]])?.first)
        #expect(hidden["activation"] as? String == "tanh" && hidden["saturated_fraction"] is Double)
        // The last batch's 16 samples × 16 tanh units; tanh is exactly 0 only at 0.
        let histogram = try #require(hidden["histogram"] as? [String: [Double]])
        #expect(histogram["counts"]?.reduce(0, +) == 256 && hidden["zero_fraction"] as? Double == 0)

        let resumed = try Binary.run(["train", "--resume", out, "--epochs", "4", "--monitor", "--quiet"])
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.reports(out).map { $0["epoch"] as? Int } == [1, 2, 3, 4])
    }
}
