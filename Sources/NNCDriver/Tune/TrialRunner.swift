import Foundation
import NNCDiagnostics
import NNCRuntime
import NNCSpec

/// Trains one trial of a search (or its next stretch, up to a halving rung) through the
/// `nnc train` machinery: a `TrainingSession` of the trial's spec in its run folder, stopped
/// at the rung's epoch with a checkpoint, and resumed from that checkpoint when it goes on.
struct TrialRunner {
    var space: SearchSpace
    var values: [[SearchSpace.Value]]
    var settings: Tuner.Settings
    var folder: String
    var at: SourceLocation
    var interrupted: () -> Bool
    /// The ranked metric: the option, or what the first trained epoch records.
    var metric: String?

    init(
        space: SearchSpace, values: [[SearchSpace.Value]], settings: Tuner.Settings, folder: String,
        at: SourceLocation, interrupted: @escaping () -> Bool
    ) {
        self.space = space
        self.values = values
        self.settings = settings
        self.folder = folder
        self.at = at
        self.interrupted = interrupted
        metric = settings.metric
    }

    func trialFolder(_ k: Int) -> String { folder + "/trial-" + String(k).leftPadded(to: 3) }

    /// The values of trial `k` by range name, as its spec writes them.
    func named(_ k: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: zip(space.names, values[k - 1].map(\.text)))
    }

    func describe(_ k: Int) -> String {
        zip(space.names, values[k - 1]).map { "\($0) \($1.text)" }.joined(separator: ", ")
    }

    /// Trains trial `k` until epoch `until` (nil: to the end), from scratch or from its
    /// checkpoint. Problems of the trial (its spec, divergence) fail the trial; a spec that
    /// cannot rank trials (no validation data, an unknown `--metric`) stops the search.
    mutating func train(_ k: Int, until: Int?, resume: Bool) throws(TrainingFailure) -> TrialReport {
        let path = trialFolder(k)
        if !resume { try? FileManager.default.removeItem(atPath: path) }
        let session: TrainingSession
        do {
            session = try TrainingSession.make(
                source: space.source(with: values[k - 1]), resume: resume ? path : nil,
                overrides: TrainingOptions.Overrides(
                    epochs: settings.epochs, threads: settings.threads, outputDirectory: path))
        } catch {
            return TrialReport(failed: Self.summary(error.diagnostics))
        }
        let trainer = session.trainer
        guard trainer.data.validation != nil else {
            let spec = trainer.spec
            throw TrainingFailure([
                Diagnostic.error(
                    .tuneNeedsValidation, "`nnc tune` ranks trials on validation data; '\(spec.name)' has none",
                    at: spec.train?.location ?? spec.inputLocation,
                    help: "add `validation_split: 0.2` under `train:`, or a `validation:` set under `data:`")
            ])
        }
        let watcher = RungWatcher(epoch: trainer.state.epoch, until: until)
        let result: TrainingResult
        do {
            result = try trainer.run(observer: watcher) { interrupted() || watcher.reached }
        } catch {
            return TrialReport(failed: Self.summary(error.diagnostics))
        }
        if result.interrupted && !watcher.reached { return TrialReport(interrupted: true) }
        guard let first = result.history.first else { return TrialReport(failed: "no epoch was trained") }
        let name = metric ?? first.validationMetrics.keys.sorted().first.map { "val_" + $0 } ?? "val_loss"
        guard first.value(of: name) != nil else {
            let known =
                ["loss", "val_loss"] + first.metrics.keys.sorted()
                + first.validationMetrics.keys.sorted().map { "val_" + $0 }
            throw TrainingFailure([
                Diagnostic.error(
                    .tuneNeedsValidation, "`--metric` must name a figure the runs record; '\(name)' is not one",
                    at: at, notes: ["the runs record: \(known.joined(separator: ", "))"],
                    help: "rank by one of those, e.g. --metric val_loss")
            ])
        }
        metric = name
        let values = result.history.map { $0.value(of: name).flatMap { $0.isFinite ? $0 : nil } }
        return TrialReport(metric: values, reached_end: !result.interrupted, ranked_by: name)
    }

    /// The best of a trial's per-epoch values (what early stopping's restore_best keeps).
    func score(_ values: [Double?]) -> Double? {
        let finite = values.compactMap { $0 }
        guard let name = metric, !finite.isEmpty else { return nil }
        return MetricMonitor.automaticMode(name) == .max ? finite.max() : finite.min()
    }

    /// Trial numbers, best score first (no score last; ties by trial number).
    func best(_ scores: [(Int, Double?)], higherIsBetter: Bool? = nil) -> [Int] {
        let higher = higherIsBetter ?? (MetricMonitor.automaticMode(metric ?? "val_loss") == .max)
        return scores.sorted { a, b in
            switch (a.1, b.1) {
            case (let x?, let y?): return x != y ? (higher ? x > y : x < y) : a.0 < b.0
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.0 < b.0
            }
        }.map(\.0)
    }

    /// The first error's message, for the trial's line in the log and the table.
    static func summary(_ diagnostics: [Diagnostic]) -> String {
        guard let first = diagnostics.first(where: { $0.severity == .error }) ?? diagnostics.first else {
            return "the trial stopped"
        }
        return "\(first.message) [\(first.code.rawValue)]"
    }
}

/// One trial's next stretch: from scratch or from its checkpoint, to epoch `until` (nil: the end).
public struct TrialWork: Sendable, Codable, Equatable {
    public var trial: Int
    public var until: Int?
    public var resume: Bool
    public init(trial: Int, until: Int?, resume: Bool) {
        self.trial = trial
        self.until = until
        self.resume = resume
    }
}

/// How a trial's stretch ended (a worker process prints it as one JSON line): the metric
/// after every epoch so far, `reached_end` when the run ended (its last epoch, or early
/// stopping) rather than at a rung; or why it failed; or that Ctrl-C stopped it.
public struct TrialReport: Sendable, Codable, Equatable {
    public var metric: [Double?]?
    public var reached_end: Bool?
    public var ranked_by: String?
    public var failed: String?
    public var interrupted: Bool?
    public init(
        metric: [Double?]? = nil, reached_end: Bool? = nil, ranked_by: String? = nil, failed: String? = nil,
        interrupted: Bool? = nil
    ) {
        self.metric = metric
        self.reached_end = reached_end
        self.ranked_by = ranked_by
        self.failed = failed
        self.interrupted = interrupted
    }
}

/// Watches a trial's epochs and says when it has reached its rung (the trainer then writes
/// a checkpoint and returns at that epoch's end).
final class RungWatcher: TrainingObserver {
    private var epoch: Int
    private let until: Int?
    init(epoch: Int, until: Int?) {
        self.epoch = epoch
        self.until = until
    }
    var reached: Bool { until.map { epoch >= $0 } ?? false }
    func runStarted(_ header: RunHeader) {}
    func epochStarted(_ epoch: Int, of epochs: Int, batches: Int) {}
    func batchFinished(
        _ batch: Int, of batches: Int, samples: Int, seconds: Double, loss: Double, metrics: () -> [(String, Double)]
    ) {}
    func epochFinished(_ record: EpochRecord, of epochs: Int) { epoch = record.epoch }
    func note(_ text: String) {}
    func testFinished(_ result: SplitResult) {}
}
