import ArgumentParser
import NNCDriver

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain", abstract: "(not built yet)")
    func run() throws {}
}
