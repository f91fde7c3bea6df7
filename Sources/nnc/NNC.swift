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
            BenchCommand.self, DoctorCommand.self, LRFindCommand.self, TuneCommand.self, ShowCommand.self,
            ImportCommand.self, ExportCommand.self,
        ])

    /// ArgumentParser calls a mistyped subcommand an "unexpected argument"; name it and the
    /// closest command instead, then parse as usual.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = unknownSubcommand(arguments) {
            Terminal.printError("Error: \(message)\nUsage: nnc <subcommand>\n  See 'nnc --help' for more information.")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(optionalTensorBoardFolder(arguments))
    }

    /// `train --tensorboard` takes its folder optionally, which ArgumentParser's options
    /// cannot: a bare `--tensorboard` (last, or before another option, or before the model
    /// file, an existing file) becomes the hidden flag for the run folder's own.
    static func optionalTensorBoardFolder(_ arguments: [String]) -> [String] {
        guard arguments.first == "train" else { return arguments }
        var rewritten = arguments
        for (i, argument) in arguments.enumerated() where argument == "--tensorboard" {
            let next = i + 1 < arguments.count ? arguments[i + 1] : nil
            var isDirectory: ObjCBool = false
            let namesFile = next.map {
                FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
            if next == nil || next!.hasPrefix("-") || namesFile == true { rewritten[i] = "--tensorboard-in-run-folder" }
        }
        return rewritten
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
