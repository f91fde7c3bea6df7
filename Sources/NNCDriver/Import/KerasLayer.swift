import NNCDiagnostics
import NNCSpec

/// One Keras layer's class and config as an nnc layer entry: the kind and its keys, spelled
/// as nnc's registry spells them (nnc takes Keras's names, defaults and counts). Settings
/// nnc has no equivalent for are refused at the layer (E0621) rather than dropped.
struct KerasLayer {
    let className: String
    let config: SpecNode
    let location: SourceLocation

    init(className: String, config: SpecNode, at location: SourceLocation) {
        self.className = className
        self.config = config
        self.location = location
    }

    /// An nnc layer entry: `kind: {key: value, …}`.
    struct Entry {
        var kind: String
        var attributes: [String]
        var yaml: String { "\(kind): {\(attributes.joined(separator: ", "))}" }
    }

    /// The entry, or nil (with an error) when nnc cannot express the layer.
    func entry(_ diagnostics: inout Diagnostics) -> Entry? {
        var problems = Problems(layer: self)
        let entry = map(&problems)
        diagnostics.append(contentsOf: problems.diagnostics)
        return problems.diagnostics.hasErrors ? nil : entry
    }

    // swiftlint:disable:next cyclomatic_complexity
    private func map(_ p: inout Problems) -> Entry? {
        switch className {
        case "Dense":
            return Entry(kind: "dense", attributes: ["units: \(text("units"))"] + activation(&p) + weights(&p))
        case "Conv1D", "Conv2D":
            p.require("data_format", in: ["channels_last"])
            let kind = className == "Conv1D" ? "conv1d" : "conv2d"
            return Entry(
                kind: kind,
                attributes: ["filters: \(text("filters"))"] + window(kernel: "kernel_size") + optional("groups")
                    + activation(&p) + weights(&p))
        case "DepthwiseConv2D":
            p.require("data_format", in: ["channels_last"])
            return Entry(
                kind: "depthwise_conv2d",
                attributes: window(kernel: "kernel_size") + optional("depth_multiplier") + activation(&p)
                    + weights(&p, kernel: "depthwise"))
        case "SeparableConv2D":
            p.require("data_format", in: ["channels_last"])
            return Entry(
                kind: "separable_conv2d",
                attributes: ["filters: \(text("filters"))"] + window(kernel: "kernel_size")
                    + optional("depth_multiplier") + activation(&p) + weights(&p, kernel: "depthwise"))
        case "Conv2DTranspose":
            p.require("data_format", in: ["channels_last"])
            p.require("output_padding", in: ["null"])
            return Entry(
                kind: "conv2d_transpose",
                attributes: ["filters: \(text("filters"))"] + window(kernel: "kernel_size") + activation(&p)
                    + weights(&p))
        case "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D":
            p.require("data_format", in: ["channels_last"])
            let kind = (className.hasPrefix("Max") ? "maxpool" : "avgpool") + (className.hasSuffix("1D") ? "1d" : "2d")
            var attributes = ["pool: \(text("pool_size"))", "padding: \(text("padding"))"]
            if let strides = config["strides"], !strides.isNullish { attributes.append("stride: \(render(strides))") }
            return Entry(kind: kind, attributes: attributes)
        case "GlobalAveragePooling1D", "GlobalAveragePooling2D":
            p.require("data_format", in: ["channels_last"])
            p.require("keepdims", in: ["false"])
            return Entry(kind: "global_avgpool", attributes: [])
        case "GlobalMaxPooling1D", "GlobalMaxPooling2D":
            p.require("data_format", in: ["channels_last"])
            return Entry(
                kind: className.hasSuffix("1D") ? "global_maxpool1d" : "global_maxpool2d",
                attributes: optional("keepdims"))
        case "Flatten":
            p.require("data_format", in: ["channels_last"])
            return Entry(kind: "flatten", attributes: [])
        case "Reshape":
            return Entry(kind: "reshape", attributes: ["shape: \(text("target_shape"))"])
        case "Dropout":
            p.require("noise_shape", in: ["null"])
            return Entry(kind: "dropout", attributes: ["rate: \(text("rate"))"])
        case "AlphaDropout":
            return Entry(kind: "alpha_dropout", attributes: ["rate: \(text("rate"))"])
        case "BatchNormalization":
            p.require("axis", in: ["-1", "3"])
            return Entry(kind: "batchnorm", attributes: optional("momentum", "epsilon", "center", "scale"))
        case "LayerNormalization":
            p.require("axis", in: ["-1", "[-1]"])
            return Entry(kind: "layernorm", attributes: optional("epsilon", "center", "scale"))
        case "Activation":
            return Entry(kind: "activation", attributes: activation(&p, key: "activation", always: true))
        case "ReLU":
            p.require("max_value", in: ["null"])
            p.require("threshold", in: ["0", "0.0"])
            p.require("negative_slope", in: ["0", "0.0"])
            return Entry(kind: "activation", attributes: ["activation: relu"])
        case "LeakyReLU":
            let slope = config["negative_slope"] ?? config["alpha"]
            return Entry(kind: "activation", attributes: ["activation: {leaky_relu: \(slope.map(render) ?? "0.3")}"])
        case "ELU":
            return Entry(kind: "activation", attributes: ["activation: {elu: \(config["alpha"].map(render) ?? "1.0")}"])
        case "Softmax":
            p.require("axis", in: ["-1"])
            return Entry(kind: "softmax", attributes: [])
        case "Embedding":
            var attributes = ["input_dim: \(text("input_dim"))", "output_dim: \(text("output_dim"))"]
            if config["mask_zero"]?.scalarText == "true" { attributes.append("padding_index: 0") }
            return Entry(
                kind: "embedding", attributes: attributes + initializer(&p, "embeddings_initializer", as: "init"))
        case "SimpleRNN", "LSTM", "GRU":
            return recurrent(&p)
        case "MultiHeadAttention":
            return attention(&p)
        case "Bidirectional":
            guard let inner = config["layer"], let innerClass = inner["class_name"]?.scalarText,
                let innerConfig = inner["config"]
            else {
                p.refuse("a Bidirectional layer names its recurrent layer under config.layer")
                return nil
            }
            var wrapped = Problems(layer: KerasLayer(className: innerClass, config: innerConfig, at: location))
            let layer = KerasLayer(className: innerClass, config: innerConfig, at: location).recurrent(&wrapped)
            p.diagnostics.append(contentsOf: wrapped.diagnostics)
            guard let layer else { return nil }
            return Entry(
                kind: "bidirectional", attributes: ["layer: {\(layer.yaml)}"] + optional("merge_mode"))
        case "Add", "Subtract", "Multiply", "Average", "Maximum":
            return Entry(kind: className.lowercased(), attributes: [])
        case "Concatenate":
            return Entry(kind: "concat", attributes: optional("axis"))
        case "ZeroPadding2D":
            return Entry(kind: "zero_padding2d", attributes: ["padding: \(text("padding"))"])
        case "Cropping2D":
            return Entry(kind: "cropping2d", attributes: ["cropping: \(text("cropping"))"])
        case "UpSampling2D":
            p.require("data_format", in: ["channels_last"])
            return Entry(kind: "upsampling2d", attributes: optional("size", "interpolation"))
        default:
            p.refuse(
                "nnc has no layer for Keras's \(className)",
                help:
                    "nnc's layers are listed by `nnc schema --reference`; write the model with them, or replace the layer in Keras"
            )
            return nil
        }
    }

