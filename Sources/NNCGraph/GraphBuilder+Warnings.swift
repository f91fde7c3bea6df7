import NNCDiagnostics

/// Legal but suspicious models: dead branches and deep saturating stacks.
extension GraphBuilder {
    /// Warns once per dead branch, at its last layer: a layer no path leads from to the output.
    mutating func warnDeadBranches(_ graph: Graph) {
        guard let output = graph.output else { return }
        var live = [Bool](repeating: false, count: graph.nodes.count)
        var stack = [output]
        while let id = stack.popLast() {
            guard !live[id.rawValue] else { continue }
            live[id.rawValue] = true
            stack += graph[id].inputs
        }
        var consumed = [Bool](repeating: false, count: graph.nodes.count)
        for node in graph.nodes { for input in node.inputs { consumed[input.rawValue] = true } }
        for node in graph.nodes.dropFirst() where !live[node.id.rawValue] && !consumed[node.id.rawValue] {
            diagnostics.warning(
                .deadBranch, "every layer should lead to the model output; nothing reads '\(node.name)'",
                at: node.location,
                notes: [
                    "the output is '\(graph[output].name)'; '\(node.name)' and the layers only it reads are computed for nothing"
                ],
                help: "feed '\(node.name)' into the output path (e.g. an add or concat), set `output:`, or remove it")
        }
    }

    /// Warns when more than `limit` hidden layers use sigmoid/tanh with a small init:
    /// gradients shrink at every such layer and the stack barely learns (Glorot & Bengio 2010).
    mutating func warnDeepSaturatingStack(_ graph: Graph) {
        let limit = 3
        let saturating: Set<Activation> = [.sigmoid, .tanh, .lecunTanh]
        let hidden = graph.nodes.filter { $0.id != graph.output && ($0.op.kind == .dense || $0.op.kind.isConvolution) }
        let stack = hidden.filter { node in
            guard case .function(let f)? = node.op.activation, saturating.contains(f.kind) else { return false }
            return isSmallInit(node.op.weights?.initializer ?? graph.training.initializers.weights)
        }
        guard stack.count > limit else { return }
        let first = stack[0]
        diagnostics.warning(
            .deepSigmoid,
            "\(stack.count) hidden sigmoid/tanh layers with a small init will barely learn: gradients shrink at every layer",
            at: first.location,
            labels: stack.dropFirst().prefix(3).map { DiagnosticLabel($0.location, "'\($0.name)'") },
            help: "use glorot_uniform or lecun_normal init, relu activations, or batchnorm between layers")
    }

    private func isSmallInit(_ initializer: Initializer) -> Bool {
        switch initializer {
        case .uniform(let a, let b): max(abs(a), abs(b)) <= 0.01
        case .normal(_, let std): std <= 0.01
        case .zeros: true
        case .constant(let value): abs(value) <= 0.01
        case .ones, .glorotUniform, .glorotNormal, .heUniform, .heNormal, .lecunUniform, .lecunNormal, .orthogonal:
            false
        }
    }
}
