import NNCDiagnostics
import NNCGraph

/// The order of emission (every forward rule, the loss and its penalty, every gradient rule
/// in reverse, the deferred updates) and the two exhaustive switches that send each op to
/// its rules: a new op is an error in both until it has them.
extension Lowerer {
    /// Lowers the whole graph: forward, then (training) loss and backward.
    mutating func run() {
        let input = graph.nodes[0]
        inputBuffer = buffer("input", batched(input), .input, type: input.isInteger ? .int32 : .float32)
        value[input.id] = inputBuffer
        phase = .forward
        for node in graph.nodes.dropFirst() { lowerForward(node) }
        guard isTraining || options.evaluatesLoss, let output = graph.output, diagnostics.errors.isEmpty else { return }
        lowerLoss(graph[output], gradient: isTraining)
        updates.lowerPenalty(graph, parameters, &builder)
        guard isTraining else { return }
        phase = .backward
        for node in graph.nodes.dropFirst().reversed() where gradient[node.id] != nil {
            lowerGradient(node)
        }
        updates.emitDeferredUpdates(&builder)
    }

    /// The forward rule of each op (one exhaustive switch; the rules live with their gradients).
    mutating func lowerForward(_ node: Node) {
        if let producer = fusion.producer(of: node.id) {
            value[node.id] = value[producer]
            return
        }
        if let producer = fusion.batchNorms.layerOf[node.id] {
            value[node.id] = value[producer]
            return
        }
        switch node.op {
        case .input: break
        case .dense: lowerDense(node)
        case .conv1d, .conv2d, .depthwiseConv2d: lowerConvolution(node)
        case .separableConv2d: lowerSeparableConvolution(node)
        case .conv2dTranspose: lowerTransposedConvolution(node)
        case .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalMaxpool1d, .globalMaxpool2d: lowerPool(node)
        case .globalAvgpool: lowerGlobalAveragePool(node)
        case .flatten, .reshape: lowerView(node)
        case .zeroPadding2d, .cropping2d: lowerReframe(node)
        case .upsampling2d: lowerUpsample(node)
        case .dropout: lowerDropout(node)
        case .alphaDropout: lowerAlphaDropout(node)
        case .prelu: lowerPReLU(node)
        case .batchnorm: lowerBatchNorm(node)
        case .layernorm: lowerLayerNorm(node)
        case .groupnorm: lowerGroupNorm(node)
        case .l2pool2d: lowerL2Pool(node)
        case .activation, .softmax: lowerActivationLayer(node)
        case .embedding: lowerEmbedding(node)
        case .add: lowerAdd(node)
        case .subtract: lowerCombine(node, .subtract)
        case .multiply: lowerCombine(node, .multiply)
        case .average: lowerCombine(node, .average)
        case .maximum: lowerCombine(node, .maximum)
        case .concat: lowerConcat(node)
        case .multiHeadAttention: lowerAttention(node)
        case .positionEmbedding, .sinusoidalPositionEmbedding: lowerPositions(node)
        case .simpleRNN, .lstm, .gru, .bidirectional: lowerRecurrent(node)
        case .treeLSTM: lowerTree(node)
        }
    }

    /// The gradient rule of each op: reads ∂value, writes ∂inputs and ∂parameters, and
    /// schedules the parameter updates right after their gradients.
    mutating func lowerGradient(_ node: Node) {
        if let producer = fusion.producer(of: node.id) {
            addGradient(gradient[node.id]!, to: producer)
            return
        }
        switch node.op {
        case .input: break
        case .simpleRNN, .lstm, .gru, .bidirectional: recurrentGradient(node)
        case .dense: denseGradient(node)
        case .conv1d, .conv2d, .depthwiseConv2d: convolutionGradient(node)
        case .separableConv2d: separableConvolutionGradient(node)
        case .conv2dTranspose: transposedConvolutionGradient(node)
        case .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalMaxpool1d, .globalMaxpool2d: poolGradient(node)
        case .globalAvgpool: globalAveragePoolGradient(node)
        case .flatten, .reshape: viewGradient(node)
        case .zeroPadding2d, .cropping2d: reframeGradient(node)
        case .upsampling2d: upsampleGradient(node)
        case .dropout: dropoutGradient(node)
        case .alphaDropout: alphaDropoutGradient(node)
        case .prelu: preluGradient(node)
        case .batchnorm: batchNormGradient(node)
        case .layernorm: layerNormGradient(node)
        case .groupnorm: groupNormGradient(node)
        case .l2pool2d: l2PoolGradient(node)
        case .activation, .softmax: activationLayerGradient(node)
        case .embedding: embeddingGradient(node)
        case .add: addGradient(node)
        case .subtract: combineGradient(node, .subtract)
        case .multiply: combineGradient(node, .multiply)
        case .average: combineGradient(node, .average)
        case .maximum: combineGradient(node, .maximum)
        case .concat: concatGradient(node)
        case .multiHeadAttention: attentionGradient(node)
        case .positionEmbedding, .sinusoidalPositionEmbedding: positionsGradient(node)
        case .treeLSTM: treeGradient(node)
        }
    }

    /// True when the gradient with respect to input i must be computed.
    func wantsInputGradient(_ node: Node, _ i: Int = 0) -> Bool { needsGradient[node.inputs[i].rawValue] }
}
