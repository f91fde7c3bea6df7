import Foundation
import NNCProtobuf
import NNCRuntime

/// Each ONNX op's nnc form: one switch over the op types nnc reads.
extension ONNXImporter {
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func visit() {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            refuse("its domain '\(node.domain)' is not ONNX's default domain")
            return
        }
        if continuesComposite() { return }
        if absorbed.contains(index) {
            absorbAttention()
            return
        }
        switch node.opType {
        case "Constant":
            guard let t = attribute("value"), t.type == .tensor else {
                refuse("only a Constant with a tensor value is read")
                return
            }
            var tensor = t.t
            tensor.name = node.output[0]
            addConstant(tensor, what: "Constant")
        case "Identity":
            guard let x = value(0) else { return }
            output(x)
        case "Dropout":
            dropout()
        case "MatMul", "Gemm":
            dense()
        case "Conv":
            convolution()
        case "MaxPool", "AveragePool":
            pool()
        case "GlobalAveragePool", "GlobalMaxPool":
            globalPool()
        case "ReduceMean", "ReduceMax", "ReduceSum", "ReduceProd":
            reduce()
        case "BatchNormalization":
            batchnorm()
        case "LayerNormalization":
            layernorm()
        case "Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Mish", "Softmax":
            activation()
        case "Flatten":
            flatten()
        case "Reshape":
            reshape()
        case "Squeeze":
            squeeze()
        case "Transpose":
            transpose()
        case "Add", "Sum", "Sub", "Mul", "Div", "Max", "Mean":
            elementwise()
        case "Concat":
            concat()
        case "Gather":
            embedding()
        case "LSTM", "GRU", "RNN":
            recurrent()
        default:
            refuse(
                "nnc has no layer for ONNX's \(node.opType)",
                help:
                    "nnc imports MatMul/Gemm, Conv, the pools, BatchNormalization, LayerNormalization, activations, Flatten, Reshape, the merges, Concat, Dropout, Gather, LSTM/GRU/RNN and its exporter's attention; replace the node before exporting"
            )
        }
    }

    // MARK: - Dense

    /// MatMul(x, W [in, out]) or Gemm(x, B, C): a dense layer; a later Add of a constant is its bias.
    private mutating func dense() {
        guard let x = value(0) else { return }
        guard let w = constant(1), let kernel = w.floats, w.shape.count == 2 else {
            refuse("its weight (input 1) must be a constant float32 matrix")
            return
        }
        var rows = w.shape[0]
        var units = w.shape[1]
        var values = kernel
        var bias: [Float]?
        if node.opType == "Gemm" {
            guard int("transA", 0) == 0 else {
                refuse("transA = 1 transposes the batch")
                return
            }
            let alpha = Float(float("alpha", 1))
            if int("transB", 0) == 1 {
                values = ONNXExporter.permute(values, w.shape, [1, 0]).values
                (rows, units) = (units, rows)
            }
            if alpha != 1 { values = values.map { $0 * alpha } }
            if let c = constant(2) {
                guard let b = c.floats, c.count == units else {
                    refuse("its bias C must hold \(units) float32 values")
                    return
                }
                let beta = Float(float("beta", 1))
                bias = b.map { $0 * beta }
            }
        }
        let features: Int
        switch x.layout {
        case .nnc:
            features = x.shape.last!
        case .flattenedChannelsFirst(let shape):
            // Rows in ONNX's [C, spatial…] order, reordered to nnc's [spatial…, C].
            features = shape.reduce(1, *)
            let perm = Array(1..<shape.count) + [0]
            let order = ONNXExporter.permute((0..<features).map(Float.init), shape, perm).values.map { Int($0) }
            guard rows == features else { break }
            var reordered = [Float](repeating: 0, count: values.count)
            for (row, source) in order.enumerated() {
                for u in 0..<units { reordered[row * units + u] = values[source * units + u] }
            }
            values = reordered
        case .channelsFirst, .timeFirst, .recurrentSequence, .recurrentState, .directions, .pooled:
            refuse(
                "it reads a tensor in \(x.layout) layout; nnc's dense layer reads the last axis of channels-last data")
            return
        }
        guard rows == features else {
            refuse("its weight has \(rows) rows for \(features) input features")
            return
        }
        var layer = ImportedLayer(name: layerName(), kind: "dense", settings: ["units: \(units)"])
        layer.tensors = [SafeTensors.Tensor(name: "kernel", shape: [rows, units], values: values)]
        layer.takesBias = true
        layer.takesActivation = true
        layer.channels = units
        if let bias {
            layer.hasBias = true
            layer.tensors.append(SafeTensors.Tensor(name: "bias", shape: [units], values: bias))
        }
        let id = add(layer, reading: [x])
        output(ONNXValue(layer: id, shape: Array(x.shape.dropLast()) + [units], layout: .nnc))
    }

    // MARK: - Elementwise

    /// Add, Sum, Sub, Mul, Div, Max, Mean: a merge of layers; or a constant bias of the layer
    /// before; or the input's preprocessing (× scale, − mean, ÷ deviation) before any layer.
    private mutating func elementwise() {
        let constantInputs = node.input.indices.filter { constant($0) != nil }
        if constantInputs.isEmpty {
            merge()
            return
        }
        guard node.input.count == 2, constantInputs == [1] || (constantInputs == [0] && node.opType != "Sub"),
            node.opType != "Div" || constantInputs == [1]
        else {
            refuse("it combines constants nnc has no layer for")
            return
        }
        let k = constantInputs[0]
        guard let x = value(1 - k), let c = constant(k), let numbers = c.floats else { return }
        if startsLecunTanh(x, tensor: node.input[1 - k], numbers) { return }
        if positionEmbedding(x, c, numbers) { return }
        if x.layer == nil, layers.isEmpty, x.layout == .nnc {
            preprocess(x, numbers)
            return
        }
        guard node.opType == "Add", let l = x.layer, layers[l].takesBias, !layers[l].hasBias,
            layers[l].activation == nil, !layers[l].consumed, consumers[node.input[1 - k]] == 1,
            numbers.count == layers[l].channels, c.shape.filter({ $0 != 1 }).count <= 1
        else {
            refuse(
                "a \(node.opType) with a constant is read only as the bias of the dense or convolution before it, or as the input's scaling before the first layer"
            )
            return
        }
        layers[l].hasBias = true
        layers[l].tensors.append(SafeTensors.Tensor(name: "bias", shape: [numbers.count], values: numbers))
        output(x)
    }

    /// The preprocessing nnc's exporter writes before the first layer.
    private mutating func preprocess(_ x: ONNXValue, _ numbers: [Float]) {
        let width = inputShape.reduce(1, *)
        switch node.opType {
        case "Mul" where numbers.count == 1 && scale == nil && mean == nil && deviation == nil:
            scale = numbers[0]
        case "Sub" where numbers.count == width && mean == nil && deviation == nil:
            mean = numbers
        case "Div" where numbers.count == width && deviation == nil:
            deviation = numbers
        default:
            refuse(
                "before the first layer nnc reads × a scalar, − a mean and ÷ a deviation per feature, in that order (\(numbers.count) values here)"
            )
            return
        }
        output(x)
    }

    /// A merge of two or more layer outputs in the same layout.
    private mutating func merge() {
        var inputs: [ONNXValue] = []
        for k in node.input.indices {
            guard let v = value(k) else { return }
            inputs.append(v)
        }
        let kind: String
        switch node.opType {
        case "Add", "Sum": kind = "add"
        case "Sub": kind = "subtract"
        case "Mul": kind = "multiply"
        case "Max": kind = "maximum"
        case "Mean": kind = "average"
        default:
            refuse("nnc has no layer dividing one layer's output by another's")
            return
        }
        guard inputs.count >= 2, inputs.allSatisfy({ $0.layout == inputs[0].layout && $0.rank == inputs[0].rank }),
            inputs[0].layout == .nnc || inputs[0].layout == .channelsFirst
        else {
            refuse("nnc merges two or more layer outputs of one layout and rank")
            return
        }
        if node.opType == "Sub", inputs.count != 2 {
            refuse("subtract takes two inputs")
            return
        }
        let shape = inputs.dropFirst().reduce(inputs[0].shape) { a, b in zip(a, b.shape).map { max($0, $1) } }
        let id = add(ImportedLayer(name: layerName(), kind: kind), reading: inputs)
        output(ONNXValue(layer: id, shape: shape, layout: inputs[0].layout))
    }

    /// Concat: nnc's axis counts the per-sample axes of channels-last data.
    private mutating func concat() {
        var inputs: [ONNXValue] = []
        for k in node.input.indices {
            guard let v = value(k) else { return }
            inputs.append(v)
        }
        let rank = inputs[0].rank
        var axis = int("axis", 1)
        if axis < 0 { axis += rank }
        guard inputs.allSatisfy({ $0.layout == inputs[0].layout && $0.rank == rank }), axis >= 1, axis < rank else {
            refuse("nnc concatenates layer outputs of one layout along a per-sample axis")
            return
        }
        let nncAxis: Int
        switch inputs[0].layout {
        case .nnc: nncAxis = axis == rank - 1 ? -1 : axis - 1
        case .channelsFirst: nncAxis = axis == 1 ? -1 : axis - 2
        case .timeFirst, .recurrentSequence, .recurrentState, .directions, .flattenedChannelsFirst, .pooled:
            refuse("it concatenates tensors in \(inputs[0].layout) layout")
            return
        }
        var shape = inputs[0].shape
        shape[axis] = inputs.map { $0.shape[axis] }.reduce(0, +)
        let layer = ImportedLayer(
            name: layerName(), kind: "concat", settings: nncAxis == -1 ? [] : ["axis: \(nncAxis)"])
        let id = add(layer, reading: inputs)
        output(ONNXValue(layer: id, shape: shape, layout: inputs[0].layout))
    }

    // MARK: - Activations, normalization, dropout

    /// An activation op: the activation of the layer before when the node carries its name
    /// (nnc's exporter writes `dense/Relu`), else an activation layer.
    private mutating func activation() {
        guard let x = value(0) else { return }
        if startsSwish(x) { return }
        let spelling: String
        switch node.opType {
        case "Relu": spelling = "relu"
        case "Sigmoid": spelling = "sigmoid"
        case "Tanh": spelling = "tanh"
        case "Softplus": spelling = "softplus"
        case "Mish": spelling = "mish"
        case "LeakyRelu": spelling = "{leaky_relu: \(Self.number(float("alpha", 0.01)))}"
        case "Elu":
            let alpha = float("alpha", 1)
            spelling = alpha == 1 ? "elu" : "{elu: \(Self.number(alpha))}"
        case "Selu":
            guard abs(float("alpha", 1.67326319217681884765625) - 1.6732632423543772) < 1e-5,
                abs(float("gamma", 1.05070102214813232421875) - 1.0507009873554805) < 1e-5
            else {
                refuse("nnc's selu has the standard alpha and gamma")
                return
            }
            spelling = "selu"
        default:
            let rank = x.rank
            var axis = int("axis", opset >= 13 ? -1 : 1)
            if axis < 0 { axis += rank }
            guard x.layout == .nnc, axis == rank - 1 else {
                refuse("nnc's softmax runs over the last axis of channels-last data")
                return
            }
            spelling = "softmax"
        }
        if let l = x.layer, layers[l].takesActivation, layers[l].activation == nil, !layers[l].consumed,
            consumers[node.input[0]] == 1, derivedName() == layers[l].name
        {
            layers[l].activation = spelling
            output(x)
            return
        }
        let id = add(
            ImportedLayer(name: layerName(), kind: "activation", settings: ["activation: \(spelling)"]), reading: [x])
        output(ONNXValue(layer: id, shape: x.shape, layout: x.layout))
    }

    /// Dropout (identity at inference) as nnc's dropout with its rate; nnc's exporter marks
    /// alpha_dropout in the node's doc string.
    private mutating func dropout() {
        guard let x = value(0) else { return }
        let rate: Double
        if let r = constant(1), let v = r.floats?.first {
            rate = Double(v)
        } else {
            rate = float("ratio", 0.5)
        }
        guard rate > 0, rate < 1 else {
            output(x)
            return
        }
        let kind = node.docString == "alpha_dropout" ? "alpha_dropout" : "dropout"
        let id = add(
            ImportedLayer(name: layerName(), kind: kind, settings: ["rate: \(Self.number(rate))"]), reading: [x])
        output(ONNXValue(layer: id, shape: x.shape, layout: x.layout))
    }

    /// BatchNormalization over channels: axis 1 of channels-first data, or [N, C].
    private mutating func batchnorm() {
        guard let x = value(0) else { return }
        guard x.layout == .channelsFirst || (x.layout == .nnc && x.rank == 2) else {
            refuse("ONNX normalizes axis 1; here it is not the channels of a channels-last layer's output")
            return
        }
        guard int("training_mode", 0) == 0, node.output.count == 1 || node.output.dropFirst().allSatisfy(\.isEmpty)
        else {
            refuse("only the inference form (one output, training_mode 0) is read")
            return
        }
        let channels = x.shape[1]
        var tensors: [SafeTensors.Tensor] = []
        var settings = [
            "epsilon: \(Self.number(float("epsilon", 1e-5)))", "momentum: \(Self.number(float("momentum", 0.9)))",
        ]
        for (k, name) in [(1, "gamma"), (2, "beta"), (3, "moving_mean"), (4, "moving_variance")] {
            guard let c = constant(k), let v = c.floats, v.count == channels else {
                refuse("its \(name) (input \(k)) must be a constant of \(channels) float32 values")
                return
            }
            if k == 1, node.input[k].hasSuffix(".unit_gamma") {
                settings.append("scale: false")
            } else if k == 2, node.input[k].hasSuffix(".zero_beta") {
                settings.append("center: false")
            } else {
                tensors.append(SafeTensors.Tensor(name: name, shape: [channels], values: v))
            }
        }
        var layer = ImportedLayer(name: layerName(), kind: "batchnorm", settings: settings)
        layer.tensors = tensors
        let id = add(layer, reading: [x])
        output(ONNXValue(layer: id, shape: x.shape, layout: x.layout))
    }

    /// LayerNormalization over the last axis of channels-last data.
    private mutating func layernorm() {
        guard let x = value(0) else { return }
        var axis = int("axis", -1)
        if axis < 0 { axis += x.rank }
        guard x.layout == .nnc, axis == x.rank - 1 else {
            refuse("nnc's layernorm normalizes the last axis of channels-last data")
            return
        }
        let channels = x.shape.last!
        guard let gamma = constant(1)?.floats, gamma.count == channels else {
            refuse("its scale must be a constant of \(channels) float32 values")
            return
        }
        var settings = ["epsilon: \(Self.number(float("epsilon", 1e-5)))"]
        var tensors = [SafeTensors.Tensor(name: "gamma", shape: [channels], values: gamma)]
        if let beta = constant(2)?.floats, beta.count == channels {
            tensors.append(SafeTensors.Tensor(name: "beta", shape: [channels], values: beta))
        } else {
            settings.append("center: false")
        }
        var layer = ImportedLayer(name: layerName(), kind: "layernorm", settings: settings)
        layer.tensors = tensors
        let id = add(layer, reading: [x])
        output(ONNXValue(layer: id, shape: x.shape, layout: .nnc))
    }

    /// Gather(table, ids) on the int64 input: an embedding.
    private mutating func embedding() {
        guard let table = constant(0), let values = table.floats, table.shape.count == 2, int("axis", 0) == 0 else {
            refuse("only Gather of rows of a constant float32 table (an embedding) is read")
            return
        }
        guard let ids = value(1) else { return }
        var layer = ImportedLayer(
            name: layerName(), kind: "embedding",
            settings: ["input_dim: \(table.shape[0])", "output_dim: \(table.shape[1])"])
        layer.tensors = [SafeTensors.Tensor(name: "embeddings", shape: table.shape, values: values)]
        let id = add(layer, reading: [ids])
        output(ONNXValue(layer: id, shape: ids.shape + [table.shape[1]], layout: .nnc))
    }

    /// A number as the spec writes it.
    static func number(_ x: Double) -> String {
        let f = Float(x)
        if f == f.rounded(), abs(f) < 1e6 { return String(format: "%.1f", Double(f)) }
        return "\(f)"
    }
}
