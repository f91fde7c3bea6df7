import Foundation

/// Where training is: the optimizer step about to run (0-based) and its epoch. Schedules
/// whose unit is epochs read `epoch`, the others `step`.
public struct TrainingClock: Sendable, Equatable {
    public var step: Int
    public var epoch: Int
    public init(step: Int, epoch: Int) {
        self.step = step
        self.epoch = epoch
    }
}

/// A learning-rate schedule as the spec declares it, evaluated at any point of a run. Each
/// rule is a pure function of the clock (the formulas are the registry's docs); only
/// `reduce_on_plateau` has state, kept in `PlateauState` by the trainer.
public indirect enum LearningRateSchedule: Sendable, Equatable {
    public enum Unit: String, Sendable { case steps, epochs }

    case constant
    /// ε₀·factor^⌊t/every⌋.
    case step(every: Int, factor: Double, unit: Unit)
    /// values[i] for boundaries[i−1] ≤ t < boundaries[i].
    case piecewise(boundaries: [Int], values: [Double], unit: Unit)
    /// ε₀·rate^(t/every), or rate^⌊t/every⌋ with staircase.
    case exponential(rate: Double, every: Double, staircase: Bool, unit: Unit)
    /// ε₀ / (1 + rate·t/every).
    case inverseTime(every: Double, rate: Double, unit: Unit)
    /// (ε₀ − end)·(1 − min(t, d)/d)^power + end.
    case polynomial(duration: Int, end: Double, power: Double, unit: Unit)
    /// min + (ε₀ − min)·(1 + cos(π·min(t, d)/d))/2.
    case cosine(duration: Int, minimum: Double, unit: Unit)
    /// Smith's one-cycle with cosine annealing (PyTorch's OneCycleLR, `three_phase=False`):
    /// from max/div up to max over pct·d, then down to max/(div·finalDiv) at d.
    case oneCycle(maximum: Double, duration: Int, pctStart: Double, div: Double, finalDiv: Double, unit: Unit)
    /// The notes' linear 1cycle: up, down, annihilation (`LinearOneCycle`).
    case linearOneCycle(LinearOneCycle)
    /// Linear from from·ε₀ to ε₀ over the warm-up, then `then` with t restarting at 0.
    case warmup(duration: Int, from: Double, then: LearningRateSchedule, unit: Unit)
    /// ε₀ times the factor `PlateauState` has reached.
    case plateau(PlateauRule)

    /// The learning rate at `clock`, for base rate ε₀ and `stepsPerEpoch` optimizer steps per
    /// epoch (which converts between the units where a warm-up hands over). `plateauFactor`
    /// is the product of the reductions a plateau rule has made so far.
    public func rate(base e0: Double, at clock: TrainingClock, stepsPerEpoch: Int, plateauFactor: Double = 1) -> Double
    {
        func t(_ unit: Unit) -> Double { Double(unit == .steps ? clock.step : clock.epoch) }
        switch self {
        case .constant:
            return e0
        case .step(let every, let factor, let unit):
            return e0 * pow(factor, (t(unit) / Double(every)).rounded(.down))
        case .piecewise(let boundaries, let values, let unit):
            let i = boundaries.firstIndex { t(unit) < Double($0) } ?? boundaries.count
            return i < values.count ? values[i] : e0
        case .exponential(let rate, let every, let staircase, let unit):
            let p = t(unit) / every
            return e0 * pow(rate, staircase ? p.rounded(.down) : p)
        case .inverseTime(let every, let rate, let unit):
            return e0 / (1 + rate * t(unit) / every)
        case .polynomial(let duration, let end, let power, let unit):
            let fraction = min(t(unit), Double(duration)) / Double(duration)
            return (e0 - end) * pow(1 - fraction, power) + end
        case .cosine(let duration, let minimum, let unit):
            let fraction = min(t(unit), Double(duration)) / Double(duration)
            return minimum + (e0 - minimum) * (1 + cos(.pi * fraction)) / 2
        case .oneCycle(let maximum, let duration, let pctStart, let div, let finalDiv, let unit):
            let initial = maximum / div
            let final = initial / finalDiv
            // PyTorch's phase ends: step pct·d − 1 reaches the maximum, step d − 1 the final rate.
            let peak = pctStart * Double(duration) - 1
            let last = Double(duration) - 1
            let now = min(t(unit), last)
            func anneal(_ from: Double, _ to: Double, _ fraction: Double) -> Double {
                to + (from - to) * (1 + cos(.pi * fraction)) / 2
            }
            if now <= peak { return anneal(initial, maximum, peak > 0 ? now / peak : 1) }
            return anneal(maximum, final, last > peak ? (now - peak) / (last - peak) : 1)
        case .linearOneCycle(let cycle):
            return cycle.rate(at: t(cycle.unit))
        case .warmup(let duration, let from, let then, let unit):
            let elapsed = t(unit)
            if elapsed < Double(duration) { return e0 * (from + (1 - from) * elapsed / Double(duration)) }
            // The warm-up's length in steps; the following schedule starts its clock there.
            let warmupSteps = unit == .steps ? duration : duration * stepsPerEpoch
            let step = clock.step - warmupSteps
            let epoch = unit == .epochs ? clock.epoch - duration : step / max(1, stepsPerEpoch)
            return then.rate(base: e0, at: TrainingClock(step: step, epoch: epoch), stepsPerEpoch: stepsPerEpoch)
        case .plateau(let rule):
            return max(e0 * plateauFactor, min(e0, rule.minimumRate))
        }
    }

    /// True when the rate changes within an epoch (a schedule counted in steps).
    public var changesPerStep: Bool {
        switch self {
        case .constant, .plateau: false
        case .step(_, _, let u), .piecewise(_, _, let u), .exponential(_, _, _, let u), .inverseTime(_, _, let u),
            .polynomial(_, _, _, let u), .cosine(_, _, let u), .oneCycle(_, _, _, _, _, let u):
            u == .steps
        case .linearOneCycle(let cycle): cycle.unit == .steps
        case .warmup(_, _, let then, let u): u == .steps || then.changesPerStep
        }
    }

    /// The registry's name (`constant`, `cosine`, …).
    public var name: String {
        switch self {
        case .constant: "constant"
        case .step: "step"
        case .piecewise: "piecewise"
        case .exponential: "exponential"
        case .inverseTime: "inverse_time"
        case .polynomial: "polynomial"
        case .cosine: "cosine"
        case .oneCycle: "one_cycle"
        case .linearOneCycle: "linear_one_cycle"
        case .warmup: "warmup"
        case .plateau: "reduce_on_plateau"
        }
    }

    /// The plateau rule, when the schedule is one.
    public var plateauRule: PlateauRule? {
        if case .plateau(let rule) = self { rule } else { nil }
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
}

/// A momentum schedule (SGD's and RMSprop's μ): constant, a linear ramp, or the mirror of a
/// linear 1cycle's rate.
public enum MomentumSchedule: Sendable, Equatable {
    case constant
    case linear(from: Double, to: Double, duration: Int, unit: LearningRateSchedule.Unit)
    /// High → low → high against the cycle's rate (the cycle is copied from the `schedule:`).
    case cycle(high: Double, low: Double, LinearOneCycle)

    /// The largest μ the schedule sets, or nil for a constant one (the velocity must exist
    /// when it moves, even when the optimizer's own momentum is 0).
    public var largest: Double? {
        switch self {
        case .constant: nil
        case .linear(let from, let to, _, _): max(from, to)
        case .cycle(let high, let low, _): max(high, low)
        }
    }

    /// μ at `clock`; `base` is the optimizer's own momentum (what `constant` keeps).
    public func momentum(base: Double, at clock: TrainingClock) -> Double {
        switch self {
        case .constant:
            return base
        case .linear(let from, let to, let duration, let unit):
            let t = Double(unit == .steps ? clock.step : clock.epoch)
            return from + (to - from) * min(t, Double(duration)) / Double(duration)
        case .cycle(let high, let low, let cycle):
            return cycle.momentum(at: Double(cycle.unit == .steps ? clock.step : clock.epoch), high: high, low: low)
        }
    }
}
