import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Run the model's unit tests before a long training: initial loss, one batch by heart, gradients, data.",
        discussion: """
            On the spec's data, seed and threads, in seconds: the untrained loss against its expected value \
            (ln C for C-class cross-entropy); one training step, after which every trainable tensor must have \
            changed and no frozen one, with each tensor's gradient norm and relative update and each layer's \
            dead ReLU units or saturated sigmoid/tanh outputs; one batch of the spec's size trained alone \
            until its loss falls below a tenth of its start; the data's class balance, missing classes, input \
            scale and samples shared between training and validation or test; and a --batch-size against the \
            linear-scaling rule. Each finding has a D-code (nnc explain D0201) and a location in the spec. \
            Exit status: 0 healthy (warnings allowed), 1 an error finding or a spec or data error, 64 usage errors.
            """)

    @OptionGroup var options: ModelOptions

    @OptionGroup var settings: RunOptions

    @Option(help: "Most steps the single batch may take to be learned by heart.")
    var steps = 500

    func validate() throws {
        try options.refuseBind("doctor")
        try OptionChecks.check(steps, "steps", in: 1...100_000)
    }

    func run() throws {
        let source = try options.source()
        let report: Doctor.Report
        do {
            report = try Doctor.examine(source, settings: Doctor.Settings(overrides: settings.overrides, steps: steps))
        } catch {
            // Spec and data errors go to stderr, as `train` reports them, in either format.
            options.report(error.diagnostics)
            throw ExitCode(1)
        }
        if options.format == .json {
            print(report.json)
        } else {
            print(report.text)
            options.report(report.findings)
        }
        if report.hasErrors { throw ExitCode(1) }
    }
}
