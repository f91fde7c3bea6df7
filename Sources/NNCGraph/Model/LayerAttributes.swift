import NNCDiagnostics
import NNCSpec

/// The initializers, penalties and constraint of a layer's weights. Nil members fall back
/// to the model's: `init:` for initializers, `regularization:` for the weights' penalty and
/// constraint (biases have no model-wide penalty).
public struct Weights: Sendable, Equatable {
    public init(
        initializer: Initializer? = nil, biasInitializer: Initializer? = nil, recurrentInitializer: Initializer? = nil,
        regularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil, constraint: WeightConstraint? = nil
    ) {
        (self.initializer, self.biasInitializer, self.recurrentInitializer) =
            (initializer, biasInitializer, recurrentInitializer)
        (self.regularizer, self.biasRegularizer, self.constraint) = (regularizer, biasRegularizer, constraint)
    }

    public var initializer: Initializer?
    public var biasInitializer: Initializer?
    public var recurrentInitializer: Initializer?
    public var regularizer: Regularizer?
    public var biasRegularizer: Regularizer?
    public var constraint: WeightConstraint?
}

public struct Dense: Sendable, Equatable {
    public var units: Int
    public var useBias: Bool
    public var activation: LayerActivation
    public var weights: Weights
}

/// The window a convolution or pool slides over its input, one entry per spatial dimension.
public struct Window: Sendable, Equatable {
    /// The kernel (convolutions) or the pool (pools).
    public var size: [Int]
    /// A pool's is its size unless given.
    public var stride: [Int]
    /// 1 for pools.
    public var dilation: [Int]
    public var padding: Padding
    /// How the output size rounds when windows do not tile the input (floor for convolutions).
    public var rounding: ConvArithmetic.Rounding
    /// Where the size, the stride and the padding were written, for messages (a value the
    /// registry filled in has an unknown location; an unset stride has none).
    public var sizeLocation: SourceLocation?
    public var strideLocation: SourceLocation?
    public var paddingLocation: SourceLocation?
}

public struct Convolution: Sendable, Equatable {
    public var filters: Int
    public var window: Window
    /// Channel groups: each filter reads input channels / groups of the input channels.
    public var groups: Int
    /// Where `groups` was written, for messages.
    public var groupsLocation: SourceLocation?
    public var useBias: Bool
    public var activation: LayerActivation
    public var weights: Weights
}

/// depthwise_conv2d (Keras's DepthwiseConv2D): each input channel convolved with its own
/// `depthMultiplier` filters.
public struct DepthwiseConvolution: Sendable, Equatable {
    public var depthMultiplier: Int
    public var window: Window
    public var useBias: Bool
    public var activation: LayerActivation
    public var weights: Weights

    /// The grouped convolution it is over `channels` input channels: groups = channels and
    /// filters = channels × multiplier, output channel c·m + j being group c's j-th filter, as
    /// in Keras. The kernel [kh, kw, channels, m] is, in memory, the grouped kernel
    /// [kh, kw, 1, channels·m]. (The filters saturate; the checker refuses a product past
    /// the tensor limit.)
    public func grouped(channels: Int) -> Convolution {
        Convolution(
            filters: channels.saturatingTimes(depthMultiplier), window: window, groups: channels, groupsLocation: nil,
            useBias: useBias, activation: activation, weights: weights)
    }
}

/// separable_conv2d (Keras's SeparableConv2D): the depthwise convolution without a bias, then
/// a 1×1 convolution to `filters` channels with the bias and the activation.
public struct SeparableConvolution: Sendable, Equatable {
    public var filters: Int
    public var depthMultiplier: Int
    public var window: Window
    public var useBias: Bool
    public var activation: LayerActivation
    /// Both kernels'.
    public var weights: Weights

    /// The first part: no bias, linear.
    public var depthwise: DepthwiseConvolution {
        DepthwiseConvolution(
            depthMultiplier: depthMultiplier, window: window, useBias: false, activation: .function(.linear),
            weights: weights)
    }
}

