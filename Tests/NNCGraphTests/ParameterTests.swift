import NNCGraph
import NNCSpec
import Testing

/// Parameter counts per layer kind, against the published Keras (and PyTorch) formulas.
@Suite struct ParameterTests {
    struct Case: Sendable, CustomStringConvertible {
        var input: String
        var layer: String
        var total: Int
        var nonTrainable = 0
        var pytorch: Int?
        /// PyTorch's non-trainable count where it differs (batchnorm's statistics are buffers).
        var pytorchNonTrainable: Int?
        var description: String { layer }
    }

    static let cases: [Case] = [
        Case(input: "[784]", layer: "dense: 128", total: 100_480),  // (784 + 1) × 128
        Case(input: "[784]", layer: "dense: {units: 128, use_bias: false}", total: 100_352),
        Case(input: "[28, 28, 1]", layer: "conv2d: [6, 5]", total: 156),  // (5·5·1 + 1) × 6
        Case(input: "[14, 14, 6]", layer: "conv2d: [16, 5]", total: 2_416),
        Case(input: "[8, 8, 8]", layer: "conv2d: {filters: 16, kernel: 3, groups: 4}", total: 304),  // 3·3·2·16 + 16
        Case(input: "[100, 4]", layer: "conv1d: {filters: 8, kernel: 3, dilation: 2}", total: 104),  // 3·4·8 + 8
        // Keras counts the moving statistics as non-trainable parameters; PyTorch keeps them as buffers.
        Case(
            input: "[8, 8, 64]", layer: "batchnorm", total: 256, nonTrainable: 128, pytorch: 128, pytorchNonTrainable: 0
        ),
        Case(
            input: "[8, 8, 64]", layer: "batchnorm: {center: false}", total: 192, nonTrainable: 128, pytorch: 64,
            pytorchNonTrainable: 0),
        Case(
            input: "[8, 8, 64]", layer: "batchnorm: {center: false, scale: false}", total: 128, nonTrainable: 128,
            pytorch: 0, pytorchNonTrainable: 0),
        Case(input: "[20, 32]", layer: "layernorm", total: 64),
        Case(input: "[20, 32]", layer: "layernorm: {center: false}", total: 32),
        Case(input: "[8, 8, 8]", layer: "conv2d: {filters: 16, kernel: 3, use_bias: false}", total: 1_152),
        Case(input: "[10, 10]", layer: "simple_rnn: {units: 32, use_bias: false}", total: 1_344, pytorch: 1_344),
        Case(
            input: "[28, 28]", layer: "lstm: {units: 8, trainable: false}", total: 1_184, nonTrainable: 1_184,
            pytorch: 1_216, pytorchNonTrainable: 1_216),
        Case(input: "[200]", layer: "embedding: [10000, 64]", total: 640_000),
        // Keras: h·(in + h) + h; PyTorch: two biases.
        Case(input: "[10, 10]", layer: "simple_rnn: 32", total: 1_376, pytorch: 1_408),
        // Keras: 4·(h·(in + h) + h); PyTorch: 4·(h·(in + h) + 2h).
        Case(input: "[28, 28]", layer: "lstm: 128", total: 80_384, pytorch: 80_896),
        // tf.keras's PeepholeLSTMCell: three more vectors of h (models/verify/peephole_lstm.py).
        Case(input: "[28, 28]", layer: "lstm: {units: 128, peephole: true}", total: 80_768, pytorch: 81_280),
        Case(
            input: "[200, 64]", layer: "bidirectional: {lstm: {units: 32, peephole: true}}", total: 25_024,
            pytorch: 25_280),
        // Keras reset_after (default): 3·(h·(in + h) + 2h), as PyTorch.
        Case(input: "[28, 28]", layer: "gru: 128", total: 60_672, pytorch: 60_672),
        Case(input: "[28, 28]", layer: "gru: {units: 128, reset_after: false}", total: 60_288, pytorch: 60_672),
        Case(input: "[200, 64]", layer: "bidirectional: {lstm: 32}", total: 24_832, pytorch: 25_088),
        Case(input: "[16]", layer: "dense: {units: 4, activation: {swish: {learnable: true}}}", total: 69),
        // Keras 3's DepthwiseConv2D: kh·kw·C·multiplier + C·multiplier; PyTorch's Conv2d(groups=C) the same.
        Case(input: "[9, 9, 3]", layer: "depthwise_conv2d: {kernel: 3, padding: same, depth_multiplier: 2}", total: 60),
        Case(input: "[9, 9, 6]", layer: "depthwise_conv2d: {kernel: [5, 3], stride: 2, use_bias: false}", total: 90),
        Case(input: "[3, 3, 6]", layer: "depthwise_conv2d: {kernel: 2, dilation: 2, depth_multiplier: 3}", total: 90),
        // Keras 3's SeparableConv2D: kh·kw·C·multiplier + C·multiplier·filters + filters (PyTorch: two Conv2d, the same).
        Case(
            input: "[9, 9, 3]", layer: "separable_conv2d: {filters: 4, kernel: 3, padding: same, depth_multiplier: 2}",
            total: 82),
        Case(
            input: "[9, 9, 4]", layer: "separable_conv2d: {filters: 8, kernel: [5, 3], stride: 2, use_bias: false}",
            total: 92),
        Case(input: "[32, 32, 32]", layer: "separable_conv2d: [64, 3]", total: 2_400),
        // Keras 3's Conv2DTranspose: kh·kw·filters·C + filters; PyTorch's ConvTranspose2d the same.
        Case(input: "[4, 3, 2]", layer: "conv2d_transpose: {filters: 3, kernel: 3, stride: 2}", total: 57),
        Case(
            input: "[7, 7, 16]", layer: "conv2d_transpose: {filters: 8, kernel: [3, 4], use_bias: false}", total: 1_536),
        Case(input: "[28, 28, 1]", layer: "maxpool2d: 2", total: 0),
        Case(input: "[28, 28, 1]", layer: "flatten", total: 0),
    ]

