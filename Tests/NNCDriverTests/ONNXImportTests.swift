import Foundation
import Testing

/// `nnc import model.onnx` on files written by hand in other exporters' forms
/// (Tests/Fixtures/onnx/make.py: PyTorch's channels-first Conv and Gemm, MatMul + Add, pools,
/// merges, an LSTM and a bidirectional GRU read time first, a causal attention composed of
/// primitive ops): the imported spec and weights
/// give ONNX Runtime's outputs in `nnc predict` within `tolerance`, and what nnc cannot
/// express is refused with its code, the node and the file.
@Suite(.serialized) struct ONNXImportTests {
    static let tolerance = 1e-5

    /// make.py's files, written once per test run.
    static let fixtures: URL? = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nnc-onnx-fixtures-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = Repo.root.appendingPathComponent("Tests/Fixtures/onnx/make.py").path
        guard let run = try? Python.run([script, folder.path]), run.status == 0 else { return nil }
        return folder
    }()

    static func fixture(_ name: String) throws -> String {
        let folder = try #require(fixtures, "Tests/Fixtures/onnx/make.py failed (it needs onnx and onnxruntime)")
        return folder.appendingPathComponent(name).path
    }

    @Test(arguments: [
        (
            "cnn",
            [
                "conv2d: {name: conv1, filters: 4, kernel: 3, padding: same}",
                "conv2d: {name: conv2, filters: 6, kernel: 3, groups: 2}", "dense: {name: fc, units: 5}",
            ]
        ),
        (
            "pooled",
            [
                "avgpool2d: {name: avg, pool: 3, stride: 1, padding: same}", "maximum: {name: max, inputs: [elu, avg]}",
                "dense: {name: head, units: 2, activation: sigmoid}",
            ]
        ),
        (
            "recurrent",
            [
                "lstm: {name: lstm, units: 3, return_sequences: true}",
                "bidirectional: {name: gru, layer: {gru: {units: 3, reset_after: true}}}",
            ]
        ),
        (
            "attention",
            [
                "multi_head_attention: {name: mha, num_heads: 2, key_dim: 3, use_causal_mask: true}",
                "global_avgpool: {name: pool}",
            ]
        ),
    ])
    func otherExportersFormsImportAndAgreeWithONNXRuntime(_ name: String, _ entries: [String]) throws {
        let s = try Scratch()
        let spec = s.path("\(name).yaml")
        let run = try Binary.run(["import", try Self.fixture("\(name).onnx"), "-o", spec])
        try #require(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: spec, encoding: .utf8)
        for entry in entries { #expect(text.contains(entry), "\(text)") }
        let predict = try Binary.run([
            "predict", spec, "--weights", s.path("\(name).safetensors"), "--input",
            try Self.fixture("\(name).inputs.npy"), "--format", "json",
        ])
        try #require(predict.status == 0, "\(predict.stderr)")
        let got = try ONNXRoundTripTests.outputs(Data(predict.stdout.utf8))
        let expected = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: try Self.fixture("\(name).expected.json")))) as? [[Double]])
        try #require(got.count == expected.count && zip(got, expected).allSatisfy { $0.count == $1.count })
        let worst = zip(got, expected).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
        #expect(worst <= Self.tolerance, "\(name): nnc and ONNX Runtime differ by \(worst)")
    }

    @Test func aChannelsFirstInputIsNamedAsAWarning() throws {
        let s = try Scratch()
        let run = try Binary.run(["import", try Self.fixture("cnn.onnx"), "-o", s.path("cnn.yaml")])
        #expect(run.status == 0)
        #expect(
            run.stderr.contains(
                "is channels-first [N, 2, 8, 8]; the nnc spec takes it channels-last as [8, 8, 2] [W0205]"),
            "\(run.stderr)")
    }

    @Test(arguments: [
        (
            "cos.onnx",
            "cos.onnx: error: node 1 'wave' (Cos) cannot be imported: nnc has no layer for ONNX's Cos [E0630]"
        ),
        ("old.onnx", "uses opset 7 of ONNX's default domain; nnc imports opsets 11 to 21 [E0631]"),
        (
            "half.onnx",
            "half.onnx: error: initializer 'w' cannot be an nnc weight: its element type is float16, not float32 [E0632]"
        ),
        ("garbage.onnx", "does not decode as an ONNX model (malformedProtobuf) [E0633]"),
        (
            "attention_broken.onnx",
            "attention_broken.onnx: error: node 7 'mha/key/Transpose' (Transpose) breaks the multi-head attention around Softmax node 15 'mha/Softmax': the keys are not split into heads by a Transpose with perm [0, 2, 3, 1] [E0630]"
        ),
    ])
    func whatNNCCannotExpressIsRefusedByNode(_ file: String, _ says: String) throws {
        let s = try Scratch()
        let run = try Binary.run(["import", try Self.fixture(file), "-o", s.path("model.yaml")])
        #expect(run.status == 1)
        #expect(run.stderr.contains(says), "\(run.stderr)")
        #expect(
            run.stderr.components(separatedBy: "error:").count == 2, "one error, not its consequences: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("model.yaml")), "a refused import writes nothing")
        #expect(!FileManager.default.fileExists(atPath: s.path("model.safetensors")))
    }
}
