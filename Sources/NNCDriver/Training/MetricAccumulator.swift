import Foundation
import NNCGraph
import NNCPlan

/// Sums a split's loss and metrics over its batches, as Keras reports them: the mean
/// per-sample loss and each metric over all samples (for sequence outputs, over all
/// timesteps). Reading a batch allocates nothing.
public struct MetricAccumulator {
    /// The metrics of the spec language (one home: `NNCGraph.Metric`).
    public typealias Metric = NNCGraph.Metric

    /// How to read the output: what the loss compares it with and what it holds.
    struct Layout {
        /// Rows per sample (timesteps of a sequence output, else 1) and values per row.
        var rowsPerSample: Int, columns: Int
        /// Targets are class ids (one per row) rather than rows of values.
        var sparse: Bool
        /// The output holds logits of a softmax (rows) or a sigmoid (elements) the loss took.
        var logits: Logits
        /// Each output is an independent probability (binary cross-entropy): accuracy
        /// thresholds each element at ½ instead of taking the row's argmax.
        var binary: Bool

        enum Logits { case none, softmax, sigmoid }

        init(plan: ExecutionPlan) {
            let shape = plan[plan.output].shape
            rowsPerSample = shape.dropFirst().dropLast().reduce(1, *)
            columns = shape.last ?? 1
            sparse = plan.target.map { plan[$0].type == .int32 } ?? false
            binary = false
            logits = .none
            switch plan.lossFunction {
            case .binaryCrossEntropy(let fromLogits, _)?:
                binary = true
                logits = plan.outputIsLogits && fromLogits ? .sigmoid : .none
            case .softmaxCrossEntropy?:
                logits = plan.outputIsLogits ? .softmax : .none
            case .meanSquaredError?, .sumOfSquares?, .categoricalCrossEntropy?, nil:
                break
            }
            if columns == 1 { binary = true }
        }
    }

    let metrics: [Metric]
    let layout: Layout
    private(set) var samples = 0
    private var lossSum = 0.0
    private var metricSums: [Double]
    private var metricCounts: [Int]

    init(metrics: [Metric], layout: Layout) {
        self.metrics = metrics
        self.layout = layout
        metricSums = Array(repeating: 0, count: metrics.count)
        metricCounts = Array(repeating: 0, count: metrics.count)
    }

    /// The running sums, for a checkpoint taken in the middle of an epoch.
    func partial(seconds: Double) -> TrainingState.PartialEpoch {
        TrainingState.PartialEpoch(
            samples: samples, lossSum: lossSum, metricSums: metricSums, metricCounts: metricCounts, seconds: seconds)
    }

    /// Continues from sums a checkpoint kept.
    mutating func resume(_ p: TrainingState.PartialEpoch) {
        guard p.metricSums.count == metrics.count, p.metricCounts.count == metrics.count else { return }
        samples = p.samples
        lossSum = p.lossSum
        metricSums = p.metricSums
        metricCounts = p.metricCounts
    }

    /// The mean loss, nil before any batch.
    var loss: Double? { samples > 0 ? lossSum / Double(samples) : nil }

    /// Each metric's value by name.
    var values: [(String, Double)] {
        metrics.indices.map {
            (metrics[$0].name, metricCounts[$0] > 0 ? metricSums[$0] / Double(metricCounts[$0]) : .nan)
        }
    }

    /// Adds the first `valid` samples of a batch: `loss` holds per-row losses, `output` the
    /// model's output rows, `targets` int32 class ids or float rows as the layout says.
    /// `penalty` is the batch's regularization penalty, which Keras's reported loss includes.
    mutating func add(
        valid: Int, loss: UnsafePointer<Float>?, penalty: Double = 0, output: UnsafePointer<Float>,
        targets: UnsafeRawPointer
    ) {
        let rowsPerSample = layout.rowsPerSample
        let rows = valid * rowsPerSample
        if let loss {
            var sum = 0.0
            for r in 0..<rows { sum += Double(loss[r]) }
            lossSum += sum / Double(rowsPerSample) + penalty * Double(valid)
        }
        samples += valid
        for (i, metric) in metrics.enumerated() {
            let (sum, count) = measure(metric, rows: rows, output: output, targets: targets)
            metricSums[i] += sum
            metricCounts[i] += count
        }
    }

    private func measure(_ metric: Metric, rows: Int, output: UnsafePointer<Float>, targets: UnsafeRawPointer) -> (
        Double, Int
    ) {
        let c = layout.columns
        let labels = targets.assumingMemoryBound(to: Int32.self)
        let values = targets.assumingMemoryBound(to: Float.self)
        func label(_ r: Int) -> Int {
            if layout.sparse { return Int(labels[r]) }
            return argmax(values + r * c, c)
        }
        switch metric {
        case .accuracy where layout.binary:
            let threshold: Float = layout.logits == .sigmoid ? 0 : 0.5
            var correct = 0
            for i in 0..<(rows * c) {
                let truth = layout.sparse ? Float(labels[i]) : values[i]
                if (output[i] > threshold) == (truth > 0.5) { correct += 1 }
            }
            return (Double(correct), rows * c)
        case .accuracy:
            var correct = 0
            for r in 0..<rows where argmax(output + r * c, c) == label(r) { correct += 1 }
            return (Double(correct), rows)
        case .topK(let k):
            var hits = 0
            for r in 0..<rows {
                let row = output + r * c
                let truth = label(r)
                var above = 0
                for j in 0..<c where row[j] > row[truth] { above += 1 }
                if above < k { hits += 1 }
            }
            return (Double(hits), rows)
        case .meanSquaredError, .meanAbsoluteError:
            var sum = 0.0
            for r in 0..<rows {
                let row = output + r * c
                // Compare probabilities, not logits, when the loss took the activation.
                var maximum = -Float.infinity
                var total: Float = 0
                if layout.logits == .softmax {
                    for j in 0..<c { maximum = max(maximum, row[j]) }
                    for j in 0..<c { total += exp(row[j] - maximum) }
                }
                for j in 0..<c {
                    let y: Float =
                        switch layout.logits {
                        case .none: row[j]
                        case .sigmoid: 1 / (1 + exp(-row[j]))
                        case .softmax: exp(row[j] - maximum) / total
                        }
                    let t: Float = layout.sparse ? (Int(labels[r]) == j ? 1 : 0) : values[r * c + j]
                    let e = Double(y - t)
                    sum += metric == .meanSquaredError ? e * e : abs(e)
                }
            }
            return (sum, rows * c)
        }
    }

    private func argmax(_ row: UnsafePointer<Float>, _ n: Int) -> Int {
        var best = 0
        for j in 1..<max(1, n) where row[j] > row[best] { best = j }
        return best
    }
}
