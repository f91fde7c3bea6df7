import NNCDiagnostics
import NNCGraph

extension Lowerer {
    /// Lowers the whole graph: forward, then (training) loss and backward.
    mutating func run() {
        computeNeedsGradient()
        if options.optimize { planFusions() }
        if isTraining || options.evaluatesLoss { planLossFusion() }
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

    /// A node needs gradients flowing into it when it or anything before it trains.
    mutating func computeNeedsGradient() {
        needsGradient = Array(repeating: false, count: graph.nodes.count)
        for node in graph.nodes {
            needsGradient[node.id.rawValue] = node.trainableParams > 0 || node.inputs.contains { needsGradient[$0.rawValue] }
        }
    }

    /// The node's single consumer, if it has exactly one.
    func soleConsumer(_ id: NodeID) -> Node? {
        consumers[id.rawValue].count == 1 && graph.output != id ? graph[consumers[id.rawValue][0]] : nil
    }

    /// The activation a layer declares (dense, conv) or is (activation layer); softmax is nil.
    func declaredActivation(_ node: Node) -> ActivationFunction? {
        guard let declared = node.layer?.activation else { return .linear }
        return declared.function
    }

    /// Fusion decisions made before lowering: batchnorm folded into the preceding dense or
    /// convolution (inference), and an activation layer made the producer's GEMM epilogue
    /// (in training only when its derivative reads just the output, which the producer keeps).
    mutating func planFusions() {
        for node in graph.nodes where node.op == .dense || node.isConvolutionNode {
            guard let own = declaredActivation(node), own == .linear else { continue }
            var end = node
            if !isTraining, let bn = soleConsumer(node.id), bn.op == .batchnorm {
                foldedBatchNorm[bn.id] = node.id
                foldedInto[node.id] = bn.id
                end = bn
            }
            if let next = soleConsumer(end.id), next.op == .activation, let f = declaredActivation(next),
               f.kind != .linear, !isTraining || f.kind.backwardNeedsOnlyOutput, !hasLearnedBeta(next) {
                fusedInto[next.id] = node.id
                epilogue[node.id] = f
            }
        }
        planPoolFusions()
    }

    /// A max pool whose windows tile a convolution's output (after its folded batchnorm and
    /// activation) runs inside the convolution's kernel, so that output is never stored; its
    /// backward routes the gradient through the activation at the pooled size first.
    mutating func planPoolFusions() {
        for node in graph.nodes where node.isConvolutionNode {
            let plan = activationPlan(node)
            guard !plan.separate, !plan.softmax else { continue }
            var end = node
            if let bn = foldedInto[node.id] { end = graph[bn] }
            if let next = soleConsumer(end.id), fusedInto[next.id] == node.id { end = next }
            guard let pool = soleConsumer(end.id), pool.op == .maxpool1d || pool.op == .maxpool2d,
                  window(pool).tilesWithoutOverlap else { continue }
            pooledBy[node.id] = pool.id
            fusedInto[pool.id] = node.id
        }
    }

    /// Picks the loss kernel: cross-entropy takes a final softmax (binary cross-entropy a
    /// final sigmoid) and works from logits, which is stable and needs no probabilities buffer.
    mutating func planLossFusion() {
        guard let outputID = graph.output, let loss = graph.training.loss else { return }
        let output = graph[outputID]
        // The output's final activation: its own (dense, conv) or the layer itself.
        let final: LayerActivation? = output.op == .softmax ? .softmax : output.layer?.activation
        let finalSoftmax = final == .softmax
        let finalSigmoid = if case .function(let f)? = final { f.kind == .sigmoid } else { false }
        let takes: Bool
        let function: LossFunction
        func crossEntropy(sparse: Bool, fromLogits: Bool, smoothing: Double) -> (LossFunction, Bool) {
            if fromLogits || (finalSoftmax && options.optimize) {
                return (.softmaxCrossEntropy(sparse: sparse, smoothing: smoothing), !fromLogits)
            }
            return (.categoricalCrossEntropy(sparse: sparse, smoothing: smoothing), false)
        }
        switch loss {
        case .categoricalCrossEntropy(let fromLogits, let smoothing):
            (function, takes) = crossEntropy(sparse: false, fromLogits: fromLogits, smoothing: smoothing)
        case .sparseCategoricalCrossEntropy(let fromLogits):
            (function, takes) = crossEntropy(sparse: true, fromLogits: fromLogits, smoothing: 0)
        case .binaryCrossEntropy(let fromLogits, let smoothing):
            let fuse = !fromLogits && finalSigmoid && options.optimize
            function = .binaryCrossEntropy(fromLogits: fromLogits || fuse, smoothing: smoothing)
            takes = fuse
        case .sumOfSquares:
            function = .sumOfSquares; takes = false
        case .meanSquaredError:
            function = .meanSquaredError; takes = false
        }
        lossFusion = LossFusion(node: outputID, function: function)
        guard takes else { return }
        lossTookActivation.insert(outputID)
        // An output activation layer the loss takes is no longer its producer's epilogue.
        if let producer = fusedInto.removeValue(forKey: outputID) { epilogue[producer] = nil }
    }

    /// The forward rule of each op (one exhaustive switch; the rules live with their gradients).
    mutating func lowerForward(_ node: Node) {
        if let producer = fusedInto[node.id] {
            value[node.id] = value[producer]
            return
        }
        if let producer = foldedBatchNorm[node.id] {
            value[node.id] = value[producer]
            return
        }
        switch node.op {
        case .input: break
        case .dense: lowerDense(node)
        case .conv1d, .conv2d: lowerConvolution(node)
        case .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d: lowerPool(node)
        case .globalAvgpool: lowerGlobalAveragePool(node)
        case .flatten, .reshape: lowerView(node)
        case .dropout: lowerDropout(node)
        case .batchnorm: lowerBatchNorm(node)
        case .layernorm: lowerLayerNorm(node)
        case .activation, .softmax: lowerActivationLayer(node)
        case .embedding: lowerEmbedding(node)
        case .add: lowerAdd(node)
        case .concat: lowerConcat(node)
        case .simpleRNN, .lstm, .gru, .bidirectional: lowerRecurrent(node)
        }
    }

    /// The gradient rule of each op: reads ∂value, writes ∂inputs and ∂parameters, and
    /// schedules the parameter updates right after their gradients.
    mutating func lowerGradient(_ node: Node) {
        if let producer = fusedInto[node.id] {
            addGradient(gradient[node.id]!, to: producer)
            return
        }
        switch node.op {
        case .input: break
        case .simpleRNN, .lstm, .gru, .bidirectional: recurrentGradient(node)
        case .dense: denseGradient(node)
        case .conv1d, .conv2d: convolutionGradient(node)
        case .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d: poolGradient(node)
        case .globalAvgpool: globalAveragePoolGradient(node)
        case .flatten, .reshape: viewGradient(node)
        case .dropout: dropoutGradient(node)
        case .batchnorm: batchNormGradient(node)
        case .layernorm: layerNormGradient(node)
        case .activation, .softmax: activationLayerGradient(node)
        case .embedding: embeddingGradient(node)
        case .add: addGradient(node)
        case .concat: concatGradient(node)
        }
    }

    /// True when the gradient with respect to input i must be computed.
    func wantsInputGradient(_ node: Node, _ i: Int = 0) -> Bool { needsGradient[node.inputs[i].rawValue] }
}

extension Node {
    var isConvolutionNode: Bool { op == .conv1d || op == .conv2d }
}
