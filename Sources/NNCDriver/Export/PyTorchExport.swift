import Foundation
import NNCData
import NNCGraph
import NNCRuntime
import NNCSpec

/// `nnc export --format pytorch`: a folder with `model.safetensors`, a PyTorch state dict
/// (PyTorch's parameter names and layouts), and `model.py`, a generated `torch.nn.Module`
/// named after the model whose `forward` computes what `nnc predict` computes, on the same
/// raw channels-last inputs: the saved preprocessing first (its mean and deviation as the
/// buffers `preprocess_mean`, `preprocess_deviation`), tensors kept channels-last as nnc keeps
/// them and permuted to channels-first only around convolutions and pools, so flatten,
/// reshape and dense see nnc's [H, W, C] element order and dense kernels need no permuting.
/// `Model().load_state_dict(safetensors.torch.load_file(...))` loads it with strict=True.
public enum PyTorchExport {
    /// What `nnc export --format pytorch` wrote, for its report.
    public struct Summary: Sendable {
        public var folder: String
        public var className: String
        public var input: String, inputShape: [Int]
        public var output: String, outputShape: [Int]
        public var tensors: Int
        public var parameters: Int
        /// The preprocessing applied at the top of `forward` ("scale 0.00392", "standardize").
        public var preprocessing: [String]
    }

    /// Exports `model` with `weights` (default: the run folder's) into the folder `output`
    /// (default: `pytorch` beside the weights). Refused layers are errors naming each layer,
    /// located at it; nothing is written then.
    public static func export(model: String, weights: String?, output: String?) throws(TrainingFailure) -> Summary {
        let session = try InferenceSession.make(model: model, weights: weights, readingData: false)
        let graph = session.graph
        try ONNXExport.checkWeights(session)
        var exporter = PyTorchExporter(graph: graph, weights: session.weights)
        let inputNode = graph.nodes[0]
        var steps: [String] = []
        exporter.prepare(inputNode, session.preprocessing, steps: &steps)
        for node in graph.nodes.dropFirst() { exporter.export(node) }
        guard exporter.refusals.isEmpty else { throw TrainingFailure(exporter.refusals) }

        let outputNode = graph[graph.output!]
        let className = Self.className(graph.name)
        let source = exporter.source(
            className: className, output: outputNode,
            origin: "\(session.spec.file?.path ?? "the spec") with \(session.weightsPath)")
        let folder = output ?? (session.weightsPath as NSString).deletingLastPathComponent + "/pytorch"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try exporter.state.encoded().write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
            try Data(source.utf8).write(to: URL(fileURLWithPath: folder + "/model.py"))
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput, "the PyTorch folder '\(folder)' cannot be written: \(error)",
                    at: SourceLocation(file: session.spec.file, line: 0, column: 0),
                    help: "name a writable folder with -o")
            ])
        }
        return Summary(
            folder: folder, className: className, input: inputNode.name, inputShape: inputNode.shape!.dims,
            output: outputNode.name, outputShape: outputNode.shape!.dims, tensors: exporter.state.entries.count,
            parameters: graph.totalParams, preprocessing: steps)
    }

    /// The model's name as a Python class name: its words capitalized ("mnist_mlp" → MnistMlp).
    static func className(_ name: String) -> String {
        let words = name.split { !($0.isLetter || $0.isNumber) || !$0.isASCII }
        let joined = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return joined.isEmpty || joined.first!.isNumber ? "Model" + joined : joined
    }
}

/// A safetensors file of float32 tensors and int64 scalars (BatchNorm's num_batches_tracked),
/// in the order added; names are Python identifiers joined by dots, so need no escaping.
struct StateDict {
    enum Values {
        case float([Float])
        case int64([Int64])
    }
    var entries: [(name: String, shape: [Int], values: Values)] = []

    mutating func add(_ name: String, _ shape: [Int], _ values: [Float]) {
        entries.append((name, shape, .float(values)))
    }

    func encoded() -> Data {
        var header: [String] = []
        var body = Data()
        for e in entries {
            let begin = body.count
            let dtype: String
            switch e.values {
            case .float(let v):
                dtype = "F32"
                v.withUnsafeBufferPointer { body.append(Data(buffer: $0)) }
            case .int64(let v):
                dtype = "I64"
                v.withUnsafeBufferPointer { body.append(Data(buffer: $0)) }
            }
            let shape = e.shape.map(String.init).joined(separator: ",")
            header.append(
                "\"\(e.name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(body.count)]}"
            )
        }
        var text = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while text.count % 8 != 0 { text.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(text.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: text)
        data.append(body)
        return data
    }
}
