import NNCSpec

/// The checked operations, one per layer kind of the registry plus the model input.
/// Each concern (shape, parameters, FLOPs) is one exhaustive `switch` over this enum in
/// its own file, so adding an op makes the compiler list every place to touch.
public enum Op: String, Sendable, CaseIterable {
    case input
    case dense
    case conv1d, conv2d
    case maxpool1d, maxpool2d, avgpool1d, avgpool2d
    case globalAvgpool = "global_avgpool"
    case flatten, reshape, dropout
    case batchnorm, layernorm
    case activation, softmax
    case embedding
    case simpleRNN = "simple_rnn", lstm, gru, bidirectional
    case add, concat

    /// The op of a registry layer kind (by canonical name).
    public init(kind: ComponentKind) {
        guard let op = Op(rawValue: kind.name), op != .input else {
            preconditionFailure("layer kind '\(kind.name)' has no Op case")
        }
        self = op
    }

    /// Spatial rank of convolutions and pools; 0 for everything else.
    public var spatialRank: Int {
        switch self {
        case .conv1d, .maxpool1d, .avgpool1d: 1
        case .conv2d, .maxpool2d, .avgpool2d: 2
        case .input, .dense, .globalAvgpool, .flatten, .reshape, .dropout, .batchnorm, .layernorm, .activation,
             .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .concat: 0
        }
    }

    public var isPooling: Bool { [.maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d].contains(self) }
    public var isConvolution: Bool { self == .conv1d || self == .conv2d }
    public var isRecurrent: Bool { [.simpleRNN, .lstm, .gru, .bidirectional].contains(self) }
}
