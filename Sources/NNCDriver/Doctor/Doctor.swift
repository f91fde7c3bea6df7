import Foundation
import NNCData
import NNCDiagnostics
import NNCGraph
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCSpec

/// `nnc doctor`: the model's unit tests, run in seconds before a long training, as the
/// lecture notes' practical chapters ask for them. On the spec's own data, seed and threads:
///
/// 1. the loss of the untrained model on its first batch against its expected value
///    (ln C for C-class cross-entropy, ln 2 per output for binary cross-entropy, the mean
///    squared label for a regression output that starts near 0);
/// 2. one training step on that batch: every trainable tensor changed and no frozen one did,
///    with each tensor's gradient norm and relative update (‖Δw‖/‖w‖), each ReLU layer's dead
///    units and each sigmoid/tanh layer's saturated outputs;
/// 3. one batch of the spec's size (the same number of samples per class) trained alone, as the
///    spec trains, at its first learning rate, until the loss falls below a tenth of where it
///    started, within a step budget;
/// 4. the data: class balance, classes that never appear, the input scale after
///    preprocessing, samples shared between the training data and the validation or test data;
/// 5. the settings: a `--batch-size` override against the linear-scaling rule.
///
/// Each finding is a diagnostic with a stable D-code (`nnc explain D0201`) located in the
/// spec where one applies; errors (the model cannot learn as written) make the exit status 1.
/// Cost: two compiled training plans, one step of the spec's batch, at most `steps` steps of
/// the single batch, and one pass over the data's values.
public enum Doctor {
    /// What the doctor ran and found.
    public struct Report: Sendable {
        public var model: String
        public var file: String
        public var seed: UInt64
        public var threads: Int
        public var batchSize: Int
        public var checks: [Check]
        public var tensors: [TensorStatistics]
        public var layers: [LayerStatistics]
        public var oneBatchLosses: [Double]
        public var findings: [Diagnostic]
        public var hasErrors: Bool { findings.contains { $0.severity == .error } }
    }

    /// One line of the report: what was checked and what came out.
    public struct Check: Sendable {
        public enum Verdict: String, Sendable { case ok, warning, failed, skipped }
        public var name: String
        public var verdict: Verdict
        public var summary: String
    }

    /// A parameter tensor during the first step.
    public struct TensorStatistics: Sendable {
        public var layer: String
        public var name: String
        public var trainable: Bool
        public var weightNorm: Double
        /// Nil for frozen tensors (no gradient).
        public var gradientNorm: Double?
        /// ‖w after − w before‖ / ‖w before‖ (nil when ‖w before‖ is 0).
        public var relativeUpdate: Double?
        public var changed: Bool
    }

    /// A layer's output on the first batch.
    public struct LayerStatistics: Sendable {
        public var layer: String
        public var activation: String
        public var mean: Double
        public var std: Double
        /// ReLU layers: the fraction of units (channels for convolutions) zero on every sample.
        public var deadFraction: Double?
        /// sigmoid and tanh layers: the fraction of outputs within 0.01 of a bound.
        public var saturatedFraction: Double?
        /// The fraction of output values exactly 0.
        public var zeroFraction: Double
        /// The output values in equal-width buckets (`nnc train --monitor`'s JSON).
        public var histogram: ValueHistogram
    }

    /// The command line's settings.
    public struct Settings: Sendable {
        /// Batch size, seed and threads instead of the spec's.
        public var overrides: TrainingOptions.Overrides
        /// The single batch's step budget.
        public var steps: Int
        public init(overrides: TrainingOptions.Overrides = .init(), steps: Int = 500) {
            self.overrides = overrides
            self.steps = steps
        }
    }

