import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the trained model's inference graph with its weights to another format: ONNX or PyTorch.",
        discussion: """
            --format onnx writes the inference graph (dropout left out, batchnorm folded into a scale and shift) with \
            the trained weights and the run's input preprocessing, opset \(ONNXExport.opset), a symbolic \
            batch dimension N, nodes named after the spec's layers. A layer that cannot be exported is \
            refused with an error located at it (E0600), and nothing is written. With \
            --keep-training-layers, batchnorm is BatchNormalization and dropout Dropout with its rate, \
            so nnc import gives back the same spec.

            --format pytorch writes a folder with model.safetensors, a PyTorch state dict (PyTorch's \
            parameter names and layouts), and model.py, a torch.nn.Module named after the model that \
            takes the same raw channels-last inputs as nnc predict and gives the same outputs in eval mode.
            """)

    @Argument(help: "The model file the weights were trained with, or a run folder (its checkpoint keeps the spec).")
    var model: String

    @Option(help: "The format to write: onnx or pytorch.")
    var format: Format

    enum Format: String, ExpressibleByArgument, CaseIterable { case onnx, pytorch }

    @Flag(
        name: .customLong("keep-training-layers"),
        help:
            "ONNX: write batchnorm as BatchNormalization and dropout as Dropout with its rate (identity at inference), so nnc import gives back the same spec."
    )
    var keepTrainingLayers = false

    @Option(help: "The weights file (default: runs/<model>/weights.safetensors, or train.checkpoint.dir).")
    var weights: String?

    @Option(name: .customLong("run"), help: "A run folder (nnc train --out) whose weights.safetensors to export.")
    var runFolder: String?

    @Option(
        name: .shortAndLong,
        help: "The file (onnx) or folder (pytorch) to write (default: model.onnx or pytorch/ beside the weights)."
    )
    var output: String?

    func validate() throws {
        if keepTrainingLayers, format != .onnx {
            throw ValidationError("--keep-training-layers is an ONNX export option")
        }
        if weights != nil, runFolder != nil {
            throw ValidationError("give --weights or --run, not both: --run DIR exports DIR/weights.safetensors")
        }
    }

    func run() throws {
        do throws(TrainingFailure) {
            let file = weights ?? runFolder.map { ($0 as NSString).appendingPathComponent("weights.safetensors") }
            if format == .pytorch {
                try exportPyTorch(weights: file)
                return
            }
            let summary = try ONNXExport.export(
                model: model, weights: file, output: output, producerVersion: Version.number,
                keepTrainingLayers: keepTrainingLayers)
            func shape(_ dims: [Int]) -> String { "[" + (["N"] + dims.map(String.init)).joined(separator: ", ") + "]" }
            print(
                "wrote \(summary.path): ONNX opset \(ONNXExport.opset), \(summary.nodes.grouped) nodes, \(summary.parameters.grouped) parameters"
            )
            print("  input  '\(summary.input)' \(shape(summary.inputShape))")
            print("  output '\(summary.output)' \(shape(summary.outputShape))")
            if !summary.preprocessing.isEmpty {
                print("  preprocessing in the graph: \(summary.preprocessing.joined(separator: ", "))")
            }
            if !summary.dropped.isEmpty {
                print("  left out (inference): \(summary.dropped.joined(separator: ", "))")
            }
        } catch {
            Terminal.report(error.diagnostics)
            throw ExitCode(1)
        }
    }

    private func exportPyTorch(weights file: String?) throws(TrainingFailure) {
        let summary = try PyTorchExport.export(model: model, weights: file, output: output)
        func shape(_ dims: [Int]) -> String { "[" + (["N"] + dims.map(String.init)).joined(separator: ", ") + "]" }
        print(
            "wrote \(summary.folder)/model.safetensors (\(summary.tensors.grouped) tensors, \(summary.parameters.grouped) parameters) and model.py (class \(summary.className))"
        )
        print("  input  '\(summary.input)' \(shape(summary.inputShape)), channels-last as nnc predict takes it")
        print("  output '\(summary.output)' \(shape(summary.outputShape))")
        if !summary.preprocessing.isEmpty {
            print("  preprocessing in forward: \(summary.preprocessing.joined(separator: ", "))")
        }
    }
}
