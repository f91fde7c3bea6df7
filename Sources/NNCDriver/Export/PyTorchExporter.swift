import Foundation
import NNCData
import NNCGraph
import NNCRuntime
import NNCSpec

/// Builds the state dict and the lines of `model.py` layer by layer in topological order
/// (`PyTorchExporter+Layers.swift`). Each layer with parameters or a torch module becomes an
/// attribute named after the spec's layer (a Python identifier); each node's output is a
/// local `v<id>` in `forward`.
struct PyTorchExporter {
    let graph: Graph
    let tensors: [String: SafeTensors.Tensor]
    var state = StateDict()
    /// `__init__`'s lines after `super().__init__()` and `forward`'s lines, without indentation.
    var modules: [String] = []
    var lines: [String] = []
    /// Each node's attribute name (the layer's name as an identifier, unique).
    var attributes: [NodeID: String] = [:]
    var usedNames: Set<String> = ["preprocess_mean", "preprocess_deviation"]
    var refusals: [Diagnostic] = []

    init(graph: Graph, weights: SafeTensors) {
        self.graph = graph
        var byName: [String: SafeTensors.Tensor] = [:]
        for t in weights.tensors { byName[t.name] = t }
        tensors = byName
    }

    func parameter(_ node: Node, _ name: String) -> SafeTensors.Tensor { tensors["\(node.name).\(name)"]! }

    /// The local holding node `id`'s output in `forward`.
    func value(_ id: NodeID) -> String { id == graph.nodes[0].id ? "x" : "v\(id.rawValue)" }
    func input(_ node: Node, _ k: Int = 0) -> String { value(node.inputs[k]) }
    func inputShape(_ node: Node, _ k: Int = 0) -> [Int] { graph[node.inputs[k]].shape!.dims }

    /// `node`'s attribute name: its spec name as a Python identifier that no torch.nn.Module
    /// member or other layer already has.
    mutating func attribute(_ node: Node, suffix: String = "") -> String {
        var name = String((node.name + suffix).map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        if name.first?.isNumber ?? true { name = "layer_" + name }
        if Self.reserved.contains(name) { name += "_" }
        var unique = name
        var k = 2
        while usedNames.contains(unique) {
            unique = "\(name)_\(k)"
            k += 1
        }
        usedNames.insert(unique)
        return unique
    }

    /// Python keywords and torch.nn.Module members an attribute must not shadow.
    static let reserved: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "training", "forward",
        "train", "eval", "modules", "parameters", "buffers", "children", "apply", "to", "cpu", "cuda", "float",
        "double", "half", "type", "state_dict", "load_state_dict", "register_buffer", "register_parameter",
        "requires_grad_", "zero_grad", "named_modules", "named_parameters", "named_buffers", "dump_patches",
        "call_super_init", "x",
    ]

    /// Adds `line` to `forward` assigning node's output.
    mutating func assign(_ node: Node, _ expression: String) { lines.append("\(value(node.id)) = \(expression)") }

    /// Refuses `node`: its kind, or `why` (one of its settings), has no PyTorch form here.
    mutating func refuse(_ node: Node, _ why: String, help: String) {
        refusals.append(
            Diagnostic.error(
                .exportUnsupportedLayer,
                "layer '\(node.name)' (\(node.op.kind.rawValue)) cannot be exported to PyTorch: \(why)",
                at: node.location, label: "no PyTorch form", help: help))
    }

    /// The saved preprocessing at the top of `forward`: × scale, then − mean and ÷ deviation per
    /// feature (buffers in the state dict); token ids are never scaled.
    mutating func prepare(_ input: Node, _ preprocessing: Preprocessing?, steps: inout [String]) {
        if input.isInteger {
            lines.append("x = x.long()")
            return
        }
        lines.append("x = x.float()")
        guard let preprocessing else { return }
        let shape = input.shape!.dims
        if let scale = preprocessing.scale {
            lines.append("x = x * \(Self.literal(Double(scale)))")
            steps.append("scale \(scale)")
        }
        if preprocessing.standardize {
            let dims = shape.map(String.init).joined(separator: ", ")
            modules.append("self.register_buffer(\"preprocess_mean\", torch.zeros(\(dims)))")
            modules.append("self.register_buffer(\"preprocess_deviation\", torch.ones(\(dims)))")
            state.add("preprocess_mean", shape, preprocessing.mean)
            state.add("preprocess_deviation", shape, preprocessing.standardDeviation)
            lines.append("x = (x - self.preprocess_mean) / self.preprocess_deviation")
            steps.append("standardize")
        }
    }

    /// A Python float literal that reads back as `value`.
    static func literal(_ value: Double) -> String {
        if value.isInfinite { return value < 0 ? "float(\"-inf\")" : "float(\"inf\")" }
        return "\(value)"
    }

    /// A Python tuple of integers: "(3, 3)", "(3,)".
    static func tuple(_ values: [Int]) -> String {
        values.count == 1 ? "(\(values[0]),)" : "(" + values.map(String.init).joined(separator: ", ") + ")"
    }

    /// The whole model.py.
    func source(className: String, output: Node, origin: String) -> String {
        var text = """
            \"\"\"\(className): exported by nnc from \(origin).

            Inputs are channels-last and raw, as `nnc predict --input` takes them; forward applies the saved
            preprocessing, then the layers in eval mode:

                import safetensors.torch
                from model import \(className)
                model = \(className)()
                model.load_state_dict(safetensors.torch.load_file("model.safetensors"))
                model.eval()
                y = model(x)
            \"\"\"
            import torch
            import torch.nn.functional as F
            from torch import nn


            class \(className)(nn.Module):
                def __init__(self):
                    super().__init__()

            """
        for line in modules { text += "        \(line)\n" }
        text += "\n    def forward(self, x):\n"
        for line in lines { text += "        \(line)\n" }
        text += "        return \(value(output.id))\n"
        return text
    }
}
