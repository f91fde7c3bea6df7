import ArgumentParser
import NNCSpec

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the YAML model format, generated from the layer registry.",
        discussion: "Grammar/nnc.schema.json is this output; point your editor's YAML language server at it.")

    @Flag(help: "Print the Markdown reference of every layer, component and section instead (Grammar/reference.md).")
    var reference = false

    func run() throws {
        print(reference ? ReferenceDocs.generate() : JSONSchema.generate(), terminator: "")
    }
}
