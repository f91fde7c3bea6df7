import NNCSpec

/// Parameter tensors of every op, with the formula `--explain` prints. Counts follow Keras;
/// with `Convention.pytorch`, recurrent layers get PyTorch's two biases per gate and
/// batchnorm's running statistics are buffers, not parameters. Every other kind counts the
/// same in both (Linear, Conv, LayerNorm and Embedding hold what Keras's layers hold).
extension GraphBuilder {
    mutating func countParameters(_ node: inout Node, inputs: [Node]) {
        guard let layer = node.spec else { return }
        let c = layer.component
        let trainable = c.bool("trainable") ?? true
        let x = inputs[0].shape!
        func tensor(_ name: String, _ shape: [Int], trainable t: Bool = trainable) -> ParameterTensor {
            ParameterTensor(name: name, shape: shape, trainable: t)
        }
        var tensors: [ParameterTensor] = []
        // Shapes first: each is checked against the tensor limit before any count or
        // formula multiplies its sizes (a 131072×131072 'same' kernel with 2³⁰ filters fits
        // its input and its output, but its kernel tensor's count does not fit in an Int).
        switch node.op {
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten, .reshape, .dropout,
             .softmax, .add, .concat, .activation:
            break
        case .dense:
            let units = c.int("units")!, bias = c.bool("use_bias") ?? true
            tensors = [tensor("kernel", [x.channels, units])] + (bias ? [tensor("bias", [units])] : [])
        case .conv1d, .conv2d:
            let k = c.ints("kernel")!, filters = c.int("filters")!, groups = c.int("groups") ?? 1
            let bias = c.bool("use_bias") ?? true
            tensors = [tensor("kernel", k + [x.channels / groups, filters])] + (bias ? [tensor("bias", [filters])] : [])
        case .batchnorm:
            let ch = x.channels
            if c.bool("scale") != false { tensors.append(tensor("gamma", [ch])) }
            if c.bool("center") != false { tensors.append(tensor("beta", [ch])) }
            let statistics = [tensor("moving_mean", [ch], trainable: false), tensor("moving_variance", [ch], trainable: false)]
            // PyTorch registers running_mean and running_var as buffers: not in parameters().
            if convention == .pytorch { node.buffers = statistics } else { tensors += statistics }
        case .layernorm:
            let ch = x.channels
            if c.bool("scale") != false { tensors.append(tensor("gamma", [ch])) }
            if c.bool("center") != false { tensors.append(tensor("beta", [ch])) }
        case .embedding:
            tensors = [tensor("embeddings", [c.int("input_dim")!, c.int("output_dim")!])]
        case .simpleRNN, .lstm, .gru:
            tensors = recurrentParameters(c, features: x.channels, prefix: "", trainable: trainable)
        case .bidirectional:
            let inner = c.component("layer")!
            tensors = recurrentParameters(inner, features: x.channels, prefix: "forward_", trainable: trainable)
                + recurrentParameters(inner, features: x.channels, prefix: "backward_", trainable: trainable)
        }
        // A learnable swish beta is one more trainable scalar.
        let learnableSwish = c.component("activation").map { $0.kind.name == "swish" && $0.bool("learnable") == true } ?? false
        if learnableSwish { tensors.append(tensor("swish_beta", [1])) }
        for t in tensors where !withinLimits(t.shape, what: "parameter '\(t.name)' of '\(layer.name)'", at: layer.location) {
            node.shape = nil
            return
        }
        node.parameters = tensors
        var formula = parameterFormula(node.op, c, input: x)
        if learnableSwish { formula = (formula.map { "\($0) + " } ?? "") + "1 (learnable swish beta)" }
        if let formula { node.explanations.insert(Explanation(topic: "params", text: formula), at: 0) }
    }

