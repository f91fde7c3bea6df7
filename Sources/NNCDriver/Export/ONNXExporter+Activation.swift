import NNCGraph

/// Activations as ONNX ops: one op where ONNX has it (Relu, LeakyRelu, Elu, Selu with nnc's
/// constants, Sigmoid, Tanh, Softplus, Mish, Softmax over the last axis), composed where it
/// has none: lecun_tanh = 1.7159·tanh(⅔x), swish = x·sigmoid(βx) (β a learned parameter
/// when `learnable`).
extension ONNXExporter {
    mutating func activate(_ x: String, _ activation: LayerActivation, node: Node) -> String {
        let name = node.name
        switch activation {
        case .softmax:
            return writer.op("Softmax", [x], name: "\(name)/Softmax", [ONNXAttribute.int("axis", -1)])
        case .learnedSwish:
            return swish(x, beta: initializer(node, "swish_beta"), name: name)
        case .function(let f):
            switch f.kind {
            case .linear: return x
            case .relu: return writer.op("Relu", [x], name: "\(name)/Relu")
            case .leakyRelu:
                return writer.op(
                    "LeakyRelu", [x], name: "\(name)/LeakyRelu", [ONNXAttribute.float("alpha", f.parameter)])
            case .elu: return writer.op("Elu", [x], name: "\(name)/Elu", [ONNXAttribute.float("alpha", f.parameter)])
            case .selu:
                return writer.op(
                    "Selu", [x], name: "\(name)/Selu",
                    [
                        ONNXAttribute.float("alpha", 1.6732632423543772),
                        ONNXAttribute.float("gamma", 1.0507009873554805),
                    ])
            case .sigmoid: return writer.op("Sigmoid", [x], name: "\(name)/Sigmoid")
            case .tanh: return writer.op("Tanh", [x], name: "\(name)/Tanh")
            case .lecunTanh:
                let inner = writer.op("Mul", [x, writer.scalar("\(name).lecun_b", 2.0 / 3.0)], name: "\(name)/Mul")
                let t = writer.op("Tanh", [inner], name: "\(name)/Tanh")
                return writer.op("Mul", [t, writer.scalar("\(name).lecun_a", 1.7159)], name: "\(name)/Mul")
            case .softplus: return writer.op("Softplus", [x], name: "\(name)/Softplus")
            case .swish:
                return swish(
                    x, beta: f.parameter == 1 ? nil : writer.scalar("\(name).swish_beta", f.parameter), name: name)
            case .mish: return writer.op("Mish", [x], name: "\(name)/Mish")
            }
        }
    }

    /// x·sigmoid(β·x); β nil means 1.
    private mutating func swish(_ x: String, beta: String?, name: String) -> String {
        let scaled = beta.map { writer.op("Mul", [x, $0], name: "\(name)/Mul") } ?? x
        let gate = writer.op("Sigmoid", [scaled], name: "\(name)/Sigmoid")
        return writer.op("Mul", [x, gate], name: "\(name)/Mul")
    }
}
