import Foundation
import NNCDriver
import NNCPlan
import NNCTestSupport
import Testing

/// `nnc plan`, `nnc gradcheck`, `nnc bench FILE` and `nnc summary --memory`, run as a user would.
@Suite(.serialized) struct PlanCommandTests {
    func modelPath(_ name: String) -> String { Repo.models.appendingPathComponent(name).path }

    @Test func planPrintsInstructionsBuffersAndMemory() throws {
        let run = try Binary.run(["plan", modelPath("lenet5.yaml"), "--batch", "32"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("conv2d direct+bias+relu+maxpool+argmax  [conv2d]"))
        #expect(run.stdout.contains("conv2d implicit gemm+bias+relu+maxpool+argmax  [conv2d_1]"))
        #expect(run.stdout.contains("softmax+crossentropy (fused) + gradient  [loss]"))
        #expect(run.stdout.contains("adam update  [dense_2]"))
        #expect(run.stdout.contains("views (no bytes of their own): flatten → maxpool2d_1"))
        #expect(run.stdout.contains("lower bound"))
        let json = try Binary.run(["plan", modelPath("lenet5.yaml"), "--inference", "--batch", "1", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        for key in ["arena_bytes", "persistent_bytes", "naive_bytes", "lower_bound_bytes", "instructions"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        // Inference keeps the parameters persistent (61,706 floats) and the dense layers' weights
        // packed in 16-column panels (400×120, 120×84, 84×10), each tensor 64-byte aligned.
        let packed = [(400, 120), (120, 84), (84, 10)].reduce(0) {
            $0 + PackedWeights.floats(inputs: $1.0, units: $1.1)
        }
        #expect(packed == 51_200 + 11_520 + 1_344)
        let persistent = object["persistent_bytes"] as? Int ?? 0
        let floats = 61_706 + packed
        #expect(persistent >= floats * 4 && persistent < floats * 4 + 13 * 64, "\(persistent) bytes")
        #expect(
            (object["instructions"] as? [[String: Any]])?.allSatisfy { ($0["phase"] as? String) == "forward" } == true)
    }

    @Test func planOfARecurrentModelNamesItsSteps() throws {
        let run = try Binary.run(["plan", modelPath("lstm_classifier.yaml"), "--batch", "16"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("lstm (28 steps, 128 units) forward  [lstm]"))
        #expect(run.stdout.contains("lstm (28 steps, 128 units) backward through time  [lstm]"))
        #expect(run.stdout.contains("gemm dU=Σ sₜᵀ·dzₜ  [lstm]"))
        #expect(run.stdout.contains("lstm.states [16, 28, 128]"))
        // What cannot be fused into a step kernel is still E0402.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nnc-softmax-\(UUID().uuidString).yaml")
        try "input: [5, 2]\nlayers:\n  - lstm: {units: 3, activation: softmax}\n  - dense: 2\nloss: mse\n"
            .write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let bad = try Binary.run(["plan", path.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("[E0402]"))
    }

    @Test func gradcheckPassesAndReportsEveryParameter() throws {
        let run = try Binary.run(["gradcheck", modelPath("iris_mlp.yaml")])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.contains("dense.kernel"))
        #expect(run.stdout.contains("passed: worst relative error"))
    }

    /// A model whose every gradient is zero fails loudly: its only trainable layer is a ReLU
    /// layer biased far below zero (dead for every input), the layer after it frozen.
    @Test func gradcheckFailsWhenAllGradientsAreZero() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-zero-\(UUID().uuidString).yaml")
        try """
        input: [4]
        layers:
          - dense: {units: 3, init: zeros, bias_init: {constant: -10.0}, activation: relu}
          - dense: {units: 2, trainable: false}
        loss: mse
        """.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let run = try Binary.run(["gradcheck", path.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAILED: every gradient is zero"))
    }

    @Test func benchReportsSamplesPerSecond() throws {
        let run = try Binary.run([
            "bench", "784-128-10", "--inference", "--batch", "4", "--seconds", "0.05", "--format", "json",
        ])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((object["samples_per_second"] as? Double ?? 0) > 0)
        #expect(object["batch"] as? Int == 4)
    }

    @Test func summaryReportsPlanMemoryAndTheLargestBatch() throws {
        let run = try Binary.run(["summary", modelPath("iris_mlp.yaml"), "--batch", "16", "--memory", "1MiB"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Plan memory at batch 16"))
        #expect(run.stdout.contains("Largest batch within 1MiB (1,048,576 bytes):"))
        let bad = try Binary.run(["summary", modelPath("iris_mlp.yaml"), "--memory", "lots"])
        #expect(bad.status == 64)
    }

    /// The largest batch is the largest: it fits and one more does not.
    @Test func largestBatchIsExact() throws {
        let result = try Driver.check(path: modelPath("lenet5.yaml"))
        let graph = try #require(result.graph)
        let spec = try #require(result.spec)
        let budget = 8 << 20
        let batch = MemoryReport.largestBatch(graph, spec, mode: .training, budget: budget)
        #expect(batch > 1)
        #expect(MemoryReport.bytes(graph, spec, mode: .training, batch: batch)!.totalBytes <= budget)
        #expect(MemoryReport.bytes(graph, spec, mode: .training, batch: batch + 1)!.totalBytes > budget)
        #expect(MemoryReport.parseBytes("2GiB") == 2 << 30)
        #expect(MemoryReport.parseBytes("1.5GB") == 1_500_000_000)
        #expect(MemoryReport.parseBytes("-3") == nil)
    }

    /// Golden plan dumps (timing left out): re-record with NNC_RECORD=1.
    @Test(arguments: [
        ("iris_mlp.yaml", LoweringOptions.Mode.training, 8), ("lenet5.yaml", .training, 32),
        ("resnet_block.yaml", .inference, 4), ("imdb_bow_l2.yaml", .training, 4),
        ("hinton_dropout_mlp.yaml", .training, 4),
        ("lstm_classifier.yaml", .training, 16),
    ])
    func planDumpMatchesGolden(model: String, mode: LoweringOptions.Mode, batch: Int) throws {
        let plan = try #require(
            try Driver.compile(path: modelPath(model), options: LoweringOptions(mode: mode, batch: batch)).plan)
        try Golden.expect(PlanReport.text(plan, timing: false), "plans/\(model).\(mode.rawValue).\(batch).txt")
    }
}
