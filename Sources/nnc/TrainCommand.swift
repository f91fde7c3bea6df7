import ArgumentParser
import Foundation
import NNCDriver
import NNCGraph
import NNCSpec
import Synchronization

/// Set by SIGINT/SIGTERM: the run writes a checkpoint after the current batch and stops.
let interruptRequested = Atomic<Bool>(false)

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on the data its spec names: progress, validation, checkpoints, test metrics.",
        discussion: """
            Compiles the training plan and trains with the spec's optimizer, schedule, regularization, \
            early stopping and checkpoints. The run folder (default runs/<model>, or --out) receives \
            checkpoint.safetensors (resume with --resume DIR), weights.safetensors (for nnc eval and \
            nnc predict), metrics.jsonl (one line per epoch), curves.svg and results.json (and \
            monitor.jsonl with --monitor); the loss \
            curves are also drawn as text at the end of the run. One run at a time holds the folder (a second one is refused with the holder's pid), and the final weights \
            are written before the optional files, so one that cannot be written costs only itself. \
            Ctrl-C finishes the current batch, writes a checkpoint and exits with status 130; \
            `nnc train --resume DIR` then continues exactly where the run stopped. \
            Exit status: 0 trained, 1 spec, data or training errors (or a file of the run folder not \
            written), 64 usage errors, 130 interrupted.
            """)

    @Argument(help: "The model file (.yaml or .nn); optional with --resume, which keeps the spec the run started with.")
    var model: String?

    @Option(help: "Continue the run in this folder (or from this checkpoint file) exactly where it stopped.")
    var resume: String?

    @Option(help: "Epochs to train (overrides train.epochs).")
    var epochs: Int?

    @OptionGroup var settings: RunOptions

    @Option(help: "The run folder (default: train.checkpoint.dir, or runs/<model>).")
    var out: String?

    @Flag(help: "Print nothing but errors (and the JSON with --format json).")
    var quiet = false

    @Option(help: "Output format: text or json (a final JSON object on stdout; progress goes to stderr).")
    var format: OutputFormat = .text

    @Flag(help: "Never color diagnostics.")
    var noColor = false

    @Option(
        help:
            "Train an ensemble of this many members (seeds seed, seed + 1, …), each in its own run folder (member-1, …) under the run folder, then score the committee on the test split (overrides the spec's ensemble.members)."
    )
    var seeds: Int?

    @Flag(
        help:
            "With --seeds or the spec's ensemble: each member trains on its own bootstrap sample of the training data (bagging)."
    )
    var bagging = false

    @Flag(
        help:
            "Per-layer statistics at the end of every epoch: weight and gradient norms, update/weight ratio (about 1e-3 is healthy), activation mean and std, dead ReLU or saturated sigmoid/tanh fractions; printed as a table and written to monitor.jsonl in the run folder."
    )
    var monitor = false

    @Option(
        name: .customLong("monitor-every"), help: "With --monitor (implied): report every N steps instead, from step 0."
    )
    var monitorEvery: Int?

    /// The monitor of one run, when asked for.
    var trainingMonitor: TrainingMonitor? {
        if let monitorEvery { return TrainingMonitor(every: .steps(monitorEvery)) }
        return monitor ? TrainingMonitor(every: .epoch) : nil
    }

    @Option(
        name: .customLong("tensorboard"),
        help: ArgumentHelp(
            "Write TensorBoard event files (scalars, weight and gradient histograms, the first layer's weights as an image) into DIR/train and DIR/validation, as Keras's TensorBoard callback does; DIR may be left out: 'tensorboard' in the run folder.",
            valueName: "dir"))
    var tensorboard: String?

    /// A bare `--tensorboard`, as `NNC.optionalTensorBoardFolder` rewrites it.
    @Flag(name: .customLong("tensorboard-in-run-folder"), help: .hidden)
    var tensorboardInRunFolder = false

    @Option(
        name: .customLong("histogram-freq"),
        help: ArgumentHelp(
            "With --tensorboard: epochs between weight and gradient histograms and first-layer images, 0 for none (default 1; Keras's histogram_freq).",
            valueName: "k"))
    var histogramFrequency: Int?

    @Option(
        name: .customLong("update-freq"),
        help: ArgumentHelp(
            "With --tensorboard: also write batch_loss, batch_<metric> and batch_learning_rate every N steps (default: per epoch only; Keras's update_freq).",
            valueName: "n"))
    var updateFrequency: Int?

    @Option(
        name: .customLong("mpi-timeout"),
        help: ArgumentHelp(
            "Under mpirun: seconds any exchange between ranks waits for a peer before the run stops with E0703 (default 120).",
            valueName: "seconds"))
    var mpiTimeout: Double?

    @Option(
        name: .customLong("mpi-bucket-bytes"),
        help: ArgumentHelp(
            "Under mpirun: gradients are all-reduced in buckets of at least this many bytes, each sent as soon as backward completes it (default 1 MiB).",
            valueName: "bytes"))
    var mpiBucketBytes: Int?

    @Flag(
        name: .customLong("mpi-report"),
        help:
            "Under mpirun: every rank prints, at the end, its mean step time, the time it waited for gradient all-reduces and the time its communication thread spent on them."
    )
    var mpiReport = false

    func validate() throws {
        if let mpiTimeout, !(mpiTimeout > 0 && mpiTimeout <= 86400) {
            throw ValidationError("--mpi-timeout must be between 0 and 86,400 seconds; got \(mpiTimeout)")
        }
        try OptionChecks.check(mpiBucketBytes, "mpi-bucket-bytes", in: 4...(1 << 30))
        if MPIWorld.launchedSize != nil {
            let unsupported = [
                (seeds != nil, "--seeds"), (bagging, "--bagging"), (monitor || monitorEvery != nil, "--monitor"),
                (tensorboard != nil || tensorboardInRunFolder, "--tensorboard"),
            ].filter(\.0).map(\.1)
            if let first = unsupported.first {
                throw ValidationError("\(first) is not available under mpirun; train without mpirun to use it")
            }
        }
        try OptionChecks.check(monitorEvery, "monitor-every", in: OptionChecks.specInteger)
        try OptionChecks.check(histogramFrequency, "histogram-freq", in: 0...OptionChecks.specInteger.upperBound)
        try OptionChecks.check(updateFrequency, "update-freq", in: 1...OptionChecks.specInteger.upperBound)
        if tensorboard != nil && tensorboardInRunFolder {
            throw ValidationError("give --tensorboard once")
        }
        if (histogramFrequency != nil || updateFrequency != nil) && tensorboard == nil && !tensorboardInRunFolder
            && resume == nil
        {
            throw ValidationError("--histogram-freq and --update-freq set what --tensorboard writes: add --tensorboard")
        }
        if model == nil && resume == nil { throw ValidationError("give a model file, or --resume DIR") }
        try OptionChecks.check(epochs, "epochs", in: OptionChecks.specInteger)
        try OptionChecks.check(seeds, "seeds", in: 2...1000)
        if seeds != nil && (resume != nil || model == nil) {
            throw ValidationError("--seeds trains a new ensemble; resume a member with --resume FOLDER/member-K")
        }
    }

    func run() throws {
        if let resume,
            FileManager.default.fileExists(atPath: (resume as NSString).appendingPathComponent(Ensemble.manifestName))
        {
            throw ValidationError(
                "'\(resume)' is an ensemble's folder, not one run; resume a member with --resume \(resume)/member-K")
        }
        if let ensemble = try ensemble() {
            if MPIWorld.launchedSize != nil {
                throw ValidationError("an ensemble is not trained under mpirun; train it without mpirun")
            }
            return try trainEnsemble(ensemble)
        }
        let world: MPIWorld?
        do {
            world = try MPIWorld.start(
                timeout: mpiTimeout ?? MPIWorld.defaultTimeout,
                bucketBytes: mpiBucketBytes ?? GradientBuckets.defaultBytes,
                at: SourceLocation(file: SourceFile(path: model ?? resume ?? "", text: ""), line: 0, column: 0))
        } catch {
            report(error.diagnostics)
            throw ExitCode(1)
        }
        _ = try train(
            TrainingOptions.Overrides(
                // One thread per rank unless asked: the ranks share the machine's cores.
                epochs: epochs, batchSize: settings.batchSize, seed: settings.seed,
                threads: settings.threads ?? (world == nil ? nil : 1),
                outputDirectory: out, tensorboard: tensorboardFolder(member: nil),
                histogramFrequency: histogramFrequency, updateFrequency: updateFrequency), world: world)
        world?.finish()
    }

    /// One run with `overrides`; its result, or the exit the run ends with. An ensemble's
    /// members print no JSON of their own: the ensemble's object is the one.
    /// Under mpirun (`world`), rank 0 alone prints progress and results; every rank reports
    /// its own errors (other ranks' with their rank first).
    func train(_ overrides: TrainingOptions.Overrides, printsJSON: Bool = true, world: MPIWorld? = nil) throws
        -> TrainingResult
    {
        let leads = (world?.rank ?? 0) == 0
        let quiet = self.quiet || !leads
        let printer: TrainingObserver = quiet ? SilentObserver() : ProgressPrinter(toStandardError: format == .json)
        let session: TrainingSession
        do {
            session = try TrainingSession.make(model: model, resume: resume, overrides: overrides, world: world)
        } catch {
            report(error.diagnostics, world: world)
            throw ExitCode(1)
        }
        report(session.warnings)
        session.trainer.monitor = trainingMonitor
        for note in session.notes where !quiet { printer.note(note) }
        // Under mpirun a signal ends the job (mpirun passes it to every rank); resume from the last checkpoint.
        if world == nil { installInterruptHandlers() }
        let result: TrainingResult
        let firstStep = session.trainer.state.step
        do {
            result = try session.trainer.run(observer: printer) { interruptRequested.load(ordering: .relaxed) }
        } catch {
            report(error.diagnostics, world: world)
            throw ExitCode(1)
        }
        if mpiReport,
            let line = session.trainer.collectiveReport(
                steps: result.state.step - firstStep, seconds: session.trainer.trainingSeconds)
        {
            Terminal.printError(line)
        }
        guard leads else { return result }
        if format == .json && printsJSON { print(TrainingReport.json(result)) }
        // Files that could not be written although the run finished (its weights are saved).
        report(result.unwritten)
        if result.interrupted {
            if !quiet { printer.note("resume with: nnc train --resume \(result.runDirectory)") }
            throw ExitCode(130)
        }
        if !quiet, format == .text {
            for line in LearningCurves.text(history: result.history) { print(line) }
            print(
                "weights: \(result.weightsPath)   log: \(result.runDirectory)/metrics.jsonl   curves: \(result.runDirectory)/curves.svg"
            )
            if let events = session.trainer.options.tensorboard {
                print("tensorboard: tensorboard --logdir \(events.directory)")
            }
        }
        if !result.unwritten.isEmpty { throw ExitCode(1) }
        return result
    }

    /// `--tensorboard`'s folder for the overrides: "" for the run folder's own, else DIR made
    /// absolute (a checkpoint keeps it; a resume may start elsewhere), with an ensemble
    /// member's own subfolder `member-K` so that TensorBoard shows each member as a run.
    func tensorboardFolder(member: Int?) -> String? {
        if tensorboardInRunFolder { return "" }
        guard let tensorboard else { return nil }
        if tensorboard.isEmpty { return "" }
        var folder = URL(fileURLWithPath: tensorboard).standardizedFileURL.path
        if let member { folder += "/member-\(member)" }
        return folder
    }

    /// The ensemble this command trains: `--seeds N [--bagging]`, else the spec's `ensemble:`
    /// (with `--bagging` turning bagging on), else nil. A resume continues one member, so the
    /// spec's key does not apply to it; `--bagging` without an ensemble is a usage error.
    func ensemble() throws -> EnsembleSettings? {
        var declared: EnsembleSettings?
        if resume == nil, let model, let source = try? Driver.loadSource(model) {
            // A spec with errors has no ensemble: the run reports them as it always did.
            let checked = Driver.check(source)
            if !checked.hasErrors { declared = checked.graph?.training.ensemble }
        }
        if let seeds { return EnsembleSettings(members: seeds, bagging: bagging || declared?.bagging == true) }
        if var declared {
            declared.bagging = declared.bagging || bagging
            return declared
        }
        if bagging {
            throw ValidationError(
                "--bagging trains ensemble members: give --seeds N, or declare `ensemble: {members: N}` in the spec")
        }
        return nil
    }

    /// `--seeds N` or the spec's `ensemble:`: N runs into member-1 … member-N of the run
    /// folder, the manifest, and the committee scored on the test split beside each member.
    func trainEnsemble(_ ensemble: EnsembleSettings) throws {
        let members = ensemble.members
        let bagging = ensemble.bagging
        let folder: (path: String, seed: UInt64, name: String)
        do {
            folder = try Ensemble.folder(model: model!, out: out, seed: settings.seed)
        } catch {
            report(error.diagnostics)
            throw ExitCode(1)
        }
        var weights: [String] = []
        var seeds: [UInt64] = []
        for k in 0..<members {
            let memberSeed = folder.seed &+ UInt64(k)
            if !quiet { Terminal.printError("ensemble member \(k + 1) of \(members), seed \(memberSeed)") }
            let result = try train(
                TrainingOptions.Overrides(
                    epochs: epochs, batchSize: settings.batchSize, seed: memberSeed, threads: settings.threads,
                    outputDirectory: (folder.path as NSString).appendingPathComponent("member-\(k + 1)"),
                    bagging: bagging ? true : nil, tensorboard: tensorboardFolder(member: k + 1),
                    histogramFrequency: histogramFrequency, updateFrequency: updateFrequency), printsJSON: false)
            weights.append(result.weightsPath)
            seeds.append(memberSeed)
        }
        let manifest = Ensemble.Manifest(
            model: folder.name, members: (1...members).map { "member-\($0)/weights.safetensors" }, seeds: seeds,
            bagging: bagging)
        do {
            try Ensemble.write(manifest, in: folder.path)
        } catch {
            Terminal.printError("error: the ensemble's manifest could not be written in '\(folder.path)': \(error)")
            throw ExitCode(1)
        }
        do {
            let evaluation = try Ensemble.evaluate(
                model: model!, weights: weights, rule: .mean, threads: OptionChecks.threads(settings.threads),
                split: "test"
            ) { session throws(TrainingFailure) in
                guard let test = try session.data(seed: folder.seed).test else {
                    throw TrainingFailure([])
                }
                return test
            }
            if format == .json { print(evaluation.json) } else if !quiet { print(evaluation.text) }
        } catch  where error.diagnostics.isEmpty {
            if !quiet { print("ensemble: \(folder.path) (no test split to score it on)") }
        } catch {
            report(error.diagnostics)
            throw ExitCode(1)
        }
        if !quiet, format == .text { print("ensemble: \(folder.path)/\(Ensemble.manifestName)") }
    }

    func report(_ diagnostics: [Diagnostic], world: MPIWorld? = nil) {
        // What every rank finds alike (a batch without a share for some rank, a disagreement):
        // rank 0 reports it; the others give it a few seconds to, before their exit ends the job.
        let collective: Set<DiagnosticCode> = [.batchSmallerThanRanks, .ranksDisagree]
        let shown = diagnostics.filter { (world?.rank ?? 0) == 0 || !collective.contains($0.code) }
        if shown.isEmpty && !diagnostics.isEmpty && world != nil { sleep(5) }
        guard !shown.isEmpty else { return }
        let color = !noColor && isatty(2) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let text = DiagnosticRenderer(useColor: color).render(shown)
        if let world, world.rank > 0 {
            Terminal.printError("rank \(world.rank) of \(world.size):\n" + text)
        } else {
            Terminal.printError(text)
        }
    }

    /// The first Ctrl-C (or SIGTERM) asks for a checkpoint and a clean stop; a second one
    /// ends the process at once.
    func installInterruptHandlers() {
        // A parent may have started us with these signals blocked (test runners do); a
        // blocked Ctrl-C would never reach the handler.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                interruptRequested.store(true, ordering: .relaxed)
                signal(received, SIG_DFL)
            }
        }
    }
}
