import Foundation
import NNCDriver
import NNCRuntime
import Testing

/// `nnc export --format onnx` end to end: every bundled model with data is trained for a
/// few batches, exported with the built binary, checked by onnx.checker (full check) and run
/// in ONNX Runtime on the same random inputs as `nnc predict --input`, at the whole batch,
/// batch 1 and batch 7 (the symbolic batch dimension), agreeing within `tolerance`; a model
/// with a layer ONNX cannot express is refused with the code and the layer's name and place.
/// Scripts/onnx-check.py does the Python side; it fails when onnx or onnxruntime cannot be
/// imported (Scripts/test.sh installs them), so these tests fail rather than skip.
@Suite struct ExportTests {
    /// Largest absolute difference allowed between ONNX Runtime's outputs and nnc's
    /// (probabilities and regression values): float32 sums in another order.
    static let tolerance = 1e-4

    struct Case: Sendable, CustomStringConvertible {
        var model: String
        /// Raw input values are drawn uniformly from this range (before the saved preprocessing).
        var range: ClosedRange<Double> = 0...1
        /// The refusal expected instead of an export: the code and the layer it names.
        var refused: (code: String, layer: String)? = nil
        var description: String { model }
    }

    static let cases: [Case] = [
        Case(model: "adding_lstm.yaml", refused: ("E0600", "lstm")),
        Case(model: "bigru_classifier.yaml", refused: ("E0600", "bidirectional")),
        Case(model: "breast_cancer_mlp.yaml", range: 0...30),
        Case(model: "causal_tcn.yaml"),
        Case(model: "ciresan_mlp.yaml", range: 0...255),
        Case(model: "digits_mlp.yaml", range: 0...16),
        Case(model: "fashion_mlp.yaml", range: 0...255),
        Case(model: "gru_classifier.yaml", refused: ("E0600", "gru")),
        Case(model: "hinton_dropout_mlp.yaml", range: 0...255),
        Case(model: "iris_mlp.yaml", range: 0...8),
        Case(model: "iris_regression.yaml", range: 0...8),
        Case(model: "lenet5.nn", range: 0...255),
        Case(model: "lenet5.yaml", range: 0...255),
        Case(model: "lstm_classifier.yaml", refused: ("E0600", "lstm")),
        Case(model: "mnist_mlp.yaml", range: 0...255),
        Case(model: "mobilenet_block.yaml", range: 0...255),
        Case(model: "nielsen_cnn.yaml", range: 0...255),
        Case(model: "se_cnn.yaml", range: 0...255),
        Case(model: "snn_mlp.yaml", range: 0...16),
        Case(model: "stacked_lstm_layernorm.yaml", refused: ("E0600", "lstm")),
        Case(model: "transformer_reverse.yaml", refused: ("E0600", "multi_head_attention")),
        Case(model: "wine_mlp.yaml", range: 0...15),
    ]

    /// Every bundled model with a data section is in `cases`, so a new one is exported too.
    @Test func everyBundledModelWithDataIsCovered() throws {
        let withData = try Repo.modelFiles.filter { name in
            let text = try String(contentsOf: Repo.models.appendingPathComponent(name), encoding: .utf8)
            return text.contains("\ndata:") || text.contains("\ndata ")
        }
        #expect(withData == Self.cases.map(\.model))
    }

