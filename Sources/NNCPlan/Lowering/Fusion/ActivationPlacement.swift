import NNCGraph

/// Where each dense and convolution applies its activation: in its kernel's epilogue (its
/// own activation, or a fused activation layer's), as a separate instruction on a kept
/// pre-activation, or as a softmax over rows after a linear product. Separate when training
/// an activation whose derivative reads its input (the epilogue would discard it), in
/// unoptimized plans (to measure what the epilogue saves), and for a learnable swish β.
/// An activation the loss takes is applied nowhere: the layer's value is its logits.
struct ActivationPlacement {
    private(set) var plans: [NodeID: ActivationPlan] = [:]

    init(_ graph: Graph, _ options: LoweringOptions, _ epilogues: EpilogueFusion, _ loss: LossFusion?) {
        for node in graph.nodes where node.hasActivationEpilogue {
            let lossTookActivation = loss?.tookActivation(of: node.id) ?? false
            plans[node.id] = Self.place(
                node, options, epilogue: epilogues.epilogue[node.id], lossTookActivation: lossTookActivation)
        }
    }

    private static func place(
        _ node: Node, _ options: LoweringOptions, epilogue: ActivationFunction?,
        lossTookActivation: Bool
    ) -> ActivationPlan {
        if let fused = epilogue { return ActivationPlan(function: fused, separate: false, softmax: false) }
        let declared = node.op.activation ?? .function(.linear)
        if declared == .softmax {
            return ActivationPlan(function: .linear, separate: false, softmax: !lossTookActivation)
        }
        var f = declared.function ?? .linear
        if lossTookActivation { f = .linear }
        let isTraining = options.mode == .training
        let separate =
            f.kind != .linear && (isTraining || !options.optimize)
            && (!f.kind.backwardNeedsOnlyOutput || !options.optimize)
            || node.hasLearnedBeta
        return ActivationPlan(function: f, separate: separate, softmax: false)
    }

    /// The plan of a dense or convolution.
    func plan(_ node: Node) -> ActivationPlan {
        guard let plan = plans[node.id] else { preconditionFailure("'\(node.name)' is not a dense or convolution") }
        return plan
    }
}

/// The activation to apply after a layer's linear part.
struct ActivationPlan: Equatable {
    /// Applied in the epilogue, or by the separate instruction; linear when there is none.
    var function: ActivationFunction
    /// A separate instruction reads the pre-activation, which is kept for backward.
    var separate: Bool
    /// A softmax over rows follows the linear product.
    var softmax: Bool
}
