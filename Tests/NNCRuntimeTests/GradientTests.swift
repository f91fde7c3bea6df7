import NNCDriver
import NNCGraph
import NNCPlan
import Testing

/// Gradient checks of every compilable op and of whole models: the reference executor's
/// double-precision gradients against central finite differences (relative error ≤ 1e-5
/// on every checked element), and the fast float kernels against the double gradients
/// (≤ 1e-4 of the tensor's largest gradient). Each also asserts the gradients are not all zero.
@Suite struct GradientTests {
    static let cases: [(name: String, yaml: String)] = [
        (
            "dense with every activation",
            """
            input: [5]
            layers:
              - dense: {units: 4, activation: relu}
              - dense: {units: 4, activation: leaky_relu}
              - dense: {units: 4, activation: elu}
              - dense: {units: 4, activation: selu}
              - dense: {units: 4, activation: sigmoid}
              - dense: {units: 4, activation: tanh}
              - dense: {units: 4, activation: lecun_tanh}
              - dense: {units: 4, activation: softplus}
              - dense: {units: 4, activation: {swish: 1.5}}
              - dense: {units: 4, activation: mish}
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            # Random biases keep every unit off the kinks of relu, leaky_relu and selu at 0.
            init: {bias: {normal: {std: 0.5}}}
            """
        ),
        (
            "activation layers, fused and standalone",
            """
            input: [6]
            layers:
              - dense: 5
              - activation: relu
              - dense: 5
              - activation: softplus
              - dense: {units: 4, use_bias: false}
              - activation: tanh
              - dense: 3
              - softmax
            loss: sparse_categorical_crossentropy
            """
        ),
        (
            "conv2d stride, padding, dilation, groups and pools",
            """
            input: [9, 8, 4]
            layers:
              - conv2d: {filters: 6, kernel: 3, padding: same, activation: relu}
              - conv2d: {filters: 6, kernel: [2, 3], stride: 2, groups: 2, activation: tanh}
              - maxpool2d: {pool: 2, stride: 1, padding: same}
              - conv2d: {filters: 4, kernel: 2, dilation: 2, padding: [[1, 0], [0, 1]]}
              - avgpool2d: {pool: 2, rounding: ceil, count_padding: true}
              - flatten
              - dense: 3
            loss: mse
            """
        ),
        (
            "conv1d causal and 1-D pools",
            """
            input: [12, 3]
            layers:
              - conv1d: {filters: 5, kernel: 3, padding: causal, dilation: 2, activation: elu}
              - maxpool1d: 2
              - conv1d: {filters: 4, kernel: 1}
              - avgpool1d: {pool: 3, stride: 2, padding: same}
              - global_avgpool
              - dense: {units: 2, activation: sigmoid}
            loss: binary_crossentropy
            """
        ),
        (
            "global max pooling, 1-D and 2-D, with keepdims",
            """
            input: [6, 5, 2]
            layers:
              - conv2d: {filters: 3, kernel: 2, activation: tanh, name: c}
              - global_max_pooling2d: {keepdims: true}
              - reshape: [1, 3]
              - global_maxpool1d: {name: p1}
              - reshape: {shape: [20, 3], inputs: [c], name: steps}
              - global_maxpool1d: {name: p2}
              - global_maxpool2d: {inputs: [c], name: p3}
              - concat: {inputs: [p1, p2, p3]}
              - dense: 2
            loss: mse
            """
        ),
        (
            "depthwise_conv2d: multiplier, stride, same and dilated, no bias, with batchnorm and relu",
            """
            input: [7, 6, 2]
            layers:
              - depthwise_conv2d: {kernel: 3, depth_multiplier: 2, stride: 2, padding: same, activation: tanh}
              - depthwise_conv2d: {kernel: 2, dilation: [1, 2], use_bias: false}
              - batchnorm: {}
              - activation: relu
              - depthwise_conv2d: {kernel: [2, 1], depth_multiplier: 3}
              - flatten
              - dense: 2
            loss: mse
            init: {bias: {normal: {std: 0.5}}}
            """
        ),
        (
            "separable_conv2d: multiplier, stride, same and dilated, no bias, frozen, with batchnorm and relu",
            """
            input: [7, 6, 2]
            layers:
              - separable_conv2d: {filters: 3, kernel: 3, depth_multiplier: 2, stride: 2, padding: same, activation: tanh}
              - separable_conv2d: {filters: 4, kernel: 2, dilation: [1, 2], use_bias: false}
              - batchnorm: {}
              - activation: relu
              - separable_conv2d: {filters: 2, kernel: [2, 1], depth_multiplier: 3, activation: elu}
              - separable_conv2d: {filters: 3, kernel: 1, trainable: false}
              - flatten
              - dense: 2
            loss: mse
            init: {bias: {normal: {std: 0.5}}}
            """
        ),
        (
            "conv2d_transpose: valid, same, output_padding, kernel below the stride, dilation, no bias, fused relu",
            """
            input: [3, 4, 2]
            layers:
              - conv2d_transpose: {filters: 3, kernel: 3, stride: 2, activation: tanh}
              - conv2d_transpose: {filters: 2, kernel: [3, 2], stride: [2, 3], padding: same, output_padding: [1, 2]}
              - conv2d_transpose: {filters: 2, kernel: 2, stride: 3, use_bias: false}
              - activation: relu
              - conv2d_transpose: {filters: 2, kernel: 3, dilation: 2, padding: same, activation: elu}
              - global_avgpool
              - dense: 2
            loss: mse
            init: {bias: {normal: {std: 0.5}}}
            """
        ),
        (
            "zero padding and cropping: each forms, and as each other's gradient",
            """
            input: [5, 4, 2]
            layers:
              - conv2d: {filters: 3, kernel: 2, activation: tanh}
              - zero_padding2d: [[2, 0], [1, 3]]
              - conv2d: {filters: 2, kernel: 3, activation: tanh}
              - cropping2d: [[1, 0], [0, 2]]
              - zero_padding2d: 1
              - cropping2d: [1, 2]
              - flatten
              - dense: 2
            loss: mse
            """
        ),
        (
            "upsampling, nearest and bilinear",
            """
            input: [3, 4, 2]
            layers:
              - conv2d: {filters: 3, kernel: 2, activation: tanh}
              - upsampling2d: {size: [2, 3], interpolation: bilinear}
              - conv2d: {filters: 2, kernel: 3, stride: 2, activation: tanh}
              - upsampling2d: 2
              - upsampling2d: {size: [3, 1], interpolation: bilinear}
              - flatten
              - dense: 2
            loss: mse
            """
        ),
        (
            "prelu per element, per channel and shared by steps; alpha dropout",
            """
            input: [4, 3, 2]
            layers:
              - conv2d: {filters: 3, kernel: 2, padding: same}
              - prelu: {init: {constant: 0.25}}
              - prelu: {shared_axes: [1, 2], init: {uniform: [-0.5, 0.5]}}
              - alpha_dropout: 0.2
              - reshape: [12, 3]
              - prelu: {shared_axes: 1, init: {uniform: [0.1, 0.9]}}
              - flatten
              - alpha_dropout: 0.3
              - dense: 2
            loss: mse
            init: {bias: {normal: {std: 0.5}}}
            """
        ),
        (
            "groupnorm (with and without scale and center) and l2 pooling",
            """
            input: [6, 5, 4]
            layers:
              - conv2d: {filters: 6, kernel: 2, activation: tanh}
              - groupnorm: {groups: 3}
              - l2pool2d: {pool: 2, stride: 1, padding: same}
              - groupnorm: {groups: 2, scale: false, epsilon: 0.01}
              - l2pool2d: {pool: [2, 3], stride: 2}
              - reshape: [12]
              - groupnorm: {groups: 4, center: false}
              - dense: 2
            loss: mse
            """
        ),
        (
            "batchnorm, layernorm and dropout",
            """
            input: [6, 6, 2]
            layers:
              - conv2d: {filters: 4, kernel: 3}
              - batchnorm: {}
              - activation: relu
              - flatten
              - dense: 8
              - layernorm: {}
              - dropout: 0.3
              - dense: {units: 8, activation: relu}
              - batchnorm: {center: false}
              - dense: 3
            loss: {categorical_crossentropy: {from_logits: true, label_smoothing: 0.1}}
            """
        ),
        (
            "residual add, concat on a middle axis, reshape",
            """
            input: [4, 6]
            layers:
              - dense: {units: 6, activation: tanh, name: a}
              - dense: {units: 6, name: b}
              - add: {inputs: [a, b], name: sum}
              - dense: {units: 3, inputs: [input], name: c}
              - concat: {inputs: [sum, c], axis: 1, name: joined}
              - reshape: [36]
              - dense: {units: 4, activation: softmax}
            loss: {categorical_crossentropy: {label_smoothing: 0.2}}
            """
        ),
        (
            "elementwise merges: subtract, multiply, average, maximum",
            """
            input: [5]
            layers:
              - dense: {units: 4, activation: tanh, name: a}
              - dense: {units: 4, name: b, inputs: [input]}
              - subtract: {inputs: [a, b], name: difference}
              - subtract: {inputs: [b, difference], name: back}
              - multiply: {inputs: [a, back, difference], name: product}
              - average: {inputs: [product, a, b], name: mean}
              - multiply: {inputs: [mean, mean], name: square}
              - maximum: {inputs: [square, difference, b], name: largest}
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        ),
        (
            "broadcast merges: squeeze-and-excitation, a channel vector, a spatial map",
            """
            input: [3, 4, 2]
            layers:
              - conv2d: {filters: 4, kernel: 1, activation: tanh, name: x}
              - global_avgpool: {name: pooled}
              - dense: {units: 4, activation: sigmoid, name: gate}
              - reshape: {shape: [1, 1, 4], name: gate4}
              - multiply: {inputs: [x, gate4], name: excited}
              - add: {inputs: [excited, gate], name: shifted}
              - conv2d: {filters: 1, kernel: 1, inputs: [input], name: spatial}
              - subtract: {inputs: [spatial, shifted], name: difference}
              - maximum: {inputs: [difference, gate4, spatial], name: largest}
              - average: {inputs: [gate, largest], name: mean}
              - flatten
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        ),
        (
            "multi_head_attention: self, cross with a key, causal, no bias, dropout",
            """
            input: [6, 4]
            layers:
              - dense: {units: 3, name: v}
              - dense: {units: 5, inputs: [input], name: k}
              - multi_head_attention: {num_heads: 2, key_dim: 3, value_dim: 2, output_shape: 5, inputs: [input, v, k], use_causal_mask: true, name: cross}
              - multi_head_attention: {num_heads: 3, key_dim: 2, use_bias: false, inputs: [cross, input], name: nobias}
              - multi_head_attention: {num_heads: 2, key_dim: 2, dropout: 0.25, name: self}
              - flatten
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        ),
        (
            "multi_head_attention with an embedding's padding mask (padding queries attend to nothing)",
            """
            input: [6]
            layers:
              - embedding: {input_dim: 4, output_dim: 4, padding_index: 0}
              - multi_head_attention: {num_heads: 2, key_dim: 3, use_causal_mask: true}
              - multi_head_attention: {num_heads: 2, key_dim: 2}
              - global_avgpool
              - dense: {units: 2, activation: softmax}
            loss: sparse_categorical_crossentropy
            """
        ),
        (
            "position embeddings: learned (a longer table) and sinusoidal, before attention",
            """
            input: [6]
            layers:
              - embedding: {input_dim: 5, output_dim: 4, padding_index: 0}
              - position_embedding: 8
              - sinusoidal_position_embedding: {max_wavelength: 50}
              - multi_head_attention: {num_heads: 2, key_dim: 3}
              - global_avgpool
              - dense: {units: 2, activation: softmax}
            loss: sparse_categorical_crossentropy
            """
        ),
        (
            "embedding with a padding index",
            """
            input: [5]
            layers:
              - embedding: {input_dim: 7, output_dim: 3, padding_index: 0}
              - flatten
              - dense: {units: 2, activation: sigmoid}
            loss: {binary_crossentropy: {label_smoothing: 0.1}}
            """
        ),
        (
            "sum of squares and a frozen layer",
            """
            input: [4]
            layers:
              - dense: {units: 5, activation: sigmoid, trainable: false}
              - dense: {units: 2}
            loss: sum_of_squares
            """
        ),
        (
            "a frozen middle layer passes gradients through",
            """
            input: [4]
            layers:
              - dense: {units: 5, activation: tanh}
              - dense: {units: 5, activation: sigmoid, trainable: false}
              - dense: {units: 2}
            loss: mse
            """
        ),
        // The checked loss includes the penalty, so its gradient terms are checked too.
        (
            "l1 and l2 penalties on weights, embeddings and biases",
            """
            input: [4]
            layers:
              - embedding: {input_dim: 6, output_dim: 3}
              - flatten
              - dense: {units: 5, activation: tanh, regularizer: {l1_l2: {l1: 0.05, l2: 0.2}}, bias_regularizer: {l1: 0.1}}
              - conv1d: {filters: 2, kernel: 2, inputs: [embedding], bias_regularizer: {l2: 0.3}}
              - flatten
              - concat: {inputs: [dense, flatten_1]}
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            regularization: {l1: 0.01, l2: 0.1}
            """
        ),
        (
            "learnable swish beta in dense, conv and activation layers",
            """
            input: [5, 5, 2]
            layers:
              - activation: {swish: {beta: 0.8, learnable: true}}
              - conv2d: {filters: 3, kernel: 3, activation: {swish: {learnable: true}}}
              - flatten
              - dense: {units: 4, activation: {swish: {beta: 1.5, learnable: true}}}
              - dense: 2
            loss: mse
            """
        ),
        (
            "stacked lstm, gru (reset after and before) and simple_rnn with layernorm",
            """
            input: [6, 3]
            layers:
              - lstm: {units: 5, return_sequences: true}
              - layernorm: {}
              - gru: {units: 4, return_sequences: true}
              - gru: {units: 4, reset_after: false, return_sequences: true}
              - simple_rnn: 3
              - dense: {units: 2, activation: softmax}
            loss: categorical_crossentropy
            """
        ),
        (
            "bidirectional concat, sum, mul and ave",
            """
            input: [5, 3]
            layers:
              - bidirectional: {layer: {lstm: {units: 4, return_sequences: true}}, merge_mode: concat}
              - bidirectional: {layer: {gru: {units: 3, return_sequences: true}}, merge_mode: sum}
              - bidirectional: {layer: {gru: {units: 3, reset_after: false, return_sequences: true}}, merge_mode: mul}
              - bidirectional: {layer: {simple_rnn: {units: 3}}, merge_mode: ave}
              - dense: {units: 2, activation: sigmoid}
            loss: binary_crossentropy
            """
        ),
        (
            "embedding with padding masks recurrent layers",
            """
            input: [8]
            layers:
              - embedding: {input_dim: 5, output_dim: 3, padding_index: 0}
              - bidirectional: {layer: {lstm: {units: 4, return_sequences: true}}}
              - dropout: 0.2
              - gru: {units: 3, return_sequences: true}
              - bidirectional: {layer: {gru: {units: 2, reset_after: false, return_sequences: true}}, merge_mode: sum}
              - simple_rnn: 3
              - dense: {units: 2, activation: softmax}
            loss: categorical_crossentropy
            """
        ),
        (
            "lstm peepholes: plain, padded, with recurrent dropout, bidirectional, input-derivative activations",
            """
            input: [7]
            layers:
              - embedding: {input_dim: 5, output_dim: 3, padding_index: 0}
              - lstm: {units: 4, peephole: true, return_sequences: true, recurrent_dropout: 0.3}
              - bidirectional: {layer: {lstm: {units: 3, peephole: true, return_sequences: true}}, merge_mode: sum}
              - lstm: {units: 3, peephole: true, activation: {swish: 1.5}, recurrent_activation: softplus}
              - dense: {units: 2, activation: softmax}
            loss: categorical_crossentropy
            init: {weights: {normal: {std: 0.6}}}
            """
        ),
        (
            "input and recurrent dropout",
            """
            input: [6, 3]
            layers:
              - lstm: {units: 5, return_sequences: true, dropout: 0.3, recurrent_dropout: 0.4}
              - gru: {units: 4, return_sequences: true, dropout: 0.2, recurrent_dropout: 0.3}
              - gru: {units: 4, reset_after: false, return_sequences: true, dropout: 0.2, recurrent_dropout: 0.3}
              - bidirectional: {layer: {simple_rnn: {units: 3, dropout: 0.2, recurrent_dropout: 0.5}}}
              - dense: {units: 2, activation: softmax}
            loss: categorical_crossentropy
            """
        ),
        (
            "recurrent activations differentiated from their input, no bias",
            """
            input: [5, 3]
            layers:
              - lstm: {units: 4, return_sequences: true, activation: {swish: 1.5}, recurrent_activation: softplus}
              - gru: {units: 3, return_sequences: true, activation: {leaky_relu: 0.2}, use_bias: false}
              - gru: {units: 3, reset_after: false, activation: elu, recurrent_activation: {leaky_relu: 0.1}, return_sequences: true}
              - simple_rnn: {units: 3, activation: selu, use_bias: false}
              - dense: {units: 2}
            loss: mse
            init: {bias: {normal: {std: 0.5}}}
            """
        ),
        (
            "conv1d valid, same and causal with dilation, pools and layernorm over time",
            """
            input: [16, 3]
            layers:
              - conv1d: {filters: 4, kernel: 3, padding: same, activation: tanh}
              - layernorm: {}
              - conv1d: {filters: 4, kernel: 2, padding: causal, dilation: 3}
              - maxpool1d: {pool: 2}
              - conv1d: {filters: 5, kernel: 2, dilation: 2, activation: elu}
              - avgpool1d: {pool: 2, padding: same}
              - lstm: {units: 3, return_sequences: true}
              - global_avgpool
              - dense: 2
            loss: mse
            """
        ),
        (
            "tree_lstm child-sum: through the tree recursion, random trees of 1 to 9 nodes",
            """
            input: [9, 4]
            layers:
              - tree_lstm: {units: 5, input_dim: 7, embedding_dim: 3}
              - dense: {units: 3, activation: softmax}
            loss: sparse_categorical_crossentropy
            """
        ),
        (
            "tree_lstm n-ary, three ordered children, no bias, forget bias 0",
            """
            input: [8, 4]
            layers:
              - tree_lstm: {units: 4, input_dim: 5, variant: n_ary, use_bias: false, unit_forget_bias: false}
              - dense: 2
            loss: mse
            """
        ),
    ]

    @Test(arguments: cases.map(\.name))
    func opsMatchFiniteDifferences(name: String) throws {
        let yaml = Self.cases.first { $0.name == name }!.yaml
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 3, updates: false))
        #expect(plan.verify() == [])
        let report = GradientCheck.run(plan, seed: 7, perTensor: 8)
        #expect(!report.entries.isEmpty)
        #expect(!report.allGradientsZero)
        for e in report.entries {
            #expect(
                e.worstRelativeError <= 1e-5,
                "\(name): \(e.layer).\(e.parameter) relative error \(e.worstRelativeError)")
            #expect(
                e.floatRelativeError <= 1e-4, "\(name): \(e.layer).\(e.parameter) float error \(e.floatRelativeError)")
            #expect(e.largestGradient > 0, "\(name): \(e.layer).\(e.parameter) has an all-zero gradient")
        }
    }

    /// Whole bundled models (the small ones; the suite stays fast). The recurrent ones are
    /// smooth, so they get the wider default step (see `GradientCheck.defaultStep`): the
    /// 200-step IMDB model's smallest checked gradients (≈ 10⁻⁶) fail at h = 10⁻⁶ on round-off alone.
    @Test(arguments: [
        "iris_mlp.yaml", "lenet5.yaml", "resnet_block.yaml", "mobilenet_block.yaml", "causal_tcn.yaml",
        "imdb_bow_dropout.yaml",
        "lstm_classifier.yaml", "gru_classifier.yaml", "imdb_embedding_bilstm.yaml", "snn_mlp.yaml", "se_cnn.yaml",
    ])
    func bundledModelsMatchFiniteDifferences(model: String) throws {
        let result = try Driver.compile(
            path: modelPath(model), options: LoweringOptions(mode: .training, batch: 2, updates: false))
        let plan = try #require(result.plan)
        let report = GradientCheck.run(plan, seed: 3, perTensor: 3)
        #expect(!report.allGradientsZero)
        #expect(report.worstRelativeError <= 1e-5, "\(model): \(report.worstRelativeError)")
        #expect(report.worstFloatError <= 1e-4, "\(model): float \(report.worstFloatError)")
    }

    /// Without the Tree-LSTM's backward instruction its parameters' gradients stay zero and
    /// the check fails: the finite differences see the loss change through the recursion.
    @Test func aMissingTreeGradientIsCaught() throws {
        let yaml = Self.cases.first { $0.name.hasPrefix("tree_lstm child-sum") }!.yaml
        var plan = try compile(yaml, LoweringOptions(mode: .training, batch: 3, updates: false))
        plan.instructions.removeAll { if case .treeLSTMBackward = $0.kernel { true } else { false } }
        let report = GradientCheck.run(plan, seed: 7, perTensor: 4)
        #expect(report.entries.contains { $0.layer == "tree_lstm" && $0.worstRelativeError > 0.5 })
    }

    /// Without its penalty gradient the check fails: the penalty is in the checked loss.
    @Test func aMissingPenaltyGradientIsCaught() throws {
        let yaml = Self.cases.first { $0.name.hasPrefix("l1 and l2") }!.yaml
        var plan = try compile(yaml, LoweringOptions(mode: .training, batch: 3, updates: false))
        #expect(plan.penalty != nil)
        plan.instructions.removeAll { if case .penaltyGradient = $0.kernel { true } else { false } }
        let report = GradientCheck.run(plan, seed: 7, perTensor: 4)
        #expect(report.worstRelativeError > 1e-2)
    }

    /// ResNet-block at the command's default seed: ±h steps cross ReLU kinks (a unit of a
    /// batch-normalized layer changing sign), where a central difference averages two slopes.
    /// The check takes a smaller step there instead of failing a correct model.
    @Test func kinksCrossedByTheStepAreSteppedAroundNotFailed() throws {
        let result = try Driver.compile(
            path: modelPath("resnet_block.yaml"), options: LoweringOptions(mode: .training, batch: 2, updates: false))
        let report = GradientCheck.run(try #require(result.plan))
        #expect(report.kinksAvoided > 0, "the default seed crosses kinks: \(report.kinksAvoided)")
        #expect(report.worstRelativeError <= 1e-5, "\(report.worstRelativeError)")
        #expect(report.worstFloatError <= 1e-3, "\(report.worstFloatError)")
        #expect(report.entries.allSatisfy { $0.checked == 6 })
    }

    /// ... and a wrong derivative in a model full of kinks is still caught.
    @Test func aWrongReLUGradientIsCaughtDespiteKinks() throws {
        var plan = try compile(Self.cases[0].yaml, LoweringOptions(mode: .training, batch: 2, updates: false))
        let index = try #require(
            plan.instructions.firstIndex {
                if case .activationBackward(let f, _, _) = $0.kernel { f.kind == .relu } else { false }
            })
        if case .activationBackward(_, let count, let fromOutput) = plan.instructions[index].kernel {
            // tanh's derivative from the output, 1 − y²: 1 on dead units (where relu's is 0), below 1 on live ones.
            plan.instructions[index].kernel = .activationBackward(
                ActivationFunction(.tanh), count: count, fromOutput: fromOutput)
        }
        let report = GradientCheck.run(plan, seed: 7, perTensor: 4)
        #expect(report.worstRelativeError > 1e-2)
    }

    /// A check that cannot fail proves nothing: a wrong derivative must be caught.
    @Test func aWrongGradientIsCaught() throws {
        var plan = try compile(Self.cases[0].yaml, LoweringOptions(mode: .training, batch: 2, updates: false))
        // Make the sigmoid layer's backward use tanh's derivative.
        let index = try #require(
            plan.instructions.firstIndex {
                if case .activationBackward(let f, _, true) = $0.kernel { f.kind == .sigmoid } else { false }
            })
        if case .activationBackward(_, let count, let fromOutput) = plan.instructions[index].kernel {
            plan.instructions[index].kernel = .activationBackward(
                ActivationFunction(.tanh), count: count, fromOutput: fromOutput)
        }
        let report = GradientCheck.run(plan, seed: 7, perTensor: 4)
        #expect(report.worstRelativeError > 1e-2)
    }
}
