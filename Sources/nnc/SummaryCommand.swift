import ArgumentParser
import NNCDriver

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "(not built yet)")
    func run() throws {}
}