    @Test(arguments: cases)
    func countsMatchTheFormulas(_ c: Case) throws {
        for convention in Convention.allCases {
            let (graph, diagnostics) = check("input: \(c.input)\nlayers:\n  - \(c.layer)\n", convention: convention)
            #expect(diagnostics.isEmpty, "\(codes(diagnostics))")
            let g = try #require(graph)
            let expected = convention == .pytorch ? (c.pytorch ?? c.total) : c.total
            #expect(g.totalParams == expected, "\(convention)")
            #expect(
                g.nonTrainableParams
                    == (convention == .pytorch ? (c.pytorchNonTrainable ?? c.nonTrainable) : c.nonTrainable),
                "\(convention)")
            #expect(g.trainableParams + g.nonTrainableParams == g.totalParams)
        }
    }

    /// torchvision's ResNet-18 (`sum(p.numel() for p in resnet18().parameters())` is
    /// 11,689,512): batchnorm's 9,600 running means and variances are buffers there, which
    /// Keras's count (11,699,112) includes as non-trainable parameters.
    static let resnet18 = """
        model: resnet18
        input: [224, 224, 3]
        blocks:
          basic:
            params: [filters]
            layers:
              - conv2d: {filters: $filters, kernel: 3, padding: 1, use_bias: false, name: conv1}
              - batchnorm: {name: bn1}
              - activation: relu
              - conv2d: {filters: $filters, kernel: 3, padding: 1, use_bias: false, name: conv2}
              - batchnorm: {name: bn2}
              - add: {inputs: [input, bn2]}
              - activation: relu
          down:
            params: [filters]
            layers:
              - conv2d: {filters: $filters, kernel: 3, stride: 2, padding: 1, use_bias: false, name: conv1}
              - batchnorm: {name: bn1}
              - activation: relu
              - conv2d: {filters: $filters, kernel: 3, padding: 1, use_bias: false, name: conv2}
              - batchnorm: {name: bn2}
              - conv2d: {filters: $filters, kernel: 1, stride: 2, use_bias: false, inputs: [input], name: downsample}
              - batchnorm: {name: downsample_bn}
              - add: {inputs: [downsample_bn, bn2]}
              - activation: relu
        layers:
          - conv2d: {filters: 64, kernel: 7, stride: 2, padding: 3, use_bias: false, name: conv1}
          - batchnorm: {name: bn1}
          - activation: relu
          - maxpool2d: {pool: 3, stride: 2, padding: 1}
          - {block: basic, name: layer1_0, args: {filters: 64}}
          - {block: basic, name: layer1_1, args: {filters: 64}}
          - {block: down, name: layer2_0, args: {filters: 128}}
          - {block: basic, name: layer2_1, args: {filters: 128}}
          - {block: down, name: layer3_0, args: {filters: 256}}
          - {block: basic, name: layer3_1, args: {filters: 256}}
          - {block: down, name: layer4_0, args: {filters: 512}}
          - {block: basic, name: layer4_1, args: {filters: 512}}
          - global_avgpool
          - dense: {units: 1000, name: fc}
        """

    @Test func resnet18CountsAsTorchvisionAndKeras() throws {
        let (keras, kerasDiagnostics) = check(Self.resnet18)
        #expect(kerasDiagnostics.isEmpty, "\(codes(kerasDiagnostics))")
        let k = try #require(keras)
        #expect(k.nodes.last?.shape?.dims == [1000])
        #expect(k.totalParams == 11_699_112 && k.nonTrainableParams == 9_600)
        let (pytorch, _) = check(Self.resnet18, convention: .pytorch)
        let p = try #require(pytorch)
        #expect(p.totalParams == 11_689_512)
        #expect(p.trainableParams == 11_689_512 && p.nonTrainableParams == 0)
        #expect(p.bufferCount == 9_600)
    }

    @Test func frozenLayersCountAsNonTrainable() throws {
        let (graph, _) = check("input: [10]\nlayers:\n  - dense: {units: 5, trainable: false}\n  - dense: 2\n")
        let g = try #require(graph)
        #expect(g.nonTrainableParams == 55)
        #expect(g.trainableParams == 12)
    }

    @Test func explanationsShowTheFormula() throws {
        let (graph, _) = check("input: [784]\nlayers: [{dense: {units: 128, activation: relu}}]\n")
        let dense = try #require(graph?.nodes.last)
        #expect(dense.explanations.first == Explanation(topic: "params", text: "(784 + 1) × 128 = 100,480"))
        // 2 FLOPs per MAC, plus a bias add and a relu per output.
        #expect(dense.macs == 100_352)
        #expect(dense.flops == 2 * 100_352 + 128 * 2)
    }

    /// Shapes as Keras 3's GlobalMaxPooling1D/2D give them (keepdims too), no parameters, and
    /// C × (positions − 1) comparisons with the arithmetic `summary --explain` shows.
    @Test func globalMaxPoolShapesAndFlops() throws {
        let (graph, diagnostics) = check(
            """
            input: [5, 4, 3]
            layers:
              - global_maxpool2d: {name: a}
              - global_max_pooling2d: {keepdims: true, inputs: [input], name: b}
              - reshape: {shape: [20, 3], inputs: [input], name: steps}
              - global_maxpool1d: {name: c}
              - global_max_pooling1d: {keepdims: true, inputs: [steps], name: d}
            """)
        // Only the warnings that a, b and c lead nowhere.
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        let shapes = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0.shape?.dims ?? []) })
        #expect(shapes["a"] == [3] && shapes["b"] == [1, 1, 3] && shapes["c"] == [3] && shapes["d"] == [1, 3])
        #expect(g.totalParams == 0)
        let a = try #require(g.nodes.first { $0.name == "a" })
        #expect(a.flops == 3 * 19 && a.macs == 0)
        #expect(
            a.explanations == [
                Explanation(
                    topic: "output",
                    text: "[B, 5, 4, 3] → the maximum of each of the 3 channels over its 5×4 = 20 positions → [B, 3]"),
                Explanation(topic: "flops", text: "3 channels × (20 − 1) comparisons = 57"),
            ])
    }

    /// Keras 3's DepthwiseConv2D shapes (9×9×3 → 9×9×6 → 3×4×6 → 1×2×18), its kernel
    /// [kh, kw, C, multiplier], and the FLOPs of one tap per output and kernel cell.
    @Test func depthwiseShapesParametersAndFlops() throws {
        let (graph, diagnostics) = check(
            """
            input: [9, 9, 3]
            layers:
              - depthwise_conv2d: {kernel: 3, padding: same, depth_multiplier: 2, name: a}
              - depthwise_conv2d: {kernel: [5, 3], stride: 2, use_bias: false, name: b}
              - depthwise_conv2d: {kernel: 2, dilation: 2, depth_multiplier: 3, activation: relu, name: c}
            """)
        #expect(diagnostics.isEmpty, "\(codes(diagnostics))")
        let g = try #require(graph)
        let node = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0) })
        #expect(node["a"]?.shape?.dims == [9, 9, 6] && node["b"]?.shape?.dims == [3, 4, 6])
        #expect(node["c"]?.shape?.dims == [1, 2, 18])
        #expect(node["a"]?.parameters.map(\.shape) == [[3, 3, 3, 2], [6]])
        #expect(node["b"]?.parameters.map(\.shape) == [[5, 3, 6, 1]])
        #expect(g.totalParams == 60 + 90 + 90)
        let c = try #require(node["c"])
        #expect(c.macs == 36 * 4 && c.flops == 2 * 144 + 36 * 2)
        #expect(
            c.explanations.first
                == Explanation(
                    topic: "params",
                    text: "(2·2 + 1) × 6·3 = 90 (6 channels × depth multiplier 3, one 2×2 filter each)"))
    }

    /// Keras 3's SeparableConv2D: shapes (9×9×3 → 9×9×4 → 3×4×8 → 1×2×5), its three tensors
    /// with Keras's names and shapes, and the FLOPs of both parts.
    @Test func separableShapesParametersAndFlops() throws {
        let (graph, diagnostics) = check(
            """
            input: [9, 9, 3]
            layers:
              - separable_conv2d: {filters: 4, kernel: 3, padding: same, depth_multiplier: 2, name: a}
              - separable_conv2d: {filters: 8, kernel: [5, 3], stride: 2, use_bias: false, name: b}
              - separable_conv2d: {filters: 5, kernel: 2, dilation: 2, depth_multiplier: 3, activation: relu, name: c}
            """)
        #expect(diagnostics.isEmpty, "\(codes(diagnostics))")
        let g = try #require(graph)
        let node = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0) })
        #expect(node["a"]?.shape?.dims == [9, 9, 4] && node["b"]?.shape?.dims == [3, 4, 8])
        #expect(node["c"]?.shape?.dims == [1, 2, 5])
        #expect(node["a"]?.parameters.map(\.name) == ["depthwise_kernel", "pointwise_kernel", "bias"])
        #expect(node["a"]?.parameters.map(\.shape) == [[3, 3, 3, 2], [1, 1, 6, 4], [4]])
        #expect(node["b"]?.parameters.map(\.shape) == [[5, 3, 4, 1], [1, 1, 4, 8]])
        #expect(g.totalParams == 82 + 92 + 221)
        let c = try #require(node["c"])
        // Depthwise: 1·2·24 outputs × 4 taps; pointwise: 1·2·5 outputs × 24 inputs.
        #expect(c.macs == 48 * 4 + 10 * 24 && c.flops == 2 * (192 + 240) + 10 * 2)
        #expect(
            c.explanations.first
                == Explanation(topic: "params", text: "2·2·8·3 depthwise + 24·5 pointwise + 5 bias = 221"))
        #expect(
            c.explanations.last
                == Explanation(
                    topic: "flops",
                    text:
                        "depthwise MACs = 48 outputs × 4·1 = 192; pointwise MACs = 10 outputs × 24 = 240; 2 × 432 MACs + 10 × (1 bias + 1 activation) = 884"
                ))
    }

    /// Keras 3's Conv2DTranspose output sizes (valid, same, output_padding, a kernel below its
    /// stride, dilation), its kernel [kh, kw, filters, C], and Keras's formula in summary --explain.
    @Test func transposedShapesParametersAndFormulas() throws {
        let (graph, diagnostics) = check(
            """
            input: [3, 4, 3]
            layers:
              - conv2d_transpose: {filters: 2, kernel: [3, 4], stride: [2, 3], padding: same, output_padding: [1, 2], name: a}
              - conv2d_transpose: {filters: 3, kernel: 4, stride: 2, padding: same, use_bias: false, name: b}
              - conv2d_transpose: {filters: 2, kernel: 2, stride: 3, name: c}
              - conv2d_transpose: {filters: 3, kernel: [2, 3], stride: 2, output_padding: [1, 0], name: d}
              - conv2d_transpose: {filters: 3, kernel: 3, dilation: 2, padding: same, name: e}
              - conv2d_transpose: {filters: 2, kernel: 2, dilation: [1, 2], name: f}
            """)
        #expect(diagnostics.isEmpty, "\(codes(diagnostics))")
        let g = try #require(graph)
        let node = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0) })
        // Keras 3: (6, 11, 2), (12, 22, 3), (36, 66, 2), (73, 133, 3), (73, 133, 3), (74, 135, 2).
        #expect(node["a"]?.shape?.dims == [6, 11, 2] && node["b"]?.shape?.dims == [12, 22, 3])
        #expect(node["c"]?.shape?.dims == [36, 66, 2] && node["d"]?.shape?.dims == [73, 133, 3])
        #expect(node["e"]?.shape?.dims == [73, 133, 3] && node["f"]?.shape?.dims == [74, 135, 2])
        #expect(node["a"]?.parameters.map(\.shape) == [[3, 4, 2, 3], [2]])
        #expect(node["a"]?.parameters.first.map { $0.shape.reduce(1, *) } == 72)
        // Keras 3's count_params: 74, 96, 26, 39, 84, 26.
        #expect(g.totalParams == 345)
        let a = try #require(node["a"])
        #expect(
            a.explanations.filter { $0.topic == "output" }.map(\.text) == [
                "height: (in − 1)·stride + kernel − 2·⌊kernel/2⌋ + output_padding = (3 − 1)·2 + 3 − 2·1 + 1 = 6 (same)",
                "width: (in − 1)·stride + kernel − 2·⌊kernel/2⌋ + output_padding = (4 − 1)·3 + 4 − 2·2 + 2 = 11 (same)",
            ])
        #expect(
            node["c"]?.explanations.filter { $0.topic == "output" }.first?.text
                == "height: in·stride + max(kernel − stride, 0) = 12·3 + max(2 − 3, 0) = 36")
        #expect(a.macs == 12 * 3 * 12 * 2)
    }

    /// Keras 3's MultiHeadAttention (models/verify/keras_attention.py): output shapes,
    /// parameter tensors in its layout, counts, and the arithmetic `summary --explain` shows.
    @Test func multiHeadAttentionMatchesKeras() throws {
        let (graph, diagnostics) = check(
            """
            input: [10, 32]
            layers:
              - multi_head_attention: {num_heads: 4, key_dim: 8, name: self}
              - dense: {units: 10, inputs: [input], name: v}
              - dense: {units: 11, inputs: [input], name: k}
              - reshape: {shape: [5, 64], inputs: [input], name: q}
              - multi_head_attention: {num_heads: 2, key_dim: 6, value_dim: 5, inputs: [q, v, k], name: cross}
              - multi_head_attention: {num_heads: 2, key_dim: 6, output_shape: 20, use_bias: false, inputs: [q, v], name: nobias}
            """)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        func node(_ name: String) throws -> Node { try #require(g.nodes.first { $0.name == name }) }
        let attention = try node("self")
        #expect(attention.shape?.dims == [10, 32] && attention.paramCount == 4_224)
        #expect(
            attention.parameters.map(\.name) == [
                "query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias", "output_kernel",
                "output_bias",
            ])
        #expect(
            attention.parameters.map(\.shape) == [
                [32, 4, 8], [4, 8], [32, 4, 8], [4, 8], [32, 4, 8], [4, 8], [4, 8, 32], [32],
            ])
        let cross = try node("cross")
        #expect(cross.shape?.dims == [5, 64] && cross.paramCount == 1_738)
        #expect(
            cross.parameters.map(\.shape) == [
                [64, 2, 6], [2, 6], [11, 2, 6], [2, 6], [10, 2, 5], [2, 5], [2, 5, 64], [64],
            ])
        let nobias = try node("nobias")
        #expect(nobias.shape?.dims == [5, 20] && nobias.paramCount == 1_248)
        #expect(attention.macs == 3 * 10 * 32 * 32 + 4 * 10 * 10 * 16 + 10 * 32 * 32)
        #expect(
            attention.explanations.first
                == Explanation(
                    topic: "params",
                    text: "query (32 + 1)·4·8 + key (32 + 1)·4·8 + value (32 + 1)·4·8 + output 4·8·32 + 32 = 4,224"))
    }

    /// Tai et al.'s Tree-LSTM with a token table (models/verify/pytorch_tree_lstm.py builds
    /// the same cells in PyTorch): Child-Sum V·E + 4·E·U + 4·U² + 4·U, N-ary
    /// V·E + 4·E·U + K·(3 + K)·U² + 4·U; MACs per node slot, every edge's forget product for
    /// Child-Sum.
    @Test func treeLSTMCountsAndCosts() throws {
        let (graph, diagnostics) = check(
            """
            input: [15, 3]
            layers:
              - tree_lstm: {units: 64, input_dim: 12, embedding_dim: 32, name: sum}
              - tree_lstm: {units: 50, input_dim: 20, variant: n_ary, use_bias: false, inputs: [input], name: nary}
              - concat: {inputs: [sum, nary]}
            """)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        let sum = try #require(g.nodes.first { $0.name == "sum" })
        #expect(sum.shape?.dims == [64])
        #expect(sum.parameters.map(\.shape) == [[12, 32], [32, 256], [64, 256], [256]])
        #expect(sum.paramCount == 12 * 32 + 4 * 32 * 64 + 4 * 64 * 64 + 4 * 64)
        #expect(sum.macs == 15 * (32 * 256 + 64 * 256) + 14 * 64 * 64)
        let nary = try #require(g.nodes.first { $0.name == "nary" })
        #expect(nary.parameters.map(\.shape) == [[20, 50], [50, 200], [100, 250]])
        #expect(nary.paramCount == 20 * 50 + 4 * 50 * 50 + 2 * 5 * 50 * 50)
        #expect(nary.macs == 15 * (50 * 200 + 100 * 250))
        #expect(
            sum.explanations.first
                == Explanation(
                    topic: "params", text: "embeddings 12·32 + kernel 32·4·64 + recurrent 64·4·64 + bias 4·64 = 25,216")
        )
    }

    /// keras_hub's PositionEmbedding holds sequence_length × features (a table longer than the
    /// input is allowed); SinePositionEncoding none. Both add one vector per step.
    @Test func positionEmbeddingsCountAsKerasHub() throws {
        let (graph, diagnostics) = check(
            """
            input: [12, 64]
            layers:
              - position_embedding: {sequence_length: 16, name: learned}
              - sinusoidal_position_embedding: {name: sine}
            """)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        #expect(g.totalParams == 16 * 64)
        let learned = try #require(g.nodes.first { $0.name == "learned" })
        #expect(learned.parameters.map(\.shape) == [[16, 64]] && learned.shape?.dims == [12, 64])
        #expect(learned.flops == 12 * 64 && learned.explanations.first?.text == "16 × 64 = 1,024")
    }

    /// Shapes as Keras 3's ZeroPadding2D and Cropping2D give them for each form of the padding
    /// (an int, [h, w], [[top, bottom], [left, right]]): no parameters, no FLOPs.
    @Test func paddingAndCroppingShapes() throws {
        let (graph, diagnostics) = check(
            """
            input: [6, 5, 3]
            layers:
              - zero_padding2d: {padding: [[2, 0], [1, 3]], name: a}
              - zero_padding2d: {inputs: [input], name: b}
              - zero_padding2d: {padding: [1, 2], inputs: [input], name: c}
              - cropping2d: {cropping: [[1, 0], [0, 2]], inputs: [input], name: d}
              - cropping2d: {cropping: 1, inputs: [input], name: e}
              - cropping2d: {cropping: [1, 2], inputs: [input], name: f}
            """)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        let shapes = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0.shape?.dims ?? []) })
        // keras.layers.ZeroPadding2D / Cropping2D on (6, 5, 3), models/verify style.
        #expect(shapes["a"] == [8, 9, 3] && shapes["b"] == [8, 7, 3] && shapes["c"] == [8, 9, 3])
        #expect(shapes["d"] == [5, 3, 3] && shapes["e"] == [4, 3, 3] && shapes["f"] == [4, 1, 3])
        #expect(g.totalParams == 0 && g.nodes.allSatisfy { $0.flops == 0 })
        let f = try #require(g.nodes.first { $0.name == "f" })
        #expect(
            f.explanations.first
                == Explanation(
                    topic: "output", text: "[B, 6, 5, 3] → rows 6 − 1 − 1 = 4, columns 5 − 2 − 2 = 1 → [B, 4, 1, 3]"))
    }

    /// Keras 3's UpSampling2D shapes (size 2 and [2, 3]), no parameters, and FLOPs: nearest is a
    /// copy, bilinear 7 per output (4 weighted taps).
    @Test func upsamplingShapesAndFlops() throws {
        let (graph, diagnostics) = check(
            """
            input: [3, 4, 2]
            layers:
              - upsampling2d: {name: a}
              - up_sampling2d: {size: [2, 3], interpolation: bilinear, inputs: [input], name: b}
            """)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        let a = try #require(g.nodes.first { $0.name == "a" })
        let b = try #require(g.nodes.first { $0.name == "b" })
        #expect(a.shape?.dims == [6, 8, 2] && b.shape?.dims == [6, 12, 2] && g.totalParams == 0)
        #expect(a.flops == 0 && b.flops == 7 * 144)
        #expect(
            b.explanations == [
                Explanation(
                    topic: "output",
                    text: "[B, 3, 4, 2] → rows 3 × 2 = 6, columns 4 × 3 = 12 → [B, 6, 12, 2] (bilinear)"),
                Explanation(topic: "flops", text: "144 × 7 (bilinear: 4 weighted taps, 4 multiplies + 3 adds) = 1,008"),
            ])
    }

    /// Keras 3's PReLU counts: one α per input element unless shared ([6, 5, 3] → 90; shared
    /// axes [1, 2] → 3, [3] → 30), and AlphaDropout none; under the PyTorch convention the count
    /// stays and the formula names nn.PReLU's layouts.
    @Test func preluAndAlphaDropoutCounts() throws {
        let yaml = """
            input: [6, 5, 3]
            layers:
              - prelu: {name: a}
              - prelu: {shared_axes: [1, 2], name: b}
              - prelu: {shared_axes: 3, name: c}
              - alpha_dropout: {rate: 0.1, name: d}
            """
        let (graph, diagnostics) = check(yaml)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        let counts = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0.trainableParams) })
        #expect(counts["a"] == 90 && counts["b"] == 3 && counts["c"] == 30 && counts["d"] == 0)
        let b = try #require(g.nodes.first { $0.name == "b" })
        #expect(b.parameters.map(\.shape) == [[1, 1, 3]] && b.flops == 2 * 90)
        #expect(
            b.explanations.first
                == Explanation(topic: "params", text: "1 × 1 × 3 = 3 (α over [6, 5, 3], shared axes 1, 2)"))
        let (pytorch, _) = check(yaml, convention: .pytorch)
        let p = try #require(pytorch?.nodes.first { $0.name == "b" })
        #expect(p.trainableParams == 3)
        #expect(p.explanations.first?.text.contains("nn.PReLU() holds 1 α") == true)
    }

    /// Keras 3's GroupNormalization counts 2 × C (gamma, beta); L2 pooling has MaxPooling2D's
    /// shapes and no parameters.
    @Test func groupNormAndL2PoolCounts() throws {
        let yaml = """
            input: [6, 5, 64]
            layers:
              - groupnorm: {name: a}
              - groupnorm: {groups: 8, center: false, name: b}
              - l2pool2d: {name: c}
              - l2pool2d: {pool: 3, stride: 2, padding: same, inputs: [b], name: d}
            """
        let (graph, diagnostics) = check(yaml)
        #expect(diagnostics.allSatisfy { $0.severity == .warning }, "\(codes(diagnostics))")
        let g = try #require(graph)
        let node = Dictionary(uniqueKeysWithValues: g.nodes.map { ($0.name, $0) })
        #expect(node["a"]?.trainableParams == 128 && node["b"]?.trainableParams == 64)
        #expect(node["c"]?.shape?.dims == [3, 2, 64] && node["d"]?.shape?.dims == [3, 3, 64])
        #expect(node["c"]?.flops == 3 * 2 * 64 * (2 * 4 + 1))
        let (pytorch, _) = check(yaml, convention: .pytorch)
        let a = try #require(pytorch?.nodes.first { $0.name == "a" })
        #expect(a.trainableParams == 128 && a.explanations.first?.text.contains("eps defaults to 1e-5") == true)
    }

    @Test func lenet5ShapesAndFlops() throws {
        let (graph, diagnostics) = check(
            """
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
            """)
        #expect(diagnostics.isEmpty)
        let g = try #require(graph)
        #expect(
            g.nodes.map { $0.shape?.dims ?? [] } == [
                [28, 28, 1], [28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10],
            ])
        #expect(g.totalParams == 61_706)
        // MACs: 28·28·6·25 + 10·10·16·150 + 400·120 + 120·84 + 84·10
        #expect(g.macs == 117_600 + 240_000 + 48_000 + 10_080 + 840)
        #expect(g.nodes[4].receptiveField?.size == [16, 16])
        #expect(g.nodes.map(\.paramCount).reduce(0, +) == g.totalParams)
    }
}
