import Foundation
import NNCDiagnostics
import NNCGraph
import NNCRuntime

/// How a run trains: the graph's typed `train`, `optimizer`, schedule and checkpoint
/// settings, with the command line's overrides applied. Every value is visible in the run header.
public struct TrainingOptions: Sendable {
    public var epochs: Int
    /// The batch size of the first epochs (all of them without a batch schedule).
    public var batchSize: Int
    /// `train.batch_schedule`: later epochs' batch sizes.
    public var batchSchedule: BatchSchedule?
    public var seed: UInt64
    public var threads: Int
    public var shuffle: Bool
    public var dropLast: Bool
    /// The run folder: checkpoints, the metrics log, the curves, the final weights.
    public var outputDirectory: String
    public var baseLearningRate: Double
    public var schedule: LearningRateSchedule
    public var momentumSchedule: MomentumSchedule
    /// The optimizer's own momentum (what a constant momentum schedule keeps).
    public var baseMomentum: Double
    public var earlyStopping: EarlyStopping?
    public var checkpoint: CheckpointPolicy?
    /// Which quantities the command line set (printed as overrides in the header).
    public var overridden: Set<String> = []

    /// When and where checkpoints are written.
    public struct CheckpointPolicy: Sendable {
        public var every: Int
        public var keep: Int
        public var bestOnly: Bool
        public var monitor: String
    }

    /// Overrides from the command line; nil keeps the spec's value. A checkpoint keeps
    /// them, so `--resume` continues the run that was started, not the spec's defaults.
    public struct Overrides: Sendable, Codable, Equatable {
        public var epochs: Int?
        public var batchSize: Int?
        public var seed: UInt64?
        public var threads: Int?
        public var outputDirectory: String?
        /// Train on a bootstrap sample of the training data, drawn from the seed (an
        /// ensemble member with `--bagging`); a checkpoint keeps it, so a resume draws the same.
        public var bagging: Bool?
        /// `--tensorboard [DIR]`: the event files' folder ("": `tensorboard` in the run
        /// folder); a checkpoint keeps it, so a resume writes on into the same folders.
        public var tensorboard: String?
        /// `--histogram-freq` and `--update-freq` (see `TensorBoardLog.Settings`).
        public var histogramFrequency: Int?
        public var updateFrequency: Int?
        public init(
            epochs: Int? = nil, batchSize: Int? = nil, seed: UInt64? = nil, threads: Int? = nil,
            outputDirectory: String? = nil, bagging: Bool? = nil, tensorboard: String? = nil,
            histogramFrequency: Int? = nil, updateFrequency: Int? = nil
        ) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.seed = seed
            self.threads = threads
            self.outputDirectory = outputDirectory
            self.bagging = bagging
            self.tensorboard = tensorboard
            self.histogramFrequency = histogramFrequency
            self.updateFrequency = updateFrequency
        }

        /// These overrides, with `saved`'s filling the ones not given (the folder excepted).
        public func resuming(_ saved: Overrides) -> Overrides {
            Overrides(
                epochs: epochs ?? saved.epochs, batchSize: batchSize ?? saved.batchSize, seed: seed ?? saved.seed,
                threads: threads ?? saved.threads, outputDirectory: outputDirectory, bagging: bagging ?? saved.bagging,
                tensorboard: tensorboard ?? saved.tensorboard,
                histogramFrequency: histogramFrequency ?? saved.histogramFrequency,
                updateFrequency: updateFrequency ?? saved.updateFrequency)
        }
    }

    /// The TensorBoard event files the run writes, if any: `--tensorboard DIR`, or with no
    /// DIR `tensorboard` in the run folder; histograms every epoch unless `--histogram-freq`
    /// says otherwise, batch scalars only with `--update-freq`.
    public var tensorboard: TensorBoardLog.Settings? {
        overrides.tensorboard.map {
            TensorBoardLog.Settings(
                directory: $0.isEmpty ? outputDirectory + "/tensorboard" : $0,
                histogramFrequency: overrides.histogramFrequency ?? 1, updateFrequency: overrides.updateFrequency ?? 0)
        }
    }

    /// The overrides this run was started with.
    public var overrides: Overrides

    /// The settings of `graph`, whose model was read from `modelFile` (a relative
    /// checkpoint folder is resolved against its folder).
    public init(graph: Graph, modelFile: SourceFile?, overrides: Overrides = Overrides()) {
        self.overrides = overrides
        let training = graph.training
        let train = training.train
        epochs = overrides.epochs ?? train.epochs
        batchSize = overrides.batchSize ?? train.batchSize
        batchSchedule = train.batchSchedule
        seed = overrides.seed ?? UInt64(train.seed)
        threads = overrides.threads ?? ProcessInfo.processInfo.activeProcessorCount
        shuffle = train.shuffle
        dropLast = train.dropLast
        let base = modelFile.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        let defaultFolder = "runs/\(graph.name)"
        if let path = overrides.outputDirectory {
            outputDirectory = path
        } else if let dir = train.checkpoint?.directory {
            outputDirectory = dir.hasPrefix("/") || base.isEmpty ? dir : base + "/" + dir
        } else {
            outputDirectory = defaultFolder
        }
        baseLearningRate = training.optimizer.learningRate
        schedule = training.schedule
        momentumSchedule = training.momentumSchedule
        baseMomentum = training.optimizer.momentum
        earlyStopping = train.earlyStopping.map(EarlyStopping.init)
        checkpoint = train.checkpoint.map {
            CheckpointPolicy(every: $0.every, keep: $0.keep, bestOnly: $0.bestOnly, monitor: $0.monitor)
        }
        if overrides.epochs != nil { overridden.insert("epochs") }
        if overrides.batchSize != nil { overridden.insert("batch_size") }
        if overrides.seed != nil { overridden.insert("seed") }
        if overrides.threads != nil { overridden.insert("threads") }
        if overrides.outputDirectory != nil { overridden.insert("out") }
        if overrides.bagging == true { overridden.insert("bagging") }
    }

    /// The batch size of 0-based `epoch`.
    public func batchSize(epoch: Int) -> Int { batchSchedule?.size(epoch: epoch, initial: batchSize) ?? batchSize }

    /// The learning rate and momentum of one optimizer step.
    public func rates(at clock: TrainingClock, stepsPerEpoch: Int, plateau: PlateauState?) -> (
        learningRate: Double, momentum: Double
    ) {
        let rate = schedule.rate(
            base: baseLearningRate, at: clock, stepsPerEpoch: stepsPerEpoch, plateauFactor: plateau?.factor ?? 1)
        return (rate, momentumSchedule.momentum(base: baseMomentum, at: clock))
    }
}
