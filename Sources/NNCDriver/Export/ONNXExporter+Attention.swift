import NNCGraph

/// multi_head_attention composed from ONNX ops, as nnc computes it: the query, key and value
/// projections (Keras's kernels [features, heads, size] are row-major [features,
/// heads·size]), per head S = Q·Kᵀ/√key_dim, the causal mask as −10⁹ added above the
/// diagonal (its weights are exactly 0 after the softmax, as nnc's), the softmax over the
/// keys, C = P·V, and the output projection. A padding mask reaching the layer is refused.
extension ONNXExporter {
    mutating func attention(_ node: Node, _ m: MultiHeadAttention) -> String? {
        let name = node.name
        let n = node.inputs.count
        let (q, v) = (0, min(1, n - 1))
        let k = n > 2 ? 2 : v
        if sequenceMask(reaches: node.inputs[q]) || sequenceMask(reaches: node.inputs[k]) {
            refuse(
                node,
                "a padding mask (an embedding's padding_index) reaches it; the exported graph would attend to padding",
                help: "drop padding_index from the embedding to export, or keep the model in nnc")
            return nil
        }
        let h = m.heads
        let queries = inputShape(node, q)[0]
        let keys = inputShape(node, k)[0]
        /// [N, T, F] → [N, heads, T, size] (or [N, heads, size, T] for the keys).
        func project(_ role: String, _ index: Int, size: Int, perm: [Int]) -> String {
            let kernel = parameter(node, "\(role)_kernel")
            var y = writer.op(
                "MatMul",
                [
                    input(node, index),
                    writer.constant("\(name).\(role)_kernel", [kernel.shape[0], h * size], kernel.values),
                ],
                name: "\(name)/\(role)/MatMul")
            if m.useBias {
                y = writer.op(
                    "Add",
                    [y, writer.constant("\(name).\(role)_bias", [h * size], parameter(node, "\(role)_bias").values)],
                    name: "\(name)/\(role)/Add")
            }
            let heads = writer.op(
                "Reshape", [y, writer.integers("\(name).\(role)_heads", [0, 0, h, size])],
                name: "\(name)/\(role)/Reshape")
            return writer.op(
                "Transpose", [heads], name: "\(name)/\(role)/Transpose", [ONNXAttribute.ints("perm", perm)])
        }
        let query = project("query", q, size: m.keyDim, perm: [0, 2, 1, 3])
        let key = project("key", k, size: m.keyDim, perm: [0, 2, 3, 1])
        let value = project("value", v, size: m.valueDim, perm: [0, 2, 1, 3])
        let products = writer.op("MatMul", [query, key], name: "\(name)/scores/MatMul")
        var scores = writer.op(
            "Mul", [products, writer.scalar("\(name).scale", 1 / Double(m.keyDim).squareRoot())],
            name: "\(name)/scores/Mul")
        if m.causal {
            var mask = [Float](repeating: 0, count: queries * keys)
            for i in 0..<queries { for j in 0..<keys where j > i { mask[i * keys + j] = -1e9 } }
            scores = writer.op(
                "Add", [scores, writer.constant("\(name).causal_mask", [queries, keys], mask)], name: "\(name)/causal")
        }
        let weights = writer.op("Softmax", [scores], name: "\(name)/Softmax", [ONNXAttribute.int("axis", -1)])
        let context = writer.op("MatMul", [weights, value], name: "\(name)/context/MatMul")
        let steps = writer.op(
            "Transpose", [context], name: "\(name)/context/Transpose", [ONNXAttribute.ints("perm", [0, 2, 1, 3])])
        let joined = writer.op(
            "Reshape", [steps, writer.integers("\(name).context_shape", [0, 0, h * m.valueDim])],
            name: "\(name)/context/Reshape")
        let output = parameter(node, "output_kernel")
        var y = writer.op(
            "MatMul",
            [joined, writer.constant("\(name).output_kernel", [h * m.valueDim, output.shape[2]], output.values)],
            name: "\(name)/output/MatMul")
        if m.useBias { y = writer.op("Add", [y, initializer(node, "output_bias")], name: "\(name)/output/Add") }
        return y
    }
}
