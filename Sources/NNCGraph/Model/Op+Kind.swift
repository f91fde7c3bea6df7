extension Op {
    /// An op without its attributes: one per layer kind of the registry (by its canonical
    /// name) plus the model input.
    public enum Kind: String, Sendable, CaseIterable {
        case input
        case dense
        case conv1d, conv2d
        case maxpool1d, maxpool2d, avgpool1d, avgpool2d
        case globalAvgpool = "global_avgpool"
        case globalMaxpool1d = "global_maxpool1d", globalMaxpool2d = "global_maxpool2d"
        case flatten, reshape, dropout
        case alphaDropout = "alpha_dropout", prelu
        case zeroPadding2d = "zero_padding2d", cropping2d, upsampling2d
        case batchnorm, layernorm, groupnorm
        case l2pool2d
        case activation, softmax
        case embedding
        case simpleRNN = "simple_rnn", lstm, gru, bidirectional
        case add, subtract, multiply, average, maximum, concat

        /// Spatial rank of convolutions and pools; 0 for everything else.
        public var spatialRank: Int {
            switch self {
            case .conv1d, .maxpool1d, .avgpool1d: 1
            case .conv2d, .maxpool2d, .avgpool2d, .l2pool2d: 2
            case .input, .dense, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d, .flatten, .reshape, .dropout,
                .batchnorm, .layernorm, .activation,
                .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract, .multiply, .average,
                .maximum, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .prelu, .groupnorm, .concat:
                0
            }
        }

        public var isPooling: Bool { [.maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .l2pool2d].contains(self) }
        public var isConvolution: Bool { self == .conv1d || self == .conv2d }
        public var isRecurrent: Bool { [.simpleRNN, .lstm, .gru, .bidirectional].contains(self) }
    }
}
