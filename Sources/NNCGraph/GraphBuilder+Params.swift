import NNCDiagnostics

/// Parameter tensors of every op, with the formula `--explain` prints. Counts follow Keras;
/// with `Convention.pytorch`, recurrent layers get PyTorch's two biases per gate and
/// batchnorm's running statistics are buffers, not parameters. Every other kind counts the
/// same in both (Linear, Conv, LayerNorm and Embedding hold what Keras's layers hold).
extension GraphBuilder {
    mutating func countParameters(_ node: inout Node, inputs: [Node]) {
        let trainable = node.trainable
        let x = inputs[0].shape!
        func tensor(_ name: String, _ shape: [Int], trainable t: Bool = trainable) -> ParameterTensor {
            ParameterTensor(name: name, shape: shape, trainable: t)
        }
        var tensors: [ParameterTensor] = []
        // Shapes first: each is checked against the tensor limit before any count or
        // formula multiplies its sizes (a 131072×131072 'same' kernel with 2³⁰ filters fits
        // its input and its output, but its kernel tensor's count does not fit in an Int).
        switch node.op {
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d,
            .flatten, .reshape, .dropout,
            .softmax, .add, .subtract, .multiply, .average, .maximum, .concat, .activation,
            .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .l2pool2d:
            break
        case .dense(let d):
            tensors = [tensor("kernel", [x.channels, d.units])] + (d.useBias ? [tensor("bias", [d.units])] : [])
        case .conv1d(let c), .conv2d(let c):
            tensors =
                [tensor("kernel", c.window.size + [x.channels / c.groups, c.filters])]
                + (c.useBias ? [tensor("bias", [c.filters])] : [])
        case .depthwiseConv2d(let d):
            // Keras's [kh, kw, C, multiplier]; the output (checked) holds its C·multiplier channels.
            tensors =
                [tensor("kernel", d.window.size + [x.channels, d.depthMultiplier])]
                + (d.useBias ? [tensor("bias", [x.channels * d.depthMultiplier])] : [])
        case .conv2dTranspose(let t):
            // Keras's [kh, kw, filters, C]: the kernel of the convolution from the output back.
            tensors =
                [tensor("kernel", t.window.size + [t.filters, x.channels])]
                + (t.useBias ? [tensor("bias", [t.filters])] : [])
        case .separableConv2d(let s):
            // Keras's names and shapes; the depthwise output (checked) holds C·multiplier channels.
            let middle = x.channels * s.depthMultiplier
            tensors =
                [
                    tensor("depthwise_kernel", s.window.size + [x.channels, s.depthMultiplier]),
                    tensor("pointwise_kernel", [1, 1, middle, s.filters]),
                ] + (s.useBias ? [tensor("bias", [s.filters])] : [])
        case .batchnorm(let b):
            let ch = x.channels
            if b.scale { tensors.append(tensor("gamma", [ch])) }
            if b.center { tensors.append(tensor("beta", [ch])) }
            let statistics = [
                tensor("moving_mean", [ch], trainable: false), tensor("moving_variance", [ch], trainable: false),
            ]
            // PyTorch registers running_mean and running_var as buffers: not in parameters().
            if convention == .pytorch { node.buffers = statistics } else { tensors += statistics }
        case .layernorm(let l):
            let ch = x.channels
            if l.scale { tensors.append(tensor("gamma", [ch])) }
            if l.center { tensors.append(tensor("beta", [ch])) }
        case .groupnorm(let g):
            let ch = x.channels
            if g.scale { tensors.append(tensor("gamma", [ch])) }
            if g.center { tensors.append(tensor("beta", [ch])) }
        case .embedding(let e):
            tensors = [tensor("embeddings", [e.inputDim, e.outputDim])]
        case .prelu(let p):
            tensors = [tensor("alpha", p.alphaShape(x.dims))]
        case .simpleRNN(let r), .lstm(let r), .gru(let r):
            tensors = recurrentParameters(r, features: x.channels, prefix: "", trainable: trainable)
        case .positionEmbedding(let p):
            tensors = [tensor("embeddings", [p.sequenceLength, x.channels])]
        case .treeLSTM(let t):
            tensors = Self.treeParameters(t, children: x.dims[1] - 1).map { tensor($0.name, $0.shape) }
        case .multiHeadAttention(let m):
            let (query, value) = (x.channels, inputs.count > 1 ? inputs[1].shape!.channels : x.channels)
            let key = inputs.count > 2 ? inputs[2].shape!.channels : value
            let output = m.outputDim ?? query
            let h = m.heads
            for (name, features, size) in [
                ("query", query, m.keyDim), ("key", key, m.keyDim), ("value", value, m.valueDim),
            ] {
                tensors.append(tensor("\(name)_kernel", [features, h, size]))
                if m.useBias { tensors.append(tensor("\(name)_bias", [h, size])) }
            }
            tensors.append(tensor("output_kernel", [h, m.valueDim, output]))
            if m.useBias { tensors.append(tensor("output_bias", [output])) }
        case .bidirectional(let b):
            tensors =
                recurrentParameters(b.layer, features: x.channels, prefix: "forward_", trainable: trainable)
                + recurrentParameters(b.layer, features: x.channels, prefix: "backward_", trainable: trainable)
        }
        // A learnable swish beta is one more trainable scalar.
        let learnableSwish = if case .learnedSwish? = node.op.activationAttribute { true } else { false }
        if learnableSwish { tensors.append(tensor("swish_beta", [1])) }
        for t in tensors
        where !withinLimits(t.shape, what: "parameter '\(t.name)' of '\(node.name)'", at: node.location) {
            node.shape = nil
            return
        }
        node.parameters = tensors
        var formula = parameterFormula(node.op, input: x, others: inputs.dropFirst().map { $0.shape! })
        if learnableSwish { formula = (formula.map { "\($0) + " } ?? "") + "1 (learnable swish beta)" }
        if let formula { node.explanations.insert(Explanation(topic: "params", text: formula), at: 0) }
    }

