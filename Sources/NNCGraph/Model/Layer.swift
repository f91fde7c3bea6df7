import NNCDiagnostics

/// A checked layer's attributes, decoded once from the spec with the registry's defaults
/// (`Layer+Decode.swift`): one case per `Op`, so later stages switch over typed values and
/// never read an attribute by name.
public enum Layer: Sendable {
    case input
    case dense(Dense)
    case conv1d(Convolution), conv2d(Convolution)
    case maxpool1d, maxpool2d
    case avgpool1d(AveragePool), avgpool2d(AveragePool)
    case globalAvgpool, flatten, reshape
    case dropout(Dropout)
    case batchnorm(BatchNorm)
    case layernorm(LayerNorm)
    case activation(LayerActivation)
    case softmax
    case embedding(Embedding)
    case simpleRNN(Recurrent), lstm(Recurrent), gru(Recurrent)
    case bidirectional(Bidirectional)
    case add
    case concat(Concat)

    /// The activation the layer declares (dense, convolutions) or is (activation layers);
    /// nil for every other layer, softmax layers included.
    public var activation: LayerActivation? {
        switch self {
        case .dense(let d): d.activation
        case .conv1d(let c), .conv2d(let c): c.activation
        case .activation(let a): a
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten, .reshape, .dropout,
             .batchnorm, .layernorm, .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .concat: nil
        }
    }

    /// The recurrent layer inside (its own, or what `bidirectional` wraps).
    public var recurrent: Recurrent? {
        switch self {
        case .simpleRNN(let r), .lstm(let r), .gru(let r): r
        case .bidirectional(let b): b.layer
        case .input, .dense, .conv1d, .conv2d, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten,
             .reshape, .dropout, .batchnorm, .layernorm, .activation, .softmax, .embedding, .add, .concat: nil
        }
    }

    /// What the layer's weights are initialized, penalized and constrained with (a
    /// bidirectional layer's are those of the layer it wraps); nil for layers without weights.
    public var weights: Weights? {
        switch self {
        case .dense(let d): d.weights
        case .conv1d(let c), .conv2d(let c): c.weights
        case .embedding(let e): e.weights
        case .simpleRNN(let r), .lstm(let r), .gru(let r): r.weights
        case .bidirectional(let b): b.layer.weights
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten, .reshape, .dropout,
             .batchnorm, .layernorm, .activation, .softmax, .add, .concat: nil
        }
    }
}

/// The initializers, penalties and constraint of a layer's weights. Nil members fall back
/// to the model's: `init:` for initializers, `regularization:` for the weights' penalty and
/// constraint (biases have no model-wide penalty).
public struct Weights: Sendable, Equatable {
    public var initializer: Initializer?
    public var biasInitializer: Initializer?
    public var recurrentInitializer: Initializer?
    public var regularizer: Regularizer?
    public var biasRegularizer: Regularizer?
    public var constraint: WeightConstraint?
}

public struct Dense: Sendable, Equatable {
    public var units: Int
    public var activation: LayerActivation
    public var weights: Weights
}

public struct Convolution: Sendable, Equatable {
    public var filters: Int
    public var groups: Int
    public var activation: LayerActivation
    public var weights: Weights
}

public struct AveragePool: Sendable, Equatable {
    /// Divide by the whole window, padding included (PyTorch), rather than the valid cells (Keras).
    public var countPadding: Bool
}

public struct Dropout: Sendable, Equatable {
    public var rate: Double
}

public struct BatchNorm: Sendable, Equatable {
    public var momentum: Double
    public var epsilon: Double
    public var center: Bool
    public var scale: Bool
}

public struct LayerNorm: Sendable, Equatable {
    public var epsilon: Double
    public var center: Bool
    public var scale: Bool
}

public struct Embedding: Sendable, Equatable {
    public var inputDim: Int
    public var outputDim: Int
    public var paddingIndex: Int?
    public var weights: Weights
}

/// simple_rnn, lstm or gru.
public struct Recurrent: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case simple
        /// `unitForgetBias`: the forget gate's bias starts at 1 (Keras).
        case lstm(unitForgetBias: Bool)
        /// `resetAfter`: the reset gate after the recurrent product (two biases per gate).
        case gru(resetAfter: Bool)
    }

    public var cell: Cell
    public var units: Int
    public var activation: LayerActivation
    /// The gates' activation (simple_rnn has no gates: sigmoid, unused).
    public var recurrentActivation: LayerActivation
    /// Where each activation was written, for messages about them.
    public var activationLocation: SourceLocation
    public var recurrentActivationLocation: SourceLocation
    public var returnSequences: Bool
    public var dropout: Double
    public var recurrentDropout: Double
    public var weights: Weights
}

public struct Bidirectional: Sendable, Equatable {
    public var layer: Recurrent
    /// How the directions combine; nil concatenates them.
    public var merge: MergeMode?
}

/// How a bidirectional layer merges its two directions when not concatenating them.
public enum MergeMode: String, Sendable, Equatable {
    case sum, mul, ave
}

public struct Concat: Sendable, Equatable {
    /// The per-sample axis, -1 being the last.
    public var axis: Int
}
