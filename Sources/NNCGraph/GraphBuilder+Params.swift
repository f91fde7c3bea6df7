import NNCSpec

/// Parameter tensors of every op, with the formula `--explain` prints. Counts follow Keras;
/// with `Convention.pytorch`, recurrent layers get PyTorch's two biases per gate and
/// batchnorm's running statistics are buffers, not parameters. Every other kind counts the
/// same in both (Linear, Conv, LayerNorm and Embedding hold what Keras's layers hold).
extension GraphBuilder {
    mutating func countParameters(_ node: inout Node, inputs: [Node]) {
        guard let layer = node.layer else { return }
        let c = layer.component
        let trainable = c.bool("trainable") ?? true
        let x = inputs[0].shape!
        func tensor(_ name: String, _ shape: [Int], trainable t: Bool = trainable) -> ParameterTensor {
            ParameterTensor(name: name, shape: shape, trainable: t)
        }
        var tensors: [ParameterTensor] = []
        var formula: String?
        switch node.op {
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten, .reshape, .dropout,
             .softmax, .add, .concat:
            break
        case .activation:
            break
        case .dense:
            let units = c.int("units")!, fanIn = x.channels, bias = c.bool("use_bias") ?? true
            tensors = [tensor("kernel", [fanIn, units])] + (bias ? [tensor("bias", [units])] : [])
            formula = bias ? "(\(fanIn) + 1) × \(units) = \(((fanIn + 1) * units).grouped)"
                           : "\(fanIn) × \(units) = \((fanIn * units).grouped) (no bias)"
        case .conv1d, .conv2d:
            let k = c.ints("kernel")!, filters = c.int("filters")!, groups = c.int("groups") ?? 1
            let perGroup = x.channels / groups, bias = c.bool("use_bias") ?? true
            let window = k.map(String.init).joined(separator: "·") + "·\(perGroup)"
            let perFilter = k.reduce(1, *) * perGroup
            tensors = [tensor("kernel", k + [perGroup, filters])] + (bias ? [tensor("bias", [filters])] : [])
            formula = "(\(window)\(bias ? " + 1" : "")) × \(filters) = \(((perFilter + (bias ? 1 : 0)) * filters).grouped)"
                + (groups > 1 ? " (\(groups) groups of \(perGroup) input channels)" : "")
        case .batchnorm:
            let ch = x.channels
            if c.bool("scale") != false { tensors.append(tensor("gamma", [ch])) }
            if c.bool("center") != false { tensors.append(tensor("beta", [ch])) }
            let statistics = [tensor("moving_mean", [ch], trainable: false), tensor("moving_variance", [ch], trainable: false)]
            if convention == .pytorch {
                // PyTorch registers running_mean and running_var as buffers: not in parameters().
                node.buffers = statistics
                formula = "\(tensors.count) × \(ch) = \((tensors.count * ch).grouped) (running_mean and running_var: 2 × \(ch) buffers, not parameters)"
            } else {
                tensors += statistics
                formula = "\(tensors.count) × \(ch) = \((tensors.count * ch).grouped) (\(tensors.count - 2) × \(ch) trainable, 2 × \(ch) moving statistics)"
            }
        case .layernorm:
            let ch = x.channels
            if c.bool("scale") != false { tensors.append(tensor("gamma", [ch])) }
            if c.bool("center") != false { tensors.append(tensor("beta", [ch])) }
            formula = "\(tensors.count) × \(ch) = \((tensors.count * ch).grouped)"
        case .embedding:
            let v = c.int("input_dim")!, d = c.int("output_dim")!
            tensors = [tensor("embeddings", [v, d])]
            formula = "\(v) × \(d) = \((v * d).grouped)"
        case .simpleRNN, .lstm, .gru:
            (tensors, formula) = recurrentParameters(c, features: x.channels, prefix: "", trainable: trainable)
        case .bidirectional:
            let inner = c.component("layer")!
            let (forward, f) = recurrentParameters(inner, features: x.channels, prefix: "forward_", trainable: trainable)
            let (backward, _) = recurrentParameters(inner, features: x.channels, prefix: "backward_", trainable: trainable)
            tensors = forward + backward
            formula = "2 × (\(f))"
        }
        // A learnable swish beta is one more trainable scalar.
        if let activation = c.component("activation"), activation.kind.name == "swish", activation.bool("learnable") == true {
            tensors.append(tensor("swish_beta", [1]))
            formula = (formula.map { "\($0) + " } ?? "") + "1 (learnable swish beta)"
        }
        for t in tensors where !withinLimits(t.shape, what: "parameter '\(t.name)' of '\(layer.name)'", at: layer.location) {
            node.shape = nil
            return
        }
        node.parameters = tensors
        if let formula { node.explanations.insert(Explanation(topic: "params", text: formula), at: 0) }
    }

    /// Gates × (input weights + recurrent weights + biases), per the convention.
    private func recurrentParameters(_ c: ComponentSpec, features f: Int, prefix: String, trainable: Bool)
        -> ([ParameterTensor], String) {
        let u = c.int("units")!
        let bias = c.bool("use_bias") ?? true
        let gates: Int
        var biasRows: Int
        switch c.kind.name {
        case "lstm": gates = 4; biasRows = 1
        case "gru": gates = 3; biasRows = c.bool("reset_after") == false ? 1 : 2
        default: gates = 1; biasRows = 1
        }
        if convention == .pytorch { biasRows = 2 }
        if !bias { biasRows = 0 }
        var tensors = [
            ParameterTensor(name: prefix + "kernel", shape: [f, gates * u], trainable: trainable),
            ParameterTensor(name: prefix + "recurrent_kernel", shape: [u, gates * u], trainable: trainable),
        ]
        if biasRows > 0 {
            tensors.append(ParameterTensor(name: prefix + "bias", shape: biasRows == 1 ? [gates * u] : [biasRows, gates * u], trainable: trainable))
        }
        let total = gates * (u * (f + u) + biasRows * u)
        let g = gates == 1 ? "" : "\(gates) × "
        let b = biasRows == 0 ? "" : biasRows == 1 ? " + \(u)" : " + \(biasRows)·\(u)"
        return (tensors, "\(g)(\(u)·(\(f) + \(u))\(b)) = \(total.grouped)")
    }
}
