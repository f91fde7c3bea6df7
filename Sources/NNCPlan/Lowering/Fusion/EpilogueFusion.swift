import NNCGraph

/// Activation layers into GEMM epilogues (optimized plans): an activation layer that is the
/// sole reader of a dense or convolution without an activation of its own (or of the
/// batchnorm folded into one) is applied by that layer's kernel as it stores each tile, so
/// the linear output is never written. In training only activations whose derivative reads
/// just the output fuse (the layer keeps its output, not the pre-activation); a learnable
/// swish β never fuses (the epilogue's parameter is fixed when the plan is built), nor does
/// an output activation the loss takes.
struct EpilogueFusion {
    /// Dense or convolution → the activation its epilogue applies.
    private(set) var epilogue: [NodeID: ActivationFunction] = [:]
    /// Activation layer → the dense or convolution that applies it.
    private(set) var fusedInto: [NodeID: NodeID] = [:]

    init(
        _ graph: Graph, _ options: LoweringOptions, _ readers: Readers, _ batchNorms: BatchNormFolding,
        _ loss: LossFusion?
    ) {
        guard options.optimize else { return }
        let isTraining = options.mode == .training
        for node in graph.nodes where node.hasActivationEpilogue {
            guard let own = node.declaredActivation, own == .linear else { continue }
            let end = batchNorms.folded[node.id].map { graph[$0] } ?? node
            if let next = readers.sole(end.id), next.op.kind == .activation, let f = next.declaredActivation,
                f.kind != .linear, !isTraining || f.kind.backwardNeedsOnlyOutput, !next.hasLearnedBeta,
                loss?.tookActivation(of: next.id) != true
            {
                fusedInto[next.id] = node.id
                epilogue[node.id] = f
            }
        }
    }
}
