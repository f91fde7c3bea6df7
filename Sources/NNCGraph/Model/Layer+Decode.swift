import NNCSpec

extension Layer {
    /// The typed attributes of a layer the checker has accepted.
    init(decoding c: ComponentSpec, op: Op) {
        switch op {
        case .input: self = .input
        case .dense:
            self = .dense(Dense(units: c.integer("units"), activation: Self.activation(c),
                                weights: Weights(decoding: c)))
        case .conv1d: self = .conv1d(Convolution(decoding: c))
        case .conv2d: self = .conv2d(Convolution(decoding: c))
        case .maxpool1d: self = .maxpool1d
        case .maxpool2d: self = .maxpool2d
        case .avgpool1d: self = .avgpool1d(AveragePool(countPadding: c.flag("count_padding")))
        case .avgpool2d: self = .avgpool2d(AveragePool(countPadding: c.flag("count_padding")))
        case .globalAvgpool: self = .globalAvgpool
        case .flatten: self = .flatten
        case .reshape: self = .reshape
        case .dropout: self = .dropout(Dropout(rate: c.number("rate")))
        case .batchnorm:
            self = .batchnorm(BatchNorm(momentum: c.number("momentum"), epsilon: c.number("epsilon"),
                                        center: c.flag("center"), scale: c.flag("scale")))
        case .layernorm:
            self = .layernorm(LayerNorm(epsilon: c.number("epsilon"), center: c.flag("center"), scale: c.flag("scale")))
        case .activation: self = .activation(Self.activation(c))
        case .softmax: self = .softmax
        case .embedding:
            self = .embedding(Embedding(inputDim: c.integer("input_dim"), outputDim: c.integer("output_dim"),
                                        paddingIndex: c.int("padding_index"), weights: Weights(decoding: c)))
        case .simpleRNN: self = .simpleRNN(Recurrent(decoding: c))
        case .lstm: self = .lstm(Recurrent(decoding: c))
        case .gru: self = .gru(Recurrent(decoding: c))
        case .bidirectional:
            let inner = c.decodedComponent("layer") ?? defaultComponent(Registry.recurrentLayersFamily, "lstm")
            let merge = MergeMode(rawValue: c.text("merge_mode"))
            self = .bidirectional(Bidirectional(layer: Recurrent(decoding: inner), merge: merge))
        case .add: self = .add
        case .concat: self = .concat(Concat(axis: c.integer("axis")))
        }
    }

    /// A layer's `activation:` (linear when it has none).
    static func activation(_ c: ComponentSpec) -> LayerActivation {
        c.decodedComponent("activation").map(LayerActivation.init(decoding:)) ?? .function(.linear)
    }
}

extension Weights {
    init(decoding c: ComponentSpec) {
        self.init(initializer: c.decodedComponent("init").map(Initializer.init(decoding:)),
                  biasInitializer: c.component("bias_init").map(Initializer.init(decoding:)),
                  recurrentInitializer: c.component("recurrent_init").map(Initializer.init(decoding:)),
                  regularizer: c.component("regularizer").map(Regularizer.init(decoding:)),
                  biasRegularizer: c.component("bias_regularizer").map(Regularizer.init(decoding:)),
                  constraint: c.component("constraint").map(WeightConstraint.init(decoding:)))
    }
}

extension Convolution {
    init(decoding c: ComponentSpec) {
        self.init(filters: c.integer("filters"), groups: c.integer("groups"), activation: Layer.activation(c),
                  weights: Weights(decoding: c))
    }
}

extension Recurrent {
    init(decoding c: ComponentSpec) {
        let cell: Cell = switch c.kind.name {
        case "simple_rnn": .simple
        case "lstm": .lstm(unitForgetBias: c.flag("unit_forget_bias"))
        case "gru": .gru(resetAfter: c.flag("reset_after"))
        default: preconditionFailure("recurrent layer '\(c.kind.name)' has no case")
        }
        // Both have registry defaults (tanh, sigmoid); simple_rnn has no gates to activate.
        let activation = c.decodedComponent("activation")
        let recurrentActivation = c.decodedComponent("recurrent_activation")
        self.init(cell: cell, units: c.integer("units"),
                  activation: activation.map(LayerActivation.init(decoding:)) ?? .function(ActivationFunction(.tanh)),
                  recurrentActivation: recurrentActivation.map(LayerActivation.init(decoding:))
                      ?? .function(ActivationFunction(.sigmoid)),
                  activationLocation: activation?.location ?? c.location,
                  recurrentActivationLocation: recurrentActivation?.location ?? c.location,
                  returnSequences: c.flag("return_sequences"), dropout: c.number("dropout"),
                  recurrentDropout: c.number("recurrent_dropout"), weights: Weights(decoding: c))
    }
}
