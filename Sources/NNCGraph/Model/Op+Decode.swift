import NNCSpec

extension Node {
    /// The node of a layer, its attributes decoded once (`trainable`, a key of every layer,
    /// and the op's). Shape, parameters and costs come from the checks that follow.
    init(decoding layer: LayerSpec, id: NodeID, inputs: [NodeID]) {
        self.init(
            id: id, name: layer.name, op: Op(decoding: layer.component), trainable: layer.component.flag("trainable"),
            inputs: inputs, location: layer.location)
    }
}

extension Op {
    /// The op of a layer as the spec decoder read it: every attribute is there with the
    /// registry's defaults filled in, except one that failed to decode (reported; the layer
    /// is then not checked), which reads as its registry default, or as 0 or empty when
    /// the attribute is required. No value the registry admits traps here.
    init(decoding c: ComponentSpec) {
        guard let kind = Kind(rawValue: c.kind.name) else {
            preconditionFailure("layer kind '\(c.kind.name)' has no Op case")
        }
        switch kind {
        case .input: preconditionFailure("the model input is not a layer")
        case .dense:
            self = .dense(
                Dense(
                    units: c.integer("units"), useBias: c.flag("use_bias"), activation: Self.activation(c),
                    weights: Weights(decoding: c)))
        case .conv1d: self = .conv1d(Convolution(decoding: c, rank: 1))
        case .conv2d: self = .conv2d(Convolution(decoding: c, rank: 2))
        case .depthwiseConv2d:
            self = .depthwiseConv2d(
                DepthwiseConvolution(
                    depthMultiplier: c.integer("depth_multiplier"),
                    window: Window(decoding: c, size: "kernel", rank: 2),
                    useBias: c.flag("use_bias"), activation: Self.activation(c), weights: Weights(decoding: c)))
        case .separableConv2d:
            self = .separableConv2d(
                SeparableConvolution(
                    filters: c.integer("filters"), depthMultiplier: c.integer("depth_multiplier"),
                    window: Window(decoding: c, size: "kernel", rank: 2), useBias: c.flag("use_bias"),
                    activation: Self.activation(c), weights: Weights(decoding: c)))
        case .conv2dTranspose:
            var window = Window(decoding: c, size: "kernel", rank: 2)
            window.padding = c.text("padding") == "same" ? .same : .valid
            let outputPadding = c.ints("output_padding").map { $0.count == 1 ? [$0[0], $0[0]] : $0 }
            self = .conv2dTranspose(
                TransposedConvolution(
                    filters: c.integer("filters"), window: window, outputPadding: outputPadding,
                    outputPaddingLocation: c.valueLocation("output_padding"), useBias: c.flag("use_bias"),
                    activation: Self.activation(c), weights: Weights(decoding: c)))
        case .maxpool1d: self = .maxpool1d(Pool(window: Window(decoding: c, size: "pool", rank: 1)))
        case .maxpool2d: self = .maxpool2d(Pool(window: Window(decoding: c, size: "pool", rank: 2)))
        case .avgpool1d: self = .avgpool1d(AveragePool(decoding: c, rank: 1))
        case .avgpool2d: self = .avgpool2d(AveragePool(decoding: c, rank: 2))
        case .globalAvgpool: self = .globalAvgpool
        case .globalMaxpool1d: self = .globalMaxpool1d(GlobalPool(keepdims: c.flag("keepdims")))
        case .globalMaxpool2d: self = .globalMaxpool2d(GlobalPool(keepdims: c.flag("keepdims")))
        case .flatten: self = .flatten
        case .zeroPadding2d: self = .zeroPadding2d(Margins(decoding: c, "padding"))
        case .cropping2d: self = .cropping2d(Margins(decoding: c, "cropping"))
        case .upsampling2d:
            let size = c.ints("size") ?? [2, 2]
            self = .upsampling2d(
                Upsampling(
                    rows: size[0], columns: size.count > 1 ? size[1] : size[0],
                    interpolation: Interpolation(rawValue: c.text("interpolation")) ?? .nearest))
        case .reshape: self = .reshape(Reshape(target: c.ints("shape") ?? [], targetLocation: c.valueLocation("shape")))
        case .dropout: self = .dropout(Dropout(rate: c.number("rate")))
        case .alphaDropout: self = .alphaDropout(Dropout(rate: c.number("rate")))
        case .prelu:
            let axes = c.list("shared_axes")?.compactMap { if case .int(let a) = $0.value { a } else { nil } }
            self = .prelu(
                PReLU(
                    sharedAxes: axes ?? [], sharedAxesLocation: c.valueLocation("shared_axes"),
                    weights: Weights(initializer: c.decodedComponent("init").map(Initializer.init(decoding:)))))
        case .batchnorm:
            self = .batchnorm(
                BatchNorm(
                    momentum: c.number("momentum"), epsilon: c.number("epsilon"),
                    center: c.flag("center"), scale: c.flag("scale")))
        case .groupnorm:
            self = .groupnorm(
                GroupNorm(
                    groups: c.integer("groups"), groupsLocation: c.valueLocation("groups"),
                    epsilon: c.number("epsilon"),
                    center: c.flag("center"), scale: c.flag("scale")))
        case .l2pool2d: self = .l2pool2d(Pool(window: Window(decoding: c, size: "pool", rank: 2)))
        case .layernorm:
            self = .layernorm(LayerNorm(epsilon: c.number("epsilon"), center: c.flag("center"), scale: c.flag("scale")))
        case .activation: self = .activation(Self.activation(c))
        case .softmax: self = .softmax
        case .embedding:
            self = .embedding(
                Embedding(
                    inputDim: c.integer("input_dim"), outputDim: c.integer("output_dim"),
                    paddingIndex: c.int("padding_index"), paddingIndexLocation: c.valueLocation("padding_index"),
                    weights: Weights(decoding: c)))
        case .simpleRNN: self = .simpleRNN(Recurrent(decoding: c))
        case .lstm: self = .lstm(Recurrent(decoding: c))
        case .gru: self = .gru(Recurrent(decoding: c))
        case .bidirectional:
            let inner = c.decodedComponent("layer") ?? defaultComponent(Registry.recurrentLayersFamily, "lstm")
            let merge = MergeMode(rawValue: c.text("merge_mode")).map(Bidirectional.Merge.elementwise) ?? .concat
            self = .bidirectional(Bidirectional(layer: Recurrent(decoding: inner), merge: merge))
        case .add: self = .add
        case .subtract: self = .subtract
        case .multiply: self = .multiply
        case .average: self = .average
        case .maximum: self = .maximum
        case .concat: self = .concat(Concat(axis: c.integer("axis"), axisLocation: c.valueLocation("axis")))
        case .positionEmbedding:
            self = .positionEmbedding(
                PositionEmbedding(
                    sequenceLength: c.integer("sequence_length"),
                    sequenceLengthLocation: c.valueLocation("sequence_length"), weights: Weights(decoding: c)))
        case .sinusoidalPositionEmbedding:
            self = .sinusoidalPositionEmbedding(SinusoidalPositionEmbedding(maxWavelength: c.number("max_wavelength")))
        case .treeLSTM:
            self = .treeLSTM(
                TreeLSTM(
                    variant: TreeLSTM.Variant(rawValue: c.text("variant")) ?? .childSum, units: c.integer("units"),
                    inputDim: c.integer("input_dim"), embeddingDim: c.int("embedding_dim") ?? c.integer("units"),
                    useBias: c.flag("use_bias"), unitForgetBias: c.flag("unit_forget_bias"),
                    embeddingsInitializer: c.decodedComponent("embeddings_init").map(Initializer.init(decoding:))
                        ?? .uniform(a: -0.05, b: 0.05),
                    weights: Weights(decoding: c)))
        case .multiHeadAttention:
            self = .multiHeadAttention(
                MultiHeadAttention(
                    heads: c.integer("num_heads"), keyDim: c.integer("key_dim"),
                    valueDim: c.int("value_dim") ?? c.integer("key_dim"), outputDim: c.int("output_shape"),
                    useBias: c.flag("use_bias"), dropout: c.number("dropout"), causal: c.flag("use_causal_mask"),
                    weights: Weights(decoding: c)))
        }
    }

