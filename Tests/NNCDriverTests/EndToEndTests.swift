import Foundation
import NNCDriver
import NNCSpec
import Testing

/// Runs the built `nnc` binary as a user would and checks output and exit codes
/// (0 success, 1 spec errors, 64 usage errors).
@Suite(.serialized) struct EndToEndTests {
    static let lenet = """
        model: lenet5
        input: [28, 28, 1]
        layers:
          - conv2d: {filters: 6, kernel: 5, padding: same, activation: relu}
          - maxpool2d: 2
          - conv2d: {filters: 16, kernel: 5, activation: relu}
          - maxpool2d: 2
          - flatten
          - dense: {units: 120, activation: relu}
          - dense: {units: 84, activation: relu}
          - dense: {units: 10, activation: softmax}
        loss: categorical_crossentropy
        metrics: [accuracy]
        optimizer: {adam: 0.001}
        """

    static let broken = """
        model: broken
        input: [784]
        layers:
          - dense: {units: 128, name: fc1}
          - dense: {units: 64, name: fc2, inputs: [input]}
          - add: {inputs: [fc1, fc2]}
          - dense: {units: 10, activation: softmx}
        optimizer: {sgd: {momentun: 0.9}}
        """

    func write(_ text: String, _ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func checkPrintsTheShapeTraceAndExitsZero() throws {
        let run = try Binary.run(["check", try write(Self.lenet, "lenet.yaml")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("maxpool2d    maxpool2d  [B, 14, 14, 6]"))
        #expect(run.stdout.contains("height ⌊(28 − 2)/2⌋ + 1 = 14"))
        #expect(run.stdout.contains("receptive field 16×16, jump 4×4"))
        #expect(run.stdout.hasSuffix("ok\n"))
    }

    /// A transposed convolution's output sizes by Keras's formula, in the shape trace.
    @Test func checkPrintsTheTransposedConvolutionArithmetic() throws {
        let decoder = """
            input: [7, 7, 8]
            layers:
              - conv2d_transpose: {filters: 4, kernel: 3, stride: 2, padding: same, output_padding: 1}
              - conv2d_transpose: {filters: 1, kernel: 2, stride: 3}
            """
        let run = try Binary.run(["check", try write(decoder, "decoder.yaml")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("conv2d_transpose_1  conv2d_transpose  [B, 42, 42, 1]"))
        #expect(
            run.stdout.contains(
                "height (in − 1)·stride + kernel − 2·⌊kernel/2⌋ + output_padding = (7 − 1)·2 + 3 − 2·1 + 1 = 14 (same)")
        )
        #expect(run.stdout.contains("width  in·stride + max(kernel − stride, 0) = 14·3 + max(2 − 3, 0) = 42"))
    }

    @Test func checkReportsEveryErrorWithLocationAndExitsOne() throws {
        let path = try write(Self.broken, "broken.yaml")
        let run = try Binary.run(["check", path])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "\(path):6:25: error: 'add' operands must have equal sizes, or 1 where they differ; got [B, 128] and [B, 64] [E0301]"
            ))
        #expect(run.stderr.contains("\(path):7:36: error: unknown activation 'softmx' [E0204]"))
        #expect(run.stderr.contains("\(path):8:19: error: unknown key 'momentun' in 'sgd' [E0201]"))
        #expect(run.stderr.contains("help: did you mean 'momentum'?"))
        #expect(run.stderr.hasSuffix("3 errors, 0 warnings\n"))
    }

