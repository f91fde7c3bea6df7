import NNCGraph

/// Watches one metric across epochs and says whether each new value improves on the best
/// so far, as Keras's callbacks do: lower is better for losses and errors, higher for
/// accuracies (`auto` decides by the name), and an improvement must beat the best by more
/// than `minDelta`.
public struct MetricMonitor: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable { case min, max }

    public var metric: String
    public var mode: Mode
    public var minDelta: Double
    /// The best value seen, nil before the first epoch.
    public var best: Double?

    public init(metric: String, mode: String = "auto", minDelta: Double = 0) {
        self.metric = metric
        self.mode = Mode(rawValue: mode) ?? Self.automaticMode(metric)
        self.minDelta = minDelta
    }

    /// Keras's `auto`: metrics that count successes (accuracy, top-k accuracy) go up.
    public static func automaticMode(_ metric: String) -> Mode {
        metric.contains("acc") || metric.contains("auc") ? .max : .min
    }

    /// True when `value` improves on the best (the first value always does); records it.
    public mutating func observe(_ value: Double) -> Bool {
        guard let best else {
            self.best = value
            return true
        }
        let better = mode == .min ? value < best - minDelta : value > best + minDelta
        if better { self.best = value }
        return better
    }
}

/// The state of a plateau rule between epochs, following Keras's `ReduceLROnPlateau`: after
/// `patience` epochs without improvement the rate is multiplied by `factor` (never below the
/// minimum), then `cooldown` epochs pass before waiting starts again.
public struct PlateauState: Sendable, Equatable, Codable {
    public var monitor: MetricMonitor
    /// Product of the reductions so far: the rate is ε₀ times this.
    public var factor: Double = 1
    public var wait = 0
    public var cooldownLeft = 0

    public init(rule: PlateauRule) {
        monitor = MetricMonitor(metric: rule.monitor, minDelta: rule.minDelta)
    }

    /// Feeds one epoch's value of the monitored metric; returns true when the rate was reduced.
    public mutating func endEpoch(value: Double, rule: PlateauRule, baseRate: Double) -> Bool {
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            wait = 0
        }
        if monitor.observe(value) {
            wait = 0
            return false
        }
        // Keras checks the cooldown again after counting it down.
        guard cooldownLeft == 0 else { return false }
        wait += 1
        let current = baseRate * factor
        guard wait >= rule.patience, current > rule.minimumRate else { return false }
        factor = max(current * rule.factor, rule.minimumRate) / baseRate
        cooldownLeft = rule.cooldown
        wait = 0
        return true
    }
}
