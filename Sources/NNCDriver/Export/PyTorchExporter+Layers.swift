import NNCGraph

/// Each layer kind's torch form, or its refusal: one exhaustive switch over `Op`.
extension PyTorchExporter {
    /// Exports `node` (not the input); a refused layer records its error and passes its input
    /// on so the layers after it are still checked.
    mutating func export(_ node: Node) {
        switch node.op {
        case .input:
            return
        case .dense(let d):
            let a = attribute(node)
            let kernel = parameter(node, "kernel")
            let (inputs, units) = (kernel.shape[0], kernel.shape[1])
            modules.append("self.\(a) = nn.Linear(\(inputs), \(units), bias=\(d.useBias ? "True" : "False"))")
            let (shape, values) = ONNXExporter.permute(kernel.values, kernel.shape, [1, 0])
            state.add("\(a).weight", shape, values)
            if d.useBias { state.add("\(a).bias", [units], parameter(node, "bias").values) }
            assign(node, "self.\(a)(\(input(node)))")
            activate(node, d.activation)
        case .conv1d(let c), .conv2d(let c):
            convolution(node, c, kernel: "kernel", input: input(node), attribute: attribute(node))
            activate(node, c.activation)
        case .depthwiseConv2d(let d):
            convolution(
                node, d.grouped(channels: inputShape(node).last!), kernel: "kernel", input: input(node),
                attribute: attribute(node))
            activate(node, d.activation)
        case .separableConv2d(let s):
            separable(node, s)
        case .maxpool1d(let p), .maxpool2d(let p):
            pool(node, p.window, max: true, countPadding: false)
        case .avgpool1d(let p), .avgpool2d(let p):
            if p.countPadding && roundsUp(node) {
                refuse(
                    node,
                    "an average that counts padding (count_padding: true) and rounds up counts cells torch's avg_pool does not",
                    help: "use count_padding: false, or a pool whose windows tile the input")
                assign(node, input(node))
            } else {
                pool(node, p.window, max: false, countPadding: p.countPadding)
            }
        case .globalAvgpool:
            assign(node, "\(input(node)).mean(dim=\(Self.tuple(Array(1..<inputShape(node).count))))")
        case .globalMaxpool1d(let g), .globalMaxpool2d(let g):
            let dims = Self.tuple(Array(1..<inputShape(node).count))
            assign(node, "\(input(node)).amax(dim=\(dims), keepdim=\(g.keepdims ? "True" : "False"))")
        case .flatten:
            assign(node, "torch.flatten(\(input(node)), 1)")
        case .reshape:
            let dims = node.shape!.dims.map(String.init).joined(separator: ", ")
            assign(node, "\(input(node)).reshape(\(input(node)).shape[0], \(dims))")
        case .zeroPadding2d(let m):
            assign(node, "F.pad(\(input(node)), (0, 0, \(m.left), \(m.right), \(m.top), \(m.bottom)))")
        case .cropping2d(let m):
            let x = inputShape(node)
            assign(node, "\(input(node))[:, \(m.top):\(x[0] - m.bottom), \(m.left):\(x[1] - m.right), :]")
        case .upsampling2d(let u):
            switch u.interpolation {
            case .nearest:
                assign(
                    node,
                    "\(input(node)).repeat_interleave(\(u.rows), dim=1).repeat_interleave(\(u.columns), dim=2)")
            case .bilinear:
                refuse(
                    node, "bilinear interpolation is not exported to PyTorch",
                    help: "use interpolation: nearest, or export to ONNX")
                assign(node, input(node))
            }
        case .dropout(let d), .alphaDropout(let d):
            let a = attribute(node)
            let module = node.op.kind == .dropout ? "Dropout" : "AlphaDropout"
            modules.append("self.\(a) = nn.\(module)(\(Self.literal(d.rate)))")
            assign(node, "self.\(a)(\(input(node)))")
        case .batchnorm(let b):
            batchnorm(node, b)
        case .layernorm(let l):
            let a = attribute(node)
            let channels = inputShape(node).last!
            let affine = l.scale || l.center
            modules.append(
                "self.\(a) = nn.LayerNorm(\(channels), eps=\(Self.literal(l.epsilon)), elementwise_affine=\(affine ? "True" : "False"))"
            )
            if affine {
                state.add("\(a).weight", [channels], l.scale ? parameter(node, "gamma").values : ones(channels))
                state.add("\(a).bias", [channels], l.center ? parameter(node, "beta").values : zeros(channels))
            }
            assign(node, "self.\(a)(\(input(node)))")
        case .activation(let f):
            assign(node, input(node))
            activate(node, f)
        case .softmax:
            assign(node, "torch.softmax(\(input(node)), dim=-1)")
        case .embedding(let e):
            let a = attribute(node)
            modules.append("self.\(a) = nn.Embedding(\(e.inputDim), \(e.outputDim))")
            state.add("\(a).weight", [e.inputDim, e.outputDim], parameter(node, "embeddings").values)
            assign(node, "self.\(a)(\(input(node)))")
        case .add:
            assign(node, node.inputs.indices.map { input(node, $0) }.joined(separator: " + "))
        case .subtract:
            assign(node, "\(input(node, 0)) - \(input(node, 1))")
        case .multiply:
            assign(node, node.inputs.indices.map { input(node, $0) }.joined(separator: " * "))
        case .average:
            let sum = node.inputs.indices.map { input(node, $0) }.joined(separator: " + ")
            assign(node, "(\(sum)) / \(node.inputs.count)")
        case .maximum:
            var z = input(node, 0)
            for k in 1..<node.inputs.count { z = "torch.maximum(\(z), \(input(node, k)))" }
            assign(node, z)
        case .concat(let c):
            let all = node.inputs.indices.map { input(node, $0) }.joined(separator: ", ")
            assign(node, "torch.cat([\(all)], dim=\(c.axis < 0 ? c.axis : c.axis + 1))")
        case .simpleRNN, .lstm, .gru, .bidirectional:
            recurrent(node)
        case .multiHeadAttention(let m):
            attention(node, m)
        case .conv2dTranspose, .l2pool2d, .prelu, .groupnorm, .positionEmbedding, .sinusoidalPositionEmbedding:
            refuse(
                node, "this layer kind is not exported to PyTorch",
                help: "export to ONNX (--format onnx), which covers every layer kind")
            assign(node, input(node))
        case .treeLSTM:
            refuse(
                node, "tree_lstm is not exported to PyTorch (nor ONNX): its cell runs once per node of each tree",
                help: "use nnc predict, or export the layers after it as a model of their own")
            assign(node, input(node))
        }
    }

