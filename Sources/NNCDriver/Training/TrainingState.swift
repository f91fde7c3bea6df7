import Foundation
import NNCRuntime

/// One epoch's results, as printed, logged (one JSON line each) and drawn.
public struct EpochRecord: Sendable, Codable, Equatable {
    /// 1-based, as Keras prints it.
    public var epoch: Int
    public var loss: Double
    /// Metric name → value on the training batches (as the weights were when each batch ran).
    public var metrics: [String: Double]
    public var validationLoss: Double?
    public var validationMetrics: [String: Double]
    public var learningRate: Double
    public var samplesPerSecond: Double
    public var seconds: Double
    /// The epoch's batch size, recorded when a `batch_schedule` changes it (nil otherwise,
    /// so runs without one log what they always did).
    public var batchSize: Int?

    enum CodingKeys: String, CodingKey {
        case epoch, loss, metrics, validationLoss = "val_loss", validationMetrics = "val_metrics",
            learningRate = "learning_rate", samplesPerSecond = "samples_per_second", seconds,
            batchSize = "batch_size"
    }

    /// Value of a monitored quantity by its Keras name: loss, val_loss, accuracy, val_accuracy, …
    public func value(of name: String) -> Double? {
        switch name {
        case "loss": return loss
        case "val_loss": return validationLoss
        default:
            if name.hasPrefix("val_") { return validationMetrics[String(name.dropFirst(4))] }
            return metrics[name]
        }
    }
}

/// Everything besides tensors that a run needs to continue exactly where it stopped: the
/// position in the data order, the optimizer step (Adam's t and the dropout masks'
/// counter), the seed every random choice derives from, the callbacks' state, the
/// running sums of a half-finished epoch, and the history so far.
public struct TrainingState: Sendable, Codable, Equatable {
    /// Epochs finished; the run continues in epoch `epoch` (0-based).
    public var epoch = 0
    /// Batches of the current epoch already trained.
    public var batch = 0
    /// Optimizer steps taken.
    public var step = 0
    public var seed: UInt64
    /// Threads of the run: results are bit-identical only with the same count.
    public var threads: Int
    public var plateau: PlateauState?
    public var earlyStopping: EarlyStopping?
    /// The metric `checkpoint: {best_only: true}` watches.
    public var checkpointMonitor: MetricMonitor?
    /// Training loss and metric sums of the current epoch so far.
    public var partialEpoch: PartialEpoch?
    public var history: [EpochRecord] = []
    /// True once early stopping ended the run.
    public var stopped = false
    /// The first step's loss (when positive): the scale a diverging loss is measured against.
    public var initialLoss: Double?

    public init(seed: UInt64, threads: Int) {
        self.seed = seed
        self.threads = threads
    }

    /// Running sums of an epoch interrupted between batches.
    public struct PartialEpoch: Sendable, Codable, Equatable {
        public var samples: Int
        public var lossSum: Double
        public var metricSums: [Double]
        public var metricCounts: [Int]
        public var seconds: Double
    }
}