    /// The count as `--explain` prints it, with the numbers filled in. Called once every
    /// parameter tensor is within `TensorShape.maxElements`, so no product here overflows.
    private func parameterFormula(_ op: Op, input x: TensorShape, others: [TensorShape]) -> String? {
        switch op {
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d,
            .flatten, .reshape, .dropout,
            .softmax, .add, .subtract, .multiply, .average, .maximum, .concat, .activation,
            .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d, .upsampling2d, .alphaDropout, .l2pool2d:
            return nil
        case .dense(let d):
            let units = d.units
            let fanIn = x.channels
            return d.useBias
                ? "(\(fanIn) + 1) × \(units) = \(((fanIn + 1) * units).grouped)"
                : "\(fanIn) × \(units) = \((fanIn * units).grouped) (no bias)"
        case .conv1d(let c), .conv2d(let c):
            let k = c.window.size
            let filters = c.filters
            let groups = c.groups
            let perGroup = x.channels / groups
            let bias = c.useBias
            let window = k.map(String.init).joined(separator: "·") + "·\(perGroup)"
            let perFilter = k.reduce(1, *) * perGroup
            return "(\(window)\(bias ? " + 1" : "")) × \(filters) = \(((perFilter + (bias ? 1 : 0)) * filters).grouped)"
                + (groups > 1 ? " (\(groups) groups of \(perGroup) input channels)" : "")
        case .depthwiseConv2d(let d):
            let k = d.window.size
            let channels = x.channels
            let m = d.depthMultiplier
            let bias = d.useBias
            let window = k.map(String.init).joined(separator: "·")
            let count = (k.reduce(1, *) + (bias ? 1 : 0)) * channels * m
            let pytorch =
                convention == .pytorch
                ? "; PyTorch: Conv2d(\(channels), \(channels * m), (\(k.map(String.init).joined(separator: ", "))), groups=\(channels)), weight [\(channels * m), 1, \(k.map(String.init).joined(separator: ", "))]"
                : ""
            return "(\(window)\(bias ? " + 1" : "")) × \(channels)·\(m) = \(count.grouped) "
                + "(\(channels) \(channels.noun("channel")) × depth multiplier \(m), one \(k.map(String.init).joined(separator: "×")) filter each\(pytorch))"
        case .conv2dTranspose(let t):
            let k = t.window.size
            let channels = x.channels
            let count = k.reduce(1, *) * t.filters * channels + (t.useBias ? t.filters : 0)
            let pytorch =
                convention == .pytorch
                ? "; PyTorch: ConvTranspose2d(\(channels), \(t.filters), (\(k.map(String.init).joined(separator: ", ")))), weight [\(channels), \(t.filters), \(k.map(String.init).joined(separator: ", "))]"
                : ""
            return "\(k.map(String.init).joined(separator: "·"))·\(t.filters)·\(channels)"
                + (t.useBias ? " + \(t.filters)" : "") + " = \(count.grouped) (kernel [kh, kw, filters, C]\(pytorch))"
        case .separableConv2d(let s):
            let k = s.window.size
            let channels = x.channels
            let m = s.depthMultiplier
            let middle = channels * m
            let depthwise = k.reduce(1, *) * middle
            let pointwise = middle * s.filters
            let bias = s.useBias ? s.filters : 0
            let sizes = k.map(String.init)
            let pytorch =
                convention == .pytorch
                ? "; PyTorch has no separable layer: Conv2d(\(channels), \(middle), (\(sizes.joined(separator: ", "))), groups=\(channels), bias=False) then Conv2d(\(middle), \(s.filters), 1), the same count"
                : ""
            return "\(sizes.joined(separator: "·"))·\(channels)·\(m) depthwise + \(middle)·\(s.filters) pointwise"
                + (s.useBias ? " + \(s.filters) bias" : "") + " = \((depthwise + pointwise + bias).grouped)\(pytorch)"
        case .batchnorm(let b):
            let ch = x.channels
            let learned = (b.scale ? 1 : 0) + (b.center ? 1 : 0)
            if convention == .pytorch {
                return
                    "\(learned) × \(ch) = \((learned * ch).grouped) (running_mean and running_var: 2 × \(ch) buffers, not parameters)"
            }
            let count = learned + 2
            return
                "\(count) × \(ch) = \((count * ch).grouped) (\(learned) × \(ch) trainable, 2 × \(ch) moving statistics)"
        case .layernorm(let l):
            let ch = x.channels
            let count = (l.scale ? 1 : 0) + (l.center ? 1 : 0)
            return "\(count) × \(ch) = \((count * ch).grouped)"
        case .groupnorm(let g):
            let ch = x.channels
            let count = (g.scale ? 1 : 0) + (g.center ? 1 : 0)
            let pytorch =
                convention == .pytorch
                ? " (nn.GroupNorm(\(g.groups), \(ch)) holds the same; its eps defaults to 1e-5, Keras's epsilon to 1e-3)"
                : ""
            return "\(count) × \(ch) = \((count * ch).grouped)" + pytorch
        case .prelu(let p):
            let shape = p.alphaShape(x.dims)
            let count = shape.reduce(1, *)
            let shared =
                p.sharedAxes.isEmpty
                ? "no shared axes" : "shared axes \(p.sharedAxes.sorted().map(String.init).joined(separator: ", "))"
            var text =
                "\(shape.map(String.init).joined(separator: " × ")) = \(count.grouped) (α over \(TensorShape(x.dims).perSample), \(shared))"
            if convention == .pytorch {
                let channels = x.channels
                text +=
                    "; PyTorch's nn.PReLU() holds 1 α shared by every element, nn.PReLU(\(channels)) one per channel (shared_axes: every axis but the last), and has no α per element"
            }
            return text
        case .embedding(let e):
            let v = e.inputDim
            let d = e.outputDim
            return "\(v) × \(d) = \((v * d).grouped)"
        case .simpleRNN(let r), .lstm(let r), .gru(let r):
            return recurrentFormula(r, features: x.channels)
        case .positionEmbedding(let p):
            return "\(p.sequenceLength) × \(x.channels) = \((p.sequenceLength * x.channels).grouped)"
        case .treeLSTM(let t):
            return treeFormula(t, children: x.dims[1] - 1)
        case .multiHeadAttention(let m):
            let query = x.channels
            let value = others.first?.channels ?? query
            let key = others.count > 1 ? others[1].channels : value
            let output = m.outputDim ?? query
            let (h, k, v) = (m.heads, m.keyDim, m.valueDim)
            func fanIn(_ n: Int) -> String { m.useBias ? "(\(n) + 1)" : "\(n)" }
            let one = m.useBias ? 1 : 0
            let total =
                (query + one) * h * k + (key + one) * h * k + (value + one) * h * v + h * v * output
                + one * output
            return "query \(fanIn(query))·\(h)·\(k) + key \(fanIn(key))·\(h)·\(k) + value \(fanIn(value))·\(h)·\(v)"
                + " + output \(h)·\(v)·\(output)\(m.useBias ? " + \(output)" : "") = \(total.grouped)"
        case .bidirectional(let b):
            return "2 × (\(recurrentFormula(b.layer, features: x.channels)))"
        }
    }

