import ArgumentParser
import Foundation
import NNCDriver
import NNCGraph
import NNCRuntime
import NNCSpec

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Turn a Keras model's architecture (model.to_json()) or an ONNX model into an nnc YAML spec (and weights).",
        discussion: """
            Layers, their settings, initializers and regularizers are written with nnc's names; the \
            spec is then checked as `nnc check` would. A layer or setting nnc cannot express is an \
            error at its line in the JSON file, and nothing is written; an initializer or regularizer \
            without an nnc spelling is a warning (the layer keeps nnc's default). The JSON holds no \
            loss, optimizer or data: add them to train. Exit status: 0 written, 1 refused, 64 usage.

            A .onnx file becomes a spec and a safetensors weights file in nnc's layout (beside the \
            spec, or --weights-out), for predict, eval and train --weights. A node nnc cannot express \
            is an error naming its index, name and op type (E0630).

            With --weights, a Keras JSON's weights (Keras 3's model.save_weights .weights.h5, read \
            with the system's libhdf5) are written as safetensors in nnc's layout too (beside the \
            spec, or --weights-out); a layer whose variables are missing or of another shape is an \
            error at the layer (E0636).
            """)

    @Argument(help: "The Keras model's JSON file, or an ONNX model (.onnx).")
    var file: String

    @Option(
        name: .customLong("weights"),
        help: "Keras: the model's weights as model.save_weights wrote them (.weights.h5).")
    var kerasWeights: String?

    @Option(name: .shortAndLong, help: "Write the spec to this file (default: print it).")
    var output: String?

    @Option(
        name: .customLong("weights-out"),
        help:
            "ONNX, or Keras with --weights: write the weights here (default: the spec's, or the imported file's, name with .safetensors)."
    )
    var weightsOutput: String?

    func run() throws {
        if file.lowercased().hasSuffix(".onnx") {
            if kerasWeights != nil {
                throw ValidationError(
                    "--weights reads a Keras .weights.h5 beside its JSON; an ONNX file holds its weights")
            }
            try importONNX()
            return
        }
        let result: KerasImport.Result
        do {
            result = try KerasImport.convert(path: file)
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
        Terminal.report(result.diagnostics)
        guard !result.diagnostics.contains(where: { $0.severity == .error }) else { throw ExitCode(1) }
        let graph = try checked(result.yaml)
        // The weights are read (and refused) before anything is written.
        var weights: SafeTensors?
        if let kerasWeights {
            let read = KerasWeights.read(h5: kerasWeights, json: result.source, graph: graph)
            Terminal.report(read.diagnostics)
            guard !read.hasErrors else { throw ExitCode(1) }
            weights = read.weights
        }
        try write(result.yaml, weights: weights, graph: graph)
    }

    /// The imported spec, checked as nnc reads it: a failure here is the importer's own mistake.
    private func checked(_ yaml: String) throws -> Graph {
        let checked = Driver.check(SourceFile(path: output ?? "imported.yaml", text: yaml))
        guard !checked.hasErrors, let graph = checked.graph else {
            Terminal.report(checked.diagnostics)
            throw ExitCode(1)
        }
        return graph
    }

    /// Writes the spec (or prints it without `-o`) and the weights (beside the spec or the
    /// source file unless `--weights-out`), then says what was imported.
    private func write(_ yaml: String, weights: SafeTensors?, graph: Graph) throws {
        let weightsPath = weights.map { _ in
            weightsOutput ?? ((output ?? file) as NSString).deletingPathExtension + ".safetensors"
        }
        do {
            if let output { try yaml.write(toFile: output, atomically: true, encoding: .utf8) }
            if let weights, let weightsPath { try weights.write(to: weightsPath) }
        } catch {
            Terminal.printError("error: the import cannot be written: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        if output == nil { print(yaml, terminator: "") }
        Terminal.printError(
            "imported \((graph.nodes.count - 1).counted("layer")) from '\(file)': \(graph.totalParams.counted("parameter"))"
                + (output.map { "; spec written to \($0)" } ?? "")
                + (weightsPath.map { "; weights written to \($0)" } ?? ""))
    }

    /// `nnc import model.onnx`: the spec, checked as nnc reads it, and the weights, checked
    /// against it; nothing is written when either fails.
    private func importONNX() throws {
        let result: ONNXImport.Result
        do {
            result = try ONNXImport.convert(path: file)
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
        Terminal.report(result.diagnostics)
        guard !result.hasErrors else { throw ExitCode(1) }
        try write(result.yaml, weights: result.weights, graph: try checked(result.yaml))
    }
}