    @Test(arguments: cases)
    func exportsAndAgreesWithONNXRuntime(_ c: Case) throws {
        let s = try Scratch()
        let spec = Repo.models.appendingPathComponent(c.model).path
        let weights = try Self.briefTraining(spec, in: s)
        let onnx = s.path("model.onnx")
        let export = try Binary.run(["export", spec, "--format", "onnx", "--weights", weights, "-o", onnx])
        if let (code, kind) = c.refused {
            #expect(export.status == 1, "\(c.model): \(export.stdout)")
            #expect(export.stderr.contains(": error: layer '"), "\(c.model): \(export.stderr)")
            #expect(export.stderr.contains("[\(code)]"), "\(c.model): \(export.stderr)")
            #expect(export.stderr.contains("(\(kind)) cannot be exported to ONNX"), "\(c.model): \(export.stderr)")
            #expect(
                export.stderr.range(of: "\(c.model):[0-9]+:[0-9]+: error", options: .regularExpression) != nil,
                "\(c.model): the error is located at the layer")
            #expect(!FileManager.default.fileExists(atPath: onnx))
            return
        }
        try #require(export.status == 0, "\(c.model): \(export.stderr)")
        #expect(export.stdout.contains("ONNX opset \(ONNXExport.opset)"))
        let shape = try #require(Self.inputShape(export.stdout), "\(export.stdout)")
        let inputs = s.path("inputs.npy")
        try Self.writeInputs(inputs, samples: 15, shape: shape, range: c.range)
        let predict = try Binary.run([
            "predict", spec, "--weights", weights, "--input", inputs, "--format", "json",
        ])
        try #require(predict.status == 0, "\(c.model): \(predict.stderr)")
        let predictions = try s.write("predictions.json", predict.stdout)
        let checked = try Self.python([onnx, inputs, predictions, "--tolerance", "\(Self.tolerance)"])
        #expect(checked.contains("opset \(ONNXExport.opset), producer nnc"))
        #expect(checked.contains("max abs difference"))
    }

    /// The exported file keeps the spec's layer names, leaves dropout out, states its opset
    /// and producer, and says what it wrote.
    @Test func reportsWhatItWrote() throws {
        let s = try Scratch()
        let spec = Repo.models.appendingPathComponent("digits_mlp.yaml").path
        let weights = try Self.briefTraining(spec, in: s)
        let run = try Binary.run(["export", spec, "--format", "onnx", "--weights", weights, "-o", s.path("m.onnx")])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("input  'input' [N, 8, 8]"))
        #expect(run.stdout.contains("preprocessing in the graph: scale 0.0625"))
        #expect(run.stdout.contains("left out (inference): dropout"))
    }

    /// --weights and --run together are a usage error; a missing weights file is located.
    @Test func refusesBadArguments() throws {
        let spec = Repo.models.appendingPathComponent("iris_mlp.yaml").path
        let both = try Binary.run(["export", spec, "--format", "onnx", "--weights", "a", "--run", "b"])
        #expect(both.status == 64 && both.stderr.contains("--weights or --run"))
        let format = try Binary.run(["export", spec, "--format", "tflite"])
        #expect(format.status == 64)
        let missing = try Binary.run(["export", spec, "--format", "onnx", "--run", "/nonexistent/run"])
        #expect(missing.status == 1 && missing.stderr.contains("[E0522]"))
    }

    /// A few batches of training in a scratch run folder; returns the weights to export (the
    /// interrupted run's checkpoint holds the weights under their names, with the preprocessing).
    static func briefTraining(_ spec: String, in s: Scratch) throws -> String {
        _ = try Training.run(spec, out: s.path("run"), stopAfterBatches: 2)
        return s.path("run/checkpoint.safetensors")
    }

    /// The per-sample input shape `nnc export` reports ("input  'input' [N, 28, 28, 1]").
    static func inputShape(_ report: String) -> [Int]? {
        guard let line = report.split(separator: "\n").first(where: { $0.hasPrefix("  input ") }),
            let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]")
        else { return nil }
        let dims = line[line.index(after: open)..<close].split(separator: ",").dropFirst()
        return dims.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// `samples` float32 inputs of `shape`, uniform in `range` (seeded), as an NPY file.
    static func writeInputs(_ path: String, samples: Int, shape: [Int], range: ClosedRange<Double>) throws {
        var random = SplitMix64(seed: 17)
        let count = samples * shape.reduce(1, *)
        let values = (0..<count).map { _ in Float(Double.random(in: range, using: &random)) }
        let dims = ([samples] + shape).map(String.init).joined(separator: ", ")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims),), }"
        header += String(repeating: " ", count: 63 - (10 + header.count) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Runs Scripts/onnx-check.py; fails the test with its output unless it exits 0.
    @discardableResult
    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repo.root.appendingPathComponent("Scripts/onnx-check.py").path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "onnx-check.py: \(text)")
        return text
    }
}
