import ArgumentParser
import NNCDriver
import NNCPlan

/// Options of the commands that compile a model: mode and batch size.
struct PlanOptions: ParsableArguments {
    @Flag(
        help: "Compile the inference plan (forward only, dropout off, batchnorm folded) instead of the training step.")
    var inference = false

    @Option(
        help: """
            Batch size the plan is compiled for (default: the spec's train.batch_size, or the largest size its \
            batch_schedule reaches, else 32; the batch nnc summary reports).
            """)
    var batch: Int?

    func validate() throws {
        if let batch { try OptionChecks.check(batch, "batch", in: OptionChecks.batch) }
    }

    var mode: LoweringOptions.Mode { inference ? .inference : .training }
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Compile a model and print its execution plan: instructions, buffers, lifetimes and memory.",
        discussion: """
            Lists every instruction of one step (fused kernels show in their names, e.g. gemm+bias+relu) with its \
            operands (in, out, inout), every transient buffer with its arena offset and lifetime drawn over the steps, \
            and the memory figures: the arena the planner chose, the lower bound (the most bytes live at once), the \
            naive sum, and the persistent segment (parameters, optimizer state, batchnorm statistics).
            """)

    @OptionGroup var options: ModelOptions
    @OptionGroup var plan: PlanOptions

    func run() throws {
        let result = options.compile(mode: plan.mode, batch: plan.batch)
        if options.format == .text { options.report(result.diagnostics) }
        guard let compiled = result.plan else {
            if options.format == .json { print(JSONReports.check(result.check)) }
            throw ExitCode(1)
        }
        if options.format == .json {
            try printJSON(PlanReport.json(compiled))
        } else {
            print(PlanReport.text(compiled), terminator: "")
        }
    }
}
