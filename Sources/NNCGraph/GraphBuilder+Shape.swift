import NNCSpec

/// Shape inference: one exhaustive switch over `Op`. Errors name the layer, both shapes
/// and where each came from; a failed layer returns nil and its consumers stay silent.
extension GraphBuilder {
    mutating func inferShape(_ node: inout Node, layer: LayerSpec, inputs: [Node]) -> TensorShape? {
        guard checkInputCount(node.op.kind, layer: layer, count: inputs.count) else { return nil }
        let x = inputs[0].shape!
        switch node.op {
        case .input:
            preconditionFailure("the input node is not built from a layer")
        case .dense(let d):
            guard requireRank(x, atLeast: 1, layer, inputs[0], expected: "[features]") else { return nil }
            return TensorShape(x.dims.dropLast() + [d.units])
        case .conv1d(let c), .conv2d(let c):
            return windowed(&node, c.window, convolution: c, layer: layer, input: inputs[0])
        case .depthwiseConv2d(let d):
            return windowed(
                &node, d.window, convolution: d.grouped(channels: x.channels), layer: layer, input: inputs[0])
        case .separableConv2d(let s):
            // The depthwise part's output [H′, W′, C·multiplier], then the 1×1 convolution's.
            guard
                let middle = windowed(
                    &node, s.window, convolution: s.depthwise.grouped(channels: x.channels), layer: layer,
                    input: inputs[0]),
                withinLimits(middle.dims, what: "the depthwise output of '\(layer.name)'", at: layer.location)
            else { return nil }
            node.explanations.append(
                Explanation(
                    topic: "output",
                    text:
                        "channels: \(x.channels) × depth multiplier \(s.depthwise.depthMultiplier) = \(middle.channels) (depthwise), then 1×1 to \(s.filters) filters"
                ))
            return TensorShape(middle.dims.dropLast() + [s.filters])
        case .conv2dTranspose(let t):
            return transposed(&node, t, layer: layer, input: inputs[0])
        case .maxpool1d(let p), .maxpool2d(let p):
            return windowed(&node, p.window, convolution: nil, layer: layer, input: inputs[0])
        case .l2pool2d(let p):
            return windowed(&node, p.window, convolution: nil, layer: layer, input: inputs[0])
        case .groupnorm(let g):
            guard requireRank(x, atLeast: 1, layer, inputs[0], expected: "[..., channels]") else { return nil }
            guard x.channels % g.groups == 0 else {
                // The registry's default (32) has no location of its own: point at the layer.
                let written = g.groupsLocation.flatMap { $0.file != nil ? $0 : nil }
                let c = x.channels
                let small = (1...Int(Double(c).squareRoot())).filter { c % $0 == 0 }
                let divisors = Array(Set(small + small.map { c / $0 }).sorted().prefix(12)).map(String.init)
                diagnostics.error(
                    .groups,
                    "'groupnorm' splits the channels into groups of equal size, so groups must divide them; \(x.channels) \(x.channels.noun("channel")) do not split into \(g.groups) groups (\(x.channels) mod \(g.groups) = \(x.channels % g.groups))",
                    at: written ?? layer.location, labels: [inputLabel(inputs[0], layer)],
                    help: "use groups: one of \(divisors.joined(separator: ", "))"
                        + (written == nil ? " (the default is 32, as in Keras)" : ""))
                return nil
            }
            node.explanations.append(
                Explanation(
                    topic: "output",
                    text:
                        "\(x): \(g.groups) \(g.groups.noun("group")) of \(x.channels) / \(g.groups) = \(x.channels / g.groups) \((x.channels / g.groups).noun("channel")), each normalized over \(x.elementCount / g.groups) elements per sample"
                ))
            return x
        case .avgpool1d(let p), .avgpool2d(let p):
            return windowed(&node, p.window, convolution: nil, layer: layer, input: inputs[0])
        case .globalAvgpool:
            guard requireRank(x, atLeast: 2, layer, inputs[0], expected: "[..., channels]") else { return nil }
            return TensorShape([x.channels])
        case .globalMaxpool1d(let g):
            return globalMaxPool(&node, g, rank: 1, layer: layer, input: inputs[0])
        case .globalMaxpool2d(let g):
            return globalMaxPool(&node, g, rank: 2, layer: layer, input: inputs[0])
        case .flatten:
            return TensorShape([x.elementCount])
        case .zeroPadding2d(let m):
            return margins(&node, m, crop: false, layer: layer, input: inputs[0])
        case .cropping2d(let m):
            return margins(&node, m, crop: true, layer: layer, input: inputs[0])
        case .upsampling2d(let u):
            return upsampling(&node, u, layer: layer, input: inputs[0])
        case .reshape(let r):
            return reshape(x, r, layer: layer, input: inputs[0])
        case .dropout, .alphaDropout, .activation, .softmax, .batchnorm, .layernorm:
            return x
        case .prelu(let p):
            if let bad = p.sharedAxes.first(where: { $0 > x.rank }) {
                diagnostics.error(
                    .outOfRange,
                    "'shared_axes' of 'prelu' counts the input's \(x.rank) per-sample \(x.rank.noun("axis", plural: "axes")) from 1 (axis 0 is the batch); got \(bad) for \(x)",
                    at: p.sharedAxesLocation ?? layer.location, labels: [inputLabel(inputs[0], layer)],
                    help: x.rank == 3
                        ? "on [height, width, channels], shared_axes: [1, 2] gives one α per channel"
                        : "use axes 1 to \(x.rank)")
                return nil
            }
            return x
        case .embedding(let e):
            guard x.rank == 1, inputs[0].op.kind == .input else {
                diagnostics.error(
                    .inputRank,
                    "'embedding' reads integer token ids, so its input must be the model input of shape [T]; got \(x) from '\(inputs[0].name)'",
                    at: layer.location, labels: [inputLabel(inputs[0], layer)],
                    help: "put the embedding first and declare `input: [T]` with the sequence length T")
                return nil
            }
            // Ids run from 0 to input_dim − 1: a padding id past them would never occur.
            if let padding = e.paddingIndex, padding >= e.inputDim {
                let vocabulary = e.inputDim
                diagnostics.error(
                    .outOfRange,
                    "'padding_index' of 'embedding' must be an id below input_dim (\(vocabulary)); got \(padding)",
                    at: e.paddingIndexLocation ?? layer.location,
                    help: "ids run from 0 to \(vocabulary - 1); the padding id is usually 0")
                return nil
            }
            return TensorShape([x.dims[0], e.outputDim])
        case .simpleRNN(let r), .lstm(let r), .gru(let r):
            return recurrent(r, x, layer: layer, input: inputs[0])
        case .bidirectional(let b):
            guard let one = recurrent(b.layer, x, layer: layer, input: inputs[0]) else { return nil }
            switch b.merge {
            case .concat: return TensorShape(one.dims.dropLast() + [one.channels * 2])
            case .elementwise: return one
            }
        case .add, .subtract, .multiply, .average, .maximum:
            return broadcast(inputs, node.op.kind, layer: layer)
        case .concat(let c):
            return concat(inputs, c, layer: layer)
        case .multiHeadAttention(let m):
            return attention(&node, m, layer: layer, inputs: inputs)
        case .positionEmbedding(let p):
            return positions(
                &node, length: p.sequenceLength, at: p.sequenceLengthLocation, layer: layer, input: inputs[0])
        case .sinusoidalPositionEmbedding:
            return positions(&node, length: nil, at: nil, layer: layer, input: inputs[0])
        case .treeLSTM(let t):
            return treeShape(&node, t, layer: layer, input: inputs[0])
        }
    }

