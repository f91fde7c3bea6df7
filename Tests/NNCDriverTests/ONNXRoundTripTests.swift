import Foundation
import Testing

/// Export then import gives back the same model: every bundled model ExportTests exports
/// (multi_head_attention and the position embeddings included, which the exporter composes
/// of primitive ops) is trained for two batches, exported with
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

    @Test(arguments: ExportTests.cases)
    func exportThenImportGivesBackTheSameModel(_ c: ExportTests.Case) throws {
        let s = try Scratch()
        try Self.roundTrip(Repo.models.appendingPathComponent(c.model).path, c, in: s)
    }

    /// A sine encoding of another wavelength, and an attention with a causal mask, no biases,
    /// values wider than its keys and its own output size (none of them in a bundled model).
    @Test func attentionSettingsAndTheSineEncodingRoundTrip() throws {
        let s = try Scratch()
        let spec = s.path("attention.yaml")
        try Self.attentionVariant.write(toFile: spec, atomically: true, encoding: .utf8)
        try Self.roundTrip(spec, ExportTests.Case(model: "attention.yaml", tokens: 11), in: s)
        let imported = try String(contentsOfFile: s.path("imported.yaml"), encoding: .utf8)
        for entry in [
            "sinusoidal_position_embedding: {name: sinusoidal_position_embedding, max_wavelength: 500.0}",
            "multi_head_attention: {name: multi_head_attention, num_heads: 2, key_dim: 4, value_dim: 6, output_shape: 12, use_bias: false, use_causal_mask: true}",
        ] {
            #expect(imported.contains(entry), "\(imported)")
        }
    }

    static let attentionVariant = """
        model: attention_variant
        input: [8]
        layers:
          - embedding: {input_dim: 11, output_dim: 16}
          - sinusoidal_position_embedding: {max_wavelength: 500}
          - multi_head_attention: {num_heads: 2, key_dim: 4, value_dim: 6, output_shape: 12, use_bias: false, use_causal_mask: true}
          - dense: {units: 11, activation: softmax}
        loss: sparse_categorical_crossentropy
        optimizer: {adam: 0.003}
        train: {epochs: 1, batch_size: 64, seed: 1}
        data:
          train: {generate: {reverse: {length: 8, samples: 256}}}

        """

    /// Trains `spec` for two batches, exports, imports and compares (the suite's a, b and c).
    static func roundTrip(_ spec: String, _ c: ExportTests.Case, in s: Scratch) throws {
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
        #expect(try layers(imported) == layers(spec), "\(c.model)")

        let predict = try Binary.run([
            "predict", imported, "--weights", s.path("imported.safetensors"), "--input", s.path("inputs.npy"),
            "--format", "json",
        ])
        try #require(predict.status == 0, "\(c.model): \(predict.stderr)")
        let expected = try outputs(Data(contentsOf: URL(fileURLWithPath: s.path("predictions.json"))))
        let got = try outputs(Data(predict.stdout.utf8))
        try #require(got.count == expected.count && zip(got, expected).allSatisfy { $0.count == $1.count })
        let worst = zip(got, expected).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
        #expect(worst <= tolerance, "\(c.model): outputs differ by \(worst)")
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