    /// Examines the model in `source`. Spec and data errors (what `check` and `train` would
    /// refuse) are thrown; everything the doctor finds is in the report.
    public static func examine(_ source: SourceFile, settings: Settings) throws(TrainingFailure) -> Report {
        let (spec, graph, options, data) = try TrainingSession.copyOfRun(source, overrides: settings.overrides)
        var examination = Examination(spec: spec, graph: graph, options: options, data: data, settings: settings)
        try examination.run()
        return Report(
            model: graph.name, file: source.path, seed: options.seed, threads: options.threads,
            batchSize: min(options.batchSize, data.train.count), checks: examination.checks,
            tensors: examination.tensors, layers: examination.layers, oneBatchLosses: examination.oneBatchLosses,
            findings: examination.findings)
    }
}

/// The state of one `nnc doctor` run: its inputs and what the checks found so far.
struct Examination {
    let spec: ModelSpec
    let graph: Graph
    let options: TrainingOptions
    let data: TrainingData
    let settings: Doctor.Settings
    let pool: ThreadPool
    var checks: [Doctor.Check] = []
    var tensors: [Doctor.TensorStatistics] = []
    var layers: [Doctor.LayerStatistics] = []
    var oneBatchLosses: [Double] = []
    var findings: [Diagnostic] = []

    init(spec: ModelSpec, graph: Graph, options: TrainingOptions, data: TrainingData, settings: Doctor.Settings) {
        self.spec = spec
        self.graph = graph
        self.options = options
        self.data = data
        self.settings = settings
        pool = ThreadPool(threads: options.threads)
    }

    mutating func run() throws(TrainingFailure) {
        let contract = DataLoading.contract(spec, graph: graph)
        let misfits = [data.train, data.validation, data.test].compactMap { $0.flatMap(contract.problem(with:)) }
        guard misfits.isEmpty else { throw TrainingFailure(misfits) }
        try examineFirstStep()
        try examineOneBatch()
        examineData()
        examineSettings()
    }

    /// Records a check's line; its verdict follows the findings added since `start`.
    mutating func record(_ name: String, since start: Int, _ summary: String, skipped: Bool = false) {
        let new = findings[start...]
        let verdict: Doctor.Check.Verdict =
            skipped
            ? .skipped
            : new.contains { $0.severity == .error } ? .failed : new.isEmpty ? .ok : .warning
        checks.append(Doctor.Check(name: name, verdict: verdict, summary: summary))
    }

    /// A training executor for `batch` samples with the spec's initial weights and dropout seed.
    func executor(batch: Int) throws(TrainingFailure) -> Executor {
        try Trainer.freshExecutor(graph, spec, batch: batch, options: options, pool: pool)
    }

    /// Fills `executor` with the samples of `dataset` at `positions` of the epoch `order`.
    func fill(_ executor: Executor, from dataset: Dataset, order: [Int32], positions: Range<Int>)
        throws(TrainingFailure)
    {
        do throws(DataError) {
            let filler = try BatchFiller(dataset, augmentation: data.augmentation, seed: options.seed)
            try filler.fill(
                executor, order: order, positions: positions, epoch: 0, augment: true)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
    }

    /// The rate and momentum of the first step (what the single batch keeps throughout).
    var firstRates: (learningRate: Double, momentum: Double) {
        options.rates(at: TrainingClock(step: 0, epoch: 0), stepsPerEpoch: 1, plateau: nil)
    }

    /// Where the learning rate is written (else the optimizer, else the input).
    var learningRateLocation: SourceLocation {
        spec.optimizer?.valueLocation("learning_rate") ?? spec.optimizer?.location ?? spec.inputLocation
    }

    /// Where the training data are declared.
    var dataLocation: SourceLocation {
        spec.data?.valueLocation("train") ?? spec.data?.location ?? spec.inputLocation
    }

    /// Classes of a classification output (nil for regression).
    var classes: Int? {
        switch data.train.encoding {
        case .sparse(let classes), .oneHot(let classes): classes
        case .values, .none: nil
        }
    }

    func format(_ v: Double) -> String { String(format: "%.4g", v) }
}
