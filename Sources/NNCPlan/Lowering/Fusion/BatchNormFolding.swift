import NNCGraph

/// Batchnorm folding (optimized inference plans): a batchnorm that is the sole reader of a
/// dense or convolution without an activation of its own becomes part of that layer's
/// weights, W′ = W·s and b′ = (b − μ)·s + β with s = γ/√(σ² + ε) per output channel,
/// computed once in `prepare` from the running statistics. The batchnorm then emits nothing:
/// its value is the layer's. Training plans never fold (the batch statistics change every
/// step, and backward needs them).
struct BatchNormFolding {
    /// Batchnorm → the dense or convolution it is folded into.
    private(set) var layerOf: [NodeID: NodeID] = [:]
    /// Dense or convolution → the batchnorm folded into it.
    private(set) var folded: [NodeID: NodeID] = [:]

    init(_ graph: Graph, _ options: LoweringOptions, _ readers: Readers) {
        guard options.optimize, options.mode == .inference else { return }
        for node in graph.nodes where node.op.kind == .dense || node.isConvolutionNode {
            guard let own = node.declaredActivation, own == .linear else { continue }
            if let bn = readers.sole(node.id), bn.op.kind == .batchnorm {
                layerOf[bn.id] = node.id
                folded[node.id] = bn.id
            }
        }
    }
}
