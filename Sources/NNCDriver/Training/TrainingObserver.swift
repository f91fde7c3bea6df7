/// What a training run tells whoever watches it: the CLI prints progress bars or lines,
/// tests record the events. Calls come from the training thread, in order.
public protocol TrainingObserver: AnyObject {
    func runStarted(_ header: RunHeader)
    func epochStarted(_ epoch: Int, of epochs: Int, batches: Int)
    /// After every batch (cheap to ignore): the running mean loss of the epoch, and its
    /// metrics on demand (computing them allocates, so only ask when drawing).
    func batchFinished(
        _ batch: Int, of batches: Int, samples: Int, seconds: Double, loss: Double,
        metrics: () -> [(String, Double)])
    func epochFinished(_ record: EpochRecord, of epochs: Int)
    /// Things worth a line: a reduced learning rate, early stopping, restored weights.
    func note(_ text: String)
    func testFinished(_ result: SplitResult)
}

/// What a run is about to do, printed before the first epoch.
public struct RunHeader: Sendable {
    public var model: String
    public var parameters: Int
    public var trainSamples: Int, validationSamples: Int, testSamples: Int
    public var epochs: Int, batchSize: Int, stepsPerEpoch: Int
    /// "64 after 3 epochs, 128 after 5 epochs" under a `batch_schedule`.
    public var batchSchedule: String? = nil
    public var optimizer: String
    public var learningRate: Double
    public var schedule: String
    public var seed: UInt64
    public var threads: Int
    public var outputDirectory: String
    /// Settings the command line changed.
    public var overridden: [String]
    /// "epoch 3, batch 0 (step 96)" when resuming.
    public var resumedAt: String?
    /// The allocations of every plan the run executes (training, last batch, evaluation),
    /// and the persistent segment (parameters and optimizer state) among them.
    public var memoryBytes: Int, persistentBytes: Int
}

/// An observer that ignores everything (`--quiet`, tests that only want the result).
public final class SilentObserver: TrainingObserver {
    public init() {}
    public func runStarted(_ header: RunHeader) {}
    public func epochStarted(_ epoch: Int, of epochs: Int, batches: Int) {}
    public func batchFinished(
        _ batch: Int, of batches: Int, samples: Int, seconds: Double, loss: Double,
        metrics: () -> [(String, Double)]
    ) {}
    public func epochFinished(_ record: EpochRecord, of epochs: Int) {}
    public func note(_ text: String) {}
    public func testFinished(_ result: SplitResult) {}
}
