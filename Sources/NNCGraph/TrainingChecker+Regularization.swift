import NNCSpec

/// Checks of the `regularization` section: gradients are clipped one way (Keras refuses
/// clipnorm, clipvalue and global_clipnorm together), and decoupled weight decay is
/// declared once (adamw decays the weights itself, by the same rule).
extension TrainingChecker {
    mutating func checkRegularization() {
        guard let r = spec.regularization else { return }
        let regularization = graph.training.regularization
        if regularization.clipNorm != nil, regularization.clipValue != nil, let valueAt = r.valueLocation("clip_value")
        {
            diagnostics.error(
                .conflictingKeys, "gradients are clipped one way: by 'clip_norm' or by 'clip_value'", at: valueAt,
                labels: r.valueLocation("clip_norm").map { [DiagnosticLabel($0, "clip_norm set here")] } ?? [],
                help: "remove clip_value (clip_norm rescales all gradients together) or remove clip_norm")
        }
        // An adamw weight_decay that failed to decode (reported) is not compared.
        if regularization.weightDecay > 0, case .adamw(_, _, _, let decay, _) = graph.training.optimizer.rule,
            let optimizer = spec.optimizer, optimizer.has("weight_decay"), decay > 0
        {
            let adamwAt =
                optimizer.isExplicit("weight_decay")
                ? optimizer.valueLocation("weight_decay") ?? optimizer.location : optimizer.location
            diagnostics.error(
                .conflictingKeys, "decoupled weight decay is declared once: adamw already decays the weights",
                at: r.valueLocation("weight_decay") ?? r.location,
                labels: [DiagnosticLabel(adamwAt, "adamw decays by its weight_decay (\(decay))")],
                help: "set the rate as adamw's weight_decay and remove regularization.weight_decay, or use adam")
        }
    }

    /// SGD's dampening is a number or the momentum itself, not both; and it dampens a velocity,
    /// which needs a momentum (declared or scheduled).
    mutating func checkDampening() {
        guard case .sgd(let momentum, _, let dampening, true) = graph.training.optimizer.rule,
            let optimizer = spec.optimizer, let at = optimizer.valueLocation("dampening_from_momentum")
        else { return }
        if dampening > 0 {
            diagnostics.error(
                .conflictingKeys, "SGD's dampening is given once: as a number or taken from the momentum", at: at,
                labels: optimizer.valueLocation("dampening").map { [DiagnosticLabel($0, "dampening \(dampening)")] }
                    ?? [],
                help: "remove dampening (dampening_from_momentum uses each step's momentum) or dampening_from_momentum")
        }
        if momentum == 0, graph.training.momentumSchedule == .constant {
            diagnostics.error(
                .conflictingKeys, "dampening_from_momentum dampens the velocity, but this SGD keeps none (momentum 0)",
                at: at,
                help:
                    "declare a momentum (e.g. `momentum: 0.9`) or a momentum_schedule, or remove dampening_from_momentum"
            )
        }
    }
}