    /// SimpleRNN, LSTM and GRU, with the settings nnc's recurrent layers take.
    fileprivate func recurrent(_ p: inout Problems) -> Entry? {
        for flag in ["return_state", "go_backwards", "stateful"] { p.require(flag, in: ["false"]) }
        var attributes = ["units: \(text("units"))"] + activation(&p)
        if className != "SimpleRNN" { attributes += activation(&p, key: "recurrent_activation") }
        if className == "LSTM" { attributes += optional("unit_forget_bias") }
        if className == "GRU" { attributes += optional("reset_after") }
        attributes += optional("return_sequences", "dropout", "recurrent_dropout")
        attributes += weights(&p) + initializer(&p, "recurrent_initializer", as: "recurrent_init")
        switch className {
        case "SimpleRNN": return Entry(kind: "simple_rnn", attributes: attributes)
        case "LSTM": return Entry(kind: "lstm", attributes: attributes)
        default: return Entry(kind: "gru", attributes: attributes)
        }
    }

    /// MultiHeadAttention over the sequence axis, projecting to one output size; its call's
    /// use_causal_mask is read with the inbound nodes (`KerasImporter.attentionCall`).
    fileprivate func attention(_ p: inout Problems) -> Entry? {
        p.require("attention_axes", in: ["null", "[1]"])
        p.require("use_gate", in: ["false"])
        p.require("sliding_window", in: ["null"])
        var attributes = ["num_heads: \(text("num_heads"))", "key_dim: \(text("key_dim"))"] + optional("value_dim")
        if let shape = config["output_shape"], !shape.isNullish {
            guard let size = shape.items.flatMap({ $0.count == 1 ? $0[0].scalarText : nil }) ?? shape.scalarText else {
                p.refuse(
                    "its output_shape \(render(shape)) is not one size; nnc's attention projects to the last axis only",
                    at: shape.location, help: "give output_shape as one number")
                return nil
            }
            attributes.append("output_shape: \(size)")
        }
        if let rate = config["dropout"], rate.scalarText.flatMap(Double.init).map({ $0 > 0 }) == true {
            attributes.append("dropout: \(render(rate))")
        }
        return Entry(kind: "multi_head_attention", attributes: attributes + weights(&p))
    }

