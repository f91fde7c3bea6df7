import NNCSpec

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

/// `reduce_on_plateau`'s settings.
public struct PlateauRule: Sendable, Equatable {
    public var monitor: String
    public var factor: Double
    public var patience: Int
    public var minDelta: Double
    public var cooldown: Int
    public var minimumRate: Double

    public init(spec c: ComponentSpec) {
        monitor = c.string("monitor") ?? "val_loss"
        factor = c.double("factor") ?? 0.1
        patience = c.int("patience") ?? 10
        minDelta = c.double("min_delta") ?? 1e-4
        cooldown = c.int("cooldown") ?? 0
        minimumRate = c.double("min_learning_rate") ?? 0
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

/// A momentum schedule (SGD's and RMSprop's μ): constant, or a linear ramp.
public enum MomentumSchedule: Sendable, Equatable {
    case constant
    case linear(from: Double, to: Double, duration: Int, unit: LearningRateSchedule.Unit)

    public init(spec c: ComponentSpec?) {
        guard let c, c.kind.name == "linear" else { self = .constant; return }
        self = .linear(from: c.double("from") ?? 0, to: c.double("to") ?? 0, duration: c.int("duration") ?? 1,
                       unit: LearningRateSchedule.Unit(rawValue: c.string("unit") ?? "steps") ?? .steps)
    }

    /// μ at `clock`; `base` is the optimizer's own momentum (what `constant` keeps).
    public func momentum(base: Double, at clock: TrainingClock) -> Double {
        switch self {
        case .constant:
            return base
        case .linear(let from, let to, let duration, let unit):
            let t = Double(unit == .steps ? clock.step : clock.epoch)
            return from + (to - from) * min(t, Double(duration)) / Double(duration)
        }
    }
}
