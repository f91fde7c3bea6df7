import ArgumentParser
import NNCDriver
import NNCGraph
import NNCPlan

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a Keras-style summary: output shapes, exact parameter counts, memory and FLOPs.",
        discussion: "With errors, the layers that could be checked are still printed, then the diagnostics (exit 1).")

    @OptionGroup var options: ModelOptions

    @Flag(help: "Print each layer's formulas with the numbers filled in.")
    var explain = false

    @Option(
        help:
            "Parameter-count convention where frameworks differ (recurrent biases, batchnorm statistics; prelu's α layouts noted): keras or pytorch."
    )
    var convention: Convention = .keras

    @Option(help: "Batch size of the plan memory lines (default: the spec's train.batch_size, else 32).")
    var batch: Int?

    @Option(
        help: "A memory budget such as 2GiB or 512MB: print the largest batch whose training and inference plans fit.")
    var memory: String?

    func validate() throws {
        try OptionChecks.check(batch, "batch", in: OptionChecks.batch)
        if let memory, MemoryReport.parseBytes(memory) == nil {
            throw ValidationError(
                "--memory must be a size such as 2GiB, 512MiB, 1.5GB or a number of bytes; got '\(memory)'")
        }
    }

    func run() throws {
        var result = options.check()
        // The plans (memory lines) are always nnc's own, compiled from the Keras-convention graph.
        let compiled = result.graph
        if convention != .keras, let spec = result.spec {
            result.graph = Checker.check(spec, convention: convention).0
        }
        if options.format == .json {
            print(JSONReports.summary(result, convention: convention))
        } else if let graph = result.graph {
            print(SummaryTable.render(graph, explain: explain, convention: convention), terminator: "")
            if !result.hasErrors, let symbolic = compiled?.symbolic {
                let bind = symbolic.names.map { "\($0)=…" }.joined(separator: ",")
                print("Plan memory: depends on \(symbolic.namesText) (nnc summary --bind \(bind) compiles the plans)")
            } else if !result.hasErrors, let compiled, compiled.isComplete, graph.isComplete, let spec = result.spec {
                print(
                    MemoryReport.lines(compiled, spec, batch: batch ?? MemoryReport.defaultBatch(compiled)),
                    terminator: "")
                if let memory, let budget = MemoryReport.parseBytes(memory) {
                    print("Largest batch within \(memory) (\(budget.grouped) bytes):")
                    for mode in [LoweringOptions.Mode.training, .inference]
                    where mode == .inference || compiled.training.loss != nil {
                        let fit = MemoryReport.largestBatch(compiled, spec, mode: mode, budget: budget)
                        let text = fit == 0 ? "none: batch 1 already needs more" : "batch \(fit.grouped)"
                        print("  \(mode == .training ? "training: " : "inference:") \(text)")
                    }
                }
            }
        }
        if options.format == .text { options.report(result.diagnostics) }
        if result.hasErrors { throw ExitCode(1) }
    }
}
