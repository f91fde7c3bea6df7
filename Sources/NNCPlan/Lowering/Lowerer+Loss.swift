import NNCDiagnostics
import NNCGraph

/// The loss: per-row losses and ∂loss/∂output in one instruction, averaged over the batch
/// (and over timesteps for sequence outputs), so gradients are scaled by 1/rows.
extension Lowerer {
    /// The loss instruction; evaluation plans (inference with `evaluatesLoss`) omit ∂output.
    mutating func lowerLoss(_ output: Node, gradient withGradient: Bool) {
        guard graph.training.loss != nil, let fusion = self.fusion.loss else {
            diagnostics.error(
                .missingKey, "a training plan needs a 'loss'", at: graph.nodes[0].location,
                help: "add e.g. `loss: categorical_crossentropy` (or compile with --inference)")
            return
        }
        phase = .loss
        let dims = output.shape!.dims
        let rows = batch * dims.dropLast().reduce(1, *)
        let columns = dims.last ?? 1
        let sparse: Bool =
            switch fusion.function {
            case .softmaxCrossEntropy(let s, _), .categoricalCrossEntropy(let s, _): s
            case .meanSquaredError, .sumOfSquares, .binaryCrossEntropy: false
            }
        let target =
            sparse
            ? buffer("targets", [batch] + dims.dropLast(), .target, type: .int32)
            : buffer("targets", batched(output), .target)
        targetBuffer = target
        let loss = buffer("loss", [rows], .loss)
        lossBuffer = loss
        guard withGradient else {
            emit(
                .loss(fusion.function, rows: rows, columns: columns, gradient: false),
                [Operand(loss, .write), Operand(value[output.id]!, .read), Operand(target, .read)], layer: "loss")
            return
        }
        let dy = buffer("∂\(output.name)", batched(output), .gradient)
        emit(
            .loss(fusion.function, rows: rows, columns: columns, gradient: true),
            [Operand(loss, .write), Operand(dy, .write), Operand(value[output.id]!, .read), Operand(target, .read)],
            layer: "loss")
        gradient[output.id] = dy
    }
}
