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

    public init(mode: Mode, batch: Int, updates: Bool = true, optimize: Bool = true, evaluatesLoss: Bool = false) {
        self.mode = mode
        self.batch = batch
        self.updates = updates
        self.optimize = optimize
        self.evaluatesLoss = evaluatesLoss
    }
}

/// A parameter tensor of the model and where it lives: what `nnc plan` lists, what the
/// runtime initializes and checkpoints, and what gradient checks perturb.
public struct ParameterBinding: Sendable {
    public var layer: String
    public var name: String
    public var buffer: BufferID
    /// ∂loss/∂parameter (training plans, trainable parameters only).
    public var gradient: BufferID?
    public var shape: [Int]
    public var trainable: Bool
    /// How to initialize it: the layer's or the model's initializer; nil for batchnorm statistics.
    public var initializer: Initializer?
    /// The value statistics start at (moving mean 0, moving variance 1).
    public var initialValue: Double
    /// Inputs and outputs per unit, for the scaled initializers (glorot, he, lecun).
    public var fanIn: Int, fanOut: Int
    /// Elements set to 1 after initialization: an LSTM's forget-gate bias (Keras's `unit_forget_bias`).
    public var forgetGateBias: Range<Int>? = nil
}

/// Builds an `ExecutionPlan`: forward rules in topological order, then (training) the loss
/// and the gradient rules in reverse order, each op's forward and gradient rule together in
/// its family's `Lowerer+….swift`. Problems the checker cannot see (an op nnc cannot compile
/// yet) come back as diagnostics.
struct Lowerer {
    let graph: Graph
    let options: LoweringOptions
    var builder = PlanBuilder()
    var diagnostics = Diagnostics()
    /// What each node's consumers read.
    var value: [NodeID: BufferID] = [:]
    /// ∂loss/∂value, as the gradient rules produce it.
    var gradient: [NodeID: BufferID] = [:]
    /// The node's activation epilogue (its own, or a following activation layer's) and
    /// whether backward should apply it (false when the loss already took the gradient
    /// past it, as fused softmax + cross-entropy does).
    var epilogue: [NodeID: ActivationFunction] = [:]
    var lossTookActivation: Set<NodeID> = []
    /// Nodes whose work another node does: an activation layer fused into its producer, a
    /// batchnorm folded into the preceding layer (inference).
    var fusedInto: [NodeID: NodeID] = [:]
    var foldedBatchNorm: [NodeID: NodeID] = [:]
    /// The inverse: the batchnorm folded into a dense or convolution.
    var foldedInto: [NodeID: NodeID] = [:]
    /// A convolution's max pool computed inside the convolution's kernel (the pool is also in
    /// `fusedInto`): convolution → pool.
    var pooledBy: [NodeID: NodeID] = [:]
    /// The output node's softmax or sigmoid, taken by the loss.
    var lossFusion: LossFusion?
    var parameters: [ParameterBinding] = []
    /// Where each node's parameters are in `parameters`, by name.
    var parameterIndex: [NodeID: [String: Int]] = [:]
    var parameterBuffers: [NodeID: [String: BufferID]] = [:]
    var needsGradient: [Bool] = []
    var consumers: [[NodeID]] = []
    var dropoutCount: UInt64 = 0
    var inputBuffer = BufferID(0)
    var targetBuffer: BufferID?
    var lossBuffer: BufferID?
    var phase: Phase = .forward

    init(graph: Graph, options: LoweringOptions) {
        self.graph = graph
        self.options = options
        consumers = Array(repeating: [], count: graph.nodes.count)
        for node in graph.nodes { for input in node.inputs { consumers[input.rawValue].append(node.id) } }
    }

    var isTraining: Bool { options.mode == .training }
    var batch: Int { options.batch }

    // MARK: Building blocks