    /// A layer's `activation:` (linear when it has none).
    static func activation(_ c: ComponentSpec) -> LayerActivation {
        c.decodedComponent("activation").map(LayerActivation.init(decoding:)) ?? .function(.linear)
    }
}

extension Window {
    /// `size` names the window's key: "kernel" or "pool".
    init(decoding c: ComponentSpec, size key: String, rank: Int) {
        let size = c.spatial(key, rank: rank)
        self.init(
            size: size,
            stride: c.ints("stride") ?? size,  // a pool's stride is unset: its size
            dilation: c.ints("dilation") ?? [Int](repeating: 1, count: rank),  // pools have none
            padding: c.padding("padding") ?? .valid,  // the registry's default of every padding
            rounding: ConvArithmetic.Rounding(rawValue: c.text("rounding")) ?? .floor,  // convolutions have none
            sizeLocation: c.valueLocation(key), strideLocation: c.valueLocation("stride"),
            paddingLocation: c.valueLocation("padding"))
    }
}

extension ComponentSpec {
    /// A spatial attribute, one int per dimension (a failed one reads as its registry default).
    fileprivate func spatial(_ name: String, rank: Int) -> [Int] {
        ints(name) ?? [Int](repeating: integer(name), count: rank)
    }
}

extension Weights {
    init(decoding c: ComponentSpec) {
        self.init(
            initializer: c.decodedComponent("init").map(Initializer.init(decoding:)),
            biasInitializer: c.component("bias_init").map(Initializer.init(decoding:)),
            recurrentInitializer: c.component("recurrent_init").map(Initializer.init(decoding:)),
            regularizer: c.component("regularizer").map(Regularizer.init(decoding:)),
            biasRegularizer: c.component("bias_regularizer").map(Regularizer.init(decoding:)),
            constraint: c.component("constraint").map(WeightConstraint.init(decoding:)))
    }
}

