import NNCDiagnostics
import NNCSpec

/// Multi-head attention's shape rule (Keras's MultiHeadAttention): query [Tq, dq], value
/// [Tk, dv], key [Tk, dk], each one sequence of vectors; the output is [Tq, output_shape].
extension GraphBuilder {
    mutating func attention(_ node: inout Node, _ m: MultiHeadAttention, layer: LayerSpec, inputs: [Node])
        -> TensorShape?
    {
        let roles = ["query", "value", "key"]
        for (i, input) in inputs.enumerated() where input.shape!.rank != 2 {
            let x = input.shape!
            diagnostics.error(
                .inputRank,
                "'multi_head_attention' needs each input to be a sequence [steps, features]; its \(roles[i]) is \(x)",
                at: layer.location, labels: [inputLabel(input, layer)],
                help: x.rank == 1
                    ? (collapsedSequence(input).map(returnSequencesHelp)
                        ?? "reshape the input to [steps, features], e.g. `- reshape: [\(x.dims[0]), 1]`")
                    : "reshape the input to [steps, features] first")
            return nil
        }
        let query = inputs[0].shape!
        let value = inputs.count > 1 ? inputs[1].shape! : query
        let key = inputs.count > 2 ? inputs[2].shape! : value
        if inputs.count > 2, key.dims[0] != value.dims[0] {
            diagnostics.error(
                .mergeShapeMismatch,
                "'multi_head_attention' needs as many keys as values, one per step; the value has \(value.dims[0]) steps, the key \(key.dims[0])",
                at: layer.location, labels: [inputLabel(inputs[1], layer), inputLabel(inputs[2], layer)])
            return nil
        }
        let output = m.outputDim ?? query.channels
        let y = TensorShape([query.dims[0], output])
        let (tq, tk, h) = (query.dims[0], value.dims[0], m.heads)
        // The values the layer computes inside, per sample: each must fit as any tensor does.
        let inside = [
            ("queries", [tq, h, m.keyDim]), ("keys", [tk, h, m.keyDim]), ("values", [tk, h, m.valueDim]),
            ("attention weights", [h, tq, tk]), ("output", [tq, output]),
        ]
        for (what, dims) in inside where !withinLimits(dims, what: "the \(what) of '\(layer.name)'", at: layer.location)
        {
            return nil
        }
        node.explanations.append(
            Explanation(
                topic: "output",
                text:
                    "\(h) \(h.noun("head")): Q = query·W_q [\(tq), \(h)×\(m.keyDim)], K = key·W_k [\(tk), \(h)×\(m.keyDim)], "
                    + "V = value·W_v [\(tk), \(h)×\(m.valueDim)]; per head softmax(Q·Kᵀ/√\(m.keyDim)) [\(tq), \(tk)]"
                    + (m.causal ? " (causal: query i sees keys 0…i)" : "")
                    + " · V → [\(tq), \(h)×\(m.valueDim)] · W_o → \(y)"))
        return y
    }

    /// Position embeddings add one vector per step to a sequence [T, features]; a learned
    /// table has `length` rows, of which the input's T must fit.
    mutating func positions(
        _ node: inout Node, length: Int?, at location: SourceLocation?, layer: LayerSpec, input: Node
    ) -> TensorShape? {
        let x = input.shape!
        guard x.rank == 2 else {
            diagnostics.error(
                .inputRank, "'\(layer.kind.name)' needs a sequence [steps, features]; got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)],
                help: x.rank == 1 && input.op.kind == .input
                    ? "token ids go through an `embedding` first" : "reshape the input to [steps, features] first")
            return nil
        }
        if let length, x.dims[0] > length {
            diagnostics.error(
                .outOfRange,
                "'sequence_length' of '\(layer.name)' must be at least the input's \(x.dims[0]) steps; got \(length)",
                at: location ?? layer.location, labels: [inputLabel(input, layer)],
                help: "set `sequence_length: \(x.dims[0])` (or more, for longer sequences)")
            return nil
        }
        node.explanations.append(
            Explanation(
                topic: "output",
                text:
                    "\(x) + one \(length == nil ? "sinusoidal" : "learned") vector of \(x.channels) per step (\(x.dims[0]) \(x.dims[0].noun("step"))) → \(x)"
            ))
        return x
    }
}
