import NNCGraph

/// The fusion decisions of a plan, each made by its own pass over the graph before anything
/// is emitted: a pure function of the graph and the lowering options, which the emitter
/// reads and never changes. The passes run in dependency order: the loss first (it may take
/// the output's activation, which is then no one's epilogue), batchnorm folding (the
/// activation after a folded batchnorm fuses into the layer before it), activation layers
/// into GEMM epilogues, where each dense or convolution applies its activation, and last a
/// max pool inside the convolution it follows. Unoptimized plans (`optimize: false`) fuse
/// nothing but a loss asked to work from logits.
struct Fusion {
    /// The loss kernel and whether it takes the output's softmax or sigmoid; nil when the plan
    /// computes no loss.
    let loss: LossFusion?
    let batchNorms: BatchNormFolding
    let epilogues: EpilogueFusion
    let activations: ActivationPlacement
    let pools: PoolFusion

    init(_ graph: Graph, _ options: LoweringOptions) {
        let readers = Readers(graph)
        loss = LossFusion(graph, options)
        batchNorms = BatchNormFolding(graph, options, readers)
        epilogues = EpilogueFusion(graph, options, readers, batchNorms, loss)
        activations = ActivationPlacement(graph, options, epilogues, loss)
        pools = PoolFusion(graph, options, readers, batchNorms, epilogues, activations)
    }

    /// The node whose instruction computes `id`'s value, when `id` has none of its own: an
    /// activation layer applied in its producer's epilogue, a max pool inside its convolution.
    func producer(of id: NodeID) -> NodeID? { epilogues.fusedInto[id] ?? pools.fusedInto[id] }

    /// True when the loss works from `id`'s logits: `id` is the output and the loss took its
    /// softmax or sigmoid.
    func lossTakesActivation(of id: NodeID) -> Bool { loss?.tookActivation(of: id) ?? false }
}

/// Who reads each node's value. Work moves into a producer only when the fused node is its
/// producer's sole reader, so no one else needs the unfused value, and the producer is not
/// the model's output, whose value the plan returns.
struct Readers {
    private let graph: Graph
    private let readers: [[NodeID]]

    init(_ graph: Graph) {
        self.graph = graph
        var readers: [[NodeID]] = Array(repeating: [], count: graph.nodes.count)
        for node in graph.nodes { for input in node.inputs { readers[input.rawValue].append(node.id) } }
        self.readers = readers
    }

    /// The node's single consumer, if it has exactly one.
    func sole(_ id: NodeID) -> Node? {
        readers[id.rawValue].count == 1 && graph.output != id ? graph[readers[id.rawValue][0]] : nil
    }
}

extension Node {
    /// A convolution lowered to one convolution instruction over its `kernel` (a separable
    /// convolution's two are not: no batchnorm folds into it, no pool runs inside it).
    var isConvolutionNode: Bool { [.conv1d, .conv2d, .depthwiseConv2d].contains(op.kind) }

    /// A dense or convolution layer whose last instruction applies its activation: the GEMM's
    /// or convolution's epilogue, a transposed convolution's bias pass.
    var hasActivationEpilogue: Bool {
        op.kind == .dense || isConvolutionNode || op.kind == .separableConv2d || op.kind == .conv2dTranspose
    }

    /// The activation a layer declares (dense, conv) or is (activation layer); softmax is nil.
    var declaredActivation: ActivationFunction? {
        guard let declared = op.activation else { return .linear }
        return declared.function
    }
}
