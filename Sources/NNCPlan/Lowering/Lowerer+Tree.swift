import NNCGraph

/// The Tree-LSTM (`TreeShape`): one instruction for the whole forward pass over the batch's
/// trees and one for its gradient, each with its tape and scratch as plan buffers. Its input
/// is the model input, which gets no gradient.
extension Lowerer {
    func treeShape(_ node: Node) -> TreeShape {
        guard case .treeLSTM(let t) = node.op else { preconditionFailure("'\(node.name)' is not a tree_lstm") }
        let x = graph[node.inputs[0]].shape!
        return TreeShape(
            batch: batch, nodes: x.dims[0], children: x.dims[1] - 1, vocabulary: t.inputDim, features: t.embeddingDim,
            units: t.units, childSum: t.variant == .childSum, bias: t.useBias)
    }

    /// [y out, tape out, structure scratch out, matrix scratch out, trees in, embeddings in,
    /// kernel in, recurrent kernel in, bias in?].
    mutating func lowerTree(_ node: Node) {
        let s = treeShape(node)
        let p = parameters.buffers[node.id]!
        let y = output(node)
        let tape = buffer("\(node.name).tape", [s.tapeFloats], .saved)
        let structure = buffer("\(node.name).structure", [s.structureInts], .scratch, type: .int32)
        let scratch = buffer("\(node.name).scratch", [s.forwardScratchFloats], .scratch)
        emit(
            .treeLSTM(s),
            [
                Operand(y, .write), Operand(tape, .write), Operand(structure, .write), Operand(scratch, .write),
                Operand(value[node.inputs[0]]!, .read), Operand(p["embeddings"]!, .read), Operand(p["kernel"]!, .read),
                Operand(p["recurrent_kernel"]!, .read),
            ] + (p["bias"].map { [Operand($0, .read)] } ?? []), layer: node.name)
        value[node.id] = y
        treeTapes[node.id] = tape
    }

    /// [dEmbeddings out, dKernel out, dRecurrent out, dBias out?, structure scratch out,
    /// matrix scratch out, dy in, tape in, trees in, kernel in, recurrent kernel in,
    /// embeddings in, bias in?] (the last two for the reference twin, which recomputes).
    mutating func treeGradient(_ node: Node) {
        guard node.trainableParams > 0 else { return }
        let s = treeShape(node)
        let p = parameters.buffers[node.id]!
        let names = ["embeddings", "kernel", "recurrent_kernel"] + (s.bias ? ["bias"] : [])
        let gradients = names.compactMap { parameterGradient(node, $0) }
        precondition(gradients.count == names.count, "a trainable tree_lstm trains every parameter")
        let structure = buffer("∂\(node.name).structure", [s.structureInts], .scratch, type: .int32)
        let scratch = buffer("∂\(node.name).scratch", [s.backwardScratchFloats], .scratch)
        emit(
            .treeLSTMBackward(s),
            gradients.map { Operand($0, .write) } + [
                Operand(structure, .write), Operand(scratch, .write), Operand(gradient[node.id]!, .read),
                Operand(treeTapes[node.id]!, .read), Operand(value[node.inputs[0]]!, .read),
                Operand(p["kernel"]!, .read), Operand(p["recurrent_kernel"]!, .read), Operand(p["embeddings"]!, .read),
            ] + (p["bias"].map { [Operand($0, .read)] } ?? []), layer: node.name)
        update(node, names)
    }
}
