/// Every layer kind of the spec language and its attributes.
extension Registry {
    /// Keys every layer accepts, in its full form or beside its kind key.
    public static let commonLayerAttributes: [Attribute] = [
        Attribute(
            "name", .string, .unset(note: "generated: the kind plus a counter, as in Keras (dense, dense_1, …)"),
            "the layer's name, used by 'inputs' and in messages"),
        Attribute(
            "inputs", .layerNames, .unset(note: "the previous layer"), "the layers (or 'input') this layer reads"),
        Attribute("trainable", .bool, .value("true"), "false freezes the layer's parameters"),
    ]

    static func weights(bias: Bool = true) -> [Attribute] {
        var attributes = [
            Attribute(
                "init", .component(initializers), .unset(note: "the model's init.weights"), "initializer of the weights"
            ),
            Attribute(
                "regularizer", .component(regularizers), .unset(note: "the model's regularization"),
                "penalty on the weights"),
            Attribute(
                "constraint", .component(constraints), .unset(note: "the model's regularization.max_norm"),
                "constraint on the weights"),
        ]
        if bias {
            attributes += [
                Attribute("use_bias", .bool, .value("true"), "whether the layer adds a bias"),
                Attribute(
                    "bias_init", .component(initializers), .unset(note: "the model's init.bias"),
                    "initializer of the bias"),
                Attribute("bias_regularizer", .component(regularizers), .unset(note: "none"), "penalty on the bias"),
            ]
        }
        return attributes
    }

    static let activation = Attribute(
        "activation", .component(activations), .value("linear"),
        "activation applied to the output")

    static func convolution(_ rank: Int) -> ComponentKind {
        ComponentKind(
            "conv\(rank)d", doc: "\(rank)-D convolution (cross-correlation), channels last",
            short: ["filters", "kernel"], spatialRank: rank,
            [
                Attribute("filters", .int(.atLeastOne), .required, "number of output channels"),
                Attribute(
                    "kernel", .spatial(.atLeastOne), .required, "window size, one int or one per spatial dimension"),
                Attribute("stride", .spatial(.atLeastOne), .value("1"), "step between windows"),
                Attribute(
                    "padding", .padding, .value("valid"),
                    rank == 1
                        ? "valid, same, causal (left only), an int, or per-side [lo, hi]"
                        : "valid, same, an int, one int per dimension, or [[top, bottom], [left, right]]"),
                Attribute("dilation", .spatial(.atLeastOne), .value("1"), "spacing between kernel taps"),
                Attribute(
                    "groups", .int(.atLeastOne), .value("1"), "channel groups; must divide input channels and filters"),
                activation,
            ] + weights())
    }

    /// The window keys of a 2-D convolution (kernel, stride, padding, dilation) and its depth multiplier.
    static let depthwiseWindow: [Attribute] = [
        Attribute("kernel", .spatial(.atLeastOne), .required, "window size, one int or one per spatial dimension"),
        Attribute("stride", .spatial(.atLeastOne), .value("1"), "step between windows"),
        Attribute(
            "padding", .padding, .value("valid"),
            "valid, same, an int, one int per dimension, or [[top, bottom], [left, right]]"),
        Attribute("depth_multiplier", .int(.atLeastOne), .value("1"), "filters per input channel"),
        Attribute("dilation", .spatial(.atLeastOne), .value("1"), "spacing between kernel taps"),
    ]

    static let depthwiseConvolution = ComponentKind(
        "depthwise_conv2d",
        doc:
            "2-D depthwise convolution (Keras's DepthwiseConv2D): each input channel convolved with its own depth_multiplier filters, [H, W, C] → [H′, W′, C·depth_multiplier]; the grouped conv2d with groups = C",
        short: ["kernel"], spatialRank: 2, depthwiseWindow + [activation] + weights())

    static let separableConvolution = ComponentKind(
        "separable_conv2d",
        doc:
            "2-D depthwise separable convolution (Keras's SeparableConv2D): a depthwise convolution (depth_multiplier filters per input channel, no bias), then a 1×1 convolution to `filters` channels with the bias and activation; `init`, `regularizer` and `constraint` apply to both kernels",
        short: ["filters", "kernel"], spatialRank: 2,
        [Attribute("filters", .int(.atLeastOne), .required, "number of output channels (of the 1×1 convolution)")]
            + depthwiseWindow + [activation] + weights())