    private mutating func checkInputCount(_ op: Op.Kind, layer: LayerSpec, count: Int) -> Bool {
        let isMerge = [.add, .subtract, .multiply, .average, .maximum, .concat].contains(op)
        if op == .subtract, count != 2 {
            let where_ = layer.inputs.count > 2 ? layer.inputs[2].location : layer.location
            diagnostics.error(
                .inputCount,
                "'subtract' takes exactly two inputs, the first minus the second; '\(layer.name)' has \(count)",
                at: where_, help: "list two layers: `inputs: [a, b]` (subtract b from a)")
            return false
        }
        if isMerge, count < 2 {
            diagnostics.error(
                .inputCount, "'\(op.rawValue)' merges two or more inputs; '\(layer.name)' has \(count)",
                at: layer.location, help: "list the layers to merge: `inputs: [a, b]`")
            return false
        }
        if op == .multiHeadAttention, count > 3 {
            diagnostics.error(
                .inputCount,
                "'multi_head_attention' reads one to three inputs (query, value, key); '\(layer.name)' lists \(count)",
                at: layer.inputs[3].location, help: "list `inputs: [query, value]` or `inputs: [query, value, key]`")
            return false
        }
        if !isMerge, op != .multiHeadAttention, count > 1 {
            let where_ = layer.inputs.count > 1 ? layer.inputs[1].location : layer.location
            diagnostics.error(
                .inputCount, "'\(op.rawValue)' takes exactly one input; '\(layer.name)' lists \(count)",
                at: where_, help: "merge them first with an `add` or `concat` layer")
            return false
        }
        return true
    }

