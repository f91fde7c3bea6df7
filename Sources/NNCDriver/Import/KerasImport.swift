import Foundation
import NNCDiagnostics
import NNCSpec

/// `nnc import`: a Keras model's architecture, as Keras 3's `model.to_json()` writes it
/// (Sequential or Functional; Keras 2's inbound-node lists are read too), becomes an nnc YAML spec. The JSON is read
/// with the spec reader (JSON is YAML), so every problem points at its line and column in the
/// JSON file: a layer kind or a setting nnc cannot express is an error at that layer (E0620,
/// E0621), never silently dropped; an initializer or regularizer nnc has no spelling for is a
/// warning (W0204) and the layer keeps nnc's default. The architecture holds no loss,
/// optimizer or data: the spec gets the layers and the input, ready for `check` and `summary`.
public enum KerasImport {
    public struct Result: Sendable {
        /// The spec's YAML text (written even when some layers were refused, which it omits).
        public var yaml: String
        public var diagnostics: [Diagnostic]
        /// The JSON read (its layers' locations name the weights' errors).
        public var source: SourceFile
    }

    public static func convert(_ file: SourceFile) -> Result {
        var diagnostics = Diagnostics()
        guard let root = YAMLReader.read(file, into: &diagnostics) else {
            return Result(yaml: "", diagnostics: diagnostics.all, source: file)
        }
        var importer = KerasImporter(file: file)
        let yaml = importer.spec(root)
        diagnostics.append(contentsOf: importer.diagnostics)
        return Result(yaml: yaml, diagnostics: diagnostics.all, source: file)
    }
}

/// One import: the layers found so far as spec entries, and the problems.
struct KerasImporter {
    let file: SourceFile
    var diagnostics = Diagnostics()
    var entries: [String] = []
    var input: [String]?
    var inputLayers: Set<String> = []
    var modelName = "imported"

    init(file: SourceFile) { self.file = file }

    mutating func spec(_ root: SpecNode) -> String {
        let kind = root["class_name"]?.scalarText
        guard let kind, ["Sequential", "Functional", "Model"].contains(kind), let config = root["config"],
            let layers = config["layers"]?.items
        else {
            diagnostics.error(
                .notAKerasModel,
                "a Keras model's JSON (model.to_json()) has class_name Sequential or Functional and config.layers; this file has \(kind.map { "class_name '\($0)'" } ?? "no class_name")",
                at: root.location, help: "write the file with model.to_json() in Keras")
            return ""
        }
        modelName = config["name"]?.scalarText ?? modelName
        let functional = kind != "Sequential"
        var previous: String?
        for layer in layers {
            previous = add(layer, after: previous, functional: functional) ?? previous
        }
        if input == nil {
            diagnostics.error(
                .notAKerasModel,
                "the model's input shape is not in the file: neither an InputLayer nor a first layer's batch_shape",
                at: config.location, help: "build the model with keras.Input(shape) before model.to_json()")
        }
        var text =
            "# Imported by nnc import from \(file.path): the Keras architecture, without loss, optimizer or data.\n"
        text += "model: \(modelName)\n"
        text += "input: [\((input ?? []).joined(separator: ", "))]\n"
        text += "layers:\n"
        text += entries.map { "  - \($0)\n" }.joined()
        return text
    }

