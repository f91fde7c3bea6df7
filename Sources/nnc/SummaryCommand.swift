import ArgumentParser
import NNCDriver
import NNCGraph

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a Keras-style summary: output shapes, exact parameter counts, memory and FLOPs.",
        discussion: "With errors, the layers that could be checked are still printed, then the diagnostics (exit 1).")

    @OptionGroup var options: ModelOptions

    @Flag(help: "Print each layer's formulas with the numbers filled in.")
    var explain = false

    @Option(help: "Parameter-count convention where frameworks differ (recurrent biases): keras or pytorch.")
    var convention: Convention = .keras

    func run() throws {
        var result = options.check()
        if convention != .keras, let spec = result.spec {
            var builder = GraphBuilder(spec: spec, convention: convention)
            result.graph = builder.build()
        }
        if options.format == .json {
            print(JSONReports.summary(result, convention: convention))
        } else if let graph = result.graph {
            print(SummaryTable.render(graph, explain: explain, convention: convention), terminator: "")
        }
        if options.format == .text { options.report(result.diagnostics) }
        if result.hasErrors { throw ExitCode(1) }
    }
}
