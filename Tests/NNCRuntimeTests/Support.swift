import Foundation
import NNCDriver
import NNCPlan
import NNCRuntime
import NNCSpec
import NNCTestSupport

/// The repository root (for models/).
let repositoryRoot = Repository.root

func modelPath(_ name: String) -> String { repositoryRoot.appendingPathComponent("models/\(name)").path }

/// Compiles a model from YAML text (a clean spec is required).
func compile(_ yaml: String, _ options: LoweringOptions, planner: MemoryPlanner = GreedyPlanner()) throws
    -> ExecutionPlan
{
    let result = Driver.compile(SourceFile(path: "test.yaml", text: yaml), options: options, planner: planner)
    guard let plan = result.plan else {
        throw CompileFailure(description: DiagnosticRenderer().render(result.diagnostics))
    }
    return plan
}

struct CompileFailure: Error, CustomStringConvertible { var description: String }

/// The fast and reference executors after one run of `plan` with the same parameters (in plan
/// order), input and target (none for inference, or when the plan has none).
func runBothExecutors(
    _ plan: ExecutionPlan, parameters: [[Double]], input: [Double], target: [Double]?, threads: Int
) -> (Executor, ReferenceExecutor) {
    let fast = Executor(plan: plan, threads: threads)
    let reference = ReferenceExecutor(plan: plan)
    for (p, values) in zip(plan.parameters, parameters) {
        fast.write(p.buffer, values.map(Float.init))
        reference.write(p.buffer, values)
    }
    fast.prepare()
    reference.prepare()
    fast.write(plan.input, numbers: input)
    reference.write(plan.input, input)
    if let target {
        fast.write(plan.target!, numbers: target)
        reference.write(plan.target!, target)
    }
    fast.run()
    reference.run()
    return (fast, reference)
}
