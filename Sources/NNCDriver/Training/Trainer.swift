import Foundation
import NNCData
import NNCGraph
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCSpec

/// The data of a run, prepared for the model.
public struct TrainingData: Sendable {
    public var train: Dataset
    public var validation: Dataset?
    public var test: Dataset?
    public var preprocessing: Preprocessing
    public var augmentation: Augmentation

    public init(
        train: Dataset, validation: Dataset?, test: Dataset?, preprocessing: Preprocessing, augmentation: Augmentation
    ) {
        self.train = train
        self.validation = validation
        self.test = test
        self.preprocessing = preprocessing
        self.augmentation = augmentation
    }
}

/// What a run produced.
public struct TrainingResult: Sendable {
    public var history: [EpochRecord]
    public var test: SplitResult?
    /// Training samples per second over this process's epochs (batches, data, metrics).
    public var samplesPerSecond: Double
    public var weightsPath: String
    public var runDirectory: String
    public var stoppedEarly: Bool
    /// Stopped by a signal after a checkpoint was written.
    public var interrupted: Bool
    public var state: TrainingState
    /// Errors about files of the run folder that could not be written although the run
    /// completed (its weights are saved): the command reports them and exits with 1.
    public var unwritten: [Diagnostic] = []
}

/// Why a run could not go on: diagnostics to print, exit status 1.
public struct TrainingFailure: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// Trains a checked model on its data: compiles the training plan (and one for a short
/// last batch and for each other size a `batch_schedule` uses, sharing the parameters), an
/// evaluation plan for validation and test, and runs the epochs with the schedules,
/// callbacks and checkpoints the spec declares.
///
/// Everything random derives from the seed and a position: initial weights from the seed,
/// epoch orders from (seed, epoch), augmentation from (seed, epoch, position), dropout
/// masks from (seed, step, layer). So a run resumed from a checkpoint continues bit for bit
/// as if it had never stopped (with the same thread count).
public final class Trainer {
    public let spec: ModelSpec
    public let graph: Graph
    public let options: TrainingOptions
    public let data: TrainingData
    /// The data order of each batch size the run uses (one without a batch schedule).
    let orders: [Int: EpochOrder]
    let pool: ThreadPool
    /// The plan for the largest batch, which owns the parameters and optimizer state.
    public let executor: Executor
    /// Every plan a training batch runs on, by the samples it holds: the largest batch's,
    /// each other scheduled size's, and partial last batches', all sharing `executor`'s
    /// parameters. Each has its own arena, allocated once.
    let executors: [Int: Executor]
    let evaluator: Evaluator?
    let evaluatorState: [(from: BufferID, to: BufferID)]
    let filler: BatchFiller
    let validationFiller: BatchFiller?
    let testFiller: BatchFiller?
    let metrics: [MetricAccumulator.Metric]
    public internal(set) var state: TrainingState
    /// Parameters and statistics: what the weights file and the best-weights snapshot hold.
    let weightBuffers: [PlanBuffer]
    /// Optimizer state, which checkpoints hold besides the weights.
    let optimizerBuffers: [PlanBuffer]
    /// Early stopping's best weights (`restore_best`).
    var best: [[Float]] = []
    var epochOrder: [Int32] = []
    /// Identifies the resolved spec (changes of any setting, not only of shapes).
    public let specHash: String
    /// When the latest checkpoint was written (uptime nanoseconds).
    var lastCheckpoint: UInt64?
    /// The run folder's lock, held as long as the trainer lives.
    public internal(set) var runLock: RunFolderLock?
    /// Files of the run folder that could not be written but cost nothing else (the log,
    /// the curves, the results; a checkpoint after the final weights): reported at the end.
    var unwritten: [Diagnostic] = []
    /// `nnc train --monitor`: per-layer statistics at its report points, into monitor.jsonl.
    public var monitor: TrainingMonitor?
    /// The TensorBoard event files (`--tensorboard`), opened by `openTensorBoard`; nil after
    /// one failed to be written (the run goes on, the failure is reported at the end).
    var tensorboard: TensorBoardLog?
    /// Seconds between the latest-state checkpoints of a run without a `checkpoint:` policy.
    static let checkpointInterval = 5.0
    /// The ranks of a data-parallel run under mpirun (nil: one process, as always). Each
    /// trains on its share of every batch (`BatchShare`) and the gradients are averaged.
    public let world: MPIWorld?
    /// Under mpirun: the communication thread, and each plan's gradient buckets with where
    /// they start and are waited for, by the samples the plan holds.
    let reducer: GradientReducer?
    let schedules: [Int: GradientReducer.Schedule]
    /// Seconds of training steps in this process (epochs without validation), for `--mpi-report`.
    public internal(set) var trainingSeconds = 0.0

