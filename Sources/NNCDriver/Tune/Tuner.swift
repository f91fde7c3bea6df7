import Foundation
import NNCDiagnostics
import NNCRuntime
import NNCSpec

/// `nnc tune`: random search over the spec's search ranges. Trial k trains the spec with the
/// values sampled for (seed, k) in its own run folder `trial-k` of the search folder: in this
/// process, one at a time (each trial's trainer uses every thread it is given), or `parallel`
/// at a time in worker processes; with the spec's epochs (or `--epochs`) and training seed;
/// ranked by the best value of a validation metric over its epochs. With halving (η), all
/// trials train 1 epoch, the best 1/η of them go on to η epochs, the best 1/η of those to η²,
/// …, and the last rung trains the full epochs; a trial cut at a rung keeps its figures so
/// far. Every event goes to `trials.jsonl`, so the same command on the same folder resumes.
public enum Tuner {
    public static let logName = "trials.jsonl"
    public static let bestName = "best.yaml"
    public static let plotName = "scatter.svg"

    public static func run(
        _ file: SourceFile, settings: Settings, progress: (String) -> Void = { _ in },
        interrupted: @escaping () -> Bool = { false }
    ) throws(TrainingFailure) -> Result {
        let space = try SearchSpace.read(file)
        let at = SourceLocation(file: file, line: 0, column: 0)
        // The spec's epochs and seed, as a trial's spec decodes them (the ranges do not change them).
        let (_, graph, _) = try TrainingSession.trainable(space.source(with: space.sample(trial: 1, seed: 0)))
        let epochs = settings.epochs ?? graph.training.train.epochs
        let seed = settings.seed ?? UInt64(graph.training.train.seed)
        let values = (1...settings.trials).map { space.sample(trial: $0, seed: seed) }
        let folder = settings.outputDirectory ?? "runs/\(space.model)-tune"
        let lock = try RunFolderLock.acquire(folder, at: at)
        defer { withExtendedLifetime(lock) {} }
        var log = try TrialLog.open(
            folder: folder,
            search: TrialLog.Search(
                spec_hash: Trainer.hash(file.text), spec_path: file.path, seed: seed, epochs: settings.epochs,
                metric: settings.metric, halving: settings.halving),
            at: at)
        let ended: Set<String> = ["finished", "cut", "failed"]
        let reused = log.latest.filter { $0.key <= settings.trials && ended.contains($0.value.event) }.count
        if reused > 0 {
            progress("resuming: \(reused) of \(settings.trials) trials already ended in \(folder)/\(logName)")
        }
        var runner = TrialRunner(
            space: space, values: values, settings: settings, folder: folder, at: at,
            interrupted: interrupted)
        // A resumed search ranks by what its trials were ranked by.
        runner.metric = runner.metric ?? log.events.lazy.compactMap(\.ranked_by).first
        var stopped = false
        let rungs = settings.halving.map { halvingRungs(epochs: epochs, eta: $0) } ?? [epochs]
        var alive = (1...settings.trials).filter { !ended.contains(log.latest[$0]?.event ?? "") }
        rungLoop: for (index, rung) in rungs.enumerated() {
            // This rung's work: each trial goes on from its rung's checkpoint, or starts
            // (again, when it was cut short).
            let work = alive.compactMap { k -> TrialWork? in
                let latest = log.latest[k]
                if let latest, latest.event == "rung", (latest.epochs ?? 0) >= rung { return nil }
                return TrialWork(trial: k, until: rung == epochs ? nil : rung, resume: latest?.event == "rung")
            }
            let batches: [[TrialWork]] =
                settings.parallel > 1 && settings.workers != nil ? [work] : work.map { [$0] }
            for batch in batches {
                if interrupted() {
                    stopped = true
                    break rungLoop
                }
                for task in batch where !task.resume {
                    try log.append(
                        TrialLog.Event(trial: task.trial, event: "started", values: runner.named(task.trial)), at: at)
                }
                let reports: [TrialReport]
                if let workers = settings.workers, settings.parallel > 1 {
                    reports = try workers(batch, Workers(seed: seed, folder: folder, metric: runner.metric))
                } else {
                    reports = [try runner.train(batch[0].trial, until: batch[0].until, resume: batch[0].resume)]
                }
                for (task, report) in zip(batch, reports) {
                    let k = task.trial
                    if runner.metric == nil { runner.metric = report.ranked_by }
                    if report.interrupted == true {
                        stopped = true
                    } else if let message = report.failed {
                        try log.append(
                            TrialLog.Event(trial: k, event: "failed", values: runner.named(k), error: message), at: at)
                        progress("trial \(k) of \(settings.trials) failed: \(message)")
                    } else if let metric = report.metric {
                        let event = TrialLog.Event(
                            trial: k, event: report.reached_end == true ? "finished" : "rung", values: runner.named(k),
                            metric: metric, score: runner.score(metric), epochs: metric.count,
                            ranked_by: runner.metric)
                        try log.append(event, at: at)
                        progress(
                            "trial \(k) of \(settings.trials): \(runner.metric ?? "metric") \(format(event.score)) after \(metric.count) epoch\(metric.count == 1 ? "" : "s") (\(runner.describe(k)))"
                        )
                    }
                }
                if stopped { break rungLoop }
            }
            alive = alive.filter { !ended.contains(log.latest[$0]?.event ?? "") }
            guard index + 1 < rungs.count, let eta = settings.halving else { continue }
            // The rung's cut, unless an earlier run of the search already made it.
            guard !alive.contains(where: { (log.latest[$0]?.epochs ?? 0) > rung }) else { continue }
            let contenders = alive.filter { log.latest[$0]?.epochs == rung }
            let keep = Set(
                runner.best(contenders.map { ($0, log.latest[$0]?.score) }).prefix(max(1, contenders.count / eta)))
            for k in contenders where !keep.contains(k) {
                let reached = log.latest[k]!
                try log.append(
                    TrialLog.Event(
                        trial: k, event: "cut", values: reached.values, metric: reached.metric, score: reached.score,
                        epochs: reached.epochs, ranked_by: reached.ranked_by), at: at)
                progress(
                    "trial \(k) cut after \(rung) epoch\(rung == 1 ? "" : "s") (halving: \(keep.count) of \(contenders.count) go on)"
                )
            }
            alive = alive.filter { keep.contains($0) }
        }
        let metricName = runner.metric ?? settings.metric ?? "val_loss"
        let higher = MetricMonitor.automaticMode(metricName) == .max
        let latest = log.latest
        let trials = (1...settings.trials).compactMap { k -> Trial? in
            guard let event = latest[k], let status = Status(rawValue: event.event) else { return nil }
            return Trial(
                number: k, values: values[k - 1], status: status, metric: event.metric ?? [], score: event.score,
                error: event.error)
        }
        let order = runner.best(trials.map { ($0.number, $0.score) }, higherIsBetter: higher)
        var ranked = order.map { k in trials.first { $0.number == k }! }
        // Failed trials (no score) last.
        ranked = ranked.filter { $0.status != .failed } + ranked.filter { $0.status == .failed }
        var result = Result(
            space: space, metric: metricName, higherIsBetter: higher, epochs: epochs, halving: settings.halving,
            seed: seed, ranked: ranked, reused: reused, folder: folder, bestSpec: nil, interrupted: stopped)
        guard !stopped else { return result }
        func write(_ text: String, _ name: String, _ what: String) throws(TrainingFailure) {
            let path = folder + "/" + name
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw TrainingFailure([
                    Diagnostic.error(
                        .unwritableOutput, "\(what) '\(path)' cannot be written", at: at, notes: ["\(error)"])
                ])
            }
        }
        if let best = result.best {
            let path = folder + "/" + bestName
            try write(
                BestSpec.text(space.text(with: best.values), specPath: file.path, writtenTo: path), bestName,
                "the best spec")
            result.bestSpec = path
        }
        try write(result.svg, plotName, "the scatter plot")
        return result
    }

    /// One stretch of one trial, in a worker process of a search with `settings` (its seed
    /// and folder resolved by the search): no lock and no log, which the search keeps.
    public static func work(
        _ file: SourceFile, settings: Settings, task: TrialWork, interrupted: @escaping () -> Bool
    ) throws(TrainingFailure) -> TrialReport {
        let space = try SearchSpace.read(file)
        let values = (1...task.trial).map { space.sample(trial: $0, seed: settings.seed ?? 0) }
        var runner = TrialRunner(
            space: space, values: values, settings: settings, folder: settings.outputDirectory ?? ".",
            at: SourceLocation(file: file, line: 0, column: 0),
            interrupted: interrupted)
        return try runner.train(task.trial, until: task.until, resume: task.resume)
    }

    /// The epochs after which halving ranks the trials: 1, η, η², … below `epochs`, then `epochs`.
    static func halvingRungs(epochs: Int, eta: Int) -> [Int] {
        var rungs: [Int] = []
        var r = 1
        while r < epochs {
            rungs.append(r)
            r *= eta
        }
        return rungs + [epochs]
    }

    static func format(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "none" }
}
