import NNCDiagnostics
import NNCGraph

/// What to compile a graph into.
public struct LoweringOptions: Sendable {
    public enum Mode: String, Sendable {
        /// Forward, loss, backward and (unless `updates` is off) the optimizer updates.
        case training
        /// Forward only: dropout off, batchnorm on running statistics and folded into the
        /// preceding dense or convolution.
        case inference
    }

    public var mode: Mode
    public var batch: Int
    /// Emit optimizer updates (off for gradient checks, which read the gradients).
    public var updates: Bool
    /// Run the fusion and in-place passes (off to measure what they save).
    public var optimize: Bool
    /// Inference plans only: also compute the per-row loss (no gradient), for validation
    /// and test metrics. Targets are then an input of the plan.
    public var evaluatesLoss: Bool
    /// Training plans: emit every update step after the whole backward pass (in the order the
    /// gradients complete) instead of right after its gradient, so that under mpirun each
    /// gradient can be all-reduced while the rest of backward runs.
    public var defersUpdates = false

    public init(mode: Mode, batch: Int, updates: Bool = true, optimize: Bool = true, evaluatesLoss: Bool = false) {
        self.mode = mode
        self.batch = batch
        self.updates = updates
        self.optimize = optimize
        self.evaluatesLoss = evaluatesLoss
    }
}

/// The emitter: builds a plan's instructions from the rules of each op, forward rules in
/// topological order, then (training) the loss and the gradient rules in reverse order, each
/// op's forward and gradient rule together in its family's `Lowerer+….swift`. What the rules
/// read was decided before: which work is fused where (`Fusion`, passes over the graph) and
/// each parameter's buffer (`ParameterBinder`); what happens to a complete parameter
/// gradient (penalty, clipping, decay, the optimizer step) is `UpdateLowering`'s. Problems
/// the checker cannot see (an op nnc cannot compile yet) come back as diagnostics.
struct Lowerer {
    let graph: Graph
    let options: LoweringOptions
    let fusion: Fusion
    var builder: PlanBuilder
    var parameters: ParameterBinder
    var updates: UpdateLowering
    var diagnostics: Diagnostics
    /// The phase of the instructions being emitted.
    var phase: Phase = .forward
    /// A node needs gradients flowing into it when it or anything before it trains.
    let needsGradient: [Bool]
    /// What each node's consumers read.
    var value: [NodeID: BufferID] = [:]
    /// ∂loss/∂value, as the gradient rules produce it.
    var gradient: [NodeID: BufferID] = [:]
    var inputBuffer = BufferID(0)
    var targetBuffer: BufferID?
    var lossBuffer: BufferID?
    /// What backward rules read besides values: pre-activations kept for activations whose
    /// derivative needs the input, batch statistics, argmax indices, dropout salts.
    var preActivation: [NodeID: BufferID] = [:]
    var saved: [NodeID: (BufferID, BufferID)] = [:]
    var savedArgmax: [NodeID: BufferID] = [:]
    /// A separable convolution's depthwise output, the 1×1 convolution's input.
    var depthwiseOutput: [NodeID: BufferID] = [:]
    var dropoutSalt: [NodeID: UInt64] = [:]
    /// Dropout instructions and masks so far: each one's salt is the next count.
    var dropoutCount: UInt64 = 0
    /// Recurrent layers' directions, for their gradient rules, and each value's mask of real
    /// steps (see `Lowerer+Recurrent.swift`).
    var recurrentDirections: [NodeID: [RecurrentDirection]] = [:]
    var sequenceMasks: [NodeID: BufferID] = [:]
    /// An elementwise merge's operands at its output's shape (inputs broadcast into buffers).
    var mergeOperands: [NodeID: [BufferID]] = [:]
    /// Attention layers' projections and weights, for their gradient rules.
    var attentionValues: [NodeID: AttentionValues] = [:]
    /// The padding masks of attention layers that have them, for the weights' gradient.
    var attentionMasks: [NodeID: (AttentionMask, [Operand])] = [:]
    /// Tree-LSTM layers' tapes, for their gradient rules.
    var treeTapes: [NodeID: BufferID] = [:]

    /// Runs the fusion passes and binds the parameters (the plan's first buffers).
    init(graph: Graph, options: LoweringOptions) {
        self.graph = graph
        self.options = options
        needsGradient = Self.needsGradient(graph)
        fusion = Fusion(graph, options)
        var builder = PlanBuilder()
        var diagnostics = Diagnostics()
        parameters = ParameterBinder(graph, builder: &builder, diagnostics: &diagnostics)
        self.builder = builder
        self.diagnostics = diagnostics
        updates = UpdateLowering(graph.training, options: options)
    }

    /// Per node: whether it or anything before it has trainable parameters.
    static func needsGradient(_ graph: Graph) -> [Bool] {
        var needsGradient = Array(repeating: false, count: graph.nodes.count)
        for node in graph.nodes {
            needsGradient[node.id.rawValue] =
                node.trainableParams > 0 || node.inputs.contains { needsGradient[$0.rawValue] }
        }
        return needsGradient
    }

    var isTraining: Bool { options.mode == .training }
    var batch: Int { options.batch }

    // MARK: Building blocks

    /// A new buffer of the plan.
    mutating func buffer(
        _ name: String, _ shape: [Int], _ role: BufferRole, type: ElementType = .float32,
        viewOf: BufferID? = nil
    ) -> BufferID {
        builder.buffer(name, shape, role, type: type, viewOf: viewOf)
    }

    /// An instruction of the phase the emitter is in.
    mutating func emit(_ kernel: Kernel, _ operands: [Operand], layer: String) {
        builder.emit(kernel, operands, layer: layer, phase: phase)
    }

    /// [batch] + the node's per-sample shape.
    func batched(_ node: Node) -> [Int] { [batch] + node.shape!.dims }

    /// An output buffer for a node's value.
    mutating func output(_ node: Node, role: BufferRole = .activation) -> BufferID {
        buffer("\(node.name)", batched(node), role)
    }

    /// Adds a gradient contribution to ∂loss/∂(node's value): the first becomes it, later
    /// ones are accumulated into it.
    mutating func addGradient(_ contribution: BufferID, to node: NodeID) {
        if let existing = gradient[node] {
            emit(
                .accumulate(count: builder[existing].elements),
                [Operand(existing, .readWrite), Operand(contribution, .read)],
                layer: graph[node].name)
        } else {
            gradient[node] = contribution
        }
    }

    /// A fresh buffer for a gradient contribution to `node`'s value.
    mutating func gradientBuffer(for node: NodeID) -> BufferID {
        let n = graph[node]
        return buffer("∂\(n.name)", batched(n), .gradient)
    }

    /// Called when the gradients of `node`'s parameters `names` are complete: hands them to
    /// the update lowering (penalty gradient, then the update step now or after the last gradient).
    mutating func update(_ node: Node, _ names: [String]) {
        updates.gradientsComplete(node, names.compactMap { parameters.binding(node.id, $0) }, &builder)
    }

    /// A gradient buffer for a trainable parameter, or nil when it is frozen.
    mutating func parameterGradient(_ node: Node, _ name: String) -> BufferID? {
        parameters.gradient(node, name, builder: &builder)
    }
}
