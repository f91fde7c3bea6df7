import NNCGraph

/// The elementwise merges other than `add` (subtract, …): one `combine` forward, and per
/// input one `combineBackward` (or ∂y itself where the derivative is 1).
extension Lowerer {
    mutating func lowerCombine(_ node: Node, _ operation: ElementwiseMerge) {
        let y = output(node)
        emit(
            .combine(operation, count: elements(node), inputs: node.inputs.count),
            [Operand(y, .write)] + node.inputs.map { Operand(value[$0]!, .read) }, layer: node.name)
        value[node.id] = y
    }

    mutating func combineGradient(_ node: Node, _ operation: ElementwiseMerge) {
        let dy = gradient[node.id]!
        let reads = operation.backwardReadsInputs ? node.inputs.map { Operand(value[$0]!, .read) } : []
        for (i, input) in node.inputs.enumerated() where wantsInputGradient(node, i) {
            if operation.passesGradientUnchanged(to: i) {
                addGradient(dy, to: input)
                continue
            }
            let dx = gradientBuffer(for: input)
            emit(
                .combineBackward(operation, count: elements(node), inputs: node.inputs.count, index: i),
                [Operand(dx, .write), Operand(dy, .read)] + reads, layer: node.name)
            addGradient(dx, to: input)
        }
    }
}
