import ArgumentParser

@main
struct NNC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnc",
        abstract: "A declarative neural-network model compiler: check, summarize, compile, train and run network specs.",
        subcommands: [CheckCommand.self, SummaryCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self, ScheduleCommand.self,
                      PlanCommand.self, GradcheckCommand.self, SchemaCommand.self, ExplainCommand.self, PuzzleCommand.self,
                      BenchCommand.self])
}
