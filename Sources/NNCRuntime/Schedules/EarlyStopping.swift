import NNCGraph

/// Early stopping as Keras's `EarlyStopping` callback does it: every epoch counts towards
/// `patience` unless it improves on the best value of the monitored metric (by more than
/// `min_delta`); training stops once `patience` epochs in a row have not improved (with
/// patience 0, at the first epoch that does not improve). Codable: a checkpoint keeps it.
public struct EarlyStopping: Sendable, Equatable, Codable {
    public var monitor: MetricMonitor
    public var patience: Int
    public var restoreBest: Bool
    public var wait = 0
    /// The 0-based epoch of the best value.
    public var bestEpoch: Int?

    public init(_ settings: EarlyStoppingSettings) {
        monitor = MetricMonitor(metric: settings.monitor, mode: settings.mode.rawValue, minDelta: settings.minDelta)
        patience = settings.patience
        restoreBest = settings.restoreBest
    }

    public enum Verdict: Sendable, Equatable {
        /// A new best: keep these weights if restoring the best.
        case improved
        case keepGoing
        case stop
    }

    /// Feeds one epoch's value of the monitored metric.
    public mutating func endEpoch(_ epoch: Int, value: Double) -> Verdict {
        wait += 1
        if monitor.observe(value) {
            bestEpoch = epoch
            wait = 0
            return .improved
        }
        return wait >= patience && epoch > 0 ? .stop : .keepGoing
    }
}
