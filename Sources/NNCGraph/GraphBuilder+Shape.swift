import NNCSpec

/// Shape inference: one exhaustive switch over `Op`. Errors name the layer, both shapes
/// and where each came from; a failed layer returns nil and its consumers stay silent.
extension GraphBuilder {
    mutating func inferShape(_ node: inout Node, layer: LayerSpec, inputs: [Node]) -> TensorShape? {
        let c = layer.component
        guard checkInputCount(node.op, layer: layer, count: inputs.count) else { return nil }
        let x = inputs[0].shape!
        switch node.op {
        case .input:
            preconditionFailure("the input node is not built from a layer")
        case .dense:
            guard requireRank(x, atLeast: 1, layer, inputs[0], expected: "[features]") else { return nil }
            return TensorShape(x.dims.dropLast() + [c.int("units")!])
        case .conv1d, .conv2d, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d:
            return windowed(&node, layer: layer, input: inputs[0])
        case .globalAvgpool:
            guard requireRank(x, atLeast: 2, layer, inputs[0], expected: "[..., channels]") else { return nil }
            return TensorShape([x.channels])
        case .flatten:
            return TensorShape([x.elementCount])
        case .reshape:
            return reshape(x, layer: layer, input: inputs[0])
        case .dropout, .activation, .softmax, .batchnorm, .layernorm:
            return x
        case .embedding:
            guard x.rank == 1, inputs[0].op == .input else {
                diagnostics.error(.inputRank, "'embedding' reads integer token ids, so its input must be the model input of shape [T]; got \(x) from '\(inputs[0].name)'",
                                  at: layer.location, labels: [inputLabel(inputs[0], layer)],
                                  help: "put the embedding first and declare `input: [T]` with the sequence length T")
                return nil
            }
            // Ids run from 0 to input_dim − 1: a padding id past them would never occur.
            if let padding = c.int("padding_index"), let vocabulary = c.int("input_dim"), padding >= vocabulary {
                diagnostics.error(.outOfRange, "'padding_index' of 'embedding' must be an id below input_dim (\(vocabulary)); got \(padding)",
                                  at: c.valueLocation("padding_index") ?? layer.location,
                                  help: "ids run from 0 to \(vocabulary - 1); the padding id is usually 0")
                return nil
            }
            return TensorShape([x.dims[0], c.int("output_dim")!])
        case .simpleRNN, .lstm, .gru:
            return recurrent(c, x, layer: layer, input: inputs[0])
        case .bidirectional:
            guard let inner = c.component("layer"), let one = recurrent(inner, x, layer: layer, input: inputs[0]) else { return nil }
            let merge = c.string("merge_mode") ?? "concat"
            return merge == "concat" ? TensorShape(one.dims.dropLast() + [one.channels * 2]) : one
        case .add:
            return add(inputs, layer: layer)
        case .concat:
            return concat(inputs, layer: layer)
        }
    }

