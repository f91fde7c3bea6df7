import NNCDiagnostics
import NNCGraph
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCSpec

extension Trainer {
    /// A training executor of `graph` for `batch` samples, initialized as a run with `options`
    /// starts (weights from the seed, the dropout seed), for the tools that train a copy of the
    /// model without a run folder (`nnc doctor`, `nnc lr-find`); refused with the plan's size
    /// when it does not fit in memory.
    static func freshExecutor(
        _ graph: Graph, _ spec: ModelSpec, batch: Int, options: TrainingOptions, pool: ThreadPool
    ) throws(TrainingFailure) -> Executor {
        let plan = try compile(graph, spec, LoweringOptions(mode: .training, batch: batch))
        if let refusal = MemoryBudget.refusal(
            needing: plan.totalBytes, what: "the training plan", mode: .training, batch: batch, graph: graph,
            spec: spec, at: spec.train?.valueLocation("batch_size") ?? spec.inputLocation)
        {
            throw TrainingFailure([refusal])
        }
        let executor = Executor(plan: plan, pool: pool)
        executor.initializeParameters(seed: options.seed)
        executor.seed = dropoutSeed(options.seed)
        return executor
    }
}