extension Convolution {
    init(decoding c: ComponentSpec, rank: Int) {
        self.init(
            filters: c.integer("filters"), window: Window(decoding: c, size: "kernel", rank: rank),
            groups: c.integer("groups"), groupsLocation: c.valueLocation("groups"), useBias: c.flag("use_bias"),
            activation: Op.activation(c), weights: Weights(decoding: c))
    }
}

extension Margins {
    /// `key`: "padding" or "cropping" (the registry's `.margins` always decodes to explicit pairs).
    init(decoding c: ComponentSpec, _ key: String) {
        let pairs: [PadPair]
        if case .explicit(let given)? = c.padding(key), given.count == 2 {
            pairs = given
        } else {
            pairs = [PadPair(0, 0), PadPair(0, 0)]
        }
        self.init(
            top: pairs[0].low, bottom: pairs[0].high, left: pairs[1].low, right: pairs[1].high,
            location: c.valueLocation(key))
    }
}

extension AveragePool {
    init(decoding c: ComponentSpec, rank: Int) {
        self.init(window: Window(decoding: c, size: "pool", rank: rank), countPadding: c.flag("count_padding"))
    }
}

extension Recurrent {
    init(decoding c: ComponentSpec) {
        let cell: Cell =
            switch c.kind.name {
            case "simple_rnn": .simple
            case "lstm": .lstm(unitForgetBias: c.flag("unit_forget_bias"))
            case "gru": .gru(resetAfter: c.flag("reset_after"))
            default: preconditionFailure("recurrent layer '\(c.kind.name)' has no case")
            }
        // Both have registry defaults (tanh, sigmoid); simple_rnn has no gates to activate.
        let activation = c.decodedComponent("activation")
        let recurrentActivation = c.decodedComponent("recurrent_activation")
        self.init(
            cell: cell, units: c.integer("units"), useBias: c.flag("use_bias"),
            activation: activation.map(LayerActivation.init(decoding:)) ?? .function(ActivationFunction(.tanh)),
            recurrentActivation: recurrentActivation.map(LayerActivation.init(decoding:))
                ?? .function(ActivationFunction(.sigmoid)),
            activationLocation: activation?.location ?? c.location,
            recurrentActivationLocation: recurrentActivation?.location ?? c.location,
            returnSequences: c.flag("return_sequences"), dropout: c.number("dropout"),
            recurrentDropout: c.number("recurrent_dropout"), weights: Weights(decoding: c),
            peephole: c.kind.name == "lstm" && c.flag("peephole"))
    }
}
