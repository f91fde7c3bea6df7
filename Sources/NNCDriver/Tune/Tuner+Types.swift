import NNCDiagnostics

/// What a search is asked to do and what it found.
extension Tuner {
    public struct Settings {
        public var trials: Int
        /// The search's seed (which values each trial gets); nil: the spec's train.seed.
        public var seed: UInt64?
        public var epochs: Int?
        /// The ranked metric (`val_accuracy`, `val_loss`, …); nil: the spec's first metric on
        /// the validation data, or the validation loss.
        public var metric: String?
        /// Successive halving's η (nil: every trial trains every epoch).
        public var halving: Int?
        public var threads: Int?
        public var outputDirectory: String?
        /// Trials trained at once, each in a worker process that `workers` starts.
        public var parallel = 1
        /// Trains a rung's trials in worker processes, at most `parallel` at a time, given the
        /// search's seed, folder and ranked metric (when known); their reports in the order
        /// given (`nnc tune` starts itself with `--worker`).
        public var workers: (([TrialWork], Workers) throws(TrainingFailure) -> [TrialReport])?
        public init(
            trials: Int, seed: UInt64? = nil, epochs: Int? = nil, metric: String? = nil, halving: Int? = nil,
            threads: Int? = nil, outputDirectory: String? = nil
        ) {
            self.trials = trials
            self.seed = seed
            self.epochs = epochs
            self.metric = metric
            self.halving = halving
            self.threads = threads
            self.outputDirectory = outputDirectory
        }
    }

    public enum Status: String, Sendable { case finished, cut, failed }

    /// One trial as the search ended it.
    public struct Trial: Sendable {
        public var number: Int
        public var values: [SearchSpace.Value]
        public var status: Status
        /// The metric after each epoch (nil where not finite).
        public var metric: [Double?]
        public var score: Double?
        public var error: String?
    }

    public struct Result: Sendable {
        public var space: SearchSpace
        public var metric: String
        public var higherIsBetter: Bool
        public var epochs: Int
        public var halving: Int?
        public var seed: UInt64
        /// Every trial the search asked for that ended, best first (failed ones last).
        public var ranked: [Trial]
        /// Trials read back from an earlier run of the search.
        public var reused: Int
        public var folder: String
        /// Where the best trial's spec was written (nil when no trial finished).
        public var bestSpec: String?
        /// Stopped by Ctrl-C: the search resumes with the same command.
        public var interrupted: Bool
        public var best: Trial? { ranked.first { $0.status == .finished } }
    }

    /// What a worker process needs besides the command's own options: the search's resolved settings.
    public struct Workers: Sendable {
        public var seed: UInt64
        public var folder: String
        public var metric: String?
    }
}
