import NNCGraph

/// simple_rnn, lstm, gru and bidirectional as nn.RNN, nn.LSTM and nn.GRU (batch_first, one
/// layer, bidirectional for a bidirectional layer), whose fixed activations nnc's must match.
///
/// Weights: Keras's kernel [F, gates·u] and recurrent kernel [u, gates·u] become
/// weight_ih_l0 [gates·u, F] and weight_hh_l0 [gates·u, u], transposed with the gate blocks
/// in PyTorch's order: LSTM's i, f, c, o are PyTorch's i, f, g, o; GRU's z, r, h are
/// PyTorch's r, z, n reordered. bias_ih_l0 is Keras's (input) bias, bias_hh_l0 the recurrent
/// bias of a gru with reset_after (PyTorch's GRU is Keras's reset_after: true) or zeros. The
/// backward direction is `_reverse`. The output is the whole sequence or the last step
/// (the backward direction's last step is at t = 0), merged as nnc merges bidirectional.
extension PyTorchExporter {
    mutating func recurrent(_ node: Node) {
        let r = node.op.recurrent!
        guard let module = recurrentModule(node, r) else {
            assign(node, input(node))
            return
        }
        let a = attribute(node)
        let bidirectional = node.op.kind == .bidirectional
        let features = inputShape(node).last!
        let u = r.units
        let order: [Int] =
            switch r.cell {
            case .simple: [0]
            case .lstm: [0, 1, 2, 3]
            case .gru: [1, 0, 2]
            }
        let gates = order.count
        modules.append(
            "self.\(a) = nn.\(module.name)(\(features), \(u), batch_first=True, bias=\(r.useBias ? "True" : "False"), bidirectional=\(bidirectional ? "True" : "False")\(module.settings))"
        )
        let directions = bidirectional ? [("forward_", ""), ("backward_", "_reverse")] : [("", "")]
        for (prefix, suffix) in directions {
            state.add(
                "\(a).weight_ih_l0\(suffix)", [gates * u, features],
                ONNXExporter.gateRows(
                    parameter(node, prefix + "kernel").values, rows: features, units: u, order: order))
            state.add(
                "\(a).weight_hh_l0\(suffix)", [gates * u, u],
                ONNXExporter.gateRows(
                    parameter(node, prefix + "recurrent_kernel").values, rows: u, units: u, order: order))
            if r.useBias {
                let bias = parameter(node, prefix + "bias")
                let row = gates * u
                state.add(
                    "\(a).bias_ih_l0\(suffix)", [row],
                    ONNXExporter.gateRows(Array(bias.values.prefix(row)), rows: 1, units: u, order: order))
                let recurrentBias =
                    bias.shape.count == 2
                    ? ONNXExporter.gateRows(Array(bias.values.suffix(row)), rows: 1, units: u, order: order)
                    : zeros(row)
                state.add("\(a).bias_hh_l0\(suffix)", [row], recurrentBias)
            }
        }
        lines.append("h = self.\(a)(\(input(node)))[0]")
        guard bidirectional else {
            assign(node, r.returnSequences ? "h" : "h[:, -1]")
            return
        }
        let (forward, backward) =
            r.returnSequences ? ("h[..., :\(u)]", "h[..., \(u):]") : ("h[:, -1, :\(u)]", "h[:, 0, \(u):]")
        guard case .bidirectional(let b) = node.op, case .elementwise(let mode) = b.merge else {
            assign(node, r.returnSequences ? "h" : "torch.cat([\(forward), \(backward)], dim=-1)")
            return
        }
        switch mode {
        case .sum: assign(node, "\(forward) + \(backward)")
        case .mul: assign(node, "\(forward) * \(backward)")
        case .ave: assign(node, "(\(forward) + \(backward)) / 2")
        }
    }

    /// The torch module and its settings beyond the sizes ("RNN" with `, nonlinearity="relu"`),
    /// or nil (refused) when its activations are not the ones PyTorch's recurrent modules
    /// compute, a gru resets before its matrix product, or a padding mask reaches it.
    private mutating func recurrentModule(_ node: Node, _ r: Recurrent) -> (name: String, settings: String)? {
        if graph.sequenceMask(reaches: node.inputs[0]) {
            refuse(
                node,
                "a padding mask (an embedding's padding_index) reaches it, and PyTorch's recurrent modules take packed sequences, not masks",
                help: "drop padding_index from the embedding to export, or keep the model in nnc")
            return nil
        }
        func kind(_ a: LayerActivation) -> Activation? {
            if case .function(let f) = a { f.kind } else { nil }
        }
        switch r.cell {
        case .simple:
            let nonlinearity: String? =
                switch kind(r.activation) {
                case .tanh: "tanh"
                case .relu: "relu"
                case .linear, .leakyRelu, .elu, .selu, .sigmoid, .lecunTanh, .softplus, .swish, .mish, nil: nil
                }
            guard let nonlinearity else {
                refuse(
                    node, "its activation \(r.activation.name) is not one nn.RNN offers (tanh, relu)",
                    help: "use activation: tanh or relu")
                return nil
            }
            return ("RNN", ", nonlinearity=\"\(nonlinearity)\"")
        case .lstm, .gru:
            if case .gru(let resetAfter) = r.cell, !resetAfter {
                refuse(
                    node,
                    "reset_after: false applies the reset gate before the recurrent matrix product, and PyTorch's GRU applies it after",
                    help: "use reset_after: true (Keras's default), or export to ONNX")
                return nil
            }
            if r.peephole {
                refuse(
                    node, "peephole: true has weights from the cell to the gates, and nn.LSTM has no peepholes",
                    help: "export to ONNX (its LSTM has peepholes), or drop peephole")
                return nil
            }
            guard kind(r.activation) == .tanh, kind(r.recurrentActivation) == .sigmoid else {
                refuse(
                    node,
                    "its activations (\(r.activation.name), recurrent \(r.recurrentActivation.name)) are not PyTorch's fixed tanh and sigmoid",
                    help: "use activation: tanh and recurrent_activation: sigmoid, or export to ONNX")
                return nil
            }
            return (r.cell == .gru(resetAfter: true) ? "GRU" : "LSTM", "")
        }
    }
}
