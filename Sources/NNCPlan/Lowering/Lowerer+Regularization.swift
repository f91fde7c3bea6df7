import NNCGraph

/// Regularization in training plans, with Keras's semantics and order. Nothing here emits
/// an instruction unless the spec asks for it, so an unregularized plan is unchanged.
///
/// - Penalties (`regularization.l1`/`l2` on every weight matrix — kernels, recurrent
///   kernels, embedding tables, not biases — replaced per layer by `regularizer`, and
///   `bias_regularizer` on biases): the loss gains l1·Σ|w| + l2·Σw² (one `penalty`
///   instruction after the data loss, so the reported loss includes it, as Keras's does),
///   and each gradient gains l1·sign(w) + 2·l2·w as soon as it is complete. Only trainable
///   parameters are penalized (Keras sums the regularizers of `trainable_weights`).
/// - Then, per trainable parameter, as Keras's `BaseOptimizer.apply`: clip the gradient
///   (`clip_value`: each element to [−v, v]; `clip_norm`: all gradients by one factor
///   c/max(‖g‖, c), ‖g‖ the global L2 norm), decay the weights (`weight_decay` λ:
///   w ← w − lr·λ·w, every trainable parameter, biases included, as Keras's optimizer
///   `weight_decay` and adamw do), take the optimizer step, and apply the constraint
///   (the layer's `constraint`, else `regularization.max_norm`, on weight matrices).
/// - Global-norm clipping needs every gradient first, so with `clip_norm` all update steps
///   move after the last gradient, behind one `clipByGlobalNorm` instruction; the gradient
///   buffers then live to the end of the step.
extension Lowerer {
    var regularization: Regularization { graph.training.regularization }

    /// The global-norm bound, when the plan applies updates.
    var clipNorm: Double? { options.updates ? regularization.clipNorm : nil }

    /// Kernels, recurrent kernels and embedding tables: what model-wide penalties and
    /// max_norm apply to.
    static func isWeightMatrix(_ name: String) -> Bool { name == "embeddings" || name.hasSuffix("kernel") }

    /// The penalty on a trainable parameter, or nil when none applies (or every factor is 0).
    func penaltyTerm(_ node: Node, _ index: Int) -> PenaltyTerm? {
        let p = parameters[index]
        guard p.trainable, let weights = node.layer?.weights else { return nil }
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
    func weightConstraint(_ node: Node, _ index: Int) -> WeightConstraint? {
        guard Self.isWeightMatrix(parameters[index].name), let weights = node.layer?.weights else { return nil }
        return weights.constraint ?? regularization.maxNorm.map(WeightConstraint.maxNorm)
    }

    /// The penalty of the step, after the data loss: one instruction reading every penalized
    /// parameter (before any update changes it).
    mutating func lowerPenalty() {
        var terms: [PenaltyTerm] = []
        var operands: [Operand] = []
        for node in graph.nodes {
            for p in node.parameters {
                guard let index = parameterIndex[node.id]?[p.name], let term = penaltyTerm(node, index) else { continue }
                terms.append(term)
                operands.append(Operand(parameters[index].buffer, .read))
            }
        }
        guard !terms.isEmpty else { return }
        let penalty = buffer("penalty", [1], .loss)
        penaltyBuffer = penalty
        emit(.penalty(terms), [Operand(penalty, .write)] + operands, layer: "regularization")
    }

    /// g += l1·sign(w) + 2·l2·w on a complete parameter gradient (backward phase).
    mutating func addPenaltyGradient(_ node: Node, _ index: Int) {
        guard let term = penaltyTerm(node, index), let g = parameters[index].gradient else { return }
        emit(.penaltyGradient(term), [Operand(g, .readWrite), Operand(parameters[index].buffer, .read)], layer: node.name)
    }

    /// Clip, decay, optimizer step and constraint of one parameter tensor.
    mutating func emitUpdateStep(_ node: Node, _ index: Int) {
        let saved = phase
        phase = .update
        let p = parameters[index], count = p.shape.reduce(1, *)
        if let limit = regularization.clipValue {
            emit(.clipByValue(limit: limit, count: count), [Operand(p.gradient!, .readWrite)], layer: node.name)
        }
        // adamw decays inside its own step; the checker refuses both decays at once (E0206).
        let ownDecay: Bool = if case .adam(_, _, _, _, let decay) = optimizerRule { decay > 0 } else { false }
        if case let rate = regularization.weightDecay, rate > 0, !ownDecay {
            emit(.weightDecay(rate: rate, count: count), [Operand(p.buffer, .readWrite)], layer: node.name)
        }
        emitOptimizerUpdate(node, index)
        if let constraint = weightConstraint(node, index) {
            let units = p.shape.last ?? 1
            emit(.constrain(constraint, rows: count / units, units: units), [Operand(p.buffer, .readWrite)], layer: node.name)
        }
        phase = saved
    }

    /// With clip_norm: the global norm over every gradient, then every deferred update step.
    mutating func emitDeferredUpdates() {
        guard let c = clipNorm, !deferredUpdates.isEmpty else { return }
        phase = .update
        let gradients = deferredUpdates.map { parameters[$0.1].gradient! }
        let norm = buffer("gradient_norm", [1], .report)
        gradientNormBuffer = norm
        emit(.clipByGlobalNorm(maxNorm: c, counts: gradients.map { builder[$0].elements }),
             [Operand(norm, .write)] + gradients.map { Operand($0, .readWrite) }, layer: "optimizer")
        for (node, index) in deferredUpdates { emitUpdateStep(graph[node], index) }
    }
}