    /// conv1d, conv2d and the grouped convolution a depthwise layer is, as nn.Conv1d/2d without
    /// padding: nnc's padding (valid, same with the extra cell after, causal, explicit) is an
    /// explicit F.pad of the channels-first tensor. Kernel [k…, in/groups, out] → [out, in/groups, k…].
    mutating func convolution(
        _ node: Node, _ c: Convolution, kernel: String, input: String, attribute a: String, bias: Bool? = nil
    ) {
        let rank = c.window.size.count + 1
        let channels = inputShape(node).last!
        let useBias = bias ?? c.useBias
        modules.append(
            "self.\(a) = nn.Conv\(rank - 1)d(\(channels), \(c.filters), kernel_size=\(Self.tuple(c.window.size)), stride=\(Self.tuple(c.window.stride)), dilation=\(Self.tuple(c.window.dilation)), groups=\(c.groups), bias=\(useBias ? "True" : "False"))"
        )
        let t = parameter(node, kernel)
        let layout = c.window.size + [channels / c.groups, c.filters]
        let (shape, values) = ONNXExporter.permute(t.values, layout, [rank, rank - 1] + Array(0..<(rank - 1)))
        state.add("\(a).weight", shape, values)
        if useBias { state.add("\(a).bias", [c.filters], parameter(node, "bias").values) }
        let pads = padding(node.arithmetic.map { ($0.padLow, $0.padHigh) })
        lines.append("h = \(input).movedim(-1, 1)")
        if let pads { lines.append("h = F.pad(h, \(pads))") }
        assign(node, "self.\(a)(h).movedim(1, -1)")
    }

    /// separable_conv2d: the depthwise convolution without bias (`<layer>_depthwise`), then a
    /// 1×1 convolution with the bias (`<layer>_pointwise`) and the activation.
    mutating func separable(_ node: Node, _ s: SeparableConvolution) {
        let channels = inputShape(node).last!
        convolution(
            node, s.depthwise.grouped(channels: channels), kernel: "depthwise_kernel", input: input(node),
            attribute: attribute(node, suffix: "_depthwise"), bias: false)
        let a = attribute(node, suffix: "_pointwise")
        let t = parameter(node, "pointwise_kernel")
        let filters = t.shape[3]
        modules.append(
            "self.\(a) = nn.Conv2d(\(t.shape[2]), \(filters), kernel_size=(1, 1), bias=\(s.useBias ? "True" : "False"))"
        )
        let (shape, values) = ONNXExporter.permute(t.values, t.shape, [3, 2, 0, 1])
        state.add("\(a).weight", shape, values)
        if s.useBias { state.add("\(a).bias", [filters], parameter(node, "bias").values) }
        assign(node, "self.\(a)(\(value(node.id)).movedim(-1, 1)).movedim(1, -1)")
        activate(node, s.activation)
    }

