/// A checked layer's operation with its attributes, decoded once from the spec, with the
/// registry's defaults, when its node is made (`Op+Decode.swift`). Each concern (shape,
/// parameters, FLOPs, lowering) is one exhaustive `switch` over this enum in its own file,
/// so adding an op makes the compiler list every place to touch. `kind` is the op without
/// its attributes.
public enum Op: Sendable, Equatable {
    case input
    case dense(Dense)
    case conv1d(Convolution), conv2d(Convolution)
    case depthwiseConv2d(DepthwiseConvolution)
    case separableConv2d(SeparableConvolution)
    case conv2dTranspose(TransposedConvolution)
    case maxpool1d(Pool), maxpool2d(Pool)
    case avgpool1d(AveragePool), avgpool2d(AveragePool)
    case l2pool2d(Pool)
    case globalAvgpool, flatten
    case zeroPadding2d(Margins), cropping2d(Margins)
    case upsampling2d(Upsampling)
    case globalMaxpool1d(GlobalPool), globalMaxpool2d(GlobalPool)
    case reshape(Reshape)
    case dropout(Dropout), alphaDropout(Dropout)
    case prelu(PReLU)
    case batchnorm(BatchNorm)
    case layernorm(LayerNorm)
    case groupnorm(GroupNorm)
    case activation(LayerActivation)
    case softmax
    case embedding(Embedding)
    case simpleRNN(Recurrent), lstm(Recurrent), gru(Recurrent)
    case bidirectional(Bidirectional)
    case add, subtract, multiply, average, maximum
    case concat(Concat)
    case multiHeadAttention(MultiHeadAttention)
    case positionEmbedding(PositionEmbedding)
    case sinusoidalPositionEmbedding(SinusoidalPositionEmbedding)
    case treeLSTM(TreeLSTM)

    public var kind: Kind {
        switch self {
        case .input: .input
        case .dense: .dense
        case .conv1d: .conv1d
        case .conv2d: .conv2d
        case .depthwiseConv2d: .depthwiseConv2d
        case .separableConv2d: .separableConv2d
        case .conv2dTranspose: .conv2dTranspose
        case .maxpool1d: .maxpool1d
        case .maxpool2d: .maxpool2d
        case .avgpool1d: .avgpool1d
        case .avgpool2d: .avgpool2d
        case .globalAvgpool: .globalAvgpool
        case .globalMaxpool1d: .globalMaxpool1d
        case .globalMaxpool2d: .globalMaxpool2d
        case .flatten: .flatten
        case .zeroPadding2d: .zeroPadding2d
        case .cropping2d: .cropping2d
        case .upsampling2d: .upsampling2d
        case .reshape: .reshape
        case .dropout: .dropout
        case .alphaDropout: .alphaDropout
        case .prelu: .prelu
        case .batchnorm: .batchnorm
        case .layernorm: .layernorm
        case .groupnorm: .groupnorm
        case .l2pool2d: .l2pool2d
        case .activation: .activation
        case .softmax: .softmax
        case .embedding: .embedding
        case .simpleRNN: .simpleRNN
        case .lstm: .lstm
        case .gru: .gru
        case .bidirectional: .bidirectional
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .average: .average
        case .maximum: .maximum
        case .concat: .concat
        case .multiHeadAttention: .multiHeadAttention
        case .positionEmbedding: .positionEmbedding
        case .sinusoidalPositionEmbedding: .sinusoidalPositionEmbedding
        case .treeLSTM: .treeLSTM
        }
    }

    /// The activation the layer declares (dense, convolutions) or is (activation layers);
    /// nil for every other layer, softmax and recurrent layers included.
    public var activation: LayerActivation? {
        switch self {
        case .dense(let d): d.activation
        case .conv1d(let c), .conv2d(let c): c.activation
        case .depthwiseConv2d(let d): d.activation
        case .separableConv2d(let s): s.activation
        case .conv2dTranspose(let t): t.activation
        case .activation(let a): a
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d,
            .flatten, .reshape, .dropout,
            .batchnorm, .layernorm, .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract,
            .multiply, .average, .maximum, .concat, .multiHeadAttention, .positionEmbedding,
            .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .prelu, .groupnorm,
            .l2pool2d, .treeLSTM:
            nil
        }
    }