    // MARK: - Settings

    /// A config value as nnc's YAML writes it: scalars as they are, lists in brackets.
    func render(_ node: SpecNode) -> String {
        if let items = node.items { return "[" + items.map(render).joined(separator: ", ") + "]" }
        return node.scalarText ?? "null"
    }

    func text(_ key: String) -> String { config[key].map(render) ?? "null" }

    /// `key: value` for each key the config holds (Keras writes every setting).
    func optional(_ keys: String...) -> [String] {
        keys.compactMap { key in config[key].flatMap { $0.isNullish ? nil : "\(key): \(render($0))" } }
    }

    /// A convolution's kernel, strides, padding and dilation.
    func window(kernel: String) -> [String] {
        var attributes = ["kernel: \(text(kernel))"]
        if let strides = config["strides"] { attributes.append("stride: \(render(strides))") }
        if let padding = config["padding"] { attributes.append("padding: \(render(padding))") }
        if let dilation = config["dilation_rate"] { attributes.append("dilation: \(render(dilation))") }
        return attributes
    }

    /// The activation under `key`, omitted when linear (nnc's default) unless `always`.
    func activation(_ p: inout Problems, key: String = "activation", always: Bool = false) -> [String] {
        guard let node = config[key], let name = node.scalarText ?? node["class_name"]?.scalarText else { return [] }
        let known: [String: String] = [
            "linear": "linear", "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax",
            "elu": "elu", "selu": "selu", "softplus": "softplus", "swish": "swish", "silu": "swish", "mish": "mish",
            "leaky_relu": "{leaky_relu: 0.2}",
        ]
        guard let nnc = known[name] else {
            p.refuse(
                "nnc has no activation '\(name)'", at: node.location,
                help: "nnc's activations: \(known.keys.sorted().joined(separator: ", "))")
            return []
        }
        return nnc == "linear" && !always ? [] : ["\(key): \(nnc)"]
    }

    /// The kernel and bias initializers, regularizers and the kernel constraint, and use_bias.
    func weights(_ p: inout Problems, kernel: String = "kernel") -> [String] {
        var attributes = optional("use_bias")
        attributes += initializer(&p, "\(kernel)_initializer", as: "init")
        attributes += initializer(&p, "bias_initializer", as: "bias_init")
        attributes += regularizer(&p, "\(kernel)_regularizer", as: "regularizer")
        attributes += regularizer(&p, "bias_regularizer", as: "bias_regularizer")
        if let constraint = config["\(kernel)_constraint"], !constraint.isNullish {
            let name = constraint["class_name"]?.scalarText ?? "?"
            switch name {
            case "MaxNorm":
                attributes.append("constraint: {max_norm: \(constraint["config"]?["max_value"].map(render) ?? "2")}")
            case "NonNeg": attributes.append("constraint: non_neg")
            case "UnitNorm": attributes.append("constraint: unit_norm")
            default: p.approximate("the constraint \(name)", at: constraint.location)
            }
        }
        if let activity = config["activity_regularizer"], !activity.isNullish {
            p.approximate("the activity regularizer", at: activity.location)
        }
        return attributes
    }