    private mutating func checkInputCount(_ op: Op, layer: LayerSpec, count: Int) -> Bool {
        let isMerge = op == .add || op == .concat
        if isMerge, count < 2 {
            diagnostics.error(.inputCount, "'\(op.rawValue)' merges two or more inputs; '\(layer.name)' has \(count)",
                              at: layer.location, help: "list the layers to merge: `inputs: [a, b]`")
            return false
        }
        if !isMerge, count > 1 {
            let where_ = layer.inputs.count > 1 ? layer.inputs[1].location : layer.location
            diagnostics.error(.inputCount, "'\(layer.kind.name)' takes exactly one input; '\(layer.name)' lists \(count)",
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
            if node.op.isRecurrent { return node }
            guard [.dense, .dropout, .layernorm, .batchnorm, .activation, .softmax].contains(node.op), node.inputs.count == 1 else { return nil }
            node = nodes[node.inputs[0].rawValue]
        }
        return nil
    }

    /// The fix for a layer that needs the steps a recurrent layer dropped: not a reshape of
    /// its last step, but every step, which `return_sequences: true` returns.
    func returnSequencesHelp(_ recurrent: Node) -> String {
        let place = recurrent.op == .bidirectional ? "the recurrent layer inside '\(recurrent.name)'" : "'\(recurrent.name)'"
        return "set `return_sequences: true` on \(place): it then outputs every step [timesteps, units], not only the last"
    }

    /// A label at the place the layer names its input (or at the layer when implicit).
    func inputLabel(_ input: Node, _ layer: LayerSpec) -> DiagnosticLabel {
        let ref = layer.inputs.first { $0.name == input.name }
        let location = layer.hasExplicitInputs ? (ref?.location ?? layer.location) : input.location
        let shape = input.shape.map(\.description) ?? "unknown"
        let what = input.op == .input ? "the model input is \(shape)" : "'\(input.name)' outputs \(shape)"
        return DiagnosticLabel(location, what)
    }

    private mutating func requireRank(_ x: TensorShape, atLeast rank: Int, _ layer: LayerSpec, _ input: Node, expected: String) -> Bool {
        guard x.rank >= rank else {
            diagnostics.error(.inputRank, "'\(layer.kind.name)' needs an input of rank ≥ \(rank) \(expected); got \(x)",
                              at: layer.location, labels: [inputLabel(input, layer)])
            return false
        }
        return true
    }

    private mutating func recurrent(_ c: ComponentSpec, _ x: TensorShape, layer: LayerSpec, input: Node) -> TensorShape? {
        guard x.rank == 2 else {
            var labels = [inputLabel(input, layer)]
            let help: String?
            if x.rank == 1, let earlier = collapsedSequence(input) {
                help = returnSequencesHelp(earlier)
                if earlier.id != input.id { labels.append(DiagnosticLabel(earlier.location, "'\(earlier.name)' returns only its last step")) }
            } else {
                help = x.rank == 1 ? "reshape the input to [timesteps, features], e.g. `- reshape: [\(x.dims[0]), 1]`"
                    : x.rank == 3 ? "reshape images to rows as timesteps, e.g. `- reshape: [\(x.dims[0]), \(x.dims[1] * x.dims[2])]`" : nil
            }
            diagnostics.error(.inputRank, "'\(c.kind.name)' needs a sequence input [timesteps, features]; got \(x)",
                              at: layer.location, labels: labels, help: help)
            return nil
        }
        let units = c.int("units")!
        return c.bool("return_sequences") == true ? TensorShape([x.dims[0], units]) : TensorShape([units])
    }

    private mutating func reshape(_ x: TensorShape, layer: LayerSpec, input: Node) -> TensorShape? {
        var target = layer.component.ints("shape")!
        guard let known = TensorShape.checkedProduct(target.filter { $0 != -1 }) else {
            _ = withinLimits(target.filter { $0 != -1 }, what: "the reshape target of '\(layer.name)'", at: layer.location)
            return nil
        }
        if let slot = target.firstIndex(of: -1) {
            guard x.elementCount % known == 0 else {
                diagnostics.error(.reshapeSize, "a reshape must keep the number of elements; \(x.elementCount) is not divisible by \(known)",
                                  at: layer.component.valueLocation("shape") ?? layer.location, labels: [inputLabel(input, layer)])
                return nil
            }
            target[slot] = x.elementCount / known
        } else if known != x.elementCount {
            diagnostics.error(.reshapeSize, "a reshape must keep the number of elements; \(TensorShape(target).perSample) has \(known.grouped), the input \(x.elementCount.grouped)",
                              at: layer.component.valueLocation("shape") ?? layer.location, labels: [inputLabel(input, layer)],
                              help: "use -1 for one dimension to infer it")
            return nil
        }
        return TensorShape(target)
    }

    private mutating func add(_ inputs: [Node], layer: LayerSpec) -> TensorShape? {
        let first = inputs[0].shape!
        guard inputs.allSatisfy({ $0.shape == first }) else {
            let mismatched = inputs.first { $0.shape != first }!
            let labels = inputs.map { inputLabel($0, layer) }
            let primary = layer.inputs.first { $0.name == mismatched.name }?.location ?? layer.location
            var help: String?
            if let last = mismatched.spec, last.kind.name == "dense", first.rank == mismatched.shape!.rank {
                help = "set 'units: \(first.channels)' on '\(mismatched.name)'"
            }
            diagnostics.append(.error(.mergeShapeMismatch,
                                      "'add' operands must have identical shapes; got \(inputs.map { $0.shape!.description }.joined(separator: " and "))",
                                      at: primary, label: "", labels: labels.map { label in
                                          var label = label
                                          label.severity = label.location == primary ? .error : .note
                                          return label
                                      }, help: help))
            return nil
        }
        return first
    }

    private mutating func concat(_ inputs: [Node], layer: LayerSpec) -> TensorShape? {
        let first = inputs[0].shape!
        let rawAxis = layer.component.int("axis") ?? -1
        let axis = rawAxis < 0 ? first.rank + rawAxis : rawAxis
        guard axis >= 0, axis < first.rank else {
            diagnostics.error(.concatShapeMismatch, "'concat' axis must lie within the per-sample rank \(first.rank); got \(rawAxis)",
                              at: layer.component.valueLocation("axis") ?? layer.location,
                              help: "per-sample axes run from 0 to \(first.rank - 1) (or -1 for the last); the batch axis is not counted")
            return nil
        }
        var dims = first.dims
        for input in inputs.dropFirst() {
            let s = input.shape!
            let compatible = s.rank == first.rank && (0..<s.rank).allSatisfy { $0 == axis || s.dims[$0] == first.dims[$0] }
            guard compatible else {
                diagnostics.error(.concatShapeMismatch,
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
