import Foundation
import NNCData
import NNCDiagnostics
import NNCProtobuf
import NNCRuntime

/// One ONNX import: the graph's nodes in order, each either a new nnc layer
/// (`ONNXImporter+Nodes.swift`), a part of the layer before it (a bias Add, the activation of a
/// node under the same name, the transposes around a convolution) or the input's
/// preprocessing.
///
/// nnc's tensors are channels-last; ONNX's convolutions read channels-first. Every ONNX
/// tensor is therefore followed as the output of one nnc layer in a known `ONNXLayout`: a
/// Transpose only changes the layout (nnc's exporter wraps each Conv in two), a Conv needs
/// channels-first, a Flatten of channels-first maps its rows to the next dense kernel in
/// nnc's order. Names come from the nodes: `dense_1/MatMul` and PyTorch's `/fc1/Gemm` are
/// the layers `dense_1` and `fc1`.
struct ONNXImporter {
    let graph: Onnx_GraphProto
    let file: SourceFile
    let opset: Int
    var diagnostics: [Diagnostic] = []
    var constants: [String: ONNXConstant] = [:]
    var values: [String: ONNXValue] = [:]
    var layers: [ImportedLayer] = []
    /// How many nodes read each tensor.
    var consumers: [String: Int] = [:]
    var usedNames: Set<String> = ["input"]
    /// Activations composed of several nodes, by their partial results.
    var composites: [String: CompositeActivation] = [:]
    /// Attentions found before reading, by their last node, and every node they take up.
    var attentions: [Int: ONNXAttention] = [:]
    var absorbed: Set<Int> = []
    /// Tensors of refused nodes and initializers.
    var refusedNames: Set<String> = []
    var inputShape: [Int] = []
    /// The input preprocessing before the first layer (nnc's exporter writes it).
    var scale: Float?
    var mean: [Float]?
    var deviation: [Float]?
    /// The node being imported, for locations.
    var index = 0
    var node = Onnx_NodeProto()

    init(graph: Onnx_GraphProto, file: SourceFile, opset: Int) {
        self.graph = graph
        self.file = file
        self.opset = opset
    }

    var location: SourceLocation { SourceLocation(file: file, line: 0, column: 0) }

    mutating func run() {
        for t in graph.initializer { addConstant(t, what: "initializer") }
        for n in graph.node {
            for i in n.input where !i.isEmpty { consumers[i, default: 0] += 1 }
        }
        for o in graph.output { consumers[o.name, default: 0] += 1 }
        guard readInput() else { return }
        findAttentions()
        for (k, n) in graph.node.enumerated() {
            index = k
            node = n
            visit()
        }
        checkOutput()
    }

    mutating func addConstant(_ t: Onnx_TensorProto, what: String) {
        let (constant, why) = ONNXConstant.decode(t)
        guard let constant else {
            diagnostics.append(
                Diagnostic.error(
                    .onnxUnsupportedTensor,
                    "\(what) '\(t.name)' cannot be an nnc weight: \(why)", at: location,
                    help:
                        "export the model in float32 (int64 only for shapes and axes), with its weights inside the file"
                ))
            refusedNames.insert(t.name)
            return
        }
        constants[t.name] = constant
    }

    /// The graph's one input (besides initializers listed as inputs): float32 [N, …] or int64 token ids.
    private mutating func readInput() -> Bool {
        let inputs = graph.input.filter { constants[$0.name] == nil }
        func refuse(_ message: String) -> Bool {
            diagnostics.append(
                Diagnostic.error(
                    .notAnONNXModel, "'\(file.path)' \(message)", at: location,
                    help: "export the model with one input of fixed per-sample dimensions"))
            return false
        }
        guard inputs.count == 1, let input = inputs.first else {
            return refuse("has \(inputs.count) graph inputs; an nnc model has one")
        }
        guard graph.output.count == 1 else {
            return refuse("has \(graph.output.count) graph outputs; an nnc model has one")
        }
        let tensor = input.type.tensorType
        let dims = tensor.shape.dim
        var shape = [-1]
        for (k, d) in dims.enumerated().dropFirst() {
            guard case .dimValue(let v)? = d.value, v > 0 else {
                return refuse("gives its input '\(input.name)' a symbolic or missing dimension \(k)")
            }
            shape.append(Int(v))
        }
        guard dims.count >= 2 else { return refuse("gives its input '\(input.name)' no per-sample dimensions") }
        let type = Onnx_TensorProto.DataType(rawValue: Int(tensor.elemType))
        guard type == .float || type == .int64 || type == .int32 else {
            return refuse("takes its input '\(input.name)' as \(type.map { "\($0)" } ?? "?"), not float32 or int64 ids")
        }
        let rank = shape.count
        let imageOps: Set<String> = [
            "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization",
        ]
        let firstUse = graph.node.contains { $0.input.first == input.name && imageOps.contains($0.opType) }
        if rank >= 3, firstUse {
            values[input.name] = ONNXValue(layer: nil, shape: shape, layout: .channelsFirst)
            inputShape = Array(shape.dropFirst(2)) + [shape[1]]
            diagnostics.append(
                Diagnostic.warning(
                    .onnxChannelsFirstInput,
                    "the input '\(input.name)' is channels-first \(Self.describe(shape)); the nnc spec takes it channels-last as \(inputShape)",
                    at: location, help: "transpose the inputs given to nnc predict to channels-last"))
        } else {
            values[input.name] = ONNXValue(layer: nil, shape: shape, layout: .nnc)
            inputShape = Array(shape.dropFirst())
        }
        return true
    }