    public init(
        spec: ModelSpec, graph: Graph, data: TrainingData, options: TrainingOptions, world: MPIWorld? = nil
    ) throws(TrainingFailure) {
        self.spec = spec
        self.graph = graph
        self.options = options
        self.data = data
        self.world = world
        let contract = DataLoading.contract(spec, graph: graph)
        let misfits = [data.train, data.validation, data.test].compactMap { $0.flatMap(contract.problem(with:)) }
        guard misfits.isEmpty else { throw TrainingFailure(misfits) }
        let count = data.train.count
        let first = EpochOrder(
            sampleCount: count, batchSize: options.batchSize, shuffle: options.shuffle,
            dropLast: options.dropLast, seed: options.seed)
        guard first.batchCount > 0 else {
            throw TrainingFailure([
                Diagnostic.error(
                    .trainingDiverged,
                    "training needs at least one batch; drop_last with \(count) \(count.noun("sample")) and batch size \(options.batchSize) leaves none",
                    at: spec.train?.valueLocation("drop_last") ?? spec.inputLocation,
                    help: "lower batch_size or set drop_last: false")
            ])
        }
        if let refusal = Self.oversizedBatch(options, spec: spec, samples: count) { throw TrainingFailure([refusal]) }
        let sizes = options.batchSchedule?.sizes(initial: options.batchSize, epochs: options.epochs) ?? []
        var orders = [options.batchSize: first]
        for size in sizes where orders[size] == nil {
            orders[size] = EpochOrder(
                sampleCount: count, batchSize: size, shuffle: options.shuffle, dropLast: options.dropLast,
                seed: options.seed)
        }
        self.orders = orders
        // One plan per number of samples a batch holds (this rank's share of it under mpirun), the largest first.
        let globalHeld = Set(orders.values.flatMap { [min($0.batchSize, count), $0.lastBatchSize] })
        if let world, let refusal = Self.batchWithoutShare(globalHeld, world: world, spec: spec, options: options) {
            throw TrainingFailure([refusal])
        }
        let held = Set(
            globalHeld.map { batch in world.map { BatchShare.count(batch, rank: $0.rank, ranks: $0.size) } ?? batch }
        ).sorted(by: >)
        let full = held[0]
        // Under mpirun every update follows the whole backward pass, so the all-reduces overlap it.
        func training(_ batch: Int) -> LoweringOptions {
            var lowering = LoweringOptions(mode: .training, batch: batch)
            lowering.defersUpdates = world != nil
            return lowering
        }
        let trainingPlan = try Self.compile(graph, spec, training(full))
        var otherPlans: [ExecutionPlan] = []
        for batch in held.dropFirst() {
            otherPlans.append(try Self.compile(graph, spec, training(batch)))
        }
        let evaluated = [data.validation, data.test].compactMap { $0?.count }.max() ?? 0
        let evaluationPlan =
            evaluated == 0
            ? nil
            : try Self.compile(
                graph, spec,
                LoweringOptions(
                    mode: .inference, batch: min(evaluated, max(256, options.batchSize)), evaluatesLoss: true))
        // Every arena is allocated below: refuse first if they cannot all fit.
        let bytes =
            trainingPlan.totalBytes + otherPlans.reduce(0) { $0 + $1.arenaBytes } + (evaluationPlan?.totalBytes ?? 0)
        let batchSize = spec.train.flatMap { $0.isExplicit("batch_size") ? $0.valueLocation("batch_size") : nil }
        if let refusal = MemoryBudget.refusal(
            needing: bytes, what: evaluationPlan == nil ? "the training plan" : "the training and evaluation plans",
            mode: .training, batch: full, graph: graph, spec: spec, at: batchSize ?? spec.inputLocation)
        {
            throw TrainingFailure([refusal])
        }
        pool = ThreadPool(threads: options.threads)
        executor = Executor(plan: trainingPlan, pool: pool)
        var executors = [full: executor]
        for plan in otherPlans {
            executors[plan.options.batch] = Executor(plan: plan, pool: pool, sharingParametersOf: executor)
        }
        self.executors = executors
        if let world {
            let schedules = executors.mapValues {
                GradientReducer.schedule(GradientBuckets(plan: $0.plan, bucketBytes: world.bucketBytes), executor: $0)
            }
            self.schedules = schedules
            reducer = GradientReducer(world: world, capacity: schedules.values.map(\.buckets.count).max() ?? 1)
        } else {
            schedules = [:]
            reducer = nil
        }
        metrics = graph.training.metrics
        if let plan = evaluationPlan {
            let evaluator = Evaluator(plan: plan, pool: pool, metrics: metrics)
            evaluatorState = evaluator.stateCorrespondence(with: executor)
            self.evaluator = evaluator
        } else {
            evaluator = nil
            evaluatorState = []
        }
        do throws(DataError) {
            filler = try BatchFiller(data.train, augmentation: data.augmentation, seed: options.seed)
            validationFiller = try data.validation.map { dataset throws(DataError) in try BatchFiller(dataset) }
            testFiller = try data.test.map { dataset throws(DataError) in try BatchFiller(dataset) }
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
        weightBuffers = executor.stateBuffers([.parameter, .statistic])
        optimizerBuffers = executor.stateBuffers([.optimizerState])
        specHash = Self.hash(ResolvedSpec.render(spec))
        state = TrainingState(seed: options.seed, threads: pool.threads)
        state.plateau = options.schedule.plateauRule.map(PlateauState.init(rule:))
        state.earlyStopping = options.earlyStopping
        executor.initializeParameters(seed: options.seed)
        executor.seed = Self.dropoutSeed(options.seed, rank: world?.rank ?? 0)
        for other in executors.values { other.seed = executor.seed }
    }

    static func compile(_ graph: Graph, _ spec: ModelSpec, _ options: LoweringOptions) throws(TrainingFailure)
        -> ExecutionPlan
    {
        do {
            return try ExecutionPlan.compile(graph, options: options)
        } catch {
            throw TrainingFailure(error.diagnostics.sorted)
        }
    }

    /// Dropout masks use their own seed, derived from the run's, so they do not repeat the
    /// initial weights' random numbers.
    /// Under mpirun each rank has its own (rank 0 the single process's), so that the ranks'
    /// shares of a batch do not repeat each other's masks.
    static func dropoutSeed(_ seed: UInt64, rank: Int = 0) -> UInt64 {
        var mix = SplitMix64(seed: seed ^ 0x6472_6F70_6F75_7421)
        return mix.next() &+ UInt64(rank) &* 0x9E37_79B9_7F4A_7C15
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a change detector, not a security hash.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(h, radix: 16).leftPadded(to: 16)
    }

    /// The data order of 0-based `epoch`, whose batch size a batch schedule may change. An
    /// epoch past the run (a checkpoint's, being validated) gets an order made on the spot.
    func order(epoch: Int) -> EpochOrder {
        let size = options.batchSize(epoch: epoch)
        return orders[size]
            ?? EpochOrder(
                sampleCount: data.train.count, batchSize: size, shuffle: options.shuffle, dropLast: options.dropLast,
                seed: options.seed)
    }

    /// Steps of the first epoch (every epoch's without a batch schedule).
    public var stepsPerEpoch: Int { order(epoch: 0).batchCount }

    /// The header the observer prints before the first epoch.
    public var header: RunHeader {
        let optimizer = graph.training.optimizer.name
        let schedule = options.schedule.name
        let resumed = state.step > 0 ? "epoch \(state.epoch + 1), batch \(state.batch) (step \(state.step))" : nil
        return RunHeader(
            model: spec.name, parameters: graph.totalParams, trainSamples: data.train.count,
            validationSamples: data.validation?.count ?? 0, testSamples: data.test?.count ?? 0,
            epochs: options.epochs, batchSize: options.batchSize, stepsPerEpoch: stepsPerEpoch,
            batchSchedule: batchGrowth,
            optimizer: optimizer, learningRate: options.baseLearningRate, schedule: schedule, seed: options.seed,
            threads: pool.threads, outputDirectory: options.outputDirectory, overridden: options.overridden.sorted(),
            resumedAt: resumed,
            memoryBytes: executors.values.reduce(0) { $0 + $1.arena.bytes } + (evaluator?.executor.arena.bytes ?? 0),
            persistentBytes: executor.plan.persistentBytes)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
