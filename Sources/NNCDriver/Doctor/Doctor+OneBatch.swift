import Foundation
import NNCData
import NNCDiagnostics
import NNCGraph
import NNCRuntime

/// The notes' first test of a new model: it must be able to learn one batch by heart. A model
/// that cannot overfit a single batch, trained as the spec says (dropout included: a recipe may
/// need its noise, as Hinton et al.'s learning rate of 10 does), has a bug (a loss paired with
/// the wrong output, a broken path, a rate far off), and no amount of data will fix it.
extension Examination {
    /// The loss must fall below this fraction of its first value.
    static let overfitTarget = 0.1
    /// A loss this many times its first value has diverged for good (`train`'s E0520 rule:
    /// a large but sound learning rate can spike the loss and recover).
    static let explosion = 10_000.0

    mutating func examineOneBatch() throws(TrainingFailure) {
        let start = findings.count
        let indices = oneBatchIndices()
        let batch = data.train.subset(indices)
        let run = try executor(batch: indices.count)
        try fill(run, from: batch, order: (0..<Int32(indices.count)).map { $0 }, positions: 0..<indices.count)
        let rates = firstRates
        run.momentum = options.momentumSchedule == .constant ? nil : Float(rates.momentum)
        var losses: [Double] = []
        var reached: Int?
        for step in 0..<settings.steps {
            run.steps = step
            run.runForward()
            let loss = run.dataLoss
            losses.append(loss)
            if !loss.isFinite || loss > Self.explosion * max(losses[0], 1e-12) { break }
            if loss <= Self.overfitTarget * losses[0] {
                reached = step
                break
            }
            run.runBackward(learningRate: Float(rates.learningRate))
        }
        oneBatchLosses = losses
        let first = losses[0]
        let last = losses.last!
        let what = "\(indices.count) \(indices.count == 1 ? "sample" : "samples")"
        let rate = "learning rate \(format(rates.learningRate))"
        if let reached {
            record(
                "one batch", since: start,
                "\(what): loss \(format(first)) → \(format(last)) in \(reached) \(reached == 1 ? "step" : "steps") (\(rate))"
            )
            return
        }
        let regularized = regularizationNote
        let highest = losses.filter(\.isFinite).max() ?? .nan
        // Diverged: blew up, rose past ten times its start, or ended at twice it or more.
        let diverged = !last.isFinite || highest > 10 * first || last > 2 * first
        let dead = forward(run).filter { ($0.deadFraction ?? 0) > 0.5 }.map {
            "after these steps \(percent($0.deadFraction!)) of the ReLU units of '\($0.layer)' output 0 on every sample"
                + (diverged ? ": steps too large pushed them below zero" : "") + ", where they receive no gradient"
        }
        if diverged {
            findings.append(
                Diagnostic.error(
                    .doctorDiverged,
                    "trained alone on \(what), the loss went from \(format(first)) to \(format(last)) in \(losses.count - 1) \(losses.count == 2 ? "step" : "steps") (at most \(format(highest))): the \(rate) is too large for this model",
                    at: learningRateLocation, label: rate, notes: dead + (momentumNote.map { [$0] } ?? []),
                    help: "lower the learning rate (try \(format(rates.learningRate / 10)))"
                ))
        } else {
            findings.append(
                Diagnostic.error(
                    .doctorCannotOverfit,
                    "trained alone on \(what) for \(losses.count) steps, the loss only went from \(format(first)) to \(format(last)) (the target is \(format(Self.overfitTarget * first))): a model that cannot learn one batch by heart will not learn the data",
                    at: learningRateLocation, label: rate, notes: dead + (regularized.map { [$0] } ?? []),
                    help:
                        "check that the loss suits the output (softmax with categorical cross-entropy, sigmoid with binary), that no layer is frozen or cut off, and that the learning rate is not far too small; `--steps` gives it more steps"
                ))
        }
        record(
            "one batch", since: start,
            "\(what): loss \(format(first)) → \(format(last)) in \(losses.count) steps (\(rate))")
    }

    /// One batch of the spec's size (at least 2 samples, at most the data): for one-label
    /// classification the same number of each class, in the data's order, else the first samples.
    func oneBatchIndices() -> [Int] {
        let count = data.train.count
        let size = max(2, min(options.batchSize, count))
        if let classes, case .classes(let labels, let perSample) = data.train.targets, perSample == 1 {
            let each = max(1, size / classes)
            var taken = [Int](repeating: 0, count: classes)
            var picked: [Int] = []
            for (i, label) in labels.enumerated()
            where label >= 0 && Int(label) < classes && taken[Int(label)] < each {
                taken[Int(label)] += 1
                picked.append(i)
                if picked.count == each * classes { break }
            }
            if picked.count >= 2 { return picked }
        }
        return Array(0..<min(count, size))
    }

    /// Dropout and penalties keep a loss from reaching 0: said when the target is missed.
    var regularizationNote: String? {
        let dropout = graph.nodes.contains { [.dropout, .alphaDropout].contains($0.op.kind) }
        let regularization = graph.training.regularization.penalty
        let penalty = regularization.l1 > 0 || regularization.l2 > 0
        guard dropout || penalty else { return nil }
        return
            "the model has \(dropout && penalty ? "dropout and a weight penalty" : dropout ? "dropout" : "a weight penalty"), which slows learning by heart but should not stop it"
    }
}
