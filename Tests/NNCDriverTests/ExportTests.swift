import Foundation
import NNCDriver
import NNCRuntime
import Testing

/// `nnc export --format onnx` end to end: every bundled model with data is trained for a
/// few batches, exported with the built binary, checked by onnx.checker (full check) and run
/// in ONNX Runtime on the same random inputs as `nnc predict --input`, at the whole batch,
/// batch 1 and batch 7 (the symbolic batch dimension), agreeing within `tolerance`; a layer
/// setting ONNX cannot express is refused with the code and the layer's name and place.
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
        /// Token models: ids below this (int64 inputs).
        var tokens: Int? = nil
        var description: String { model }
    }

    static let cases: [Case] = [
        Case(model: "adding_lstm.yaml"),
        Case(model: "bigru_classifier.yaml", range: 0...255),
        Case(model: "breast_cancer_mlp.yaml", range: 0...30),
        Case(model: "causal_tcn.yaml"),
        Case(model: "chatterbot_languages.yaml", tokens: 2000),
        Case(model: "ciresan_mlp.yaml", range: 0...255),
        Case(model: "digits_mlp.yaml", range: 0...16),
        Case(model: "fashion_mlp.yaml", range: 0...255),
        Case(model: "gru_classifier.yaml", range: 0...255),
        Case(model: "hinton_dropout_mlp.yaml", range: 0...255),
        Case(model: "iris_mlp.yaml", range: 0...8),
        Case(model: "iris_regression.yaml", range: 0...8),
        Case(model: "lenet5.nn", range: 0...255),
        Case(model: "lenet5.yaml", range: 0...255),
        Case(model: "lfw_faces_cnn.yaml", range: 0...255),
        Case(model: "lstm_classifier.yaml", range: 0...255),
        Case(model: "mnist_mlp.yaml", range: 0...255),
        Case(model: "mobilenet_block.yaml", range: 0...255),
        Case(model: "nielsen_cnn.yaml", range: 0...255),
        Case(model: "se_cnn.yaml", range: 0...255),
        Case(model: "snn_mlp.yaml", range: 0...16),
        Case(model: "stacked_lstm_layernorm.yaml", range: 0...255),
        Case(model: "transformer_reverse.yaml", tokens: 11),
        Case(model: "wine_mlp.yaml", range: 0...15),
    ]

    /// Bundled models with data that ONNX cannot express: tree_lstm runs once per node of
    /// each sample's tree (refused with E0600, `refusesOptionsONNXCannotExpress`).
    static let notExportable = ["tree_arith.yaml"]

    /// Every bundled model with a data section is in `cases` or `notExportable`, so a new one
    /// is exported too.
    @Test func everyBundledModelWithDataIsCovered() throws {
        let withData = try Repo.modelFiles.filter { name in
            let text = try String(contentsOf: Repo.models.appendingPathComponent(name), encoding: .utf8)
            return text.contains("\ndata:") || text.contains("\ndata ")
        }
        #expect(withData == (Self.cases.map(\.model) + Self.notExportable).sorted())
    }

    @Test(arguments: cases)
    func exportsAndAgreesWithONNXRuntime(_ c: Case) throws {
        let s = try Scratch()
        let spec = Repo.models.appendingPathComponent(c.model).path
        let weights = try Self.briefTraining(spec, in: s)
        let onnx = s.path("model.onnx")
        let export = try Binary.run(["export", spec, "--format", "onnx", "--weights", weights, "-o", onnx])
        try #require(export.status == 0, "\(c.model): \(export.stderr)")
        try Self.compare(
            spec, weights: weights, onnx: onnx, report: export.stdout, range: c.range, tokens: c.tokens, in: s)
    }

    /// Exports `spec` with `weights` and compares the file with `nnc predict` (`compare`).
    static func exportAndCompare(_ spec: String, weights: String, range: ClosedRange<Double>, in s: Scratch) throws {
        let onnx = s.path("model.onnx")
        let export = try Binary.run(["export", spec, "--format", "onnx", "--weights", weights, "-o", onnx])
        try #require(export.status == 0, "\(spec): \(export.stderr)")
        try compare(spec, weights: weights, onnx: onnx, report: export.stdout, range: range, in: s)
    }

    /// Random inputs in `range`, `nnc predict` on them, then onnx-check.py: the checker, the
    /// symbolic batch and ONNX Runtime's outputs at three batch sizes within `tolerance`.
    static func compare(
        _ spec: String, weights: String, onnx: String, report: String, range: ClosedRange<Double>, tokens: Int? = nil,
        in s: Scratch
    ) throws {
        #expect(report.contains("ONNX opset \(ONNXExport.opset)"))
        let shape = try #require(inputShape(report), "\(report)")
        let inputs = s.path("inputs.npy")
        try writeInputs(inputs, samples: 15, shape: shape, range: range, tokens: tokens)
        let predict = try Binary.run([
            "predict", spec, "--weights", weights, "--input", inputs, "--format", "json",
        ])
        try #require(predict.status == 0, "\(spec): \(predict.stderr)")
        let predictions = try s.write("predictions.json", predict.stdout)
        let checked = try python([onnx, inputs, predictions, "--tolerance", "\(tolerance)"])
        #expect(checked.contains("opset \(ONNXExport.opset), producer nnc"))
        #expect(checked.contains("max abs difference"))
    }

    /// Specs beyond the bundled models, for what they do not use: every recurrent cell,
    /// activation and merge of ONNX's recurrent operators, the image layers' forms, attention
    /// and the 1-D layers. Their outputs are linear, so a wrong element anywhere moves them.
    static let variants: [(name: String, range: ClosedRange<Double>, yaml: String)] = [
        (
            "recurrent", -2...2,
            """
            input: [12, 2]
            layers:
              - simple_rnn: {units: 6, activation: relu, return_sequences: true}
              - gru: {units: 5, reset_after: false, activation: {elu: 0.7}, return_sequences: true}
              - bidirectional: {layer: {lstm: {units: 4, activation: lecun_tanh, return_sequences: true}}, merge_mode: sum}
              - bidirectional: {layer: {simple_rnn: {units: 3, activation: softplus, return_sequences: true}}, merge_mode: mul}
              - bidirectional: {layer: {lstm: {units: 3, activation: linear, recurrent_activation: tanh, return_sequences: true}}}
              - bidirectional: {layer: {gru: {units: 3, activation: {leaky_relu: 0.2}}}, merge_mode: ave}
              - dense: 1
            init: {weights: {normal: [0, 0.5]}, recurrent: {normal: [0, 0.3]}, bias: {normal: [0, 0.3]}}
            loss: mse
            optimizer: {adam: 0.01}
            train: {epochs: 1, batch_size: 16, seed: 1}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """
        ),
        (
            "images", 0...255,
            """
            input: [28, 28, 1]
            layers:
              - conv2d: {filters: 4, kernel: 3, padding: same, activation: {swish: 1.5}, name: a}
              - conv2d: {filters: 4, kernel: 3, dilation: 2, padding: [[1, 3], [2, 2]], groups: 2, activation: mish, name: b}
              - subtract: {inputs: [a, b]}
              - depthwise_conv2d: {kernel: 3, depth_multiplier: 2, stride: 2, padding: same, activation: selu}
              - separable_conv2d: {filters: 6, kernel: 3, activation: {leaky_relu: 0.1}, name: c}
              - avgpool2d: {pool: 3, stride: 2, padding: same, name: d}
              - maxpool2d: {pool: 3, stride: 2, rounding: ceil, inputs: c, name: e}
              - average: {inputs: [d, e]}
              - zero_padding2d: [[1, 2], [0, 1]]
              - cropping2d: [[0, 1], [1, 0]]
              - upsampling2d: {size: 2, interpolation: bilinear, name: f}
              - upsampling2d: {size: 2, name: g}
              - l2pool2d: {pool: 2, inputs: g}
              - maximum: {inputs: [f, l2pool2d]}
              - conv2d_transpose: {filters: 4, kernel: 3, stride: 2, padding: same, activation: lecun_tanh}
              - groupnorm: {groups: 2}
              - prelu: {shared_axes: [1, 2]}
              - batchnorm: {}
              - activation: softplus
              - layernorm: {name: j}
              - global_maxpool2d: {keepdims: true, name: h}
              - global_avgpool: {inputs: prelu}
              - reshape: {shape: [1, 1, 4], name: i}
              - concat: {inputs: [h, i]}
              - flatten: {name: k}
              - flatten: {inputs: j, name: l}
              - concat: {inputs: [k, l]}
              - dense: {units: 16, activation: elu}
              - dense: 1
            loss: mse
            optimizer: {adam: 0.001}
            train: {epochs: 1, batch_size: 32, seed: 1}
            data:
              train: {images: DATA/mnist5k-train-images-idx3-ubyte.gz, labels: DATA/mnist5k-train-labels-idx1-ubyte.gz}
              preprocess: {scale: 1/255}
            """
        ),
        (
            "attention", 0...1,
            """
            input: [6, 2]
            layers:
              - dense: {units: 8, name: x}
              - sinusoidal_position_embedding: {max_wavelength: 100, name: p}
              - multi_head_attention: {num_heads: 2, key_dim: 3, value_dim: 5, output_shape: 7, use_causal_mask: true, use_bias: false, name: a}
              - dense: {units: 4, inputs: x, name: v}
              - multi_head_attention: {num_heads: 3, key_dim: 2, inputs: [p, v, x], name: c}
              - concat: {inputs: [a, c]}
              - flatten
              - dense: 1
            init: {weights: {normal: [0, 0.7]}, bias: {normal: [0, 0.3]}}
            loss: mse
            optimizer: {adam: 0.01}
            train: {epochs: 1, batch_size: 16, seed: 1}
            data:
              train: {generate: {adding: {length: 6, samples: 64}}}
            """
        ),
        (
            "sequences", -2...2,
            """
            input: [12, 2]
            layers:
              - conv1d: {filters: 4, kernel: 3, stride: 2, dilation: 1, padding: same, activation: {swish: {beta: 1.5, learnable: true}}, name: a}
              - maxpool1d: {pool: 3, stride: 1, padding: same, name: b}
              - avgpool1d: {pool: 3, stride: 1, padding: same, count_padding: true, inputs: a, name: c}
              - add: {inputs: [b, c]}
              - conv1d: {filters: 3, kernel: 2, dilation: 2, padding: causal, activation: tanh}
              - softmax: {name: s}
              - global_maxpool1d: {keepdims: true, name: g}
              - flatten: {name: f}
              - global_avgpool: {inputs: s, name: h}
              - concat: {inputs: [f, h]}
              - dense: 1
            init: {weights: {normal: [0, 0.7]}, bias: {normal: [0, 0.3]}}
            loss: mse
            optimizer: {adam: 0.01}
            train: {epochs: 1, batch_size: 16, seed: 1}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """
        ),
        (
            "peepholes", -2...2,
            """
            input: [10, 2]
            layers:
              - lstm: {units: 4, peephole: true, return_sequences: true}
              - bidirectional: {layer: {lstm: {units: 3, peephole: true, return_sequences: true}}}
              - bidirectional: {layer: {lstm: {units: 3, peephole: true, activation: elu}}, merge_mode: sum}
              - dense: 1
            init: {weights: {normal: [0, 0.6]}, bias: {normal: [0, 0.3]}}
            loss: mse
            optimizer: {adam: 0.01}
            train: {epochs: 1, batch_size: 16, seed: 1}
            data:
              train: {generate: {adding: {length: 10, samples: 64}}}
            """
        ),
    ]

    @Test(arguments: variants.indices)
    func exportsLayerVariantsThatAgreeWithONNXRuntime(_ k: Int) throws {
        let (name, range, yaml) = Self.variants[k]
        let s = try Scratch()
        let spec = try s.spec("\(name).yaml", "model: \(name)\n" + yaml)
        let weights = try Self.briefTraining(spec, in: s)
        try Self.exportAndCompare(spec, weights: weights, range: range, in: s)
    }

    /// Settings that ONNX cannot express are refused at the layer (E0600).
    static let refusedOptions: [(yaml: String, layer: String, says: String)] = [
        (
            """
            input: [12, 2]
            layers:
              - lstm: {units: 3, activation: selu}
              - dense: 1
            loss: mse
            train: {batch_size: 16}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """,
            "lstm", "its activation selu is not one ONNX's recurrent operators offer"
        ),
        (
            """
            input: [8]
            layers:
              - embedding: {input_dim: 11, output_dim: 4, padding_index: 0}
              - dropout: 0.1
              - gru: {units: 3, return_sequences: true}
              - dense: {units: 11, activation: softmax}
            loss: sparse_categorical_crossentropy
            train: {batch_size: 16}
            data:
              train: {generate: {reverse: {length: 8, samples: 64}}}
            """,
            "gru", "a padding mask (an embedding's padding_index) reaches it"
        ),
        (
            """
            input: [8]
            layers:
              - embedding: {input_dim: 11, output_dim: 4, padding_index: 0}
              - multi_head_attention: {num_heads: 2, key_dim: 2}
              - dense: {units: 11, activation: softmax}
            loss: sparse_categorical_crossentropy
            train: {batch_size: 16}
            data:
              train: {generate: {reverse: {length: 8, samples: 64}}}
            """,
            "multi_head_attention", "a padding mask (an embedding's padding_index) reaches it"
        ),
        (
            """
            input: [12, 2]
            layers:
              - avgpool1d: {pool: 3, stride: 2, rounding: ceil, count_padding: true}
              - flatten
              - dense: 1
            loss: mse
            train: {batch_size: 16}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """,
            "avgpool1d", "an average that counts padding (count_padding: true) and rounds up"
        ),
        (
            """
            input: [12, 2]
            layers:
              - tree_lstm: {units: 3, input_dim: 4}
              - dense: 1
            loss: mse
            train: {batch_size: 16}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """,
            "tree_lstm", "a Tree-LSTM runs its cell once per node of each sample's own tree"
        ),
    ]

    @Test(arguments: refusedOptions.indices)
    func refusesOptionsONNXCannotExpress(_ k: Int) throws {
        let (yaml, layer, says) = Self.refusedOptions[k]
        let s = try Scratch()
        let spec = try s.spec("refused.yaml", "model: refused\n" + yaml)
        let weights = try Self.briefTraining(spec, in: s)
        let run = try Binary.run(["export", spec, "--format", "onnx", "--weights", weights, "-o", s.path("m.onnx")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("refused.yaml:"), "\(run.stderr)")
        #expect(run.stderr.contains("layer '\(layer)' (\(layer)) cannot be exported to ONNX: \(says)"), "\(run.stderr)")
        #expect(run.stderr.contains("[E0600]"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("m.onnx")))
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

    /// `samples` inputs of `shape` as an NPY file (seeded): float32 uniform in `range`, or
    /// int64 ids below `tokens`.
    static func writeInputs(
        _ path: String, samples: Int, shape: [Int], range: ClosedRange<Double>, tokens: Int? = nil
    ) throws {
        var random = SplitMix64(seed: 17)
        let count = samples * shape.reduce(1, *)
        var body = Data()
        if let tokens {
            let ids = (0..<count).map { _ in Int64.random(in: 0..<Int64(tokens), using: &random) }
            ids.withUnsafeBufferPointer { body.append(Data(buffer: $0)) }
        } else {
            let values = (0..<count).map { _ in Float(Double.random(in: range, using: &random)) }
            values.withUnsafeBufferPointer { body.append(Data(buffer: $0)) }
        }
        let dims = ([samples] + shape).map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(tokens == nil ? "<f4" : "<i8")', 'fortran_order': False, 'shape': (\(dims),), }"
        header += String(repeating: " ", count: 63 - (10 + header.count) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(body)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Runs Scripts/onnx-check.py; fails the test with its output unless it exits 0.
    @discardableResult
    static func python(_ arguments: [String]) throws -> String {
        let run = try Python.run([Repo.root.appendingPathComponent("Scripts/onnx-check.py").path] + arguments)
        try #require(run.status == 0, "onnx-check.py: \(run.stdout)\(run.stderr)")
        return run.stdout
    }
}
