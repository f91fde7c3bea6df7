import ArgumentParser
import Foundation
import NNCDriver

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract:
            "Print the learning rate (and momentum) at every epoch of the run a spec declares, with a text chart.",
        discussion: """
            Reads the training data only to count the steps per epoch (after the validation and test splits, \
            with the batch size and drop_last, and a batch_schedule's sizes). --steps-per-epoch skips \
            that (every epoch then has that many).
            """)

    @OptionGroup var options: ModelOptions

    @Option(help: "Epochs (overrides train.epochs).")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Samples per step (overrides train.batch_size).")
    var batchSize: Int?

    @Option(name: .customLong("steps-per-epoch"), help: "Steps per epoch, instead of counting the training data.")
    var stepsPerEpoch: Int?

    func validate() throws {
        try options.refuseBind("schedule")
        try OptionChecks.check(epochs, "epochs", in: 1...ScheduleReport.maxEpochs)
        try OptionChecks.check(batchSize, "batch-size", in: OptionChecks.specInteger)
        try OptionChecks.check(stepsPerEpoch, "steps-per-epoch", in: OptionChecks.specInteger)
    }

    func run() throws {
        let result = options.check()
        guard !result.hasErrors, let spec = result.spec, let graph = result.graph else {
            options.report(result.diagnostics)
            throw ExitCode(1)
        }
        let training = TrainingOptions(
            graph: graph, modelFile: spec.file, overrides: .init(epochs: epochs, batchSize: batchSize))
        let steps: Int
        var samples: Int?
        if let stepsPerEpoch {
            steps = stepsPerEpoch
        } else {
            do {
                let count = try DataLoading.trainingSamples(spec, graph: graph, options: training)
                samples = count
                steps = DataLoading.stepsPerEpoch(samples: count, options: training)
            } catch {
                options.report(error.diagnostics)
                Terminal.printError("(give --steps-per-epoch N to print the schedule without the data)")
                throw ExitCode(1)
            }
        }
        if let refusal = ScheduleReport.refusal(epochs: training.epochs, stepsPerEpoch: steps) {
            Terminal.printError("error: \(refusal)")
            throw ExitCode(1)
        }
        let report = ScheduleReport(spec: spec, options: training, stepsPerEpoch: steps, trainingSamples: samples)
        if options.format == .json { try printJSON(report.json) } else { print(report.render(), terminator: "") }
    }
}