    /// Gates and bias rows of a recurrent layer, per the convention.
    private func recurrentLayout(_ r: Recurrent) -> (gates: Int, biasRows: Int) {
        let gates: Int
        var biasRows: Int
        switch r.cell {
        case .simple:
            gates = 1
            biasRows = 1
        case .lstm:
            gates = 4
            biasRows = 1
        case .gru(let resetAfter):
            gates = 3
            biasRows = resetAfter ? 2 : 1
        }
        if convention == .pytorch { biasRows = 2 }
        if !r.useBias { biasRows = 0 }
        return (gates, biasRows)
    }

    /// Input weights, recurrent weights and biases of a recurrent layer.
    private func recurrentParameters(_ r: Recurrent, features f: Int, prefix: String, trainable: Bool)
        -> [ParameterTensor]
    {
        let u = r.units
        let (gates, biasRows) = recurrentLayout(r)
        var tensors = [
            ParameterTensor(name: prefix + "kernel", shape: [f, gates * u], trainable: trainable),
            ParameterTensor(name: prefix + "recurrent_kernel", shape: [u, gates * u], trainable: trainable),
        ]
        if biasRows > 0 {
            tensors.append(
                ParameterTensor(
                    name: prefix + "bias", shape: biasRows == 1 ? [gates * u] : [biasRows, gates * u],
                    trainable: trainable))
        }
        if r.peephole {
            tensors.append(ParameterTensor(name: prefix + "peephole_weights", shape: [3, u], trainable: trainable))
        }
        return tensors
    }

    /// Gates × (input weights + recurrent weights + biases) = total.
    private func recurrentFormula(_ r: Recurrent, features f: Int) -> String {
        let u = r.units
        let (gates, biasRows) = recurrentLayout(r)
        let total = gates * (u * (f + u) + biasRows * u) + (r.peephole ? 3 * u : 0)
        let g = gates == 1 ? "" : "\(gates) × "
        let b = biasRows == 0 ? "" : biasRows == 1 ? " + \(u)" : " + \(biasRows)·\(u)"
        let peephole = r.peephole ? " + 3·\(u)" : ""
        return "\(g)(\(u)·(\(f) + \(u))\(b))\(peephole) = \(total.grouped)"
    }
}
