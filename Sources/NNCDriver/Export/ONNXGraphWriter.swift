import Foundation
import NNCProtobuf

/// The ONNX graph being written: nodes, initializers and unique tensor names, with one
/// helper per message kind so the exporter never touches the protobuf fields directly.
/// Tensors are float32 unless built as int64; every value carries the symbolic batch
/// dimension `N` first.
struct ONNXGraphWriter {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var used: Set<String> = []

    /// `base`, or `base_2`, `base_3`, … when it is taken: ONNX needs every tensor and node
    /// name once.
    mutating func unique(_ base: String) -> String {
        var name = base
        var k = 2
        while used.contains(name) {
            name = "\(base)_\(k)"
            k += 1
        }
        used.insert(name)
        return name
    }

    /// Marks a name as taken (the graph input).
    mutating func reserve(_ name: String) { used.insert(name) }

    /// A float32 initializer of `shape` with `values` (row-major), named `name` (made unique).
    @discardableResult
    mutating func constant(_ name: String, _ shape: [Int], _ values: [Float]) -> String {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for \(shape)")
        var t = Onnx_TensorProto()
        t.name = unique(name)
        t.dims = shape.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(t)
        return t.name
    }

    /// A scalar float32 initializer.
    mutating func scalar(_ name: String, _ value: Double) -> String { constant(name, [], [Float(value)]) }

    /// An int64 initializer of `values` (a 1-D list: shapes, axes, pads of the ops that take them as inputs).
    mutating func integers(_ name: String, _ values: [Int]) -> String {
        var t = Onnx_TensorProto()
        t.name = unique(name)
        t.dims = [Int64(values.count)]
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.int64Data = values.map(Int64.init)
        initializers.append(t)
        return t.name
    }

    /// Appends a node `op` reading `inputs`; returns its outputs: named `output` (or `output`
    /// with the index after it for several), made unique, else the node's own name.
    @discardableResult
    mutating func node(
        _ op: String, _ inputs: [String], name: String, output: String? = nil, outputs count: Int = 1,
        _ attributes: [Onnx_AttributeProto] = []
    ) -> [String] {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = unique(name)
        n.input = inputs
        if count == 1, output == nil {
            n.output = [n.name]
        } else {
            let base = output ?? n.name
            n.output = (0..<count).map { unique(count == 1 ? base : "\(base)_\($0)") }
        }
        n.attribute = attributes
        nodes.append(n)
        return n.output
    }

    /// Sets the doc string of the node written last.
    mutating func document(_ text: String) { nodes[nodes.count - 1].docString = text }

    /// A node with one output (the usual case).
    mutating func op(
        _ op: String, _ inputs: [String], name: String, output: String? = nil, _ attributes: [Onnx_AttributeProto] = []
    ) -> String {
        node(op, inputs, name: name, output: output, attributes)[0]
    }

    /// A value description: float32 (or int64) with `N` before the per-sample dimensions.
    static func value(_ name: String, perSample dims: [Int], integer: Bool = false) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        shape.dim =
            [batch]
            + dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                dim.dimValue = Int64(d)
                return dim
            }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32((integer ? Onnx_TensorProto.DataType.int64 : .float).rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}

/// Attribute constructors.
enum ONNXAttribute {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func float(_ name: String, _ value: Double) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = Float(value)
        return a
    }

    static func floats(_ name: String, _ values: [Double]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .floats
        a.floats = values.map(Float.init)
        return a
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }

    static func strings(_ name: String, _ values: [String]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .strings
        a.strings = values.map { Data($0.utf8) }
        return a
    }
}