    /// Keras's initializer classes under nnc's names.
    func initializer(_ p: inout Problems, _ key: String, as nncKey: String) -> [String] {
        guard let node = config[key], let name = node["class_name"]?.scalarText else { return [] }
        let settings = node["config"]
        func value(_ k: String) -> String { settings?[k].map(render) ?? "null" }
        let plain: [String: String] = [
            "GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal", "HeUniform": "he_uniform",
            "HeNormal": "he_normal", "LecunUniform": "lecun_uniform", "LecunNormal": "lecun_normal",
            "Zeros": "zeros", "Ones": "ones",
        ]
        if let nnc = plain[name] { return ["\(nncKey): \(nnc)"] }
        switch name {
        case "Constant": return ["\(nncKey): {constant: \(value("value"))}"]
        case "RandomUniform": return ["\(nncKey): {uniform: {a: \(value("minval")), b: \(value("maxval"))}}"]
        case "RandomNormal": return ["\(nncKey): {normal: {mean: \(value("mean")), std: \(value("stddev"))}}"]
        case "Orthogonal": return ["\(nncKey): {orthogonal: {gain: \(value("gain"))}}"]
        default:
            p.approximate("the initializer \(name)", at: node.location)
            return []
        }
    }

    func regularizer(_ p: inout Problems, _ key: String, as nncKey: String) -> [String] {
        guard let node = config[key], !node.isNullish else { return [] }
        let name = node["class_name"]?.scalarText ?? "?"
        let settings = node["config"]
        func value(_ k: String) -> String { settings?[k].map(render) ?? "0" }
        switch name {
        case "L2": return ["\(nncKey): {l2: \(value("l2"))}"]
        case "L1": return ["\(nncKey): {l1: \(value("l1"))}"]
        case "L1L2": return ["\(nncKey): {l1_l2: {l1: \(value("l1")), l2: \(value("l2"))}}"]
        default:
            p.approximate("the regularizer \(name)", at: node.location)
            return []
        }
    }
}

/// The problems of one layer: refusals (errors) and approximations (warnings).
struct Problems {
    let layer: KerasLayer
    var diagnostics = Diagnostics()

    var name: String { layer.config["name"]?.scalarText ?? layer.className }

    mutating func refuse(_ why: String, at location: SourceLocation? = nil, help: String? = nil) {
        diagnostics.error(
            .unsupportedKerasLayer, "layer '\(name)' (\(layer.className)) cannot be imported: \(why)",
            at: location ?? layer.location, help: help)
    }

    /// The setting `key`, when the config has it, must be one of `values` (as written).
    mutating func require(_ key: String, in values: [String]) {
        guard let node = layer.config[key] else { return }
        let value = layer.render(node)
        guard !values.contains(value) else { return }
        diagnostics.error(
            .unsupportedKerasSetting,
            "layer '\(name)' (\(layer.className)) sets \(key): \(value), which nnc cannot express (it takes \(values.joined(separator: " or ")))",
            at: node.location, help: "change the setting in Keras before exporting, or leave the layer out")
    }

    mutating func approximate(_ what: String, at location: SourceLocation) {
        diagnostics.warning(
            .importApproximation,
            "layer '\(name)' (\(layer.className)) uses \(what), which nnc cannot write: the layer keeps nnc's default",
            at: location, help: "the architecture and parameter counts are unchanged; training starts differently")
    }
}

extension SpecNode {
    /// JSON's null, read by the spec reader as a plain scalar or a null node.
    var isNullish: Bool { isNull || (scalarText == "null" && !isQuoted) }

    var isQuoted: Bool {
        if case .scalar(_, let quoted) = kind { return quoted }
        return false
    }
}
