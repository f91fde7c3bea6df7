import ArgumentParser
import NNCDriver

struct PuzzleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "puzzle", abstract: "(not built yet)")
    func run() throws {}
}
