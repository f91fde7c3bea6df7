import NNCGraph

/// Convolutions and pools: ONNX's Conv, ConvTranspose, MaxPool and AveragePool between a
/// Transpose to channels-first and one back. Padding is always explicit (`pads`), from
/// the checker's arithmetic, so valid, same (Keras's split: the extra cell after), causal
/// and explicit pads are exported alike; a pool that rounds up gets the extra padding its
/// last window needs.
extension ONNXExporter {
    /// conv1d, conv2d and the grouped convolution a depthwise layer is: kernel [k…, in/groups,
    /// out] as ONNX's [out, in/groups, k…], the bias, the activation.
    mutating func convolution(
        _ node: Node, _ c: Convolution, kernel: String = "kernel", bias: Bool, input: String? = nil,
        activation: LayerActivation?, suffix: String = ""
    ) -> String {
        let rank = c.window.size.count + 1
        let x = channelsFirst(input ?? self.input(node), rank: rank, layer: node.name)
        let perm = [rank, rank - 1] + Array(0..<(rank - 1))
        let layout = c.window.size + [inputShape(node).last! / c.groups, c.filters]
        var inputs = [x, initializer(node, kernel, as: layout, permuted: perm)]
        if bias { inputs.append(initializer(node, "bias")) }
        let pads = node.arithmetic.map(\.padLow) + node.arithmetic.map(\.padHigh)
        let y = writer.op(
            "Conv", inputs, name: "\(node.name)/Conv\(suffix)",
            [
                ONNXAttribute.ints("kernel_shape", c.window.size), ONNXAttribute.ints("strides", c.window.stride),
                ONNXAttribute.ints("dilations", c.window.dilation), ONNXAttribute.ints("pads", pads),
                ONNXAttribute.int("group", c.groups),
            ])
        let out = channelsLast(y, rank: rank, layer: node.name)
        return activation.map { activate(out, $0, node: node) } ?? out
    }

    /// separable_conv2d: the depthwise convolution without bias, then a 1×1 convolution with
    /// the bias and the activation.
    mutating func separable(_ node: Node, _ s: SeparableConvolution) -> String {
        let channels = inputShape(node).last!
        let depthwise = s.depthwise.grouped(channels: channels)
        let middle = convolution(
            node, depthwise, kernel: "depthwise_kernel", bias: false, activation: nil, suffix: "_depthwise")
        let rank = 3
        let x = channelsFirst(middle, rank: rank, layer: node.name)
        var inputs = [x, initializer(node, "pointwise_kernel", permuted: [3, 2, 0, 1])]
        if s.useBias { inputs.append(initializer(node, "bias")) }
        let y = writer.op(
            "Conv", inputs, name: "\(node.name)/Conv_pointwise",
            [ONNXAttribute.ints("kernel_shape", [1, 1])])
        return activate(channelsLast(y, rank: rank, layer: node.name), s.activation, node: node)
    }

    /// conv2d_transpose: ONNX's ConvTranspose with Keras's kernel [kh, kw, filters, C] as
    /// [C, filters, kh, kw], and pads (or output padding) that give nnc's output size with
    /// the padding before the output nnc's arithmetic uses.
    mutating func transposedConvolution(_ node: Node, _ t: TransposedConvolution) -> String {
        let x = channelsFirst(input(node), rank: 3, layer: node.name)
        var inputs = [x, initializer(node, "kernel", permuted: [3, 2, 0, 1])]
        if t.useBias { inputs.append(initializer(node, "bias")) }
        let arithmetic = t.arithmetic(input: Array(inputShape(node).prefix(2)))
        var low: [Int] = []
        var high: [Int] = []
        var extra: [Int] = []
        for a in arithmetic {
            let after = (a.input - 1) * a.stride + a.effectiveKernel - a.output - a.padLow
            low.append(a.padLow)
            high.append(max(after, 0))
            extra.append(max(-after, 0))
        }
        let y = writer.op(
            "ConvTranspose", inputs, name: "\(node.name)/ConvTranspose",
            [
                ONNXAttribute.ints("kernel_shape", t.window.size), ONNXAttribute.ints("strides", t.window.stride),
                ONNXAttribute.ints("dilations", t.window.dilation), ONNXAttribute.ints("pads", low + high),
                ONNXAttribute.ints("output_padding", extra),
            ])
        return activate(channelsLast(y, rank: 3, layer: node.name), t.activation, node: node)
    }

    /// maxpool and avgpool, 1-D or 2-D. Rounding up becomes padding after the input that
    /// the last window needs (ignored by max, not counted by Keras's average).
    mutating func pool(_ node: Node, _ op: String, _ window: Window, countPadding: Bool, input: String? = nil)
        -> String
    {
        let rank = window.size.count + 1
        let x = channelsFirst(input ?? self.input(node), rank: rank, layer: node.name)
        let high = node.arithmetic.map { a in
            max(a.padHigh, (a.output - 1) * a.stride + a.effectiveKernel - a.input - a.padLow)
        }
        var attributes = [
            ONNXAttribute.ints("kernel_shape", window.size), ONNXAttribute.ints("strides", window.stride),
            ONNXAttribute.ints("pads", node.arithmetic.map(\.padLow) + high),
        ]
        if op == "AveragePool" { attributes.append(ONNXAttribute.int("count_include_pad", countPadding ? 1 : 0)) }
        let y = writer.op(op, [x], name: "\(node.name)/\(op)", attributes)
        return channelsLast(y, rank: rank, layer: node.name)
    }

    /// True when a pool rounds up past the padding and counts padding in its averages:
    /// ONNX would count the extra cells too.
    func roundsUpCountingPadding(_ node: Node) -> Bool {
        node.arithmetic.contains { a in (a.output - 1) * a.stride + a.effectiveKernel - a.input - a.padLow > a.padHigh }
    }
}
