import Foundation
import Testing

/// `nnc export --format pytorch` end to end: bundled models and layer variants are trained for
/// a few batches, exported with the built binary, and Scripts/pytorch-check.py loads the state
/// dict strictly into the generated model.py's module and runs it in eval mode on the same
/// random inputs as `nnc predict --input`, at the whole batch and batch 1, agreeing within
/// `tolerance`. Needs torch, safetensors and numpy in python3: skipped (with that reason) when
/// they cannot be imported; the refusal tests run always.
@Suite struct PyTorchExportTests {
    static let tolerance = 1e-4

    /// True when python3 can import torch, safetensors and numpy.
    static let torchAvailable: Bool = (try? Python.run(["-c", "import torch, safetensors, numpy"]))?.status == 0

    static let cases: [ExportTests.Case] = [
        ExportTests.Case(model: "breast_cancer_mlp.yaml", range: 0...30),
        ExportTests.Case(model: "digits_mlp.yaml", range: 0...16),
        ExportTests.Case(model: "iris_mlp.yaml", range: 0...8),
        ExportTests.Case(model: "iris_regression.yaml", range: 0...8),
        ExportTests.Case(model: "lenet5.yaml", range: 0...255),
        ExportTests.Case(model: "mnist_mlp.yaml", range: 0...255),
        ExportTests.Case(model: "mobilenet_block.yaml", range: 0...255),
        ExportTests.Case(model: "nielsen_cnn.yaml", range: 0...255),
        ExportTests.Case(model: "se_cnn.yaml", range: 0...255),
        ExportTests.Case(model: "snn_mlp.yaml", range: 0...16),
        ExportTests.Case(model: "causal_tcn.yaml"),
        ExportTests.Case(model: "chatterbot_languages.yaml", tokens: 2000),
        ExportTests.Case(model: "adding_lstm.yaml"),
        ExportTests.Case(model: "bigru_classifier.yaml", range: 0...255),
        ExportTests.Case(model: "gru_classifier.yaml", range: 0...255),
        ExportTests.Case(model: "lstm_classifier.yaml", range: 0...255),
        ExportTests.Case(model: "stacked_lstm_layernorm.yaml", range: 0...255),
    ]

    @Test(.enabled(if: torchAvailable, "python3 cannot import torch, safetensors and numpy"), arguments: cases)
    func exportsBundledModelsThatAgreeWithNNC(_ c: ExportTests.Case) throws {
        let s = try Scratch()
        let spec = Repo.models.appendingPathComponent(c.model).path
        let weights = try ExportTests.briefTraining(spec, in: s)
        try Self.exportAndCompare(spec, weights: weights, range: c.range, tokens: c.tokens, in: s)
    }

