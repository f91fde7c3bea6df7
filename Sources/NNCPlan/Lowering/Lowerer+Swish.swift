import NNCGraph

/// Swish with a learned β (`activation: {swish: {learnable: true}}`): one trainable scalar
/// per layer, starting at the declared beta. The activation is always its own instruction
/// (never a GEMM epilogue, whose parameter is fixed when the plan is built), reading β from
/// the parameter; its backward gives dx = dy·(σ + βx·σ(1 − σ)) and
/// dβ = Σ dy·x²·σ(1 − σ) over every element, σ = σ(βx), and β's update follows at once.
extension Node {
    /// True when the layer's activation is swish with a learnable β.
    var hasLearnedBeta: Bool { parameters.contains { $0.name == "swish_beta" } }
}

extension Lowerer {
    /// y = x·σ(βx), `count` elements.
    mutating func emitLearnedSwish(_ node: Node, y: BufferID, x: BufferID, count: Int) {
        emit(
            .swishLearnable(count: count),
            [Operand(y, .write), Operand(x, .read), Operand(parameters.buffers[node.id]!["swish_beta"]!, .read)],
            layer: node.name)
    }

    /// dx (when given) and dβ (when β trains) from dy and the swish input x, then β's update.
    mutating func emitLearnedSwishGradient(_ node: Node, dx: BufferID?, dy: BufferID, x: BufferID, count: Int) {
        let dBeta = parameterGradient(node, "swish_beta")
        guard dx != nil || dBeta != nil else { return }
        var operands = dx.map { [Operand($0, .write)] } ?? []
        if let dBeta { operands.append(Operand(dBeta, .write)) }
        operands += [
            Operand(dy, .read), Operand(x, .read), Operand(parameters.buffers[node.id]!["swish_beta"]!, .read),
        ]
        emit(
            .swishLearnableBackward(count: count, inputGradient: dx != nil, betaGradient: dBeta != nil), operands,
            layer: node.name)
        update(node, ["swish_beta"])
    }
}
