import ArgumentParser
import NNCDriver

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "(not built yet)")
    func run() throws {}
}
