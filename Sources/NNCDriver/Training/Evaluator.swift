import Foundation
import NNCData
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCSpec

/// A model's evaluation plan (inference behaviour — dropout off, batchnorm on running
/// statistics and folded — plus the loss without gradient) and what runs it: validation
/// and test metrics during training, `nnc eval` and `nnc predict` afterwards. A short last
/// batch is padded with zeros: in inference every sample's rows are independent, so the
/// padding changes nothing but is not counted.
public final class Evaluator {
    public let plan: ExecutionPlan
    public let executor: Executor
    let metrics: [MetricAccumulator.Metric]
    /// The parameters and statistics the plan reads (what is copied in or loaded).
    public let stateBuffers: [PlanBuffer]
    var order: [Int32] = []

    public var batch: Int { plan.options.batch }

    public init(plan: ExecutionPlan, pool: ThreadPool, metrics: [MetricAccumulator.Metric]) {
        precondition(plan.loss != nil || plan.target == nil, "an evaluation plan computes its loss")
        self.plan = plan
        executor = Executor(plan: plan, pool: pool)
        self.metrics = metrics
        stateBuffers = executor.stateBuffers([.parameter, .statistic])
    }

    /// Takes the current parameters and statistics of a training executor (same names) and
    /// refolds and repacks what the plan derives from them.
    public func copyState(from training: Executor, buffers: [(from: BufferID, to: BufferID)]) {
        for (from, to) in buffers {
            executor.pointer(to).update(from: training.pointer(from), count: plan[to].elements)
        }
        executor.prepare()
    }

    /// Pairs of (training buffer, evaluation buffer) with the same name.
    public func stateCorrespondence(with training: Executor) -> [(from: BufferID, to: BufferID)] {
        var byName: [String: BufferID] = [:]
        for b in training.stateBuffers([.parameter, .statistic]) { byName[b.name] = b.id }
        return stateBuffers.compactMap { b in byName[b.name].map { ($0, b.id) } }
    }

    /// The loss and metrics over a whole dataset.
    public func evaluate(_ filler: BatchFiller) throws(DataError) -> SplitResult {
        let sums = try sums(filler, positions: 0..<filler.dataset.count)
        return SplitResult(
            samples: sums.samples, loss: sums.loss ?? .nan, metrics: Dictionary(uniqueKeysWithValues: sums.values))
    }

    /// The loss and metric sums over the samples at `positions` (in file order): a whole
    /// split, or one rank's share of it under mpirun.
    func sums(_ filler: BatchFiller, positions: Range<Int>) throws(DataError) -> MetricAccumulator {
        var sums = MetricAccumulator(metrics: metrics, layout: MetricAccumulator.Layout(plan: plan))
        try forEachBatch(filler, in: positions) { valid in
            let targets = UnsafeRawPointer(executor.pointer(plan.target!))
            sums.add(
                valid: valid, loss: executor.pointer(plan.loss!), penalty: executor.penalty,
                output: executor.pointer(plan.output), targets: targets)
        }
        return sums
    }

    /// The model's output for every sample, in file order: `count` rows of `plan.output`'s
    /// per-sample size (probabilities when the output ends in softmax or sigmoid).
    public func predict(_ filler: BatchFiller) throws(DataError) -> [[Float]] {
        var rows: [[Float]] = []
        let width = plan[plan.output].elements / batch
        try forEachBatch(filler) { valid in
            let out = executor.pointer(plan.output)
            for r in 0..<valid { rows.append(Array(UnsafeBufferPointer(start: out + r * width, count: width))) }
        }
        return rows
    }

    /// Runs every batch of `filler`'s dataset in file order; `body(valid)` reads the outputs.
    /// A short last batch is padded with zeros.
    func forEachBatch(_ filler: BatchFiller, in range: Range<Int>? = nil, _ body: (Int) -> Void) throws(DataError) {
        let count = filler.dataset.count
        if order.count != count { order = (0..<Int32(count)).map { $0 } }
        let end = range?.upperBound ?? count
        var start = range?.lowerBound ?? 0
        while start < end {
            let positions = start..<min(end, start + batch)
            try filler.fill(executor, order: order, positions: positions, epoch: 0, augment: false, zeroPad: true)
            executor.run()
            body(positions.count)
            start += batch
        }
    }
}

/// A split's mean loss and metrics.
public struct SplitResult: Sendable, Equatable {
    public var samples: Int
    public var loss: Double
    public var metrics: [String: Double]
}
