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
            in this process, one after another, with the spec's epochs (or --epochs) and training seed, in its \
            own run folder trial-K of the search folder (-o, default runs/<model>-tune). Trials are ranked by \
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

    @Option(help: "Threads of each trial (default: all cores, at most 256).")
    var threads: Int?

    @Option(name: [.customShort("o"), .customLong("out")], help: "The search folder (default: runs/<model>-tune).")
    var out: String?

    @Flag(help: "Print nothing but errors and the results (no line per trial).")
    var quiet = false

    func validate() throws {
        try OptionChecks.check(trials, "trials", in: 1...10_000)
        try OptionChecks.check(epochs, "epochs", in: OptionChecks.specInteger)
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
        try OptionChecks.check(eta, "eta", in: 2...100)
    }

    func run() throws {
        let source = try options.source()
        TrainCommand().installInterruptHandlers()
        let result: Tuner.Result
        do {
            result = try Tuner.run(
                source,
                settings: Tuner.Settings(
                    trials: trials, seed: seed, epochs: epochs, metric: metric, halving: halving ? eta : nil,
                    threads: threads, outputDirectory: out),
                progress: { line in if !quiet { Terminal.printError(line) } },
                interrupted: { interruptRequested.load(ordering: .relaxed) })
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
}