    /// The recurrent layer whose last-step output made `input` a single vector, followed back
    /// through layers that apply per step once it returns sequences (dense, dropout,
    /// normalization, activations); nil when the input is not such a collapsed sequence.
    func collapsedSequence(_ input: Node) -> Node? {
        var node = input
        while node.shape?.rank == 1 {
            if node.op.kind.isRecurrent { return node }
            guard
                [.dense, .dropout, .alphaDropout, .layernorm, .batchnorm, .activation, .softmax].contains(node.op.kind),
                node.inputs.count == 1
            else { return nil }
            node = nodes[node.inputs[0].rawValue]
        }
        return nil
    }

    /// The fix for a layer that needs the steps a recurrent layer dropped: not a reshape of
    /// its last step, but every step, which `return_sequences: true` returns.
    func returnSequencesHelp(_ recurrent: Node) -> String {
        let place =
            recurrent.op.kind == .bidirectional
            ? "the recurrent layer inside '\(recurrent.name)'" : "'\(recurrent.name)'"
        return
            "set `return_sequences: true` on \(place): it then outputs every step [timesteps, units], not only the last"
    }

    /// A label at the place the layer names its input (or at the layer when implicit).
    func inputLabel(_ input: Node, _ layer: LayerSpec) -> DiagnosticLabel {
        let ref = layer.inputs.first { $0.name == input.name }
        let location = layer.hasExplicitInputs ? (ref?.location ?? layer.location) : input.location
        let shape = input.shape.map(\.description) ?? "unknown"
        let what = input.op.kind == .input ? "the model input is \(shape)" : "'\(input.name)' outputs \(shape)"
        return DiagnosticLabel(location, what)
    }

