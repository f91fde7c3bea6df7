import NNCGraph

/// The optimizer's update lowering: what happens to a parameter once its gradient is
/// complete, and the penalty the loss reports. It decides the update rule (the spec's
/// optimizer; a momentum schedule gives sgd and rmsprop a velocity even at momentum 0) and
/// the order around it, Keras's; nothing here emits an instruction unless the spec asks for
/// it, so an unregularized plan is only the optimizer steps.
///
/// - Penalties (`regularization.l1`/`l2` on every weight matrix — kernels, recurrent
///   kernels, embedding tables, not biases — replaced per layer by `regularizer`, and
///   `bias_regularizer` on biases): the loss gains l1·Σ|w| + l2·Σw² (one `penalty`
///   instruction after the data loss, so the reported loss includes it, as Keras's does),
///   and each gradient gains l1·sign(w) + 2·l2·w as soon as it is complete (also in plans
///   without updates, so gradient checks see it). Only trainable parameters are penalized
///   (Keras sums the regularizers of `trainable_weights`).
/// - Then, per trainable parameter, as Keras's `BaseOptimizer.apply`: clip the gradient
///   (`clip_value`: each element to [−v, v]; `clip_norm`: all gradients by one factor
///   c/max(‖g‖, c), ‖g‖ the global L2 norm), decay the weights (`weight_decay` λ:
///   w ← w − lr·λ·w, every trainable parameter, biases included, as Keras's optimizer
///   `weight_decay` and adamw do), take the optimizer step, and apply the constraint
///   (the layer's `constraint`, else `regularization.max_norm`, on weight matrices).
/// - Global-norm clipping needs every gradient first, so with `clip_norm` all update steps
///   move after the last gradient, behind one `clipByGlobalNorm` instruction; the gradient
///   buffers then live to the end of the step.
struct UpdateLowering {
    let rule: OptimizerRule
    let regularization: Regularization
    /// Emit update steps (off for gradient checks, which read the gradients).
    let appliesUpdates: Bool
    /// Every update step after backward (`LoweringOptions.defersUpdates`).
    let defersUpdates: Bool
    /// Updates waiting for the global gradient norm, in gradient order.
    private var deferred: [(node: Node, parameter: ParameterBinding)] = []
    /// The step's L1/L2 penalty (1 float) and the global gradient norm before clipping (1 float).
    private(set) var penalty: BufferID?
    private(set) var gradientNorm: BufferID?

    init(_ training: TrainingConfiguration, options: LoweringOptions) {
        var rule = OptimizerRule(training.optimizer)
        // A momentum schedule sets μ every step, so the velocity must exist even when the
        // optimizer's own momentum is 0.
        if let scheduled = training.momentumSchedule.largest {
            switch rule {
            case .sgd(let m, let d, let n, let tied) where m == 0:
                rule = .sgd(momentum: scheduled, dampening: d, nesterov: n, dampeningFromMomentum: tied)
            case .rmsprop(let rho, let m, let e, let c) where m == 0:
                rule = .rmsprop(rho: rho, momentum: scheduled, epsilon: e, centered: c)
            case .sgd, .rmsprop, .adagrad, .adadelta, .adam: break
            }
        }
        self.rule = rule
        regularization = training.regularization
        appliesUpdates = options.updates
        defersUpdates = options.defersUpdates
    }

    /// The global-norm bound, when the plan applies updates.
    private var clipNorm: Double? { appliesUpdates ? regularization.clipNorm : nil }

    /// Kernels, recurrent kernels and embedding tables: what model-wide penalties and
    /// max_norm apply to.
    private static func isWeightMatrix(_ name: String) -> Bool { name == "embeddings" || name.hasSuffix("kernel") }

    /// The penalty on a trainable parameter, or nil when none applies (or every factor is 0).
    private func penaltyTerm(_ node: Node, _ p: ParameterBinding) -> PenaltyTerm? {
        guard p.trainable, let weights = node.op.weights else { return nil }
        let factors: Regularizer
        if Self.isWeightMatrix(p.name) {
            factors = weights.regularizer ?? regularization.penalty
        } else if p.name.hasSuffix("bias"), let own = weights.biasRegularizer {
            factors = own
        } else {
            return nil
        }
        guard factors.l1 > 0 || factors.l2 > 0 else { return nil }
        return PenaltyTerm(count: p.shape.reduce(1, *), l1: factors.l1, l2: factors.l2)
    }

    /// The constraint on a weight matrix: the layer's own, else the model-wide max_norm.
    private func weightConstraint(_ node: Node, _ p: ParameterBinding) -> WeightConstraint? {
        guard Self.isWeightMatrix(p.name), let weights = node.op.weights else { return nil }
        return weights.constraint ?? regularization.maxNorm.map(WeightConstraint.maxNorm)
    }

