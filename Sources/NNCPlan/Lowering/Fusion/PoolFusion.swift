import NNCGraph

/// Max pool inside the convolution (optimized plans): a max pool whose windows tile a
/// convolution's output (after its folded batchnorm and fused activation), and that is the
/// sole reader of it, runs inside the convolution's kernel, so the full-size output is never
/// stored. The pool emits nothing; its value is the convolution's, and the convolution's
/// backward routes the gradient through the activation at the pooled size first (the
/// pooled value is the output at the argmax), then through the pool. Convolutions whose
/// activation is a separate instruction or a softmax keep their own output.
struct PoolFusion {
    /// Convolution → the max pool it computes.
    private(set) var pool: [NodeID: NodeID] = [:]
    /// Max pool → the convolution that computes it.
    private(set) var fusedInto: [NodeID: NodeID] = [:]

    init(
        _ graph: Graph, _ options: LoweringOptions, _ readers: Readers, _ batchNorms: BatchNormFolding,
        _ epilogues: EpilogueFusion, _ activations: ActivationPlacement
    ) {
        guard options.optimize else { return }
        for node in graph.nodes where node.isConvolutionNode {
            let plan = activations.plan(node)
            guard !plan.separate, !plan.softmax else { continue }
            var end = node
            if let bn = batchNorms.folded[node.id] { end = graph[bn] }
            if let next = readers.sole(end.id), epilogues.fusedInto[next.id] == node.id { end = next }
            guard let pool = readers.sole(end.id), pool.op.kind == .maxpool1d || pool.op.kind == .maxpool2d,
                WindowGeometry(pool, in: graph, batch: options.batch).tilesWithoutOverlap
            else { continue }
            self.pool[node.id] = pool.id
            fusedInto[pool.id] = node.id
        }
    }
}
