import NNCGraph

/// Image layers that move pixels without arithmetic: zero_padding2d and cropping2d, each one
/// `reframe` copy forward whose gradient is the opposite copy (crop ∂y, or zero-pad it); and
/// upsampling2d (nearest or bilinear), whose gradient sums each output's share back.
extension Lowerer {
    /// The copy from the node's input to its output.
    func reframe(_ node: Node) -> Reframe {
        let x = graph[node.inputs[0]].shape!.dims
        let y = node.shape!.dims
        let top: Int
        let left: Int
        if case .zeroPadding2d(let m) = node.op {
            (top, left) = (-m.top, -m.left)
        } else if case .cropping2d(let m) = node.op {
            (top, left) = (m.top, m.left)
        } else {
            preconditionFailure("'\(node.name)' is not a padding or cropping layer")
        }
        return Reframe(batch: batch, h: x[0], w: x[1], c: x[2], oh: y[0], ow: y[1], top: top, left: left)
    }

    mutating func lowerReframe(_ node: Node) {
        let y = output(node)
        emit(.reframe(reframe(node)), [Operand(y, .write), Operand(value[node.inputs[0]]!, .read)], layer: node.name)
        value[node.id] = y
    }

    func upsample(_ node: Node) -> Upsample {
        guard case .upsampling2d(let u) = node.op else { preconditionFailure("'\(node.name)' is not upsampling2d") }
        let x = graph[node.inputs[0]].shape!.dims
        return Upsample(
            batch: batch, h: x[0], w: x[1], c: x[2], sh: u.rows, sw: u.columns, interpolation: u.interpolation)
    }

    mutating func lowerUpsample(_ node: Node) {
        let y = output(node)
        emit(.upsample(upsample(node)), [Operand(y, .write), Operand(value[node.inputs[0]]!, .read)], layer: node.name)
        value[node.id] = y
    }

    mutating func upsampleGradient(_ node: Node) {
        guard wantsInputGradient(node) else { return }
        let dx = gradientBuffer(for: node.inputs[0])
        emit(
            .upsampleBackward(upsample(node)), [Operand(dx, .write), Operand(gradient[node.id]!, .read)],
            layer: node.name)
        addGradient(dx, to: node.inputs[0])
    }

    mutating func reframeGradient(_ node: Node) {
        guard wantsInputGradient(node) else { return }
        let dx = gradientBuffer(for: node.inputs[0])
        emit(
            .reframe(reframe(node).reversed), [Operand(dx, .write), Operand(gradient[node.id]!, .read)],
            layer: node.name)
        addGradient(dx, to: node.inputs[0])
    }
}
