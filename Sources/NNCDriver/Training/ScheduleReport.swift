import Foundation
import NNCData
import NNCGraph
import NNCRuntime
import NNCSpec

/// `nnc schedule FILE`: the learning rate (and momentum, when a schedule moves it) at every
/// epoch of the run the spec declares, as a table and a text chart, before any training.
/// A plateau rule depends on the metrics, so it shows its starting rate and its rule.
public struct ScheduleReport: Sendable {
    public struct Row: Sendable {
        /// 1-based epoch; the rate and momentum of its first step, and the range within it.
        public var epoch: Int
        public var firstStep: Int
        public var learningRate: Double
        public var lowest: Double, highest: Double
        public var momentum: Double?
        /// The epoch's batch size under a `batch_schedule`.
        public var batchSize: Int?
        public var steps: Int
    }

    public var model: String
    public var epochs: Int
    /// The first epoch's steps (every epoch's without a batch schedule).
    public var stepsPerEpoch: Int
    public var schedule: String
    public var rows: [Row]
    public var plateau: PlateauRule?

    /// The most epochs the report lists (one row each); longer runs are refused by the command.
    public static let maxEpochs = 100_000
    /// The most steps whose rates are computed in all: an epoch of more steps than its share
    /// is sampled at evenly spaced steps (its first and last included), so the report takes
    /// bounded time and memory whatever the step count.
    static let evaluatedSteps = 4_000_000

    /// Why the report cannot be made for `epochs` × `stepsPerEpoch`, or nil.
    public static func refusal(epochs: Int, stepsPerEpoch: Int) -> String? {
        if epochs < 1 || stepsPerEpoch < 1 { return "a schedule needs at least 1 epoch of at least 1 step" }
        if epochs > maxEpochs {
            return
                "nnc schedule lists one line per epoch, at most \(maxEpochs.grouped); this run has \(epochs.grouped) epochs (give --epochs N to list the first N)"
        }
        return nil
    }

    /// The report for `stepsPerEpoch` steps in every epoch, or, with `trainingSamples`, the
    /// steps each epoch's batch size (a `batch_schedule`'s) makes of them.
    public init(spec: ModelSpec, options: TrainingOptions, stepsPerEpoch: Int, trainingSamples: Int? = nil) {
        model = spec.name
        epochs = options.epochs
        self.stepsPerEpoch = stepsPerEpoch
        schedule = options.schedule.name
        plateau = options.schedule.plateauRule
        let movesMomentum = options.momentumSchedule != .constant
        let listed = max(0, min(options.epochs, Self.maxEpochs))
        let scheduled = options.batchSchedule != nil
        func steps(_ epoch: Int) -> Int {
            guard scheduled, let samples = trainingSamples else { return stepsPerEpoch }
            return EpochOrder(
                sampleCount: samples, batchSize: options.batchSize(epoch: epoch), dropLast: options.dropLast,
                seed: options.seed
            ).batchCount
        }
        var first = 0
        rows = (0..<listed).map { epoch in
            let stepsPerEpoch = steps(epoch)
            defer { first = first.saturatingPlus(stepsPerEpoch) }
            let perEpoch = max(1, min(stepsPerEpoch, max(64, Self.evaluatedSteps / max(1, listed))))
            // Offsets 0 … stepsPerEpoch − 1: all of them, or `perEpoch` evenly spaced.
            let offsets =
                perEpoch >= stepsPerEpoch
                ? Array(0..<stepsPerEpoch)
                : (0..<perEpoch).map { Int((Double($0) * Double(stepsPerEpoch - 1) / Double(perEpoch - 1)).rounded()) }
            let rates = offsets.map {
                options.rates(
                    at: TrainingClock(step: first.saturatingPlus($0), epoch: epoch), stepsPerEpoch: stepsPerEpoch,
                    plateau: nil)
            }
            return Row(
                epoch: epoch + 1, firstStep: first, learningRate: rates[0].learningRate,
                lowest: rates.map(\.learningRate).min()!, highest: rates.map(\.learningRate).max()!,
                momentum: movesMomentum ? rates[0].momentum : nil,
                batchSize: scheduled ? options.batchSize(epoch: epoch) : nil, steps: stepsPerEpoch)
        }
    }

    /// Steps of the whole run.
    var totalSteps: Int {
        rows.last.map { $0.firstStep.saturatingPlus($0.steps) } ?? epochs.saturatingTimes(stepsPerEpoch)
    }

    /// The table and a chart: one line per epoch, the bar's length proportional to the rate.
    public func render(width: Int = 40) -> String {
        let fewest = rows.map(\.steps).min() ?? stepsPerEpoch
        let most = rows.map(\.steps).max() ?? stepsPerEpoch
        let perEpoch = fewest == most ? most.counted("step") : "\(most) to \(fewest) steps"
        var out =
            "\(model): \(schedule) schedule over \(epochs.counted("epoch")) of \(perEpoch) (\(totalSteps.grouped) steps)\n"
        if let plateau {
            out +=
                "reduce_on_plateau: × \(plateau.factor) after \(plateau.patience) \(plateau.patience.noun("epoch")) without improvement of \(plateau.monitor) (cooldown \(plateau.cooldown), floor \(plateau.minimumRate)); the rates below are before any reduction\n"
        }
        let top = rows.map(\.highest).max() ?? 1
        let hasMomentum = rows.contains { $0.momentum != nil }
        let hasBatch = rows.contains { $0.batchSize != nil }
        out +=
            "epoch      step   learning rate (first step; range)" + (hasMomentum ? "   momentum" : "")
            + (hasBatch ? "   batch" : "") + "\n"
        for r in rows {
            let range = r.lowest == r.highest ? "" : String(format: " (%.4g–%.4g)", r.lowest, r.highest)
            var line =
                String(format: "%5d  %8d   %-13.6g", r.epoch, r.firstStep, r.learningRate)
                + range.padding(toLength: 20, withPad: " ", startingAt: 0)
            if let m = r.momentum { line += String(format: "  %.4f", m) }
            if let b = r.batchSize { line += String(format: hasMomentum ? "  %6d" : "  %5d", b) }
            let bar = top > 0 ? Int((r.learningRate / top * Double(width)).rounded()) : 0
            out += line + "  |" + String(repeating: "█", count: bar) + "\n"
        }
        return out
    }

    public var json: [String: Any] {
        [
            "model": model, "epochs": epochs, "steps_per_epoch": stepsPerEpoch, "schedule": schedule,
            "rows": rows.map { r -> [String: Any] in
                var o: [String: Any] = [
                    "epoch": r.epoch, "first_step": r.firstStep, "learning_rate": r.learningRate,
                    "lowest": r.lowest, "highest": r.highest,
                ]
                if let m = r.momentum { o["momentum"] = m }
                if let b = r.batchSize {
                    o["batch_size"] = b
                    o["steps"] = r.steps
                }
                return o
            },
        ]
    }
}