    /// The value of the layer's own `activation:` key: `activation`, and a recurrent layer's
    /// (a bidirectional layer has none of its own; the layer it wraps has).
    public var activationAttribute: LayerActivation? {
        switch self {
        case .simpleRNN(let r), .lstm(let r), .gru(let r): r.activation
        case .input, .dense, .conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .maxpool1d,
            .maxpool2d, .avgpool1d,
            .avgpool2d,
            .globalAvgpool,
            .globalMaxpool1d, .globalMaxpool2d, .flatten,
            .reshape, .dropout, .batchnorm, .layernorm, .activation, .softmax, .embedding, .bidirectional, .add,
            .subtract, .multiply, .average, .maximum, .concat, .multiHeadAttention, .positionEmbedding,
            .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .prelu, .groupnorm,
            .l2pool2d, .treeLSTM:
            activation
        }
    }

    /// The recurrent layer inside (its own, or what `bidirectional` wraps).
    public var recurrent: Recurrent? {
        switch self {
        case .simpleRNN(let r), .lstm(let r), .gru(let r): r
        case .bidirectional(let b): b.layer
        case .input, .dense, .conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .maxpool1d,
            .maxpool2d, .avgpool1d,
            .avgpool2d,
            .globalAvgpool,
            .globalMaxpool1d, .globalMaxpool2d, .flatten,
            .reshape, .dropout, .batchnorm, .layernorm, .activation, .softmax, .embedding, .add, .subtract, .multiply,
            .average, .maximum, .concat, .multiHeadAttention, .positionEmbedding, .sinusoidalPositionEmbedding,
            .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .prelu, .groupnorm, .l2pool2d, .treeLSTM:
            nil
        }
    }

    /// What the layer's weights are initialized, penalized and constrained with (a
    /// bidirectional layer's are those of the layer it wraps); nil for layers without weights.
    public var weights: Weights? {
        switch self {
        case .dense(let d): d.weights
        case .conv1d(let c), .conv2d(let c): c.weights
        case .depthwiseConv2d(let d): d.weights
        case .separableConv2d(let s): s.weights
        case .conv2dTranspose(let t): t.weights
        case .embedding(let e): e.weights
        case .prelu(let p): p.weights
        case .simpleRNN(let r), .lstm(let r), .gru(let r): r.weights
        case .bidirectional(let b): b.layer.weights
        case .multiHeadAttention(let m): m.weights
        case .positionEmbedding(let p): p.weights
        case .treeLSTM(let t): t.weights
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d,
            .flatten, .reshape, .dropout,
            .batchnorm, .layernorm, .activation, .softmax, .add, .subtract, .multiply, .average, .maximum, .concat,
            .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .groupnorm,
            .l2pool2d:
            nil
        }
    }

    /// The window of a convolution or pool; nil for every other layer.
    public var window: Window? {
        switch self {
        case .conv1d(let c), .conv2d(let c): c.window
        case .depthwiseConv2d(let d): d.window
        case .separableConv2d(let s): s.window
        case .conv2dTranspose(let t): t.window
        case .maxpool1d(let p), .maxpool2d(let p), .l2pool2d(let p): p.window
        case .avgpool1d(let p), .avgpool2d(let p): p.window
        case .input, .dense, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d, .flatten, .reshape, .dropout,
            .batchnorm, .layernorm, .activation,
            .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract, .multiply, .average,
            .maximum, .concat, .multiHeadAttention, .positionEmbedding, .sinusoidalPositionEmbedding, .zeroPadding2d,
            .cropping2d, .upsampling2d, .alphaDropout, .prelu, .groupnorm, .treeLSTM:
            nil
        }
    }
}
