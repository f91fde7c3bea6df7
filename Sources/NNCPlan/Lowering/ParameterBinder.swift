import NNCDiagnostics
import NNCGraph

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

/// Parameter binding: gives every parameter tensor of the graph (and every batchnorm
/// statistic) its persistent buffer before anything else is lowered, so parameters are the
/// plan's first buffers, in graph order; and decides what the runtime needs to set it up:
/// the initializer (the layer's own, else the model's `init:`; a recurrent layer's kernel,
/// recurrent kernel and bias each their own), the starting value (γ and moving variances
/// 1, a learnable swish β its declared beta) and the fans of the scaled initializers.
/// During backward it makes each trainable parameter's gradient buffer, on request of the
/// gradient rule that computes it; frozen parameters get none.
struct ParameterBinder {
    /// Every binding, in graph order: what the plan lists.
    private(set) var bindings: [ParameterBinding] = []
    /// Where each node's bindings are in `bindings`, by parameter name.
    private var index: [NodeID: [String: Int]] = [:]
    /// Each node's parameter buffers, by parameter name.
    private(set) var buffers: [NodeID: [String: BufferID]] = [:]

    /// Binds the parameters of every node of `graph`, creating their buffers in `builder`.
    /// A learnable swish beta in a recurrent layer is reported: its step kernel cannot read it.
    init(_ graph: Graph, builder: inout PlanBuilder, diagnostics: inout Diagnostics) {
        for node in graph.nodes { bind(node, graph.training.initializers, &builder, &diagnostics) }
    }

    /// The binding of `node`'s parameter `name`, if it has one.
    func binding(_ node: NodeID, _ name: String) -> ParameterBinding? {
        index[node]?[name].map { bindings[$0] }
    }

    /// Parameter buffers (persistent) and their bindings, with each one's initializer.
    private mutating func bind(
        _ node: Node, _ model: ModelInitializers, _ builder: inout PlanBuilder,
        _ diagnostics: inout Diagnostics
    ) {
        guard !node.parameters.isEmpty else { return }
        let layer = node.op
        for p in node.parameters {
            if p.name == "swish_beta", node.op.kind.isRecurrent {
                let at =
                    node.op.kind == .bidirectional
                    ? node.location
                    : layer.recurrent?.activationLocation ?? node.location
                diagnostics.error(
                    .notCompilable, "a learnable swish beta in a recurrent layer cannot be compiled to a plan yet",
                    at: at,
                    label: "learnable: true", help: "use a fixed beta (learnable: false) in recurrent layers")
                continue
            }
            let isStatistic = p.name.hasPrefix("moving_")
            let id = builder.buffer("\(node.name).\(p.name)", p.shape, isStatistic ? .statistic : .parameter)
            buffers[node.id, default: [:]][p.name] = id
            var initializer: Initializer?
            var forgetBias: Range<Int>?
            var initial = 0.0
            switch p.name {
            case _ where node.op.kind == .multiHeadAttention:
                initializer =
                    p.name.hasSuffix("bias")
                    ? layer.weights?.biasInitializer ?? model.bias : layer.weights?.initializer ?? model.weights
            case _ where node.op.kind == .treeLSTM:
                guard case .treeLSTM(let t) = layer else { break }
                switch p.name {
                case "embeddings": initializer = t.embeddingsInitializer
                case "kernel": initializer = t.weights.initializer ?? model.weights
                case "recurrent_kernel": initializer = t.weights.recurrentInitializer ?? model.recurrent
                default:
                    initializer = t.weights.biasInitializer ?? model.bias
                    forgetBias = t.unitForgetBias ? t.units..<(2 * t.units) : nil
                }
            case _ where node.op.kind.isRecurrent:
                (initializer, forgetBias) = Self.recurrentInitializer(layer.recurrent!, model, p.name)
            case "kernel", "depthwise_kernel", "pointwise_kernel", "embeddings":
                initializer = layer.weights?.initializer ?? model.weights
            case "bias": initializer = layer.weights?.biasInitializer ?? model.bias
            case "gamma", "moving_variance": initial = 1
            case "alpha": initializer = layer.weights?.initializer ?? .zeros
            case "swish_beta":
                if case .learnedSwish(let beta)? = layer.activation { initial = beta } else { initial = 1 }
            default: break
            }
            let receptive = p.shape.count > 2 ? p.shape.dropLast(2).reduce(1, *) : 1
            var fanIn = p.shape.count >= 2 ? receptive * p.shape[p.shape.count - 2] : p.shape.first ?? 1
            var fanOut = p.shape.count >= 2 ? receptive * p.shape[p.shape.count - 1] : p.shape.first ?? 1
            // Keras initializes each gate's peephole vector [units] by itself: fans of units.
            if p.name.hasSuffix("peephole_weights") { (fanIn, fanOut) = (p.shape[1], p.shape[1]) }
            index[node.id, default: [:]][p.name] = bindings.count
            bindings.append(
                ParameterBinding(
                    layer: node.name, name: p.name, buffer: id, gradient: nil, shape: p.shape,
                    trainable: p.trainable && !isStatistic, initializer: initializer,
                    initialValue: initial, fanIn: fanIn, fanOut: fanOut, forgetGateBias: forgetBias))
            if isStatistic { builder.initialValues[id] = initial }
        }
    }

    /// The initializer of a recurrent layer's parameter (kernel: init, recurrent kernel:
    /// recurrent_init, bias: bias_init, each defaulting to the model's `init:`), and the LSTM
    /// forget gate's bias elements that Keras's `unit_forget_bias` sets to 1 (of the first row).
    private static func recurrentInitializer(_ c: Recurrent, _ model: ModelInitializers, _ name: String)
        -> (Initializer, forgetBias: Range<Int>?)
    {
        let base =
            name.hasPrefix("forward_")
            ? String(name.dropFirst(8)) : name.hasPrefix("backward_") ? String(name.dropFirst(9)) : name
        switch base {
        case "kernel": return (c.weights.initializer ?? model.weights, nil)
        case "recurrent_kernel": return (c.weights.recurrentInitializer ?? model.recurrent, nil)
        case "peephole_weights": return (c.weights.initializer ?? model.weights, nil)  // Keras: the kernel's
        default:
            let forget = c.cell == .lstm(unitForgetBias: true) ? c.units..<(2 * c.units) : nil
            return (c.weights.biasInitializer ?? model.bias, forget)
        }
    }

    /// A gradient buffer for a trainable parameter, or nil when it is frozen.
    mutating func gradient(_ node: Node, _ name: String, builder: inout PlanBuilder) -> BufferID? {
        guard let i = index[node.id]?[name], bindings[i].trainable else { return nil }
        let g = builder.buffer("∂\(node.name).\(name)", bindings[i].shape, .parameterGradient)
        bindings[i].gradient = g
        return g
    }
}
