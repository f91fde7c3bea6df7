import NNCGraph
import NNCSpec

/// The shape trace `nnc check` prints on success: each layer's output shape and, for
/// every convolution and pool, the output-size arithmetic with the numbers filled in,
/// the convention used and the receptive field so far (a transposed convolution: Keras's formula).
public enum ShapeTrace {
    public static func render(_ graph: Graph) -> String {
        let nameWidth = min(max(graph.nodes.map(\.name.count).max() ?? 5, 5), 40)
        let typeWidth = max(graph.nodes.map(\.typeName.count).max() ?? 4, 4)
        var out = ""
        for node in graph.nodes {
            let shape = graph.shapeText(node) ?? "(not checked)"
            out += "  " + node.name.padded(nameWidth) + "  " + node.typeName.padded(typeWidth) + "  " + shape + "\n"
            let indent = String(repeating: " ", count: 6)
            for (d, a) in node.arithmetic.enumerated() where node.shape != nil {
                let axis = node.arithmetic.count == 1 ? "length" : (d == 0 ? "height" : "width")
                // An axis of a symbolic size: its expression in terms of the symbol.
                let symbolic = graph.symbolic?.expression(node.id, axis: d)
                out += indent + "\(axis.padded(6)) \(symbolic.map(\.description) ?? a.formula)\n"
                if d == node.arithmetic.count - 1 {
                    out +=
                        indent + "       " + convention(a, all: node.arithmetic, symbolic: graph.symbolic != nil) + "\n"
                }
            }
            // A transposed convolution's output sizes, by Keras's formula.
            if case .conv2dTranspose(let t) = node.op, node.shape != nil, let x = graph[node.inputs[0]].shape {
                for (d, a) in t.arithmetic(input: Array(x.dims.dropLast())).enumerated() {
                    out += indent + "\((d == 0 ? "height" : "width").padded(6)) \(a.formula)\n"
                }
            }
            if let field = node.receptiveField, !node.arithmetic.isEmpty {
                out += indent + "       receptive field \(cells(field.size)), jump \(cells(field.jump))\n"
            }
        }
        return out
    }

    /// `5×5`; sizes that saturated (thousands of strided layers) print as `>10¹⁸`.
    static func cells(_ sizes: [Int]) -> String {
        sizes.map { $0 > 1_000_000_000_000_000_000 ? ">10¹⁸" : String($0) }.joined(separator: "×")
    }

    /// "floor rounding, same padding (2 before, 2 after), stride 1, dilation 1".
    /// With symbolic sizes, `same` padding's amounts depend on the size and are not shown.
    static func convention(_ a: ConvArithmetic, all: [ConvArithmetic], symbolic: Bool = false) -> String {
        let pads = all.map { $0.padLow == $0.padHigh ? "\($0.padLow)" : "\($0.padLow)+\($0.padHigh)" }.joined(
            separator: ", ")
        let padding = symbolic && a.paddingMode == "same" ? "same padding" : "\(a.paddingMode) padding (\(pads))"
        var parts = ["\(a.rounding.rawValue) rounding", padding]
        parts.append("stride \(all.map { String($0.stride) }.joined(separator: "×"))")
        if all.contains(where: { $0.dilation > 1 }) {
            parts.append("dilation \(all.map { String($0.dilation) }.joined(separator: "×"))")
        }
        return parts.joined(separator: ", ")
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