    /// The count as `--explain` prints it, with the numbers filled in. Called once every
    /// parameter tensor is within `TensorShape.maxElements`, so no product here overflows.
    private func parameterFormula(_ op: Op, _ c: ComponentSpec, input x: TensorShape) -> String? {
        switch op {
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten, .reshape, .dropout,
             .softmax, .add, .concat, .activation:
            return nil
        case .dense:
            let units = c.int("units")!, fanIn = x.channels, bias = c.bool("use_bias") ?? true
            return bias ? "(\(fanIn) + 1) × \(units) = \(((fanIn + 1) * units).grouped)"
                        : "\(fanIn) × \(units) = \((fanIn * units).grouped) (no bias)"
        case .conv1d, .conv2d:
            let k = c.ints("kernel")!, filters = c.int("filters")!, groups = c.int("groups") ?? 1
            let perGroup = x.channels / groups, bias = c.bool("use_bias") ?? true
            let window = k.map(String.init).joined(separator: "·") + "·\(perGroup)"
            let perFilter = k.reduce(1, *) * perGroup
            return "(\(window)\(bias ? " + 1" : "")) × \(filters) = \(((perFilter + (bias ? 1 : 0)) * filters).grouped)"
                + (groups > 1 ? " (\(groups) groups of \(perGroup) input channels)" : "")
        case .batchnorm:
            let ch = x.channels, learned = (c.bool("scale") != false ? 1 : 0) + (c.bool("center") != false ? 1 : 0)
            if convention == .pytorch {
                return "\(learned) × \(ch) = \((learned * ch).grouped) (running_mean and running_var: 2 × \(ch) buffers, not parameters)"
            }
            let count = learned + 2
            return "\(count) × \(ch) = \((count * ch).grouped) (\(learned) × \(ch) trainable, 2 × \(ch) moving statistics)"
        case .layernorm:
            let ch = x.channels
            let count = (c.bool("scale") != false ? 1 : 0) + (c.bool("center") != false ? 1 : 0)
            return "\(count) × \(ch) = \((count * ch).grouped)"
        case .embedding:
            let v = c.int("input_dim")!, d = c.int("output_dim")!
            return "\(v) × \(d) = \((v * d).grouped)"
        case .simpleRNN, .lstm, .gru:
            return recurrentFormula(c, features: x.channels)
        case .bidirectional:
            return "2 × (\(recurrentFormula(c.component("layer")!, features: x.channels)))"
        }
    }

    /// Gates and bias rows of a recurrent layer, per the convention.
    private func recurrentLayout(_ c: ComponentSpec) -> (gates: Int, biasRows: Int) {
        let gates: Int
        var biasRows: Int
        switch c.kind.name {
        case "lstm": gates = 4; biasRows = 1
        case "gru": gates = 3; biasRows = c.bool("reset_after") == false ? 1 : 2
        default: gates = 1; biasRows = 1
        }
        if convention == .pytorch { biasRows = 2 }
        if c.bool("use_bias") == false { biasRows = 0 }
        return (gates, biasRows)
    }

    /// Input weights, recurrent weights and biases of a recurrent layer.
    private func recurrentParameters(_ c: ComponentSpec, features f: Int, prefix: String, trainable: Bool) -> [ParameterTensor] {
        let u = c.int("units")!
        let (gates, biasRows) = recurrentLayout(c)
        var tensors = [
            ParameterTensor(name: prefix + "kernel", shape: [f, gates * u], trainable: trainable),
            ParameterTensor(name: prefix + "recurrent_kernel", shape: [u, gates * u], trainable: trainable),
        ]
        if biasRows > 0 {
            tensors.append(ParameterTensor(name: prefix + "bias", shape: biasRows == 1 ? [gates * u] : [biasRows, gates * u], trainable: trainable))
        }
        return tensors
    }

    /// Gates × (input weights + recurrent weights + biases) = total.
    private func recurrentFormula(_ c: ComponentSpec, features f: Int) -> String {
        let u = c.int("units")!
        let (gates, biasRows) = recurrentLayout(c)
        let total = gates * (u * (f + u) + biasRows * u)
        let g = gates == 1 ? "" : "\(gates) × "
        let b = biasRows == 0 ? "" : biasRows == 1 ? " + \(u)" : " + \(biasRows)·\(u)"
        return "\(g)(\(u)·(\(f) + \(u))\(b)) = \(total.grouped)"
    }
}