    /// Adds one layer's entry; returns its name, or nil when it was an input or refused.
    mutating func add(_ layer: SpecNode, after previous: String?, functional: Bool) -> String? {
        guard let className = layer["class_name"]?.scalarText, let config = layer["config"] else {
            diagnostics.error(
                .notAKerasModel, "a layer of a Keras model has class_name and config", at: layer.location)
            return nil
        }
        let name = config["name"]?.scalarText ?? className.lowercased()
        let shape = (config["batch_shape"] ?? config["batch_input_shape"])?.items
        if className == "InputLayer" {
            if input != nil {
                diagnostics.error(
                    .unsupportedKerasLayer,
                    "nnc models have one input; '\(name)' is a second InputLayer", at: layer.location,
                    help: "merge the inputs into one tensor before importing")
            }
            input = shape.map { Array($0.dropFirst()).map { $0.scalarText ?? "?" } }
            inputLayers.insert(name)
            return nil
        }
        if input == nil, let shape { input = Array(shape.dropFirst()).map { $0.scalarText ?? "?" } }
        var inputs = functional ? inboundLayers(layer, name: name) : nil
        guard var entry = KerasLayer(className: className, config: config, at: layer.location).entry(&diagnostics)
        else { return nil }
        if className == "MultiHeadAttention" {
            guard let call = attentionCall(layer, name: name) else { return nil }
            entry.attributes += call
            // nnc's value defaults to the query and the key to the value, as Keras's.
            if let all = inputs, all.count == 3, all[2] == all[1] { inputs = Array(all.prefix(2)) }
            if let all = inputs, all.count == 2, all[1] == all[0] { inputs = [all[0]] }
        }
        var wiring = ["name: \(Self.yamlName(name))"]
        if let inputs {
            let sources = inputs.map { inputLayers.contains($0) ? "input" : Self.yamlName($0) }
            if sources.count > 1 {
                wiring.append("inputs: [\(sources.joined(separator: ", "))]")
            } else if let only = sources.first, only != (previous ?? "input") {
                wiring.append("inputs: \(only)")
            }
        }
        entry.attributes = wiring + entry.attributes
        entries.append(entry.yaml)
        return name
    }

    /// A layer name as a YAML scalar: quoted unless it is letters, digits, `_`, `.` and `-`.
    static func yamlName(_ name: String) -> String {
        let plain = name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)
        }
        return plain && !name.isEmpty ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The layers a Functional layer reads: Keras 3's `inbound_nodes` [{args: [tensor or
    /// [tensors]]}], each tensor's config.keras_history [layer, node, index]; or Keras 2's
    /// [[[layer, node, index, kwargs], …]].
    mutating func inboundLayers(_ layer: SpecNode, name: String) -> [String] {
        guard let nodes = layer["inbound_nodes"]?.items, !nodes.isEmpty else { return [] }
        if nodes.count > 1 {
            diagnostics.error(
                .unsupportedKerasLayer,
                "nnc layers are called once; '\(name)' is called \(nodes.count) times (a shared layer)",
                at: layer.location, help: "give each call its own layer")
        }
        var names: [String] = []
        func collect(_ node: SpecNode) {
            if let history = node["config"]?["keras_history"]?.items, let first = history.first?.scalarText {
                names.append(first)
            } else if let items = node.items {
                if let first = items.first?.scalarText, items.count >= 3 {
                    names.append(first)
                } else {
                    items.forEach(collect)
                }
            } else if let args = node["args"] {
                collect(args)
                // Tensors passed by keyword (MultiHeadAttention's query, value and key).
                for key in ["query", "value", "key"] { if let t = node["kwargs"]?[key] { collect(t) } }
            }
        }
        collect(nodes[0])
        return names
    }
}

extension KerasImporter {
    /// A MultiHeadAttention call's keyword settings: use_causal_mask as the layer's setting;
    /// an attention_mask tensor (nnc masks only by causality and padding) is refused.
    mutating func attentionCall(_ layer: SpecNode, name: String) -> [String]? {
        guard let kwargs = layer["inbound_nodes"]?.items?.first?["kwargs"] else { return [] }
        if let mask = kwargs["attention_mask"], !mask.isNullish {
            diagnostics.error(
                .unsupportedKerasSetting,
                "layer '\(name)' (MultiHeadAttention) is called with an attention_mask tensor, which nnc cannot express",
                at: mask.location, help: "use use_causal_mask=True, or an Embedding's mask_zero for padding")
            return nil
        }
        if let flag = kwargs["return_attention_scores"], flag.scalarText == "true" {
            diagnostics.error(
                .unsupportedKerasSetting,
                "layer '\(name)' (MultiHeadAttention) returns its attention scores, which nnc's layer does not",
                at: flag.location, help: "call the layer with return_attention_scores=False")
            return nil
        }
        return kwargs["use_causal_mask"]?.scalarText == "true" ? ["use_causal_mask: true"] : []
    }
}

extension KerasImport {
    /// The model file at `path`, read as an untrusted path (as every command reads specs).
    public static func convert(path: String) throws(DriverError) -> Result {
        let data = try ModelFile.read(path)
        return convert(SourceFile(path: path, text: String(decoding: data, as: UTF8.self)))
    }
}