    static let transposedConvolution = ComponentKind(
        "conv2d_transpose",
        doc:
            "2-D transposed convolution (Keras's Conv2DTranspose), the data gradient of a convolution: each input cell scatters kernel·x into a stride-spaced output window; kernel [kh, kw, filters, C]",
        short: ["filters", "kernel"], spatialRank: 2,
        [
            Attribute("filters", .int(.atLeastOne), .required, "number of output channels"),
            Attribute("kernel", .spatial(.atLeastOne), .required, "window size, one int or one per spatial dimension"),
            Attribute(
                "stride", .spatial(.atLeastOne), .value("1"), "step between the input cells' windows in the output"),
            Attribute(
                "padding", .choice(["valid", "same"]), .value("valid"),
                "valid: output in·stride + max(kernel − stride, 0); same: in·stride (Keras)"),
            Attribute(
                "output_padding", .spatial(.nonNegative), .unset(note: "Keras's output size for the padding"),
                "cells added after the output (less than the stride): output (in − 1)·stride + kernel − 2·pad + output_padding, pad = ⌊kernel/2⌋ for same, 0 for valid"
            ),
            Attribute("dilation", .spatial(.atLeastOne), .value("1"), "spacing between kernel taps"),
            activation,
        ] + weights())

    static func pooling(_ op: String, _ rank: Int) -> ComponentKind {
        var attributes = [
            Attribute("pool", .spatial(.atLeastOne), .value("2"), "window size"),
            Attribute("stride", .spatial(.atLeastOne), .unset(note: "the pool size"), "step between windows"),
            Attribute("padding", .padding, .value("valid"), "valid, same, an int, or per dimension"),
            Attribute(
                "rounding", .choice(["floor", "ceil"]), .value("floor"),
                "how the output size rounds when windows do not tile the input (ceil: PyTorch's ceil_mode)"),
        ]
        if op == "avg" {
            attributes.append(
                Attribute(
                    "count_padding", .bool, .value("false"),
                    "divide by the full window including padding (PyTorch's default) rather than the valid cells (Keras)"
                ))
        }
        let word = op == "max" ? "maximum" : "average"
        return ComponentKind(
            "\(op)pool\(rank)d", aliases: rank == 2 ? ["\(op)_pooling2d"] : ["\(op)_pooling1d"],
            doc: "\(rank)-D \(word) pooling", short: ["pool"], spatialRank: rank, attributes)
    }

    static func globalMaxPooling(_ rank: Int) -> ComponentKind {
        let (input, kept) = rank == 1 ? ("[steps, C]", "[1, C]") : ("[H, W, C]", "[1, 1, C]")
        return ComponentKind(
            "global_maxpool\(rank)d", aliases: ["global_max_pooling\(rank)d"],
            doc: "maximum over every position of each channel: \(input) → [C]",
            [
                Attribute(
                    "keepdims", .bool, .value("false"), "keep the pooled axes with size 1: \(input) → \(kept)")
            ])
    }

    static func recurrent(_ name: String, doc: String, _ extra: [Attribute]) -> ComponentKind {
        ComponentKind(
            name, doc: doc, short: ["units"],
            [
                Attribute("units", .int(.atLeastOne), .required, "size of the hidden state"),
                Attribute(
                    "activation", .component(activations), .value("tanh"), "activation of the candidate / output"),
            ] + extra + [
                Attribute(
                    "return_sequences", .bool, .value("false"),
                    "output every timestep [T, units] instead of the last [units]"),
                Attribute("dropout", .float(.unitOpen), .value("0.0"), "dropout on the inputs"),
                Attribute("recurrent_dropout", .float(.unitOpen), .value("0.0"), "dropout on the recurrent state"),
                Attribute(
                    "recurrent_init", .component(initializers), .unset(note: "the model's init.recurrent"),
                    "initializer of the recurrent weights"),
            ] + weights())
    }

    static let recurrentActivation = Attribute(
        "recurrent_activation", .component(activations), .value("sigmoid"),
        "activation of the gates")

