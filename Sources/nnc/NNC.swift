import ArgumentParser

@main
struct NNC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnc",
        abstract: "A declarative neural-network model compiler: check, summarize and explain network specs.",
        subcommands: [CheckCommand.self, SummaryCommand.self, PlanCommand.self, GradcheckCommand.self, SchemaCommand.self, ExplainCommand.self, PuzzleCommand.self,
                      BenchCommand.self])
}
