import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Random hyperparameter search over the search ranges a spec marks, ranked by a validation metric.",
        discussion: """
            Values of a YAML spec written as search ranges ({log_uniform: [1e-4, 1e-1]}, {uniform: [0, 0.5]}, \
            {int_uniform: [1, 4]}, {choice: [64, 128, 256]}) are sampled per trial from --seed (default: the \
            spec's train.seed), the same values for the same seed; each trial trains the spec with its values, \
            in this process, one after another (--parallel P: P at a time, each in a worker process of this \
            binary with the cores divided among them), with the spec's epochs (or --epochs) and training seed, \
            in its own run folder trial-K of the search folder (-o, default runs/<model>-tune). Trials are ranked by \
            the best value over their epochs of --metric (default: the spec's first metric on the validation \
            data, or val_loss). --halving cuts trials early: all train 1 epoch, the best 1/η go on to η epochs, \
            the best 1/η of those to η², and so on to the full epochs. The folder receives trials.jsonl (every \
            trial's values, metric per epoch and status), scatter.svg (the metric against each value) and \
            best.yaml (the best trial's spec, loadable by nnc train). Rerunning the same command on the folder \
            resumes: ended trials are kept, an unfinished one is trained again; more --trials extend the \
            search. Exit status: 0 done, 1 spec, data or search errors, 64 usage errors, 130 interrupted.
            """)

    @OptionGroup var options: ModelOptions

    @Option(help: "Trials to train.")
    var trials = 10

    @Option(help: "Seed of the search: which values each trial gets (default: the spec's train.seed).")
    var seed: UInt64?

    @Option(help: "Epochs each trial trains (overrides train.epochs).")
    var epochs: Int?

    @Option(help: "The validation figure trials are ranked by (default: val_<first metric>, or val_loss).")
    var metric: String?

    @Flag(help: "Successive halving: cut the trials that fall behind after 1, η, η², … epochs.")
    var halving = false

    @Option(help: "With --halving: keep the best 1/η of the trials at each rung.")
    var eta = 3

    @Option(help: "Threads of each trial (default: all cores, at most 256, divided among --parallel trials).")
    var threads: Int?

    @Option(name: [.customShort("o"), .customLong("out")], help: "The search folder (default: runs/<model>-tune).")
    var out: String?

    @Option(
        help:
            "Trials trained at once, each in its own process (of this binary) with --threads threads (default: the cores divided among them)."
    )
    var parallel = 1

    @Option(help: .hidden) var worker: Int?
    @Option(help: .hidden) var until: Int?
    @Flag(help: .hidden) var resumeTrial = false

    @Flag(help: "Print nothing but errors and the results (no line per trial).")
    var quiet = false

    @Option(
        name: .customLong("mpi-timeout"),
        help: ArgumentHelp(
            "Under mpirun: seconds a rank waits for the others at the end of a rung's trials before it stops with E0703 (default 86,400).",
            valueName: "seconds"))
    var mpiTimeout: Double?

    func validate() throws {
        try options.refuseBind("tune")
        if let mpiTimeout, !(mpiTimeout > 0 && mpiTimeout <= 7 * 86400) {
            throw ValidationError("--mpi-timeout must be between 0 and 604,800 seconds; got \(mpiTimeout)")
        }
        if MPIWorld.launchedSize != nil && (parallel > 1 || worker != nil) {
            throw ValidationError("under mpirun the ranks are the workers: drop --parallel")
        }
        try OptionChecks.check(trials, "trials", in: 1...10_000)
        try OptionChecks.check(epochs, "epochs", in: OptionChecks.specInteger)
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
        try OptionChecks.check(eta, "eta", in: 2...100)
        try OptionChecks.check(parallel, "parallel", in: 1...64)
    }

    func run() throws {
        let source = try options.source()
        let world: MPIWorld?
        do {
            world = try MPIWorld.start(
                timeout: mpiTimeout ?? 86400, bucketBytes: GradientBuckets.defaultBytes,
                at: SourceLocation(file: source, line: 0, column: 0))
        } catch {
            options.report(error.diagnostics)
            throw ExitCode(1)
        }
        // Under mpirun a signal ends the job; the search resumes from its log with the same command.
        if world == nil { TrainCommand().installInterruptHandlers() }
        var settings = Tuner.Settings(
            trials: trials, seed: seed, epochs: epochs, metric: metric, halving: halving ? eta : nil,
            threads: threads ?? (parallel > 1 ? max(1, OptionChecks.threads(nil) / parallel) : world == nil ? nil : 1),
            outputDirectory: out)
        if let worker { return try work(source, settings: settings, trial: worker) }
        let interrupted = { interruptRequested.load(ordering: .relaxed) }
        if let world, world.rank > 0 {
            do {
                try Tuner.serveRank(source, settings: settings, world: world, interrupted: interrupted)
            } catch {
                options.report(error.diagnostics)
                throw ExitCode(1)
            }
            world.finish()
            return
        }
        settings.parallel = world?.size ?? parallel
        if let world {
            settings.workers = Tuner.spreadOverRanks(source, settings: settings, world: world, interrupted: interrupted)
        } else if parallel > 1 {
            settings.workers = startWorkers
        }
        let result: Tuner.Result
        do {
            result = try Tuner.run(
                source,
                settings: settings,
                progress: { line in if !quiet { Terminal.printError(line) } },
                interrupted: interrupted)
            if let world {
                try Tuner.endRanks(world)
                world.finish()
            }
        } catch {
            options.report(error.diagnostics)
            throw ExitCode(1)
        }
        if result.interrupted {
            Terminal.printError("interrupted; resume the search with the same command (finished trials are kept)")
            throw ExitCode(130)
        }
        if options.format == .json {
            print(result.json)
        } else {
            print(result.text)
            print("trials: \(result.folder)/\(Tuner.logName)   plot: \(result.folder)/\(Tuner.plotName)")
        }
        if result.best == nil { throw ExitCode(1) }
    }

    /// `--worker K`: one stretch of trial K of the search in the folder, its report as one JSON line.
    func work(_ source: SourceFile, settings: Tuner.Settings, trial: Int) throws {
        do {
            let report = try Tuner.work(
                source, settings: settings, task: TrialWork(trial: trial, until: until, resume: resumeTrial),
                interrupted: { interruptRequested.load(ordering: .relaxed) })
            print(JSONReports.encode(report).replacingOccurrences(of: "\n", with: ""))
        } catch {
            options.report(error.diagnostics)
            throw ExitCode(1)
        }
    }

    /// Starts this binary with `--worker` for each trial, at most --parallel at a time, and
    /// collects their reports; a worker that ends without one (its errors are on stderr)
    /// stops the search.
    func startWorkers(_ work: [TrialWork], _ search: Tuner.Workers) throws(TrainingFailure) -> [TrialReport] {
        let reports = WorkerReports(count: work.count)
        let slots = DispatchSemaphore(value: parallel)
        let group = DispatchGroup()
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        for (index, task) in work.enumerated() {
            var arguments = [
                "tune", options.model, "--worker", "\(task.trial)", "--trials", "\(task.trial)", "--seed",
                "\(search.seed)", "-o", search.folder, "--threads",
                "\(threads ?? max(1, OptionChecks.threads(nil) / parallel))",
            ]
            if let until = task.until { arguments += ["--until", "\(until)"] }
            if task.resume { arguments.append("--resume-trial") }
            if let epochs { arguments += ["--epochs", "\(epochs)"] }
            if let metric = search.metric { arguments += ["--metric", metric] }
            if options.noColor { arguments.append("--no-color") }
            slots.wait()
            DispatchQueue.global().async(group: group) { [arguments] in
                defer { slots.signal() }
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                let output = Pipe()
                process.standardOutput = output
                guard (try? process.run()) != nil else { return }
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { return }
                reports.set(index, try? JSONDecoder().decode(TrialReport.self, from: data))
            }
        }
        group.wait()
        let all = reports.all
        guard all.allSatisfy({ $0 != nil }) else { throw TrainingFailure([]) }
        return all.map { $0! }
    }
}

/// The reports of a rung's worker processes, filled in from the threads that wait for them.
final class WorkerReports: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [TrialReport?]
    init(count: Int) { reports = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ report: TrialReport?) { lock.withLock { reports[index] = report } }
    var all: [TrialReport?] { lock.withLock { reports } }
}