    public static let layers = Family(
        name: "layer",
        kinds: ([
            ComponentKind(
                "dense", doc: "fully connected: y = f(x·W + b)",
                short: ["units"],
                [
                    Attribute("units", .int(.atLeastOne), .required, "number of outputs"),
                    activation,
                ] + weights()),
            convolution(1),
            convolution(2),
            depthwiseConvolution,
            separableConvolution,
            transposedConvolution,
            pooling("max", 1), pooling("max", 2), pooling("avg", 1), pooling("avg", 2),
            ComponentKind(
                "l2pool2d", aliases: ["l2_pooling2d"],
                doc:
                    "2-D L2 pooling: the square root of the mean of the squares over each window (PyTorch's LPPool2d(2) takes the square root of the sum: √(window cells) times this); a window of zeros has gradient 0",
                short: ["pool"], spatialRank: 2,
                [
                    Attribute("pool", .spatial(.atLeastOne), .value("2"), "window size"),
                    Attribute("stride", .spatial(.atLeastOne), .unset(note: "the pool size"), "step between windows"),
                    Attribute(
                        "padding", .padding, .value("valid"),
                        "valid, same, an int, or per dimension (the mean is over the cells inside the input)"),
                    Attribute(
                        "rounding", .choice(["floor", "ceil"]), .value("floor"),
                        "how the output size rounds when windows do not tile the input"),
                ]),
            ComponentKind(
                "global_avgpool", aliases: ["global_average_pooling1d", "global_average_pooling2d"],
                doc: "average over every axis but the channels: [..., C] → [C]"),
            globalMaxPooling(1), globalMaxPooling(2),
            ComponentKind(
                "zero_padding2d", doc: "pads an image [H, W, C] with zero rows and columns: [H + t + b, W + l + r, C]",
                short: ["padding"], spatialRank: 2,
                [
                    Attribute(
                        "padding", .margins, .value("1"),
                        "rows and columns added: an int (every side), [h, w] (top and bottom, left and right), or [[top, bottom], [left, right]]"
                    )
                ]),
            ComponentKind(
                "cropping2d",
                doc: "removes rows and columns from the edges of an image [H, W, C]: [H − t − b, W − l − r, C]",
                short: ["cropping"], spatialRank: 2,
                [
                    Attribute(
                        "cropping", .margins, .value("0"),
                        "rows and columns removed: an int (every side), [h, w] (top and bottom, left and right), or [[top, bottom], [left, right]]"
                    )
                ]),
            ComponentKind(
                "upsampling2d", aliases: ["up_sampling2d"],
                doc: "repeats (nearest) or interpolates (bilinear) an image [H, W, C] to [H·size_h, W·size_w, C]",
                short: ["size"], spatialRank: 2,
                [
                    Attribute("size", .spatial(.atLeastOne), .value("2"), "the factor of the rows and of the columns"),
                    Attribute(
                        "interpolation", .choice(["nearest", "bilinear"]), .value("nearest"),
                        "nearest repeats each pixel; bilinear interpolates with half-pixel centers, clamped at the edges (Keras's jax.image.resize, TensorFlow's resize)"
                    ),
                ]),
            ComponentKind("flatten", doc: "[d₁, …, dₙ] → [d₁·…·dₙ], a free reshape"),
            ComponentKind(
                "reshape", doc: "reinterprets the per-sample shape; the element count must not change",
                short: ["shape"],
                [
                    Attribute("shape", .reshapeTarget, .required, "the new per-sample shape; one dimension may be -1")
                ]),
            ComponentKind(
                "dropout",
                doc: "zeroes each input with probability rate while training (inverted: survivors scale by 1/(1−rate))",
                short: ["rate"],
                [
                    Attribute("rate", .float(.unitOpen), .required, "probability of dropping a unit")
                ]),
            ComponentKind(
                "alpha_dropout",
                doc:
                    "dropout that keeps a self-normalizing network's mean and variance (Klambauer et al. 2017): dropped units take selu's negative saturation α′ = −λα ≈ −1.7581, then y = a·x + b with a = ((1 − rate)(1 + rate·α′²))^−½, b = −a·α′·rate; identity at inference",
                short: ["rate"],
                [
                    Attribute("rate", .float(.unitOpen), .required, "probability of dropping a unit")
                ]),
            ComponentKind(
                "prelu",
                doc:
                    "parametric ReLU (He et al. 2015): y = x for x > 0, α·x otherwise, with α learned per element of the input (Keras's default) or shared along shared_axes",
                [
                    Attribute(
                        "init", .component(initializers), .value("zeros"),
                        "initializer of α (Keras: zeros; PyTorch: constant 0.25)"),
                    Attribute(
                        "shared_axes", .list(.int(.atLeastOne)), .unset(note: "none: one α per input element"),
                        "axes along which α is shared, counted as Keras does (1 is the first axis after the batch): [1, 2] on [H, W, C] gives one α per channel"
                    ),
                ]),
            ComponentKind(
                "batchnorm", aliases: ["batch_normalization"],
                doc: "normalizes each channel over the batch, then scales and shifts",
                [
                    Attribute(
                        "momentum", .float(.unit), .value("0.99"), "moving-average momentum of the running statistics"),
                    Attribute("epsilon", .float(.positive), .value("0.001"), "added to the variance"),
                    Attribute("center", .bool, .value("true"), "learn a shift beta"),
                    Attribute("scale", .bool, .value("true"), "learn a scale gamma"),
                ]),
            ComponentKind(
                "layernorm", aliases: ["layer_normalization"],
                doc: "normalizes each sample over its last axis, then scales and shifts",
                [
                    Attribute("epsilon", .float(.positive), .value("0.001"), "added to the variance"),
                    Attribute("center", .bool, .value("true"), "learn a shift beta"),
                    Attribute("scale", .bool, .value("true"), "learn a scale gamma"),
                ]),
            ComponentKind(
                "groupnorm", aliases: ["group_normalization"],
                doc:
                    "normalizes each sample over its positions and each group of channels (channels last), then scales and shifts per channel (PyTorch's nn.GroupNorm has the same 2 × C parameters; its eps defaults to 1e-5)",
                short: ["groups"],
                [
                    Attribute(
                        "groups", .int(.atLeastOne), .value("32"), "channel groups; must divide the channels"),
                    Attribute("epsilon", .float(.positive), .value("0.001"), "added to the variance"),
                    Attribute("center", .bool, .value("true"), "learn a shift beta"),
                    Attribute("scale", .bool, .value("true"), "learn a scale gamma"),
                ]),
            ComponentKind(
                "activation", doc: "applies an activation function element by element", short: ["activation"],
                [
                    Attribute("activation", .component(activations), .required, "the function")
                ]),
            ComponentKind("softmax", doc: "softmax over the last axis", []),
            ComponentKind(
                "embedding", doc: "maps integer token ids [T] to vectors [T, output_dim]",
                short: ["input_dim", "output_dim"],
                [
                    Attribute(
                        "input_dim", .int(.atLeastOne), .required, "vocabulary size: ids run from 0 to input_dim − 1"),
                    Attribute("output_dim", .int(.atLeastOne), .required, "size of each embedding vector"),
                    Attribute(
                        "padding_index", .int(.nonNegative), .unset(note: "none"),
                        "an id whose vector stays zero and whose steps are masked"),
                    Attribute(
                        "init", .component(initializers), .value("uniform"),
                        "initializer of the table (Keras: uniform(−0.05, 0.05))"),
                    Attribute(
                        "regularizer", .component(regularizers), .unset(note: "the model's regularization"),
                        "penalty on the table"),
                ]),
        ] + recurrentKinds + [
            ComponentKind(
                "bidirectional", doc: "runs a recurrent layer forwards and backwards and merges the two",
                short: ["layer"],
                [
                    Attribute(
                        "layer", .component(recurrentLayersFamily), .required,
                        "the recurrent layer (simple_rnn, lstm or gru)"),
                    Attribute(
                        "merge_mode", .choice(["concat", "sum", "mul", "ave"]), .value("concat"),
                        "how the two directions combine"),
                ]),
            ComponentKind(
                "add", doc: "element-wise sum of two or more inputs (shapes broadcast as Keras's: size 1 repeats)"),
            ComponentKind(
                "subtract",
                doc:
                    "element-wise difference of exactly two inputs (shapes broadcast as Keras's: size 1 repeats): the first minus the second"
            ),
            ComponentKind(
                "multiply",
                doc: "element-wise product of two or more inputs (shapes broadcast as Keras's: size 1 repeats)"),
            ComponentKind(
                "average", doc: "element-wise mean of two or more inputs (shapes broadcast as Keras's: size 1 repeats)"),
            ComponentKind(
                "maximum",
                doc:
                    "element-wise maximum of two or more inputs (shapes broadcast as Keras's: size 1 repeats); the gradient goes to the largest input, on a tie to the first listed"
            ),
            ComponentKind(
                "position_embedding",
                doc:
                    "keras_hub's PositionEmbedding, added to its input: a learned vector per position, [T, features] → [T, features] (T ≤ sequence_length)",
                short: ["sequence_length"],
                [
                    Attribute(
                        "sequence_length", .int(.atLeastOne), .required,
                        "the most steps an input may have: one learned vector each"),
                    Attribute(
                        "init", .component(initializers), .value("glorot_uniform"),
                        "initializer of the position vectors (keras_hub: glorot_uniform)"),
                    Attribute(
                        "regularizer", .component(regularizers), .unset(note: "the model's regularization"),
                        "penalty on the position vectors"),
                ]),
            ComponentKind(
                "sinusoidal_position_embedding", aliases: ["sine_position_encoding"],
                doc:
                    "keras_hub's SinePositionEncoding, added to its input: feature i of step t gets sin(t·ω) (i even) or cos(t·ω) (i odd), ω = max_wavelength^(−2⌊i/2⌋/features); no parameters",
                [
                    Attribute(
                        "max_wavelength", .float(.positive), .value("10000"), "the longest wavelength of the encoding")
                ]),
            ComponentKind(
                "multi_head_attention", aliases: ["multihead_attention"],
                doc:
                    "Keras's MultiHeadAttention: inputs query [Tq, dq], value [Tk, dv] (default: the query) and key [Tk, dk] (default: the value); per head softmax(Q·Kᵀ/√key_dim)·V, joined by an output projection: [Tq, output_shape]",
                short: ["num_heads", "key_dim"],
                [
                    Attribute("num_heads", .int(.atLeastOne), .required, "number of attention heads"),
                    Attribute("key_dim", .int(.atLeastOne), .required, "size of each head's queries and keys"),
                    Attribute("value_dim", .int(.atLeastOne), .unset(note: "key_dim"), "size of each head's values"),
                    Attribute(
                        "output_shape", .int(.atLeastOne), .unset(note: "the query's last axis"),
                        "size of the output's last axis"),
                    Attribute("dropout", .float(.unitOpen), .value("0.0"), "dropout on the attention weights"),
                    Attribute(
                        "use_causal_mask", .bool, .value("false"),
                        "each query attends only to keys at its own position or before (decoders)"),
                ] + weights()),
            ComponentKind(
                "tree_lstm", aliases: ["treelstm"],
                doc:
                    "Tree-LSTM (Tai et al. 2015) over the trees of `format: trees` data, input [nodes, 1 + max children] (each row a token id and its children's slots): embeds each node's token, runs the cell from the leaves up (nodes of equal height across the batch at once) and outputs the root's state [units]",
                short: ["units"],
                [
                    Attribute("units", .int(.atLeastOne), .required, "size of each node's hidden and memory state"),
                    Attribute(
                        "input_dim", .int(.atLeastOne), .required,
                        "vocabulary size: token ids run from 0 to input_dim − 1"),
                    Attribute(
                        "embedding_dim", .int(.atLeastOne), .unset(note: "units"),
                        "size of each token's embedding vector"),
                    Attribute(
                        "variant", .choice(["child_sum", "n_ary"]), .value("child_sum"),
                        "child_sum: gates read the sum of the children's states, one forget gate per child (children unordered); n_ary: each child position has its own weights (ordered children, at most `max children` of them)"
                    ),
                    Attribute("unit_forget_bias", .bool, .value("true"), "initialize the forget-gate bias to 1"),
                    Attribute(
                        "embeddings_init", .component(initializers), .value("uniform"),
                        "initializer of the token table (Keras's embedding: uniform(−0.05, 0.05))"),
                    Attribute(
                        "recurrent_init", .component(initializers), .unset(note: "the model's init.recurrent"),
                        "initializer of the recurrent weights"),
                ] + weights()),
            ComponentKind(
                "concat", aliases: ["concatenate"], doc: "joins inputs along an axis", short: ["axis"],
                [
                    Attribute("axis", .int(.none), .value("-1"), "the axis to join along (per sample; -1 is the last)")
                ]),
        ] as [ComponentKind]).map { kind in
            var kind = kind
            kind.attributes += commonLayerAttributes
            return kind
        })