    /// A new buffer of the plan.
    mutating func buffer(_ name: String, _ shape: [Int], _ role: BufferRole, type: ElementType = .float32,
                         viewOf: BufferID? = nil) -> BufferID {
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
            emit(.accumulate(count: builder[existing].elements), [Operand(existing, .readWrite), Operand(contribution, .read)],
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

    /// Called when the gradients of `node`'s parameters `names` are complete: adds each one's
    /// penalty gradient (also in plans without updates, so gradient checks see it), then
    /// emits its update step, or defers it until every gradient exists (global-norm clipping).
    mutating func update(_ node: Node, _ names: [String]) {
        for name in names {
            guard let index = parameterIndex[node.id]?[name], parameters[index].gradient != nil else { continue }
            addPenaltyGradient(node, index)
            guard options.updates else { continue }
            if clipNorm != nil { deferredUpdates.append((node.id, index)) } else { emitUpdateStep(node, index) }
        }
    }

    /// The optimizer step of one parameter tensor, between the regularization steps around it.
    mutating func emitOptimizerUpdate(_ node: Node, _ index: Int) {
        let rule = optimizerRule
        let p = parameters[index]
        var operands = [Operand(p.buffer, .readWrite), Operand(p.gradient!, .read)]
        for state in rule.stateNames {
            let initial: Double = if case .adagrad(let a, _) = rule { a } else { 0 }
            let s = buffer("\(node.name).\(p.name).\(state)", p.shape, .optimizerState)
            builder.initialValues[s] = initial
            operands.append(Operand(s, .readWrite))
        }
        emit(.update(rule, count: p.shape.reduce(1, *)), operands, layer: node.name)
    }

    /// What backward rules read besides values: pre-activations kept for activations whose
    /// derivative needs the input, batch statistics, argmax indices, dropout salts.
    var preActivation: [NodeID: BufferID] = [:]
    var saved: [NodeID: (BufferID, BufferID)] = [:]
    var savedArgmax: [NodeID: BufferID] = [:]
    var dropoutSalt: [NodeID: UInt64] = [:]
    /// Recurrent layers' directions, for their gradient rules, and each value's mask of real
    /// steps (see `Lowerer+Recurrent.swift`).
    var recurrentDirections: [NodeID: [RecurrentDirection]] = [:]
    var sequenceMasks: [NodeID: BufferID] = [:]

    // Regularization (Lowerer+Regularization.swift).
    /// Updates waiting for the global gradient norm: (node, parameter index), in gradient order.
    var deferredUpdates: [(NodeID, Int)] = []
    /// The step's L1/L2 penalty (1 float) and the global gradient norm before clipping (1 float).
    var penaltyBuffer: BufferID?
    var gradientNormBuffer: BufferID?


    var optimizerRule: OptimizerRule {
        var rule = OptimizerRule(graph.training.optimizer)
        // A momentum schedule sets μ every step, so the velocity must exist even when the
        // optimizer's own momentum is 0.
        if case .linear(let from, let to, _, _) = graph.training.momentumSchedule {
            let scheduled = max(from, to)
            switch rule {
            case .sgd(let m, let d, let n) where m == 0: rule = .sgd(momentum: scheduled, dampening: d, nesterov: n)
            case .rmsprop(let rho, let m, let e, let c) where m == 0: rule = .rmsprop(rho: rho, momentum: scheduled, epsilon: e, centered: c)
            case .sgd, .rmsprop, .adagrad, .adadelta, .adam: break
            }
        }
        return rule
    }
}

/// The output activation a loss absorbs: softmax into cross-entropy, sigmoid into binary
/// cross-entropy, both computed from logits in one stable kernel.
struct LossFusion {
    var node: NodeID
    var function: LossFunction
}

extension OptimizerRule {
    /// The update rule of the spec's optimizer (adamw is adam with decoupled decay).
    init(_ optimizer: Optimizer) {
        switch optimizer.rule {
        case .sgd(let momentum, let nesterov, let dampening):
            self = .sgd(momentum: momentum, dampening: dampening, nesterov: nesterov)
        case .adagrad(let initial, let epsilon): self = .adagrad(initialAccumulator: initial, epsilon: epsilon)
        case .rmsprop(let rho, let momentum, let epsilon, let centered):
            self = .rmsprop(rho: rho, momentum: momentum, epsilon: epsilon, centered: centered)
        case .adadelta(let rho, let epsilon): self = .adadelta(rho: rho, epsilon: epsilon)
        case .adam(let beta1, let beta2, let epsilon, let amsgrad):
            self = .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, weightDecay: 0)
        case .adamw(let beta1, let beta2, let epsilon, let decay, let amsgrad):
            self = .adam(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, weightDecay: decay)
        }
    }
}
