import Foundation

/// The lecture notes' 1cycle (Smith 2018; PyTorch's OneCycleLR with `three_phase=True` and
/// linear annealing): the rate rises linearly from start = maximum/div to the maximum, falls
/// back to start as long, then an annihilation takes it to start/finalDiv. Phase ends follow
/// PyTorch (and the cosine `one_cycle`): step pct·d − 1 is the peak, 2·pct·d − 2 is back at
/// the start, d − 1 the end.
public struct LinearOneCycle: Sendable, Equatable {
    public var maximum: Double
    public var duration: Int
    public var pctStart: Double
    public var div: Double
    public var finalDiv: Double
    public var unit: LearningRateSchedule.Unit

    public init(
        maximum: Double, duration: Int, pctStart: Double, div: Double, finalDiv: Double,
        unit: LearningRateSchedule.Unit
    ) {
        self.maximum = maximum
        self.duration = duration
        self.pctStart = pctStart
        self.div = div
        self.finalDiv = finalDiv
        self.unit = unit
    }

    public var start: Double { maximum / div }
    public var final: Double { start / finalDiv }

    /// Where `t` (in the cycle's unit) lies: how far up the cycle is, 0 at the start rate and
    /// 1 at the peak (the momentum mirrors it), and the annihilation's progress, 0…1.
    func position(_ t: Double) -> (height: Double, annihilated: Double) {
        let peak = pctStart * Double(duration) - 1
        let back = 2 * pctStart * Double(duration) - 2
        let last = Double(duration) - 1
        let now = min(max(t, 0), last)
        if now <= peak { return (peak > 0 ? now / peak : 1, 0) }
        if now <= back { return (back > peak ? 1 - (now - peak) / (back - peak) : 0, 0) }
        return (0, last > back ? (now - back) / (last - back) : 1)
    }

    /// The rate at `t`.
    public func rate(at t: Double) -> Double {
        let (height, annihilated) = position(t)
        if annihilated > 0 { return start + (final - start) * annihilated }
        return start + (maximum - start) * height
    }

    /// The mirrored momentum at `t`: `high` at the start rate, `low` at the peak.
    public func momentum(at t: Double, high: Double, low: Double) -> Double {
        high + (low - high) * position(t).height
    }
}
