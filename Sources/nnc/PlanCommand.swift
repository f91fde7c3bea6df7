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

    @Option(
        help:
            "Show the training step of one of N ranks under mpirun (its share of the batch, updates after backward) and where each gradient all-reduce starts and is waited for."
    )
    var ranks: Int?

    @Option(name: .customLong("mpi-bucket-bytes"), help: "With --ranks: the gradient bucket size (default 1 MiB).")
    var mpiBucketBytes: Int?

    func validate() throws {
        try OptionChecks.check(ranks, "ranks", in: 2...4096)
        try OptionChecks.check(mpiBucketBytes, "mpi-bucket-bytes", in: 4...(1 << 30))
        if ranks != nil && plan.inference { throw ValidationError("--ranks shows a training step: drop --inference") }
        if let ranks, let batch = plan.batch, ranks > batch {
            throw ValidationError("--ranks \(ranks) leaves ranks without samples of a batch of \(batch)")
        }
        if ranks != nil && options.format == .json {
            throw ValidationError("--ranks is shown as text: drop --format json")
        }
        if mpiBucketBytes != nil && ranks == nil { throw ValidationError("--mpi-bucket-bytes needs --ranks") }
    }

    func run() throws {
        // Under --ranks, the step of rank 0 (the largest share) with every update after backward.
        var batchBelowRanks: Int?
        let result = options.compile(choosing: { graph in
            var lowering = LoweringOptions(mode: plan.mode, batch: plan.batch ?? graph.training.train.largestBatch)
            if let ranks {
                if ranks > lowering.batch { batchBelowRanks = lowering.batch }
                lowering.batch = max(1, BatchShare.count(lowering.batch, rank: 0, ranks: ranks))
                lowering.defersUpdates = true
            }
            return lowering
        })
        if let ranks, let batch = batchBelowRanks {
            throw ValidationError("--ranks \(ranks) leaves ranks without samples of the spec's batch of \(batch)")
        }
        if options.format == .text { options.report(result.diagnostics) }
        guard let compiled = result.plan else {
            if options.format == .json { print(JSONReports.check(result.check)) }
            throw ExitCode(1)
        }
        if options.format == .json {
            try printJSON(PlanReport.json(compiled))
        } else {
            print(PlanReport.text(compiled), terminator: "")
            if let ranks {
                let bytes = mpiBucketBytes ?? GradientBuckets.defaultBytes
                let buckets = GradientBuckets(plan: compiled, bucketBytes: bytes)
                print(buckets.text(compiled, ranks: ranks, bucketBytes: bytes), terminator: "")
            }
        }
    }
}