    /// The graph output must be the last layer's output in nnc's layout.
    private mutating func checkOutput() {
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return }
        let name = graph.output[0].name
        guard let v = values[name], let layer = v.layer, layer == layers.count - 1,
            v.layout == .nnc || v.layout == .pooled
        else {
            diagnostics.append(
                Diagnostic.error(
                    .onnxUnsupportedNode,
                    "the graph output '\(name)' is not the last imported layer's output in nnc's channels-last layout",
                    at: location, help: "end the ONNX graph with the model's last layer"))
            return
        }
    }

    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map { $0 < 0 ? "N" : String($0) }.joined(separator: ", ") + "]"
    }

    // MARK: - Errors and names

    /// Refuses the current node: `why` it has no nnc form. A node reading a refused node's
    /// output or a refused tensor is not reported again.
    mutating func refuse(_ why: String, help: String? = nil) {
        let quiet = node.input.contains { refusedNames.contains($0) }
        refusedNames.formUnion(node.output)
        guard !quiet else { return }
        diagnostics.append(
            Diagnostic.error(
                .onnxUnsupportedNode,
                "node \(index) '\(node.name)' (\(node.opType)) cannot be imported: \(why)",
                at: location, label: "no nnc layer",
                help: help ?? "nnc imports the ONNX forms of its own layers; `nnc explain E0630` lists them"))
    }

    /// The nnc layer name of the current node: the node's name up to its last `/` (nnc's
    /// exporter names nodes `layer/Op`), as letters, digits, `_`, `.` and `-`, made unique.
    mutating func layerName() -> String {
        var base = node.name
        while base.hasPrefix("/") { base.removeFirst() }
        if let slash = base.lastIndex(of: "/") { base = String(base[..<slash]) }
        base = String(
            base.unicodeScalars.map { s in
                CharacterSet.alphanumerics.contains(s) && s.isASCII || "_.-".unicodeScalars.contains(s)
                    ? Character(s) : "_"
            })
        if base.isEmpty || base.first == "." || base.first == "-" { base = node.opType.lowercased() }
        var name = base
        var k = 2
        while usedNames.contains(name) {
            name = "\(base)_\(k)"
            k += 1
        }
        usedNames.insert(name)
        return name
    }

    /// The name the current node's layer would have, without taking it (for fusing).
    func derivedName() -> String {
        var base = node.name
        while base.hasPrefix("/") { base.removeFirst() }
        if let slash = base.lastIndex(of: "/") { base = String(base[..<slash]) }
        return base
    }

    // MARK: - Reading nodes

    func attribute(_ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }
    func int(_ name: String, _ fallback: Int) -> Int { attribute(name).map { Int($0.i) } ?? fallback }
    func float(_ name: String, _ fallback: Double) -> Double { attribute(name).map { Double($0.f) } ?? fallback }
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }
    func string(_ name: String) -> String? { attribute(name).map { String(decoding: $0.s, as: UTF8.self) } }

    /// The constant input `k` of the current node (an initializer or a Constant's output).
    func constant(_ k: Int) -> ONNXConstant? {
        guard k < node.input.count, !node.input[k].isEmpty else { return nil }
        return constants[node.input[k]]
    }

    /// The layer output input `k` of the current node reads; nil (refused) when it is a
    /// constant or unknown.
    mutating func value(_ k: Int) -> ONNXValue? {
        guard k < node.input.count, let v = values[node.input[k]] else {
            refuse(
                "its input \(k) '\(k < node.input.count ? node.input[k] : "")' is \(k < node.input.count && constants[node.input[k]] != nil ? "a constant where a layer's output is needed" : "not the output of an imported layer")"
            )
            return nil
        }
        return v
    }

    /// Sets the current node's output `k`.
    mutating func output(_ v: ONNXValue, _ k: Int = 0) {
        guard k < node.output.count else { return }
        values[node.output[k]] = v
    }

    /// Adds a layer reading `inputs`, marking them read; returns its index.
    mutating func add(_ layer: ImportedLayer, reading inputs: [ONNXValue]) -> Int {
        var layer = layer
        layer.inputs = inputs.map(\.layer)
        layer.node = index
        for i in inputs { if let l = i.layer { layers[l].consumed = true } }
        layers.append(layer)
        return layers.count - 1
    }

    // MARK: - Writing

    func yaml() -> String {
        var text =
            "# Imported by nnc import from \(file.path): the ONNX graph's layers, without loss, optimizer or data.\n"
        let name = graph.name.isEmpty ? "imported" : graph.name
        text += "model: \(KerasImporter.yamlName(name))\n"
        text += "input: [\(inputShape.map(String.init).joined(separator: ", "))]\n"
        text += "layers:\n"
        for (k, layer) in layers.enumerated() {
            var keys = ["name: \(KerasImporter.yamlName(layer.name))"]
            let sources = layer.inputs.map { $0.map { KerasImporter.yamlName(layers[$0].name) } ?? "input" }
            let previous = k == 0 ? "input" : KerasImporter.yamlName(layers[k - 1].name)
            if sources.count > 1 {
                keys.append("inputs: [\(sources.joined(separator: ", "))]")
            } else if let only = sources.first, only != previous {
                keys.append("inputs: \(only)")
            }
            keys += layer.settingsText
            text += "  - \(layer.kind): {\(keys.joined(separator: ", "))}\n"
        }
        return text
    }

    /// Every layer's tensors under `layer.parameter`, with the input preprocessing found.
    func weights() -> SafeTensors {
        var tensors: [SafeTensors.Tensor] = []
        for layer in layers {
            for t in layer.tensors {
                tensors.append(SafeTensors.Tensor(name: "\(layer.name).\(t.name)", shape: t.shape, values: t.values))
            }
        }
        var metadata = ["nnc.source": "onnx import of \((file.path as NSString).lastPathComponent)"]
        if scale != nil || mean != nil || deviation != nil, let json = preprocessingJSON() {
            metadata["nnc.preprocessing"] = json
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    /// The preprocessing as a training run saves it: the scale, and the mean and deviation per feature.
    private func preprocessingJSON() -> String? {
        let base = Preprocessing(
            scale: scale, standardize: mean != nil || deviation != nil, inputShape: inputShape, targets: .none)
        guard let encoded = try? JSONEncoder().encode(base),
            var object = try? JSONSerialization.jsonObject(with: encoded) as? [String: Any]
        else { return nil }
        let width = inputShape.reduce(1, *)
        if mean != nil || deviation != nil {
            object["mean"] = (mean ?? [Float](repeating: 0, count: width)).map(Double.init)
            object["standardDeviation"] = (deviation ?? [Float](repeating: 1, count: width)).map(Double.init)
        }
        object["isFitted"] = true
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Where an ONNX tensor's elements sit relative to its nnc layer's output.
enum ONNXLayout: Equatable {
    /// nnc's own order: [N, …, C].
    case nnc
    /// Channels moved to axis 1: [N, C, …] (what Conv and the pools read and write).
    case channelsFirst
    /// A sequence with time first: [T, N, F] (what LSTM, GRU and RNN read).
    case timeFirst
    /// A recurrent operator's Y [T, dirs, N, u] and Y_h [dirs, N, u].
    case recurrentSequence, recurrentState
    /// Y or Y_h with the batch first: [N, T, dirs, u] or [N, dirs, u], before the directions merge.
    case directions
    /// A channels-first tensor flattened: the dense kernel after it has its rows reordered.
    /// The associated shape is the per-sample [C, spatial…].
    case flattenedChannelsFirst([Int])
    /// A global pool's [N, C, 1, 1]: nnc's [N, C] with trailing ones.
    case pooled
}

/// An ONNX tensor: the output of layer `layer` (nil: the model input), with its full ONNX
/// shape (the batch as -1) and layout.
struct ONNXValue {
    var layer: Int?
    var shape: [Int]
    var layout: ONNXLayout
    var rank: Int { shape.count }
}

/// A layer being built: its kind, settings as spec text and tensors in nnc's layout.
struct ImportedLayer {
    var name: String
    var kind: String
    var settings: [String] = []
    var inputs: [Int?] = []
    var tensors: [SafeTensors.Tensor] = []
    /// The node that made it.
    var node = 0
    /// Kernel layers take a bias and an activation later (an Add, a Relu under the same name).
    var takesBias = false
    var hasBias = false
    var takesActivation = false
    var activation: String?
    /// Output channels (the bias's length).
    var channels = 0
    /// Read by another layer: its output is final.
    var consumed = false
    /// bidirectional: the wrapped layer's kind and settings, and the merge.
    var wrapped: (kind: String, settings: [String])?
    var merge: String?

    var settingsText: [String] {
        var out = settings
        if let wrapped {
            out.insert("layer: {\(wrapped.kind): {\(wrapped.settings.joined(separator: ", "))}}", at: 0)
            if let merge { out.append("merge_mode: \(merge)") }
        }
        if let activation { out.append("activation: \(activation)") }
        if takesBias, !hasBias { out.append("use_bias: false") }
        return out
    }
}
