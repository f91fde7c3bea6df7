import NNCGraph

/// The elementwise merges: `add` here and in Lowerer+Elementwise.swift, the others (subtract,
/// …) as one `combine` forward and per input one `combineBackward` (or ∂y itself where the
/// derivative is 1). An input of another shape than the output (Keras's broadcasting: size 1
/// repeats) is first repeated into a buffer of the output's shape, and its gradient, computed
/// at the output's shape, is summed back over the repeats.
extension Lowerer {
    mutating func lowerCombine(_ node: Node, _ operation: ElementwiseMerge) {
        let y = output(node)
        let operands = broadcastOperands(node)
        emit(
            .combine(operation, count: elements(node), inputs: node.inputs.count),
            [Operand(y, .write)] + operands.map { Operand($0, .read) }, layer: node.name)
        value[node.id] = y
    }

    mutating func combineGradient(_ node: Node, _ operation: ElementwiseMerge) {
        let dy = gradient[node.id]!
        let reads = operation.backwardReadsInputs ? mergeOperands[node.id]!.map { Operand($0, .read) } : []
        for (i, input) in node.inputs.enumerated() where wantsInputGradient(node, i) {
            if operation.passesGradientUnchanged(to: i) {
                mergeInputGradient(node, i, dy)
                continue
            }
            let dx =
                isBroadcast(node, i)
                ? buffer("∂\(node.name).broadcast_\(i)", batched(node), .gradient) : gradientBuffer(for: input)
            emit(
                .combineBackward(operation, count: elements(node), inputs: node.inputs.count, index: i),
                [Operand(dx, .write), Operand(dy, .read)] + reads, layer: node.name)
            mergeInputGradient(node, i, dx)
        }
    }

    /// Input i's shape differs from the merge's output: it is broadcast.
    func isBroadcast(_ node: Node, _ i: Int) -> Bool { graph[node.inputs[i]].shape != node.shape }

    /// How input i repeats to the output's shape (its shape padded with leading 1s).
    func broadcastShape(_ node: Node, _ i: Int) -> BroadcastShape {
        let full = node.shape!.dims
        let dims = graph[node.inputs[i]].shape!.dims
        return BroadcastShape(
            batch: batch, full: full, kept: Array(repeating: 1, count: full.count - dims.count) + dims)
    }

    /// The merge's operands at its output's shape, broadcasting the inputs that need it.
    mutating func broadcastOperands(_ node: Node) -> [BufferID] {
        var operands: [BufferID] = []
        for (i, input) in node.inputs.enumerated() {
            guard isBroadcast(node, i) else {
                operands.append(value[input]!)
                continue
            }
            let repeated = buffer("\(node.name).broadcast_\(i)", batched(node), .activation)
            emit(
                .broadcast(broadcastShape(node, i)), [Operand(repeated, .write), Operand(value[input]!, .read)],
                layer: node.name)
            operands.append(repeated)
        }
        mergeOperands[node.id] = operands
        return operands
    }

    /// Adds `full`, a gradient at the output's shape, to input i's gradient: summed over the
    /// repeats when the input was broadcast.
    mutating func mergeInputGradient(_ node: Node, _ i: Int, _ full: BufferID) {
        let input = node.inputs[i]
        guard isBroadcast(node, i) else {
            addGradient(full, to: input)
            return
        }
        let dx = gradientBuffer(for: input)
        emit(
            .broadcastBackward(broadcastShape(node, i)), [Operand(dx, .write), Operand(full, .read)], layer: node.name)
        addGradient(dx, to: input)
    }
}
