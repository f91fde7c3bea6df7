import Foundation
import NNCData
import NNCGraph
import NNCProtobuf
import NNCRuntime
import NNCSpec

/// `nnc export --format onnx`: the model's inference graph with its trained weights as an
/// ONNX file (opset `opset`, producer nnc), for ONNX Runtime and the tools that read ONNX.
///
/// What is written: the input named as the spec's, float32 [N, …] with a symbolic batch
/// dimension N (int64 token ids for embedding models), first prepared with the preprocessing
/// the training run saved (scale, standardization), so the file takes the inputs `nnc predict
/// --input` takes; every layer under its spec name (`ONNXExporter+Layers.swift`), dropout
/// left out, batchnorm folded into a scale and shift per channel; the output named as the
/// model's last layer, with its softmax. The protobuf messages are swift-protobuf's, generated
/// from onnx.proto (NNCProtobuf).
public enum ONNXExport {
    /// ONNX's default-domain opset: 18 has LayerNormalization, Mish and reductions that take
    /// their axes as an input, and ONNX Runtime 1.32 implements every op of it on the CPU.
    public static let opset = 18
    /// The IR version of opset 18 (ONNX 1.13).
    public static let irVersion = 8

    /// What `nnc export` wrote, for its report.
    public struct Summary: Sendable {
        public var path: String
        public var input: String, inputShape: [Int]
        public var output: String, outputShape: [Int]
        public var nodes: Int
        public var parameters: Int
        /// Layers left out of the inference graph (dropout, alpha_dropout).
        public var dropped: [String]
        /// The preprocessing written before the first layer ("scale 0.00392", "standardize").
        public var preprocessing: [String]
    }

    /// Exports `model` with `weights` (default: the run folder's) to `output` (default:
    /// model.onnx beside the weights). Refused layers are errors naming each layer, located at
    /// it; nothing is written then.
    public static func export(
        model: String, weights: String?, output: String?, producerVersion: String, keepTrainingLayers: Bool = false
    ) throws(TrainingFailure) -> Summary {
        let session = try InferenceSession.make(model: model, weights: weights, readingData: false)
        let graph = session.graph
        try checkWeights(session)
        var exporter = ONNXExporter(graph: graph, weights: session.weights)
        exporter.keepTrainingLayers = keepTrainingLayers
        let inputNode = graph.nodes[0]
        exporter.writer.reserve(inputNode.name)
        var steps: [String] = []
        exporter.values[inputNode.id] = prepared(
            inputNode, session.preprocessing, integer: inputNode.isInteger, writer: &exporter.writer, steps: &steps)
        for node in graph.nodes.dropFirst() { exporter.export(node) }
        guard exporter.refusals.isEmpty else { throw TrainingFailure(exporter.refusals) }

        let outputNode = graph[graph.output!]
        var result = exporter.values[outputNode.id]!
        if result != outputNode.name {
            result = exporter.writer.op(
                "Identity", [result], name: "\(outputNode.name)/output", output: outputNode.name)
        }
        var onnxGraph = Onnx_GraphProto()
        onnxGraph.name = graph.name
        onnxGraph.node = exporter.writer.nodes
        onnxGraph.initializer = exporter.writer.initializers
        onnxGraph.input = [
            ONNXGraphWriter.value(inputNode.name, perSample: inputNode.shape!.dims, integer: inputNode.isInteger)
        ]
        onnxGraph.output = [ONNXGraphWriter.value(result, perSample: outputNode.shape!.dims)]
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(Self.opset)
        var file = Onnx_ModelProto()
        file.irVersion = Int64(irVersion)
        file.opsetImport = [opset]
        file.producerName = "nnc"
        file.producerVersion = producerVersion
        file.docString =
            "\(graph.name), exported by nnc from \(session.spec.file?.path ?? "the spec") with \(session.weightsPath)"
        file.graph = onnxGraph

        let path = output ?? (session.weightsPath as NSString).deletingLastPathComponent + "/model.onnx"
        do {
            let data = try file.serializedData()
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput, "the ONNX file '\(path)' cannot be written: \(error)",
                    at: SourceLocation(file: session.spec.file, line: 0, column: 0),
                    help: "name a writable path with -o")
            ])
        }
        return Summary(
            path: path, input: inputNode.name, inputShape: inputNode.shape!.dims, output: result,
            outputShape: outputNode.shape!.dims, nodes: onnxGraph.node.count, parameters: graph.totalParams,
            dropped: exporter.dropped, preprocessing: steps)
    }

    /// The model input after the saved preprocessing, as nnc's data loading applies it:
    /// × scale, then − mean and ÷ deviation per feature (token ids are never scaled).
    private static func prepared(
        _ input: Node, _ preprocessing: Preprocessing?, integer: Bool, writer: inout ONNXGraphWriter,
        steps: inout [String]
    ) -> String {
        var x = input.name
        guard let preprocessing, !integer else { return x }
        let shape = input.shape!.dims
        if let scale = preprocessing.scale {
            x = writer.op("Mul", [x, writer.scalar("preprocess.scale", Double(scale))], name: "preprocess/scale")
            steps.append("scale \(scale)")
        }
        if preprocessing.standardize {
            x = writer.op(
                "Sub", [x, writer.constant("preprocess.mean", shape, preprocessing.mean)], name: "preprocess/Sub")
            x = writer.op(
                "Div", [x, writer.constant("preprocess.deviation", shape, preprocessing.standardDeviation)],
                name: "preprocess/Div")
            steps.append("standardize")
        }
        return x
    }

    /// Every parameter of the graph must be in the weights file with its shape (E0521),
    /// as `nnc predict` requires.
    static func checkWeights(_ session: InferenceSession) throws(TrainingFailure) {
        var notes: [String] = []
        for node in session.graph.nodes {
            for p in node.parameters {
                let name = "\(node.name).\(p.name)"
                guard let t = session.weights[name] else {
                    notes.append("'\(name)' is not in the file")
                    continue
                }
                if t.shape != p.shape {
                    notes.append("'\(name)' is \(t.shape) in the file but \(p.shape) in the model")
                }
            }
        }
        guard !notes.isEmpty else { return }
        throw TrainingFailure([
            Diagnostic.error(
                .checkpointMismatch,
                "weights load only into the model they were trained for; \(notes.count) tensor\(notes.count == 1 ? "" : "s") of '\(session.weightsPath)' differ",
                at: SourceLocation(file: session.spec.file, line: 0, column: 0), notes: notes)
        ])
    }
}