    @Test func checkJSONListsDiagnostics() throws {
        let run = try Binary.run(["check", try write(Self.broken, "broken.yaml"), "--format", "json"])
        #expect(run.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == false)
        let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.compactMap { $0["code"] as? String } == ["E0301", "E0204", "E0201"])
        #expect(diagnostics.first?["line"] as? Int == 6)
    }

    @Test func summaryTableAndJSON() throws {
        let path = try write(Self.lenet, "lenet.yaml")
        let text = try Binary.run(["summary", path])
        #expect(text.status == 0)
        #expect(text.stdout.contains(" conv2d (conv2d)           [B, 28, 28, 6]        156"))
        #expect(text.stdout.contains("Total params: 61,706 (241.04 KiB)"))
        let run = try Binary.run(["summary", path, "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["total_params"] as? Int == 61_706)
        #expect(json["trainable_params"] as? Int == 61_706)
        #expect(json["non_trainable_params"] as? Int == 0)
        #expect(json["flops"] as? Int == 850_844)
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers[1]["name"] as? String == "conv2d")
        #expect(layers[1]["type"] as? String == "conv2d")
        #expect(layers[1]["output_shape"] as? [Int] == [28, 28, 6])
        #expect(layers[1]["params"] as? Int == 156)
    }

    @Test func summaryExplainPrintsFormulas() throws {
        let run = try Binary.run(["summary", "784-128-10", "--explain"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("params: (784 + 1) × 128 = 100,480"))
        #expect(run.stdout.contains("Total params: 101,770"))
    }

    @Test func summaryWithErrorsShowsWhereItStopped() throws {
        let run = try Binary.run(["summary", try write(Self.broken, "broken.yaml")])
        #expect(run.status == 1)
        #expect(run.stdout.contains("fc1 (dense)"))
        #expect(run.stdout.contains("◀ stopped here"))
        #expect(run.stderr.contains("[E0301]"))
    }

    @Test func mlpShorthandAndPyTorchConvention() throws {
        let run = try Binary.run(["summary", "784-500-500-10", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["total_params"] as? Int == 785 * 500 + 501 * 500 + 501 * 10)
        let lstm = try write(
            "input: [28, 28]\nlayers: [{lstm: 128}, {dense: {units: 10, activation: softmax}}]\n", "lstm.yaml")
        let keras = try Binary.run(["summary", lstm, "--format", "json"])
        let pytorch = try Binary.run(["summary", lstm, "--format", "json", "--convention", "pytorch"])
        let k = try #require(try JSONSerialization.jsonObject(with: Data(keras.stdout.utf8)) as? [String: Any])
        let p = try #require(try JSONSerialization.jsonObject(with: Data(pytorch.stdout.utf8)) as? [String: Any])
        #expect(k["total_params"] as? Int == 80_384 + 1_290)
        #expect(p["total_params"] as? Int == 80_896 + 1_290)
        let bad = try Binary.run(["check", "784-12x-10"])
        #expect(bad.status == 1)
    }

    /// `nnc summary --convention pytorch` counts PyTorch's second bias row per gate, by hand:
    /// bidirectional GRU (reset before) 16 units on 8 features: Keras 2·3·(16·(8 + 16) + 16) = 2,400,
    ///   PyTorch 2·3·(16·24 + 2·16) = 2,496;
    /// simple_rnn 8 on the 32 concatenated features: Keras 8·(32 + 8) + 8 = 328, PyTorch 320 + 16 = 336;
    /// lstm 4 on 8: Keras 4·(4·(8 + 4) + 4) = 208, PyTorch 4·(48 + 8) = 224; dense (4 + 1)·3 = 15 in both.
    @Test func pytorchConventionCountsTwoRecurrentBiases() throws {
        let path = try write(
            """
            input: [20, 8]
            layers:
              - bidirectional: {gru: {units: 16, reset_after: false, return_sequences: true}}
              - simple_rnn: {units: 8, return_sequences: true}
              - lstm: 4
              - dense: 3
            """, "stacked.yaml")
        for (convention, total) in [("keras", 2_400 + 328 + 208 + 15), ("pytorch", 2_496 + 336 + 224 + 15)] {
            let run = try Binary.run(["summary", path, "--format", "json", "--convention", convention])
            #expect(run.status == 0, "\(run.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(json["total_params"] as? Int == total, "\(convention)")
        }
        let table = try Binary.run(["summary", path, "--convention", "pytorch"])
        #expect(table.stdout.contains("(PyTorch parameter convention)"))
    }

    /// PyTorch keeps batchnorm's running statistics as buffers, not parameters: resnet_block's
    /// 352 moving means and variances leave its count, and the table says where they went.
    /// The memory lines still describe the plan nnc runs.
    @Test func pytorchConventionCountsBatchnormStatisticsAsBuffers() throws {
        let model = Repo.models.appendingPathComponent("resnet_block.yaml").path
        let json = try Binary.run(["summary", model, "--format", "json", "--convention", "pytorch"])
        let p = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(p["total_params"] as? Int == 24_666 && p["non_trainable_params"] as? Int == 0)
        let table = try Binary.run(["summary", model, "--convention", "pytorch", "--explain"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("Total params: 24,666"), "\(table.stdout)")
        #expect(
            table.stdout.contains("Buffers: 352 (1.38 KiB): batchnorm running statistics, not parameters"),
            "\(table.stdout)")
        #expect(
            table.stdout.contains("params: 2 × 16 = 32 (running_mean and running_var: 2 × 16 buffers, not parameters)"),
            "\(table.stdout)")
        let keras = try Binary.run(["summary", model])
        let memory = { (text: String) in
            text.split(separator: "\n").filter { $0.contains("training step:") || $0.contains("inference:") }
        }
        #expect(memory(table.stdout) == memory(keras.stdout) && !memory(keras.stdout).isEmpty, "\(keras.stdout)")
    }

    @Test func resolvedDefaultsCheckToTheSameModel() throws {
        let path = try write(Self.lenet, "lenet.yaml")
        let run = try Binary.run(["check", path, "--defaults"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("beta_2: 0.999") || run.stdout.contains("beta_2"))
        let resolved = try write(run.stdout, "resolved.yaml")
        let again = try Binary.run(["summary", resolved, "--format", "json"])
        #expect(again.status == 0, "\(again.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(json["total_params"] as? Int == 61_706)
    }

    @Test func schemaPrintsTheCommittedSchema() throws {
        let run = try Binary.run(["schema"])
        #expect(run.status == 0)
        #expect(
            run.stdout
                == (try String(contentsOf: Repo.root.appendingPathComponent("Grammar/nnc.schema.json"), encoding: .utf8))
        )
    }

    @Test func usageErrorsExit64AndMissingFilesExit1() throws {
        #expect(try Binary.run(["check"]).status == 64)
        #expect(try Binary.run(["frobnicate"]).status == 64)
        #expect(try Binary.run(["summary", "x.yaml", "--format", "xml"]).status == 64)
        let missing = try Binary.run(["check", "no/such/model.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("[E0105]"))
        #expect(missing.stderr.contains("no/such/model.yaml"))
    }

    @Test func explainPrintsTheCodeWithItsExamples() throws {
        let run = try Binary.run(["explain", "e0307"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("E0307: a kernel or pool window is larger than its padded input\n"))
        #expect(run.stdout.contains("[E0307]"))
        let list = try Binary.run(["explain", "--list"])
        #expect(list.stdout.split(separator: "\n").count == DiagnosticCode.allCases.count)
        let unknown = try Binary.run(["explain", "E0399"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("did you mean 'E0309'?"))
        let json = try Binary.run(["explain", "W0301", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String])
        #expect(object["code"] == "W0301")
        #expect(object["bad_example"]?.contains("stride: 2") == true)
    }

    @Test func dslModelsCheckLikeYAML() throws {
        let run = try Binary.run(["summary", "models/lenet5.nn", "--format", "json"])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["total_params"] as? Int == 61_706)
        let bad = try Binary.run(["check", try write("input 784\ndense units=\n", "bad.nn")])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(":2:13: error: expected a value after 'units=' [E0102]"))
    }

    /// Benchmarks are measured by hand, not timed in tests; here they only have to run.
    @Test func benchmarksRun() throws {
        let planner = try Binary.run(["bench", "planner", "--counts", "200"])
        #expect(planner.status == 0)
        #expect(planner.stdout.contains("200 buffers"))
        let gemm = try Binary.run(["bench", "gemm", "--threads", "1", "--format", "json"])
        #expect(gemm.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(gemm.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == GEMMBenchmark.shapes.count)
        #expect(rows.allSatisfy { ($0["gflops"] as? Double ?? 0) > 0 })
        #expect(try Binary.run(["bench", "gemm", "--threads", "0"]).status == 64)
        let list = try Binary.run(["bench", "gemm", "--list", "--format", "json"])
        let shapes = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(shapes.map { $0["k"] as? Int } == GEMMBenchmark.shapes.map(\.k))
        let peak = try Binary.run(["bench", "peak", "--threads", "1", "--seconds", "0.02", "--format", "json"])
        let probe = try #require(try JSONSerialization.jsonObject(with: Data(peak.stdout.utf8)) as? [String: Any])
        #expect((probe["gflops"] as? Double ?? 0) > 0)
        #expect(try Binary.run(["bench", "peak", "--seconds", "nan"]).status == 64)
        // The profile: every instruction with its multiply-adds, and the measured peak beside them.
        let profile = try Binary.run([
            "bench", Repo.models.appendingPathComponent("mnist_mlp.yaml").path, "--batch", "8", "--threads", "1",
            "--seconds", "0.05",
            "--profile", "--format", "json",
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(profile.stdout.utf8)) as? [String: Any])
        let instructions = try #require(report["instructions"] as? [[String: Any]])
        #expect((report["peak_gflops"] as? Double ?? 0) > 0)
        // 784·128 + 128·10 multiply-adds per sample forward, the same for dW, and dx of the second layer only.
        #expect(report["multiply_adds"] as? Int == 8 * (2 * (784 * 128 + 128 * 10) + 128 * 10))
        #expect(instructions.reduce(0) { $0 + ($1["multiply_adds"] as? Int ?? 0) } == report["multiply_adds"] as? Int)
        let text = try Binary.run([
            "bench", Repo.models.appendingPathComponent("mnist_mlp.yaml").path, "--batch", "8", "--threads", "1",
            "--seconds", "0.05", "--profile",
        ])
        #expect(text.stdout.contains("of peak") && text.stdout.contains("gemm+bias+relu [dense]"), "\(text.stdout)")
    }
}