/// conv2d_transpose (Keras's Conv2DTranspose): the data gradient of the convolution from its
/// output back to its input, with kernel [kh, kw, filters, C].
public struct TransposedConvolution: Sendable, Equatable {
    public var filters: Int
    /// Kernel, stride, dilation; padding valid or same.
    public var window: Window
    /// Keras's output_padding, one per dimension; nil for Keras's default output size.
    public var outputPadding: [Int]?
    public var outputPaddingLocation: SourceLocation?
    public var useBias: Bool
    public var activation: LayerActivation
    public var weights: Weights

    /// Each spatial dimension's arithmetic over an input of `sizes` (height, width).
    public func arithmetic(input sizes: [Int]) -> [TransposedArithmetic] {
        sizes.indices.map { d in
            TransposedArithmetic(
                input: sizes[d], kernel: window.size[d], stride: window.stride[d], dilation: window.dilation[d],
                same: window.padding == .same, outputPadding: outputPadding?[d])
        }
    }
}

/// maxpool1d or maxpool2d.
public struct Pool: Sendable, Equatable {
    public var window: Window
}

/// global_maxpool1d or global_maxpool2d: the maximum over every position of each channel.
public struct GlobalPool: Sendable, Equatable {
    /// Keep the pooled axes with size 1 ([1, C], [1, 1, C]) rather than drop them ([C]).
    public var keepdims: Bool
}

public struct AveragePool: Sendable, Equatable {
    public var window: Window
    /// Divide by the whole window, padding included (PyTorch), rather than the valid cells (Keras).
    public var countPadding: Bool
}

/// zero_padding2d's rows and columns added, or cropping2d's removed, at each side of an image.
public struct Margins: Sendable, Equatable {
    public var top, bottom, left, right: Int
    /// Where the padding or cropping was written, for messages.
    public var location: SourceLocation?
}

/// How upsampling2d fills the new pixels.
public enum Interpolation: String, Sendable, Equatable {
    /// Each pixel repeated size_h × size_w times.
    case nearest
    /// Output pixel i reads the input at (i + ½)/size − ½ (half-pixel centers), clamped to the
    /// image, weighting its two neighbours on each axis (Keras's jax.image.resize, TensorFlow's resize).
    case bilinear
}

/// upsampling2d's factors.
public struct Upsampling: Sendable, Equatable {
    public var rows, columns: Int
    public var interpolation: Interpolation
}

public struct Reshape: Sendable, Equatable {
    /// The per-sample shape; one dimension may be -1 (inferred).
    public var target: [Int]
    /// Where the shape was written, for messages.
    public var targetLocation: SourceLocation?
}

public struct Dropout: Sendable, Equatable {
    public var rate: Double
    public init(rate: Double) { self.rate = rate }
}

/// alpha_dropout's constants (Keras's AlphaDropout): dropped units become α′, then y = a·x + b.
extension Dropout {
    /// −λα of selu: the value selu tends to for large negative inputs.
    public static let alphaPrime = -1.7580993408473766
    /// a = ((1 − rate)(1 + rate·α′²))^−½.
    public var alphaScale: Double { 1 / ((1 - rate) * (1 + rate * Self.alphaPrime * Self.alphaPrime)).squareRoot() }
    /// b = −a·α′·rate.
    public var alphaShift: Double { -alphaScale * Self.alphaPrime * rate }
}

/// prelu: y = x for x > 0, α·x otherwise, α of the input's per-sample shape with each shared
/// axis set to 1.
public struct PReLU: Sendable, Equatable {
    /// Per-sample axes counted from 1 (Keras's numbering: axis 0 is the batch).
    public var sharedAxes: [Int]
    /// Where shared_axes was written, for messages.
    public var sharedAxesLocation: SourceLocation?
    /// Only the initializer of α is used.
    public var weights: Weights

