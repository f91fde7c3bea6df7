import Foundation
import NNCRuntime

extension TrainingState {
    /// The largest optimizer step a checkpoint may hold: 2^53, past which a step count is
    /// no longer exact as a Double (schedules and Adam's bias correction compute with it)
    /// and far past any real run, so counting on never overflows.
    static let maximumStep = 1 << 53

    /// What is out of range in a state read from a checkpoint, one line per field; empty
    /// when a run with `batches` batches per epoch and `metrics` metrics can continue from
    /// it. Every index the run computes from the state (the batch within the epoch, the
    /// epoch's order, the step counter, the running sums) is checked here, so a damaged or
    /// hand-edited checkpoint is refused instead of trapping or training on nonsense.
    func problems(batchesPerEpoch batches: Int, metrics: Int) -> [String] {
        var problems: [String] = []
        func require(_ ok: Bool, _ message: @autoclosure () -> String) { if !ok { problems.append(message()) } }
        require(
            epoch >= 0 && epoch == history.count,
            "'epoch' is \(epoch): it counts the finished epochs, which the checkpoint's history holds \(history.count) of"
        )
        require(
            (0..<batches).contains(batch),
            "'batch' is \(batch): it counts the batches of the current epoch already trained, from 0 to \(batches - 1) in this run (\(batches) batch\(batches == 1 ? "" : "es") per epoch)"
        )
        require((0...Self.maximumStep).contains(step), "'step' is \(step): optimizer steps count from 0 to 2^53")
        require(
            initialLoss.map { $0.isFinite && $0 > 0 } ?? true,
            "'initialLoss' is \(initialLoss ?? 0): the first step's loss is a positive number")
        require(threads >= 1, "'threads' is \(threads): a run has at least 1 thread")
        for (i, record) in history.enumerated() where record.epoch != i + 1 {
            problems.append(
                "'history[\(i)].epoch' is \(record.epoch), not \(i + 1): the history lists the epochs in order")
            break
        }
        if let partial = partialEpoch {
            require(batch > 0, "'partialEpoch' holds the sums of an epoch in progress but 'batch' is 0")
            require(
                partial.samples >= 0 && partial.lossSum.isFinite && partial.seconds.isFinite && partial.seconds >= 0,
                "'partialEpoch' has \(partial.samples) samples, loss sum \(partial.lossSum) and \(partial.seconds) s: counts are 0 or more and sums finite"
            )
            require(
                partial.metricSums.count == metrics && partial.metricCounts.count == metrics
                    && partial.metricCounts.allSatisfy { $0 >= 0 },
                "'partialEpoch' has sums of \(partial.metricSums.count) metrics and counts of \(partial.metricCounts.count); this run has \(metrics)"
            )
        }
        if let plateau {
            require(
                plateau.factor.isFinite && plateau.factor > 0 && plateau.wait >= 0 && plateau.cooldownLeft >= 0,
                "'plateau' has factor \(plateau.factor), wait \(plateau.wait) and cooldown \(plateau.cooldownLeft): the factor is above 0 and the counts 0 or more"
            )
        }
        if let stopping = earlyStopping {
            require(
                stopping.wait >= 0 && stopping.patience >= 0
                    && (stopping.bestEpoch.map { (0..<epoch).contains($0) } ?? true),
                "'earlyStopping' has wait \(stopping.wait), patience \(stopping.patience) and best epoch \(stopping.bestEpoch.map(String.init) ?? "none"): counts are 0 or more and the best epoch one of the \(epoch) finished"
            )
        }
        return problems
    }
}

extension TrainingOptions.Overrides {
    /// What is out of range in overrides read from a checkpoint (the command line checks
    /// its own the same way).
    var problems: [String] {
        var problems: [String] = []
        if let epochs, epochs < 1 { problems.append("'epochs' is \(epochs): at least 1") }
        if let batchSize, batchSize < 1 { problems.append("'batchSize' is \(batchSize): at least 1") }
        if let threads, !(1...256).contains(threads) { problems.append("'threads' is \(threads): from 1 to 256") }
        if let histogramFrequency, histogramFrequency < 0 {
            problems.append("'histogramFrequency' is \(histogramFrequency): at least 0")
        }
        if let updateFrequency, updateFrequency < 0 {
            problems.append("'updateFrequency' is \(updateFrequency): at least 0")
        }
        return problems
    }
}
