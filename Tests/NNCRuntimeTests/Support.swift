import Foundation
import NNCDriver
import NNCPlan
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