    /// Layers and settings the bundled models do not use. Outputs are linear, so a wrong
    /// element anywhere moves them.
    static let variants: [(name: String, range: ClosedRange<Double>, tokens: Int?, yaml: String)] = [
        (
            "images", 0...255, nil,
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
              - upsampling2d: {size: 2, name: g}
              - maximum: {inputs: [g, g]}
              - batchnorm: {}
              - activation: softplus
              - layernorm: {name: j}
              - global_maxpool2d: {keepdims: true, name: h}
              - global_avgpool: {inputs: j}
              - reshape: {shape: [1, 1, 6], name: i}
              - concat: {inputs: [h, i]}
              - flatten: {name: k}
              - flatten: {inputs: j, name: l}
              - concat: {inputs: [k, l]}
              - dense: {units: 16, activation: elu}
              - dropout: 0.5
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
            "sequences", -2...2, nil,
            """
            input: [12, 2]
            layers:
              - conv1d: {filters: 4, kernel: 3, stride: 2, dilation: 1, padding: same, activation: {swish: {beta: 1.5, learnable: true}}, name: a}
              - maxpool1d: {pool: 3, stride: 1, padding: same, name: b}
              - avgpool1d: {pool: 3, stride: 1, padding: same, count_padding: true, inputs: a, name: c}
              - add: {inputs: [b, c]}
              - conv1d: {filters: 3, kernel: 2, dilation: 2, padding: causal, activation: tanh}
              - batchnorm: {center: false}
              - softmax: {name: s}
              - global_maxpool1d: {keepdims: true, name: g}
              - flatten: {name: f}
              - global_avgpool: {inputs: s, name: h}
              - multiply: {inputs: [f, h]}
              - dense: {units: 5, activation: lecun_tanh}
              - dense: {units: 1, use_bias: false}
            init: {weights: {normal: [0, 0.7]}, bias: {normal: [0, 0.3]}}
            loss: mse
            optimizer: {adam: 0.01}
            train: {epochs: 1, batch_size: 16, seed: 1}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """
        ),
        (
            "recurrent", -2...2, nil,
            """
            input: [12, 2]
            layers:
              - simple_rnn: {units: 6, activation: relu, return_sequences: true}
              - gru: {units: 5, return_sequences: true}
              - bidirectional: {layer: {lstm: {units: 4, return_sequences: true}}, merge_mode: sum}
              - bidirectional: {layer: {simple_rnn: {units: 3, return_sequences: true}}, merge_mode: mul}
              - bidirectional: {layer: {lstm: {units: 3, use_bias: false, return_sequences: true}}}
              - bidirectional: {layer: {gru: {units: 3}}, merge_mode: ave, name: a}
              - bidirectional: {layer: {lstm: 2}, inputs: bidirectional_2, name: b}
              - concat: {inputs: [a, b]}
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
            "tokens", 0...1, 11,
            """
            input: [8]
            layers:
              - embedding: {input_dim: 11, output_dim: 4}
              - layernorm: {scale: false}
              - dense: {units: 11, activation: softmax}
            loss: sparse_categorical_crossentropy
            train: {batch_size: 16}
            data:
              train: {generate: {reverse: {length: 8, samples: 64}}}
            """
        ),
    ]

    @Test(
        .enabled(if: torchAvailable, "python3 cannot import torch, safetensors and numpy"), arguments: variants.indices)
    func exportsLayerVariantsThatAgreeWithNNC(_ k: Int) throws {
        let (name, range, tokens, yaml) = Self.variants[k]
        let s = try Scratch()
        let spec = try s.spec("\(name).yaml", "model: \(name)\n" + yaml)
        let weights = try ExportTests.briefTraining(spec, in: s)
        try Self.exportAndCompare(spec, weights: weights, range: range, tokens: tokens, in: s)
    }

    /// multi_head_attention in nn.MultiheadAttention's layout where Keras's maps onto it (self
    /// and cross attention, causal, with and without biases), else Keras's layout with its
    /// einsums (value_dim, output_shape and feature sizes of their own); `module` is what
    /// model.py must then contain.
    static let attentionVariants: [(name: String, module: String, layers: String)] = [
        (
            "torch_layout", "nn.MultiheadAttention(8, 2, bias=True, batch_first=True)",
            """
              - embedding: {input_dim: 11, output_dim: 8, name: e}
              - multi_head_attention: {num_heads: 2, key_dim: 4, use_causal_mask: true}
              - layernorm: {}
            """
        ),
        (
            "torch_layout_cross", "nn.MultiheadAttention(8, 4, bias=False, batch_first=True)",
            """
              - embedding: {input_dim: 11, output_dim: 8, name: e}
              - dense: {units: 8, activation: tanh, name: d}
              - multi_head_attention: {num_heads: 4, key_dim: 2, use_bias: false, inputs: [e, d]}
            """
        ),
        (
            "keras_layout", "torch.einsum(\"ntf,fhs->nhts\"",
            """
              - embedding: {input_dim: 11, output_dim: 6, name: e}
              - dense: {units: 4, activation: tanh, name: d}
              - multi_head_attention: {num_heads: 2, key_dim: 3, value_dim: 5, output_shape: 7, use_causal_mask: true, inputs: [e, d]}
            """
        ),
    ]

    @Test(
        .enabled(if: torchAvailable, "python3 cannot import torch, safetensors and numpy"),
        arguments: attentionVariants.indices)
    func exportsAttentionThatAgreesWithNNC(_ k: Int) throws {
        let (name, module, layers) = Self.attentionVariants[k]
        let s = try Scratch()
        let yaml = """
            model: \(name)
            input: [8]
            layers:
            \(layers)
              - dense: {units: 11, activation: softmax}
            init: {bias: {normal: [0, 0.3]}}
            loss: sparse_categorical_crossentropy
            train: {batch_size: 16}
            data:
              train: {generate: {reverse: {length: 8, samples: 64}}}
            """
        let spec = try s.spec("\(name).yaml", yaml)
        let weights = try ExportTests.briefTraining(spec, in: s)
        try Self.exportAndCompare(spec, weights: weights, range: 0...1, tokens: 11, in: s)
        let source = try String(contentsOfFile: s.path("torch/model.py"), encoding: .utf8)
        #expect(source.contains(module), "\(source)")
    }

    /// Attention that an embedding's padding mask reaches is refused at the layer: the exported
    /// module would attend to padding.
    @Test func refusesAttentionThatAPaddingMaskReaches() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "refused.yaml",
            """
            model: refused
            input: [8]
            layers:
              - embedding: {input_dim: 11, output_dim: 4, padding_index: 0}
              - multi_head_attention: {num_heads: 2, key_dim: 2}
              - dense: {units: 11, activation: softmax}
            loss: sparse_categorical_crossentropy
            train: {batch_size: 16}
            data:
              train: {generate: {reverse: {length: 8, samples: 64}}}
            """)
        let weights = try ExportTests.briefTraining(spec, in: s)
        let run = try Binary.run(["export", spec, "--format", "pytorch", "--weights", weights, "-o", s.path("t")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("refused.yaml:5:"), "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "layer 'multi_head_attention' (multi_head_attention) cannot be exported to PyTorch: a padding mask"),
            "\(run.stderr)")
        #expect(run.stderr.contains("[E0600]"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("t")))
    }

    /// Exports into a folder, runs `nnc predict` on random inputs and pytorch-check.py on both.
    static func exportAndCompare(
        _ spec: String, weights: String, range: ClosedRange<Double>, tokens: Int?, in s: Scratch
    ) throws {
        let folder = s.path("torch")
        let export = try Binary.run(["export", spec, "--format", "pytorch", "--weights", weights, "-o", folder])
        try #require(export.status == 0, "\(spec): \(export.stderr)")
        #expect(export.stdout.contains("wrote \(folder)/model.safetensors"))
        let shape = try #require(ExportTests.inputShape(export.stdout), "\(export.stdout)")
        let inputs = s.path("inputs.npy")
        try ExportTests.writeInputs(inputs, samples: 15, shape: shape, range: range, tokens: tokens)
        let predict = try Binary.run(["predict", spec, "--weights", weights, "--input", inputs, "--format", "json"])
        try #require(predict.status == 0, "\(spec): \(predict.stderr)")
        let predictions = try s.write("predictions.json", predict.stdout)
        let checked = try python([folder, inputs, predictions, "--tolerance", "\(tolerance)"])
        #expect(checked.contains("strictly"))
        #expect(checked.contains("max abs difference"))
    }

    /// Layers and settings without a PyTorch form here are refused at the layer (E0600), and
    /// nothing is written.
    static let refused: [(layers: String, line: Int, layer: String, says: String)] = [
        (
            "  - conv1d: {filters: 2, kernel: 3}\n  - prelu: {}\n  - flatten", 5, "prelu",
            "this layer kind is not exported"
        ),
        (
            "  - gru: {units: 3, reset_after: false}", 4, "gru",
            "reset_after: false applies the reset gate before the recurrent matrix product"
        ),
        ("  - lstm: {units: 3, activation: relu}", 4, "lstm", "its activations (relu, recurrent sigmoid) are not"),
        ("  - lstm: {units: 3, peephole: true}", 4, "lstm", "peephole: true has weights from the cell to the gates"),
        ("  - tree_lstm: {units: 3, input_dim: 4}", 4, "tree_lstm", "tree_lstm is not exported to PyTorch"),
        (
            "  - simple_rnn: {units: 3, activation: selu}", 4, "simple_rnn",
            "its activation selu is not one nn.RNN offers"
        ),
    ]

    @Test(arguments: refused.indices)
    func refusesLayersWithoutAPyTorchForm(_ k: Int) throws {
        let (layers, line, layer, says) = Self.refused[k]
        let s = try Scratch()
        let spec = try s.spec(
            "refused.yaml",
            """
            model: refused
            input: [12, 2]
            layers:
            \(layers)
              - dense: 1
            loss: mse
            train: {batch_size: 16}
            data:
              train: {generate: {adding: {length: 12, samples: 64}}}
            """)
        let weights = try ExportTests.briefTraining(spec, in: s)
        let run = try Binary.run(["export", spec, "--format", "pytorch", "--weights", weights, "-o", s.path("t")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("refused.yaml:\(line):"), "\(run.stderr)")
        #expect(
            run.stderr.contains("layer '\(layer)' (\(layer)) cannot be exported to PyTorch: \(says)"), "\(run.stderr)")
        #expect(run.stderr.contains("[E0600]"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("t")))
    }

    /// Runs Scripts/pytorch-check.py; fails the test with its output unless it exits 0.
    static func python(_ arguments: [String]) throws -> String {
        let run = try Python.run([Repo.root.appendingPathComponent("Scripts/pytorch-check.py").path] + arguments)
        try #require(run.status == 0, "pytorch-check.py: \(run.stdout)\(run.stderr)")
        return run.stdout
    }
}