    /// α's shape for a per-sample input shape.
    public func alphaShape(_ input: [Int]) -> [Int] {
        input.indices.map { sharedAxes.contains($0 + 1) ? 1 : input[$0] }
    }
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

/// groupnorm: statistics per sample and group of channels, over every position (Keras's
/// GroupNormalization with axis −1).
public struct GroupNorm: Sendable, Equatable {
    public var groups: Int
    /// Where `groups` was written, for messages.
    public var groupsLocation: SourceLocation?
    public var epsilon: Double
    public var center: Bool
    public var scale: Bool
}

public struct Embedding: Sendable, Equatable {
    public var inputDim: Int
    public var outputDim: Int
    public var paddingIndex: Int?
    /// Where `padding_index` was written, for messages.
    public var paddingIndexLocation: SourceLocation?
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
    public var useBias: Bool
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
    /// LSTM peephole connections (Gers & Schmidhuber 2000, tf.keras's PeepholeLSTMCell):
    /// i and f read p_i⊙cₜ₋₁ and p_f⊙cₜ₋₁, o reads p_o⊙cₜ (`peephole_weights` [3, units], rows i, f, o).
    public var peephole: Bool = false

    /// The layer kind of the cell (simple_rnn, lstm or gru).
    public var kind: Op.Kind {
        switch cell {
        case .simple: .simpleRNN
        case .lstm: .lstm
        case .gru: .gru
        }
    }
}

public struct Bidirectional: Sendable, Equatable {
    /// How the two directions combine.
    public enum Merge: Sendable, Equatable {
        /// Side by side: [..., 2 × units].
        case concat
        /// Element by element: [..., units].
        case elementwise(MergeMode)
    }

    public var layer: Recurrent
    public var merge: Merge
}

/// How a bidirectional layer merges its two directions element by element.
public enum MergeMode: String, Sendable, Equatable {
    case sum, mul, ave
}

public struct Concat: Sendable, Equatable {
    /// The per-sample axis, -1 being the last.
    public var axis: Int
    /// Where `axis` was written, for messages.
    public var axisLocation: SourceLocation?
}

/// Keras's MultiHeadAttention: query, key and value projections to `heads` heads, scaled
/// dot-product attention per head, and an output projection. Inputs: the query, then the
/// value (default: the query), then the key (default: the value).
public struct MultiHeadAttention: Sendable, Equatable {
    public var heads: Int
    public var keyDim: Int
    /// Per head size of the values (Keras: key_dim unless given).
    public var valueDim: Int
    /// Size of the output's last axis; nil: the query's.
    public var outputDim: Int?
    public var useBias: Bool
    /// Dropout on the attention weights while training.
    public var dropout: Double
    /// Each query sees only keys at its own position or before.
    public var causal: Bool
    public var weights: Weights
}

/// keras_hub's PositionEmbedding, added to its input: a learned vector per position
/// (`embeddings` [sequence_length, features]; an input of T ≤ sequence_length steps uses
/// the first T).
public struct PositionEmbedding: Sendable, Equatable {
    public var sequenceLength: Int
    /// Where `sequence_length` was written, for messages.
    public var sequenceLengthLocation: SourceLocation?
    public var weights: Weights
}

/// keras_hub's SinePositionEncoding, added to its input: sin(t·ω_i) on even features and
/// cos(t·ω_i) on odd ones, ω_i = max_wavelength^(−2⌊i/2⌋/features). No parameters.
public struct SinusoidalPositionEmbedding: Sendable, Equatable {
    public var maxWavelength: Double
}

/// A Tree-LSTM (Tai et al. 2015) over trees given as node rows [token, child slots…]
/// (`format: trees`): each node's token is embedded (`embeddings` [input_dim, embedding_dim]),
/// the cell runs from the leaves to the root, and the output is the root's hidden state.
/// Gates i, f, u (the candidate), o; Child-Sum: i, u, o read the sum of the children's
/// hidden states and each child k has its own forget gate f_k reading h_k; N-ary: every gate
/// reads the concatenation of the K children's states through its own weights per position.
public struct TreeLSTM: Sendable, Equatable {
    public enum Variant: String, Sendable, Equatable { case childSum = "child_sum", nAry = "n_ary" }

    public var variant: Variant
    public var units: Int
    public var inputDim: Int
    public var embeddingDim: Int
    public var useBias: Bool
    /// The forget gate's bias starts at 1 (as Keras's LSTM).
    public var unitForgetBias: Bool
    /// The token table's initializer (the layer's `embeddings_init`).
    public var embeddingsInitializer: Initializer
    public var weights: Weights
}