    /// The penalty of the step, after the data loss: one instruction reading every penalized
    /// parameter (before any update changes it).
    mutating func lowerPenalty(_ graph: Graph, _ parameters: ParameterBinder, _ builder: inout PlanBuilder) {
        var terms: [PenaltyTerm] = []
        var operands: [Operand] = []
        for node in graph.nodes {
            for p in node.parameters {
                guard let binding = parameters.binding(node.id, p.name), let term = penaltyTerm(node, binding) else {
                    continue
                }
                terms.append(term)
                operands.append(Operand(binding.buffer, .read))
            }
        }
        guard !terms.isEmpty else { return }
        let penalty = builder.buffer("penalty", [1], .loss)
        self.penalty = penalty
        builder.emit(.penalty(terms), [Operand(penalty, .write)] + operands, layer: "regularization", phase: .loss)
    }

    /// Called when the gradients of `node`'s parameters are complete (in backward): adds each
    /// one's penalty gradient, then emits its update step, or defers it until every gradient
    /// exists (global-norm clipping). Parameters without a gradient (frozen) are skipped.
    mutating func gradientsComplete(_ node: Node, _ parameters: [ParameterBinding], _ builder: inout PlanBuilder) {
        for p in parameters where p.gradient != nil {
            addPenaltyGradient(node, p, &builder)
            guard appliesUpdates else { continue }
            if clipNorm != nil || defersUpdates {
                deferred.append((node, p))
            } else {
                emitUpdateStep(node, p, &builder)
            }
        }
    }

    /// g += l1·sign(w) + 2·l2·w on a complete parameter gradient (backward phase).
    private func addPenaltyGradient(_ node: Node, _ p: ParameterBinding, _ builder: inout PlanBuilder) {
        guard let term = penaltyTerm(node, p), let g = p.gradient else { return }
        builder.emit(
            .penaltyGradient(term), [Operand(g, .readWrite), Operand(p.buffer, .read)], layer: node.name,
            phase: .backward)
    }

    /// Clip, decay, optimizer step and constraint of one parameter tensor.
    private func emitUpdateStep(_ node: Node, _ p: ParameterBinding, _ builder: inout PlanBuilder) {
        let count = p.shape.reduce(1, *)
        if let limit = regularization.clipValue {
            builder.emit(
                .clipByValue(limit: limit, count: count), [Operand(p.gradient!, .readWrite)], layer: node.name,
                phase: .update)
        }
        // adamw decays inside its own step; the checker refuses both decays at once (E0206).
        let ownDecay: Bool = if case .adam(_, _, _, _, let decay) = rule { decay > 0 } else { false }
        if case let rate = regularization.weightDecay, rate > 0, !ownDecay {
            builder.emit(
                .weightDecay(rate: rate, count: count), [Operand(p.buffer, .readWrite)], layer: node.name,
                phase: .update)
        }
        emitOptimizerUpdate(node, p, &builder)
        if let constraint = weightConstraint(node, p) {
            let units = p.shape.last ?? 1
            builder.emit(
                .constrain(constraint, rows: count / units, units: units), [Operand(p.buffer, .readWrite)],
                layer: node.name,
                phase: .update)
        }
    }

    /// The optimizer step of one parameter tensor, between the regularization steps around it.
    private func emitOptimizerUpdate(_ node: Node, _ p: ParameterBinding, _ builder: inout PlanBuilder) {
        var operands = [Operand(p.buffer, .readWrite), Operand(p.gradient!, .read)]
        for state in rule.stateNames {
            let initial: Double = if case .adagrad(let a, _) = rule { a } else { 0 }
            let s = builder.buffer("\(node.name).\(p.name).\(state)", p.shape, .optimizerState)
            builder.initialValues[s] = initial
            operands.append(Operand(s, .readWrite))
        }
        builder.emit(.update(rule, count: p.shape.reduce(1, *)), operands, layer: node.name, phase: .update)
    }

    /// With clip_norm: the global norm over every gradient, then every deferred update step.
    mutating func emitDeferredUpdates(_ builder: inout PlanBuilder) {
        guard !deferred.isEmpty else { return }
        guard let c = clipNorm else {
            for (node, p) in deferred { emitUpdateStep(node, p, &builder) }
            return
        }
        let gradients = deferred.map { $0.parameter.gradient! }
        let norm = builder.buffer("gradient_norm", [1], .report)
        gradientNorm = norm
        builder.emit(
            .clipByGlobalNorm(maxNorm: c, counts: gradients.map { builder[$0].elements }),
            [Operand(norm, .write)] + gradients.map { Operand($0, .readWrite) }, layer: "optimizer", phase: .update)
        for (node, p) in deferred { emitUpdateStep(node, p, &builder) }
    }
}

extension OptimizerRule {
    /// The update rule of the spec's optimizer (adamw is adam with decoupled decay).
    init(_ optimizer: Optimizer) {
        switch optimizer.rule {
        case .sgd(let momentum, let nesterov, let dampening, let tied):
            self = .sgd(momentum: momentum, dampening: dampening, nesterov: nesterov, dampeningFromMomentum: tied)
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
