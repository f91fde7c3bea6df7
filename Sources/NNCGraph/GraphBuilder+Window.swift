import NNCSpec

/// Convolutions and pools: per-dimension output-size arithmetic, with every check the
/// formula implies (rank, groups, causal padding, kernel fit, dropped rows).
extension GraphBuilder {
    static let axisNames = [1: ["length"], 2: ["height", "width"]]

    /// `convolution` is the op's when it is one (filters and groups), nil for pools.
    mutating func windowed(
        _ node: inout Node, _ window: Window, convolution: Convolution?, layer: LayerSpec,
        input: Node
    ) -> TensorShape? {
        let op = node.op.kind
        let rank = op.spatialRank
        let x = input.shape!
        guard x.rank == rank + 1 else {
            let expected = rank == 1 ? "[length, channels]" : "[height, width, channels]"
            var help: String?
            if rank == 2, x.rank == 1, let side = Int(exactly: Double(x.dims[0]).squareRoot().rounded()),
                side * side == x.dims[0]
            {
                help = "reshape first: `- reshape: [\(side), \(side), 1]`"
            } else if rank == 2, x.rank == 2 {
                help = "add a channel axis: `- reshape: [\(x.dims[0]), \(x.dims[1]), 1]`"
            } else if rank == 1, x.rank == 1, let earlier = collapsedSequence(input) {
                help = returnSequencesHelp(earlier)
            } else if rank == 1, x.rank == 1 {
                help = "add a channel axis: `- reshape: [\(x.dims[0]), 1]`"
            }
            diagnostics.error(
                .inputRank, "'\(op.rawValue)' needs an input of shape \(expected) (channels last); got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)], help: help)
            return nil
        }
        let padding = window.padding
        if padding == .causal, op != .conv1d {
            diagnostics.error(
                .badPadding,
                "causal padding applies only to conv1d; '\(op.rawValue)' is \(rank == 2 ? "2-D" : "a pool")",
                at: window.paddingLocation ?? layer.location, help: "use valid, same or explicit padding")
            return nil
        }
        if op.isPooling, case .explicit(let pairs) = padding,
            let bad = zip(pairs, window.size).first(where: { pad, k in max(pad.low, pad.high) > k / 2 })
        {
            diagnostics.error(
                .badPadding,
                "a pool may pad at most half its window; padding \(max(bad.0.low, bad.0.high)) exceeds \(bad.1)/2",
                at: window.paddingLocation ?? layer.location,
                help: "windows made mostly of padding see no input; use padding ≤ \(bad.1 / 2) or padding: same")
            return nil
        }
        let inChannels = x.channels
        var outChannels = inChannels
        if let convolution {
            let filters = convolution.filters
            let groups = convolution.groups
            if inChannels % groups != 0 || filters % groups != 0 {
                let bad =
                    inChannels % groups != 0
                    ? "the \(inChannels) input \(inChannels.noun("channel"))"
                    : "the \(filters) \(filters.noun("filter"))"
                diagnostics.error(
                    .groups, "groups must divide the input channels and the filters; \(groups) does not divide \(bad)",
                    at: convolution.groupsLocation ?? layer.location, labels: [inputLabel(input, layer)],
                    help: "choose groups among the common divisors of \(inChannels) and \(filters)")
                return nil
            }
            outChannels = filters
        }
        let kernel = window.size
        let stride = window.stride
        let dilation = window.dilation
        let rounding = window.rounding
        var out: [Int] = []
        var tooSmall: [(axis: String, arithmetic: ConvArithmetic)] = []
        var dropped: [(axis: String, arithmetic: ConvArithmetic)] = []
        for d in 0..<rank {
            let a = ConvArithmetic.make(
                input: x.dims[d], kernel: kernel[d], stride: stride[d], dilation: dilation[d],
                padding: padding, dimension: d, rounding: rounding)
            let axis = Self.axisNames[rank]![d]
            // The kernels take window sizes, strides and offsets as 32-bit ints.
            let extent = max(
                a.paddedInput, a.effectiveKernel, a.stride, (max(a.output, 1) - 1) * a.stride + a.effectiveKernel)
            if extent > Int(Int32.max) {
                diagnostics.error(
                    .tooLarge,
                    "a window's extent must stay below 2³¹ cells (the kernels' 32-bit sizes); along the \(axis), "
                        + "the padded input is \(a.paddedInput.grouped), the window \(a.effectiveKernel.grouped) and the stride \(a.stride.grouped)",
                    at: layer.location, help: "check the kernel, stride, dilation and padding")
                return nil
            }
            node.arithmetic.append(a)
            if !a.kernelFits {
                tooSmall.append((axis, a))
                continue
            }
            node.explanations.append(Explanation(topic: "output", text: "\(axis): \(a.formula)"))
            // A window smaller than its stride skips cells by design (a 1×1 stride-2 shortcut).
            if a.droppedCells > 0, padding != .same, a.effectiveKernel >= a.stride { dropped.append((axis, a)) }
            out.append(a.output)
        }
        if let (axis, a) = tooSmall.first {
            let span =
                a.dilation > 1
                ? "the dilated window spans \(a.effectiveKernel) = \(a.dilation)·(\(a.kernel) − 1) + 1"
                : "the window is \(a.kernel)"
            let axes = tooSmall.count == 1 ? "\(axis) is" : tooSmall.map(\.axis).joined(separator: " and ") + " are"
            let sizes = tooSmall.map { String($0.arithmetic.paddedInput) }.joined(separator: " and ")
            diagnostics.error(
                .kernelTooLarge,
                "a \(op.isConvolution ? "kernel" : "pool window") must fit inside its padded input; \(span) but the padded \(axes) \(sizes)",
                at: window.sizeLocation ?? layer.location,
                labels: [inputLabel(input, layer)],
                notes: tooSmall.map {
                    "\($0.axis): \($0.arithmetic.generalFormula) → \($0.arithmetic.input) + \($0.arithmetic.padLow) + \($0.arithmetic.padHigh) − \($0.arithmetic.effectiveKernel) < 0"
                },
                help:
                    "use a smaller \(op.isConvolution ? "kernel" : "pool"), padding: same, or remove a downsampling layer before it"
            )
            return nil
        }
        if !dropped.isEmpty {
            let parts = dropped.map { d -> String in
                let cells = d.arithmetic.droppedCells
                let unit = d.axis == "width" ? "column" : "row"
                return "the last \(cells) \(unit)\(cells == 1 ? "" : "s") of the \(d.axis) \(d.arithmetic.input)"
            }
            let stride = dropped.map { String($0.arithmetic.stride) }.joined(separator: "×")
            diagnostics.warning(
                .strideDropsRows,
                "a stride should tile its input; with stride \(stride), \(parts.joined(separator: " and ")) \(dropped.count == 1 && dropped[0].arithmetic.droppedCells == 1 ? "is" : "are") never read",
                at: window.strideLocation ?? window.sizeLocation ?? layer.location,
                notes: dropped.map {
                    "\($0.axis): \($0.arithmetic.formula); (\($0.arithmetic.paddedInput) − \($0.arithmetic.effectiveKernel)) mod \($0.arithmetic.stride) = \(($0.arithmetic.paddedInput - $0.arithmetic.effectiveKernel) % $0.arithmetic.stride)"
                },
                help: "use padding: same, or pad so that (in + padding − kernel) is a multiple of the stride")
        }
        return TensorShape(out + [outChannels])
    }

    /// Receptive field of `node` in input cells, for spatial models; nil once a layer mixes everything.
    func receptiveField(of node: Node, inputs: [Node]) -> ReceptiveField? {
        guard let first = inputs.first else { return nil }
        let previous: ReceptiveField? =
            first.op.kind == .input
            ? first.shape.flatMap {
                $0.rank >= 2
                    ? ReceptiveField(
                        size: Array(repeating: 1, count: $0.rank - 1), jump: Array(repeating: 1, count: $0.rank - 1))
                    : nil
            }
            : first.receptiveField
        switch node.op {
        case .conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d,
            .l2pool2d:
            guard let previous, previous.size.count == node.arithmetic.count else { return nil }
            var field = previous
            for (d, a) in node.arithmetic.enumerated() {
                // Saturating: thousands of strided layers would overflow the jump.
                field.size[d] = previous.size[d].saturatingPlus(
                    (a.effectiveKernel - 1).saturatingTimes(previous.jump[d]))
                field.jump[d] = previous.jump[d].saturatingTimes(a.stride)
            }
            return field
        case .dropout, .activation, .softmax, .batchnorm, .layernorm, .positionEmbedding, .sinusoidalPositionEmbedding,
            .alphaDropout, .prelu, .groupnorm, .zeroPadding2d, .cropping2d:
            return previous
        case .dense:
            return node.shape!.rank >= 2 ? previous : nil
        case .add, .subtract, .multiply, .average, .maximum, .concat:
            let fields = inputs.compactMap { $0.op.kind == .input ? previous : $0.receptiveField }
            guard fields.count == inputs.count,
                let widest = fields.max(by: { $0.size.reduce(0, +) < $1.size.reduce(0, +) })
            else { return nil }
            return widest
        case .input, .conv2dTranspose, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d, .flatten, .reshape,
            .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .multiHeadAttention, .upsampling2d, .treeLSTM:
            return nil
        }
    }
}