    /// [steps, C] or [H, W, C] → [C] ([1, C], [1, 1, C] with keepdims): the input's rank is
    /// exactly the spatial rank plus the channels, as Keras requires.
    private mutating func globalMaxPool(
        _ node: inout Node, _ g: GlobalPool, rank: Int, layer: LayerSpec, input: Node
    ) -> TensorShape? {
        let x = input.shape!
        guard x.rank == rank + 1 else {
            let kind = layer.kind.name
            let expected = rank == 1 ? "[steps, channels]" : "[height, width, channels]"
            let help: String
            switch x.rank {
            case 1:
                help =
                    "each sample is one vector of \(x.channels) features, with no positions to pool over: drop the layer"
            case 2:
                help = "a [steps, channels] input pools with `global_maxpool1d`"
            case 3:
                help = "a [height, width, channels] input pools with `global_maxpool2d`"
            default:
                help = "reshape the input to \(expected) first, or use `global_avgpool`, which takes any rank"
            }
            diagnostics.error(
                .inputRank, "'\(kind)' needs an input of rank \(rank + 1) \(expected); got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)], help: help)
            return nil
        }
        let positions = x.dims.dropLast()
        let count = positions.map(String.init).joined(separator: "×")
        let kept = g.keepdims ? positions.map { _ in 1 } + [x.channels] : [x.channels]
        let y = TensorShape(kept)
        let n = x.elementCount / x.channels
        let cells = (positions.count > 1 ? "\(count) = \(n)" : "\(n)") + " " + n.noun("position")
        node.explanations.append(
            Explanation(
                topic: "output",
                text: "\(x) → the maximum of each of the \(x.channels) channels over its \(cells) → \(y)"
                    + (g.keepdims ? " (keepdims)" : "")))
        return y
    }

    /// zero_padding2d and cropping2d: [H, W, C] → [H ± t ± b, W ± l ± r, C]; a cropping
    /// that leaves no row or column is refused with its arithmetic.
    private mutating func margins(_ node: inout Node, _ m: Margins, crop: Bool, layer: LayerSpec, input: Node)
        -> TensorShape?
    {
        let x = input.shape!
        let kind = layer.kind.name
        guard x.rank == 3 else {
            diagnostics.error(
                .inputRank, "'\(kind)' needs an image input [height, width, channels]; got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)],
                help: x.rank == 2
                    ? "reshape a sequence to an image first, e.g. `- reshape: [\(x.dims[0]), \(x.dims[1]), 1]`"
                    : "reshape the input to [height, width, channels] first")
            return nil
        }
        let sign = crop ? "−" : "+"
        let (h, w) = (x.dims[0], x.dims[1])
        let rows = crop ? h - m.top - m.bottom : h + m.top + m.bottom
        let columns = crop ? w - m.left - m.right : w + m.left + m.right
        let rowText = "\(h) \(sign) \(m.top) \(sign) \(m.bottom) = \(rows)"
        let columnText = "\(w) \(sign) \(m.left) \(sign) \(m.right) = \(columns)"
        if rows < 1 || columns < 1 {
            let axes = [rows < 1 ? "rows \(rowText)" : nil, columns < 1 ? "columns \(columnText)" : nil]
            diagnostics.error(
                .badPadding,
                "'\(kind)' would leave an empty image: \(axes.compactMap { $0 }.joined(separator: ", "))",
                at: m.location ?? layer.location, labels: [inputLabel(input, layer)],
                help: "crop fewer than \(h) rows and \(w) columns in all (top + bottom < \(h), left + right < \(w))")
            return nil
        }
        let y = TensorShape([rows, columns, x.channels])
        node.explanations.append(
            Explanation(topic: "output", text: "\(x) → rows \(rowText), columns \(columnText) → \(y)"))
        return y
    }

    /// upsampling2d: [H, W, C] → [H·size_h, W·size_w, C].
    private mutating func upsampling(_ node: inout Node, _ u: Upsampling, layer: LayerSpec, input: Node)
        -> TensorShape?
    {
        let x = input.shape!
        guard x.rank == 3 else {
            diagnostics.error(
                .inputRank, "'\(layer.kind.name)' needs an image input [height, width, channels]; got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)],
                help: "reshape the input to [height, width, channels] first")
            return nil
        }
        let dims = [x.dims[0], x.dims[1]]
        let rows = dims[0].saturatingTimes(u.rows)
        let columns = dims[1].saturatingTimes(u.columns)
        guard withinLimits([rows, columns, x.channels], what: "the output of '\(layer.name)'", at: layer.location)
        else { return nil }
        let y = TensorShape([rows, columns, x.channels])
        node.explanations.append(
            Explanation(
                topic: "output",
                text:
                    "\(x) → rows \(dims[0]) × \(u.rows) = \(rows), columns \(dims[1]) × \(u.columns) = \(columns) → \(y) (\(u.interpolation.rawValue))"
            ))
        return y
    }

    private mutating func requireRank(
        _ x: TensorShape, atLeast rank: Int, _ layer: LayerSpec, _ input: Node, expected: String
    ) -> Bool {
        guard x.rank >= rank else {
            diagnostics.error(
                .inputRank, "'\(layer.kind.name)' needs an input of rank ≥ \(rank) \(expected); got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)])
            return false
        }
        return true
    }

    private mutating func recurrent(_ r: Recurrent, _ x: TensorShape, layer: LayerSpec, input: Node) -> TensorShape? {
        guard x.rank == 2 else {
            var labels = [inputLabel(input, layer)]
            let help: String?
            if x.rank == 1, let earlier = collapsedSequence(input) {
                help = returnSequencesHelp(earlier)
                if earlier.id != input.id {
                    labels.append(DiagnosticLabel(earlier.location, "'\(earlier.name)' returns only its last step"))
                }
            } else {
                help =
                    x.rank == 1
                    ? "reshape the input to [timesteps, features], e.g. `- reshape: [\(x.dims[0]), 1]`"
                    : x.rank == 3
                        ? "reshape images to rows as timesteps, e.g. `- reshape: [\(x.dims[0]), \(x.dims[1] * x.dims[2])]`"
                        : nil
            }
            diagnostics.error(
                .inputRank, "'\(r.kind.rawValue)' needs a sequence input [timesteps, features]; got \(x)",
                at: layer.location, labels: labels, help: help)
            return nil
        }
        return r.returnSequences ? TensorShape([x.dims[0], r.units]) : TensorShape([r.units])
    }

    private mutating func reshape(_ x: TensorShape, _ r: Reshape, layer: LayerSpec, input: Node) -> TensorShape? {
        var target = r.target
        guard let known = TensorShape.checkedProduct(target.filter { $0 != -1 }) else {
            _ = withinLimits(
                target.filter { $0 != -1 }, what: "the reshape target of '\(layer.name)'", at: layer.location)
            return nil
        }
        if let slot = target.firstIndex(of: -1) {
            guard x.elementCount % known == 0 else {
                diagnostics.error(
                    .reshapeSize,
                    "a reshape must keep the number of elements; \(x.elementCount) is not divisible by \(known)",
                    at: r.targetLocation ?? layer.location, labels: [inputLabel(input, layer)])
                return nil
            }
            target[slot] = x.elementCount / known
        } else if known != x.elementCount {
            diagnostics.error(
                .reshapeSize,
                "a reshape must keep the number of elements; \(TensorShape(target).perSample) has \(known.grouped), the input \(x.elementCount.grouped)",
                at: r.targetLocation ?? layer.location, labels: [inputLabel(input, layer)],
                help: "use -1 for one dimension to infer it")
            return nil
        }
        return TensorShape(target)
    }

    /// The elementwise merges (add, subtract, …) broadcast as Keras's do: shapes aligned at
    /// their last axes, each axis equal or 1 in all but one input (an SE block's [1, 1, C]
    /// scales [H, W, C]); the output takes the larger size of each axis.
    static func broadcastShape(_ shapes: [TensorShape]) -> TensorShape? {
        let rank = shapes.map(\.rank).max() ?? 0
        var dims = [Int](repeating: 1, count: rank)
        for shape in shapes {
            for (k, d) in shape.dims.enumerated() {
                let axis = rank - shape.rank + k
                if d == dims[axis] || d == 1 { continue }
                guard dims[axis] == 1 else { return nil }
                dims[axis] = d
            }
        }
        return TensorShape(dims)
    }

    private mutating func broadcast(_ inputs: [Node], _ kind: Op.Kind, layer: LayerSpec) -> TensorShape? {
        if let shape = Self.broadcastShape(inputs.map { $0.shape! }) { return shape }
        let first = inputs[0].shape!
        let mismatched = inputs.first { Self.broadcastShape([first, $0.shape!]) == nil } ?? inputs.last!
        let labels = inputs.map { inputLabel($0, layer) }
        let primary = layer.inputs.first { $0.name == mismatched.name }?.location ?? layer.location
        var help: String?
        if mismatched.op.kind == .dense, first.rank == mismatched.shape!.rank {
            help = "set 'units: \(first.channels)' on '\(mismatched.name)'"
        }
        diagnostics.append(
            .error(
                .mergeShapeMismatch,
                "'\(kind.rawValue)' operands must have equal sizes, or 1 where they differ; got \(inputs.map { $0.shape!.description }.joined(separator: " and "))",
                at: primary, label: "",
                labels: labels.map { label in
                    var label = label
                    label.severity = label.location == primary ? .error : .note
                    return label
                }, help: help))
        return nil
    }

    private mutating func concat(_ inputs: [Node], _ c: Concat, layer: LayerSpec) -> TensorShape? {
        let first = inputs[0].shape!
        let rawAxis = c.axis
        let axis = rawAxis < 0 ? first.rank + rawAxis : rawAxis
        guard axis >= 0, axis < first.rank else {
            diagnostics.error(
                .concatShapeMismatch, "'concat' axis must lie within the per-sample rank \(first.rank); got \(rawAxis)",
                at: c.axisLocation ?? layer.location,
                help:
                    "per-sample axes run from 0 to \(first.rank - 1) (or -1 for the last); the batch axis is not counted"
            )
            return nil
        }
        var dims = first.dims
        for input in inputs.dropFirst() {
            let s = input.shape!
            let compatible =
                s.rank == first.rank && (0..<s.rank).allSatisfy { $0 == axis || s.dims[$0] == first.dims[$0] }
            guard compatible else {
                diagnostics.error(
                    .concatShapeMismatch,
                    "'concat' operands must agree on every axis but axis \(rawAxis); got \(first) and \(s)",
                    at: layer.inputs.first { $0.name == input.name }?.location ?? layer.location,
                    labels: inputs.map { inputLabel($0, layer) })
                return nil
            }
            dims[axis] += s.dims[axis]
        }
        return TensorShape(dims)
    }
}