    /// The recurrent kinds, shared by `layers` and the family `bidirectional` wraps.
    static let recurrentKinds: [ComponentKind] = [
        recurrent("simple_rnn", doc: "Elman recurrent layer: hₜ = f(xₜW + hₜ₋₁U + b)", []),
        recurrent(
            "lstm", doc: "long short-term memory (Hochreiter & Schmidhuber 1997), gates i, f, c, o",
            [
                recurrentActivation,
                Attribute("unit_forget_bias", .bool, .value("true"), "initialize the forget-gate bias to 1"),
                Attribute(
                    "peephole", .bool, .value("false"),
                    "peephole connections (Gers & Schmidhuber 2000, tf.keras's PeepholeLSTMCell): diagonal weights from cₜ₋₁ to the i and f gates and from cₜ to o, 3·units parameters"
                ),
            ]),
        recurrent(
            "gru", doc: "gated recurrent unit (Cho et al. 2014), gates z, r, h",
            [
                recurrentActivation,
                Attribute(
                    "reset_after", .bool, .value("true"),
                    "apply the reset gate after the recurrent matmul (Keras 2+ and PyTorch; two biases per gate)"),
            ]),
    ]

    /// The kinds a `bidirectional` layer may wrap (without the common layer keys).
    public static let recurrentLayersFamily = Family(name: "recurrent layer", kinds: recurrentKinds)
}
