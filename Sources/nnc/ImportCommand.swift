import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a Keras model's architecture (model.to_json()) into an nnc YAML spec.",
        discussion: """
            Layers, their settings, initializers and regularizers are written with nnc's names; the \
            spec is then checked as `nnc check` would. A layer or setting nnc cannot express is an \
            error at its line in the JSON file, and nothing is written; an initializer or regularizer \
            without an nnc spelling is a warning (the layer keeps nnc's default). The JSON holds no \
            loss, optimizer or data: add them to train. Exit status: 0 written, 1 refused, 64 usage.
            """)

    @Argument(help: "The Keras model's JSON file.")
    var file: String

    @Option(name: .shortAndLong, help: "Write the spec to this file (default: print it).")
    var output: String?

    func run() throws {
        let result: KerasImport.Result
        do {
            result = try KerasImport.convert(path: file)
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
        Terminal.report(result.diagnostics)
        guard !result.diagnostics.contains(where: { $0.severity == .error }) else { throw ExitCode(1) }
        // The spec must check as nnc reads it: a failure here is the importer's own mistake.
        let checked = Driver.check(SourceFile(path: output ?? "imported.yaml", text: result.yaml))
        guard !checked.hasErrors, let graph = checked.graph else {
            Terminal.report(checked.diagnostics)
            throw ExitCode(1)
        }
        if let output {
            do {
                try result.yaml.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                Terminal.printError("error: '\(output)' cannot be written: \(error.localizedDescription)")
                throw ExitCode(1)
            }
        } else {
            print(result.yaml, terminator: "")
        }
        Terminal.printError(
            "imported \((graph.nodes.count - 1).counted("layer")) from '\(file)': \(graph.totalParams.counted("parameter"))"
                + (output.map { "; spec written to \($0)" } ?? ""))
    }
}
