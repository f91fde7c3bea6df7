import Foundation
import Testing

/// Export then import gives back the same model: every bundled model ExportTests exports
/// (but those `refused` names) is trained for two batches, exported with
/// `--keep-training-layers`, checked by onnx.checker and ONNX Runtime as ExportTests checks
/// the default export, imported with `nnc import`, and then
/// (a) "the same spec": `nnc summary --format json` of the imported spec lists the same
///     layers in the same order with the same names, kinds, inputs, output shapes, window
///     arithmetic (padding, stride, rounding) and parameter counts as the original's;
/// (b) `nnc predict` of the imported spec with the imported weights gives the original's
///     outputs on the same inputs within `tolerance` (the import only moves weights, so
///     they agree to float32 rounding).
@Suite struct ONNXRoundTripTests {
    static let tolerance = 1e-6

    /// Bundled models whose ONNX form nnc cannot import, and why: the exporter composes
    /// multi_head_attention and position_embedding from primitive ops.
    static let refused = ["transformer_reverse.yaml"]

    static var cases: [ExportTests.Case] { ExportTests.cases.filter { !refused.contains($0.model) } }

    @Test(arguments: cases)
    func exportThenImportGivesBackTheSameModel(_ c: ExportTests.Case) throws {
        let s = try Scratch()
        let spec = Repo.models.appendingPathComponent(c.model).path
        let weights = try ExportTests.briefTraining(spec, in: s)
        let onnx = s.path("model.onnx")
        let export = try Binary.run([
            "export", spec, "--format", "onnx", "--weights", weights, "-o", onnx, "--keep-training-layers",
        ])
        try #require(export.status == 0, "\(c.model): \(export.stderr)")
        // (c) the kept form passes the checker and agrees with ONNX Runtime; inputs.npy and
        // predictions.json are the original's.
        try ExportTests.compare(
            spec, weights: weights, onnx: onnx, report: export.stdout, range: c.range, tokens: c.tokens, in: s)

        let imported = s.path("imported.yaml")
        let run = try Binary.run(["import", onnx, "-o", imported])
        try #require(run.status == 0, "\(c.model): \(run.stderr)")
        #expect(try Self.layers(imported) == Self.layers(spec), "\(c.model)")

        let predict = try Binary.run([
            "predict", imported, "--weights", s.path("imported.safetensors"), "--input", s.path("inputs.npy"),
            "--format", "json",
        ])
        try #require(predict.status == 0, "\(c.model): \(predict.stderr)")
        let expected = try Self.outputs(Data(contentsOf: URL(fileURLWithPath: s.path("predictions.json"))))
        let got = try Self.outputs(Data(predict.stdout.utf8))
        try #require(got.count == expected.count && zip(got, expected).allSatisfy { $0.count == $1.count })
        let worst = zip(got, expected).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
        #expect(worst <= Self.tolerance, "\(c.model): outputs differ by \(worst)")
    }

    /// What "the same spec" compares of each layer in `nnc summary --format json`.
    static func layers(_ spec: String) throws -> [String] {
        let run = try Binary.run(["summary", spec, "--format", "json"])
        try #require(run.status == 0, "\(run.stdout)\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let layers = try #require(report["layers"] as? [[String: Any]])
        let keys = [
            "name", "type", "connected_to", "output_shape", "arithmetic", "params", "trainable_params",
            "non_trainable_params",
        ]
        return try layers.map { layer in
            let kept = layer.filter { keys.contains($0.key) }
            let data = try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func outputs(_ json: Data) throws -> [[Double]] {
        let rows = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
        return try rows.map { try #require($0["output"] as? [Double]) }
    }
}
