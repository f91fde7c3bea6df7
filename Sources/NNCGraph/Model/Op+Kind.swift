extension Op {
    /// An op without its attributes: one per layer kind of the registry (by its canonical
    /// name) plus the model input.
    public enum Kind: String, Sendable, CaseIterable {
        case input
        case dense
        case conv1d, conv2d
        case depthwiseConv2d = "depthwise_conv2d", separableConv2d = "separable_conv2d"
        case conv2dTranspose = "conv2d_transpose"
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
        case multiHeadAttention = "multi_head_attention"
        case positionEmbedding = "position_embedding"
        case sinusoidalPositionEmbedding = "sinusoidal_position_embedding"
        case treeLSTM = "tree_lstm"

        /// Spatial rank of convolutions and pools; 0 for everything else.
        public var spatialRank: Int {
            switch self {
            case .conv1d, .maxpool1d, .avgpool1d: 1
            case .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .maxpool2d, .avgpool2d, .l2pool2d: 2
            case .input, .dense, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d, .flatten, .reshape, .dropout,
                .batchnorm, .layernorm, .activation,
                .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract, .multiply, .average,
                .maximum, .concat, .multiHeadAttention, .positionEmbedding, .sinusoidalPositionEmbedding,
                .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .prelu, .groupnorm, .treeLSTM:
                0
            }
        }

        public var isPooling: Bool { [.maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .l2pool2d].contains(self) }
        /// conv1d, conv2d, depthwise_conv2d (the grouped conv2d), separable_conv2d and conv2d_transpose.
        public var isConvolution: Bool {
            [.conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose].contains(self)
        }
        public var isRecurrent: Bool { [.simpleRNN, .lstm, .gru, .bidirectional].contains(self) }
    }
}
