import ArgumentParser
import Foundation
import NNCSpec

@main
struct NNC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnc",
        abstract:
            "A declarative neural-network model compiler: check, summarize, compile, train and run network specs.",
        version: Version.text,
        subcommands: [
            CheckCommand.self, SummaryCommand.self, TrainCommand.self, EvalCommand.self, PredictCommand.self,
            ScheduleCommand.self,
            PlanCommand.self, GradcheckCommand.self, SchemaCommand.self, ExplainCommand.self, PuzzleCommand.self,
            BenchCommand.self, DoctorCommand.self, LRFindCommand.self, TuneCommand.self, ExportCommand.self,
        ])

    /// ArgumentParser calls a mistyped subcommand an "unexpected argument"; name it and the
    /// closest command instead, then parse as usual.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = unknownSubcommand(arguments) {
            Terminal.printError("Error: \(message)\nUsage: nnc <subcommand>\n  See 'nnc --help' for more information.")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(arguments)
    }

    /// "unknown command 'chek'; did you mean 'check'?" when the first argument is not an
    /// option and names no subcommand; nil otherwise.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let shown = first.clipped(to: 40)
        return "unknown command '\(shown)'; "
            + (Suggestions.didYouMean(first, in: names) ?? "the commands are \(names.joined(separator: ", "))")
    }
}