    /// maxpool and avgpool, 1-D or 2-D, on the channels-first tensor. Padding, and the extra
    /// cells the last window needs when rounding up, are an F.pad: −inf for max; for an average
    /// that does not count padding, the sum over the window is divided by the count of real cells.
    mutating func pool(_ node: Node, _ window: Window, max: Bool, countPadding: Bool) {
        let d = window.size.count
        let high = node.arithmetic.map { a in
            Swift.max(a.padHigh, (a.output - 1) * a.stride + a.effectiveKernel - a.input - a.padLow)
        }
        let pads = padding(zip(node.arithmetic.map(\.padLow), high).map { ($0, $1) })
        let call = "F.\(max ? "max" : "avg")_pool\(d)d(%@, \(Self.tuple(window.size)), \(Self.tuple(window.stride)))"
        func apply(_ x: String) -> String { call.replacingOccurrences(of: "%@", with: x) }
        lines.append("h = \(input(node)).movedim(-1, 1)")
        if let pads {
            if max {
                lines.append("h = \(apply("F.pad(h, \(pads), value=float(\"-inf\"))"))")
            } else if countPadding {
                lines.append("h = \(apply("F.pad(h, \(pads))"))")
            } else {
                lines.append(
                    "h = \(apply("F.pad(h, \(pads))")) / \(apply("F.pad(torch.ones_like(h[:, :1]), \(pads))"))")
            }
        } else {
            lines.append("h = \(apply("h"))")
        }
        assign(node, "h.movedim(1, -1)")
    }

    /// F.pad's tuple (last axis first) for per-axis (low, high) padding; nil when there is none.
    func padding(_ axes: [(Int, Int)]) -> String? {
        guard axes.contains(where: { $0.0 != 0 || $0.1 != 0 }) else { return nil }
        return Self.tuple(axes.reversed().flatMap { [$0.0, $0.1] })
    }

    /// True when a pool's last window reaches past the input and its padding.
    func roundsUp(_ node: Node) -> Bool {
        node.arithmetic.contains { a in (a.output - 1) * a.stride + a.effectiveKernel - a.input - a.padLow > a.padHigh }
    }

    /// batchnorm in eval mode as nn.BatchNorm1d/2d/3d over the channels moved to axis 1; a
    /// missing γ or β is written as ones or zeros (the same computation), num_batches_tracked 0.
    mutating func batchnorm(_ node: Node, _ b: BatchNorm) {
        let a = attribute(node)
        let rank = inputShape(node).count
        let channels = inputShape(node).last!
        let affine = b.scale || b.center
        modules.append(
            "self.\(a) = nn.BatchNorm\(Swift.max(rank - 1, 1))d(\(channels), eps=\(Self.literal(b.epsilon)), momentum=\(Self.literal(1 - b.momentum)), affine=\(affine ? "True" : "False"))"
        )
        if affine {
            state.add("\(a).weight", [channels], b.scale ? parameter(node, "gamma").values : ones(channels))
            state.add("\(a).bias", [channels], b.center ? parameter(node, "beta").values : zeros(channels))
        }
        state.add("\(a).running_mean", [channels], parameter(node, "moving_mean").values)
        state.add("\(a).running_var", [channels], parameter(node, "moving_variance").values)
        state.entries.append(("\(a).num_batches_tracked", [], .int64([0])))
        if rank == 1 {
            assign(node, "self.\(a)(\(input(node)))")
        } else {
            assign(node, "self.\(a)(\(input(node)).movedim(-1, 1)).movedim(1, -1)")
        }
    }

    /// Applies `activation` to the node's output in place (a line of `forward`).
    mutating func activate(_ node: Node, _ activation: LayerActivation) {
        let v = value(node.id)
        let expression: String?
        switch activation {
        case .softmax:
            expression = "torch.softmax(\(v), dim=-1)"
        case .learnedSwish:
            let a = attribute(node, suffix: "_swish_beta")
            let beta = parameter(node, "swish_beta")
            modules.append("self.\(a) = nn.Parameter(torch.ones(\(Self.tuple(beta.shape))))")
            state.add(a, beta.shape, beta.values)
            expression = "\(v) * torch.sigmoid(self.\(a) * \(v))"
        case .function(let f):
            let p = Self.literal(f.parameter)
            switch f.kind {
            case .linear: expression = nil
            case .relu: expression = "F.relu(\(v))"
            case .leakyRelu: expression = "F.leaky_relu(\(v), negative_slope=\(p))"
            case .elu: expression = "F.elu(\(v), alpha=\(p))"
            case .selu: expression = "F.selu(\(v))"
            case .sigmoid: expression = "torch.sigmoid(\(v))"
            case .tanh: expression = "torch.tanh(\(v))"
            case .lecunTanh: expression = "1.7159 * torch.tanh(\(v) * (2.0 / 3.0))"
            case .softplus: expression = "F.softplus(\(v))"
            case .swish: expression = f.parameter == 1 ? "F.silu(\(v))" : "\(v) * torch.sigmoid(\(p) * \(v))"
            case .mish: expression = "F.mish(\(v))"
            }
        }
        if let expression { assign(node, expression) }
    }

    func ones(_ count: Int) -> [Float] { [Float](repeating: 1, count: count) }
    func zeros(_ count: Int) -> [Float] { [Float](repeating: 0, count: count) }
}
