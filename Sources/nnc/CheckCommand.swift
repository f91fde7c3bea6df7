import ArgumentParser
import NNCDriver
import NNCSpec

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check a model: every error at once with its location, or the shape trace with the conv/pool arithmetic.",
        discussion: "Exit status: 0 when the model checks (warnings allowed), 1 when it has errors, 64 on usage errors."
    )

    @OptionGroup var options: ModelOptions

    @Flag(help: "Print the fully resolved spec: every default filled in, blocks and repeats expanded.")
    var defaults = false

    func run() throws {
        let result = options.check(readingData: true)
        if options.format == .json {
            print(JSONReports.check(result))
        } else {
            if !result.hasErrors, let graph = result.graph, let spec = result.spec {
                if defaults {
                    print(ResolvedSpec.render(spec), terminator: "")
                } else {
                    print(
                        "\(result.file.path): \(spec.name): \((graph.nodes.count - 1).counted("layer")), \(graph.totalParams.counted("parameter"))"
                    )
                    print(ShapeTrace.render(graph), terminator: "")
                }
            }
            options.report(result.diagnostics)
            if !result.hasErrors, !defaults {
                print("ok")
            }
        }
        if result.hasErrors { throw ExitCode(1) }
    }
}
