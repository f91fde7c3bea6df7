import NNCGraph

/// multi_head_attention as `nn.MultiheadAttention` where Keras's layout maps onto it: the
/// query, key and value each have E = num_heads·key_dim features, value_dim is key_dim and the
/// output is E wide. Then in_proj_weight [3E, E] is Keras's query, key and value kernels
/// ([E, heads, key_dim] read as [E, E]) transposed and stacked, in_proj_bias their biases,
/// out_proj the output kernel ([heads, value_dim, E] as [E, E]) transposed; torch scales by
/// 1/√(E/heads) = 1/√key_dim as Keras does. Any other shape keeps Keras's layout: the four
/// kernels and biases are `nn.Parameter`s of Keras's shapes (`<layer>_query_kernel`
/// [F_q, heads, key_dim], …, `<layer>_output_kernel` [heads, value_dim, out]) and forward
/// computes Keras's einsums. A causal mask is a boolean mask above the diagonal in either
/// form; a padding mask reaching the layer is refused, as in the ONNX export.
extension PyTorchExporter {
    mutating func attention(_ node: Node, _ m: MultiHeadAttention) {
        let n = node.inputs.count
        let (q, v) = (0, min(1, n - 1))
        let k = n > 2 ? 2 : v
        if graph.sequenceMask(reaches: node.inputs[q]) || graph.sequenceMask(reaches: node.inputs[k]) {
            refuse(
                node,
                "a padding mask (an embedding's padding_index) reaches it; the exported module would attend to padding",
                help: "drop padding_index from the embedding to export, or keep the model in nnc")
            assign(node, input(node))
            return
        }
        let (query, key, value) = (input(node, q), input(node, k), input(node, v))
        let e = inputShape(node, q).last!
        let output = parameter(node, "output_kernel").shape[2]
        let mask: String? =
            m.causal
            ? "torch.ones(\(query).shape[1], \(key).shape[1], dtype=torch.bool, device=\(query).device).triu(1)"
            : nil
        let fits =
            m.heads * m.keyDim == e && m.valueDim == m.keyDim && output == e
            && inputShape(node, k).last! == e && inputShape(node, v).last! == e
        if fits {
            torchAttention(node, m, embed: e, query: query, key: key, value: value, mask: mask)
        } else {
            kerasAttention(node, m, query: query, key: key, value: value, mask: mask)
        }
    }

    /// nn.MultiheadAttention(E, heads, batch_first=True) with Keras's weights in its layout.
    private mutating func torchAttention(
        _ node: Node, _ m: MultiHeadAttention, embed e: Int, query: String, key: String, value: String, mask: String?
    ) {
        let a = attribute(node)
        modules.append(
            "self.\(a) = nn.MultiheadAttention(\(e), \(m.heads), bias=\(m.useBias ? "True" : "False"), batch_first=True)"
        )
        var weight: [Float] = []
        var bias: [Float] = []
        for role in ["query", "key", "value"] {
            // [E, heads, key_dim] is row-major [E, E]: transposed to torch's [out, in].
            weight += ONNXExporter.permute(parameter(node, "\(role)_kernel").values, [e, e], [1, 0]).1
            if m.useBias { bias += parameter(node, "\(role)_bias").values }
        }
        state.add("\(a).in_proj_weight", [3 * e, e], weight)
        if m.useBias { state.add("\(a).in_proj_bias", [3 * e], bias) }
        state.add(
            "\(a).out_proj.weight", [e, e],
            ONNXExporter.permute(parameter(node, "output_kernel").values, [e, e], [1, 0]).1)
        if m.useBias { state.add("\(a).out_proj.bias", [e], parameter(node, "output_bias").values) }
        let masking = mask.map { ", attn_mask=\($0)" } ?? ""
        assign(node, "self.\(a)(\(query), \(key), \(value), need_weights=False\(masking))[0]")
    }

    /// Keras's kernels and biases as parameters of Keras's shapes, and its einsums.
    private mutating func kerasAttention(
        _ node: Node, _ m: MultiHeadAttention, query: String, key: String, value: String, mask: String?
    ) {
        var names: [String: String] = [:]
        for role in ["query", "key", "value", "output"] {
            for part in m.useBias ? ["kernel", "bias"] : ["kernel"] {
                let a = attribute(node, suffix: "_\(role)_\(part)")
                let t = parameter(node, "\(role)_\(part)")
                modules.append("self.\(a) = nn.Parameter(torch.zeros(\(Self.tuple(t.shape))))")
                state.add(a, t.shape, t.values)
                names["\(role)_\(part)"] = "self.\(a)"
            }
        }
        /// [N, T, F]·[F, heads, size] (+ [heads, size]) → [N, heads, T, size].
        func project(_ role: String, _ x: String) -> String {
            let product = "torch.einsum(\"ntf,fhs->nhts\", \(x), \(names["\(role)_kernel"]!))"
            return names["\(role)_bias"].map { "\(product) + \($0)[:, None, :]" } ?? product
        }
        lines.append("q = \(project("query", query))")
        lines.append("k = \(project("key", key))")
        lines.append("v = \(project("value", value))")
        lines.append(
            "s = torch.einsum(\"nhqs,nhks->nhqk\", q, k) * \(Self.literal(1 / Double(m.keyDim).squareRoot()))")
        if let mask { lines.append("s = s.masked_fill(\(mask), float(\"-inf\"))") }
        lines.append("c = torch.einsum(\"nhqk,nhkv->nqhv\", torch.softmax(s, dim=-1), v)")
        let y = "torch.einsum(\"nqhv,hvo->nqo\", c, \(names["output_kernel"]!))"
        assign(node, names["output_bias"].map { "\(y) + \($0)" } ?? y)
    }
}
