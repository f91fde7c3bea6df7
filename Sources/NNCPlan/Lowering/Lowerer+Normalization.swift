import NNCGraph

/// Batch and layer normalization. Training batchnorm keeps its input, the batch mean and
/// 1/σ per channel for backward; inference batchnorm uses the running statistics and, when
/// it follows a dense or convolution, is folded into that layer's weights (no instruction).
extension Lowerer {
    func normalizationFlags(_ node: Node) -> (epsilon: Double, scale: Bool, center: Bool) {
        if case .batchnorm(let b) = node.op { return (b.epsilon, b.scale, b.center) }
        if case .layernorm(let l) = node.op { return (l.epsilon, l.scale, l.center) }
        if case .groupnorm(let g) = node.op { return (g.epsilon, g.scale, g.center) }
        preconditionFailure("'\(node.name)' is not a normalization layer")
    }

    func batchNorm(_ node: Node) -> BatchNorm {
        guard case .batchnorm(let b) = node.op else { preconditionFailure("'\(node.name)' is not a batchnorm") }
        return b
    }

    mutating func lowerBatchNorm(_ node: Node) {
        let f = normalizationFlags(node)
        let p = parameters.buffers[node.id]!
        let x = value[node.inputs[0]]!
        let channels = node.shape!.channels
        let rows = elements(node) / channels
        let y = output(node)
        value[node.id] = y
        let affine = (p["gamma"].map { [Operand($0, .read)] } ?? []) + (p["beta"].map { [Operand($0, .read)] } ?? [])
        guard isTraining else {
            emit(
                .batchNormInference(
                    rows: rows, channels: channels, epsilon: f.epsilon, scale: f.scale, center: f.center),
                [
                    Operand(y, .write), Operand(x, .read), Operand(p["moving_mean"]!, .read),
                    Operand(p["moving_variance"]!, .read),
                ] + affine,
                layer: node.name)
            return
        }
        let mean = buffer("\(node.name).batch_mean", [channels], .saved)
        let invStd = buffer("\(node.name).batch_inv_std", [channels], .saved)
        saved[node.id] = (mean, invStd)
        emit(
            .batchNormTraining(
                rows: rows, channels: channels, momentum: batchNorm(node).momentum,
                epsilon: f.epsilon, scale: f.scale, center: f.center),
            [
                Operand(y, .write), Operand(mean, .write), Operand(invStd, .write),
                Operand(p["moving_mean"]!, .readWrite), Operand(p["moving_variance"]!, .readWrite), Operand(x, .read),
            ] + affine,
            layer: node.name)
    }

    mutating func batchNormGradient(_ node: Node) {
        let f = normalizationFlags(node)
        let channels = node.shape!.channels
        let rows = elements(node) / channels
        normalizationGradient(node, f, rows: rows, features: channels) {
            .batchNormBackward(rows: rows, channels: channels, scale: $0, center: $1)
        }
    }

    mutating func lowerLayerNorm(_ node: Node) {
        let f = normalizationFlags(node)
        let p = parameters.buffers[node.id] ?? [:]
        let features = node.shape!.channels
        let rows = elements(node) / features
        let y = output(node)
        value[node.id] = y
        let mean = buffer("\(node.name).row_mean", [rows], .saved)
        let invStd = buffer("\(node.name).row_inv_std", [rows], .saved)
        saved[node.id] = (mean, invStd)
        emit(
            .layerNorm(rows: rows, features: features, epsilon: f.epsilon, scale: f.scale, center: f.center),
            [
                Operand(y, .write), Operand(mean, .write), Operand(invStd, .write),
                Operand(value[node.inputs[0]]!, .read),
            ]
                + (p["gamma"].map { [Operand($0, .read)] } ?? []) + (p["beta"].map { [Operand($0, .read)] } ?? []),
            layer: node.name)
    }

    mutating func layerNormGradient(_ node: Node) {
        let f = normalizationFlags(node)
        let features = node.shape!.channels
        let rows = elements(node) / features
        normalizationGradient(node, f, rows: rows, features: features) {
            .layerNormBackward(rows: rows, features: features, scale: $0, center: $1)
        }
    }

    /// [B, …, C] as (positions, channels, groups).
    func groupNormShape(_ node: Node) -> (positions: Int, channels: Int, groups: Int) {
        guard case .groupnorm(let g) = node.op else { preconditionFailure("'\(node.name)' is not a groupnorm") }
        let channels = node.shape!.channels
        return (node.shape!.elementCount / channels, channels, g.groups)
    }

    mutating func lowerGroupNorm(_ node: Node) {
        let f = normalizationFlags(node)
        let p = parameters.buffers[node.id] ?? [:]
        let s = groupNormShape(node)
        let y = output(node)
        value[node.id] = y
        let mean = buffer("\(node.name).group_mean", [batch, s.groups], .saved)
        let invStd = buffer("\(node.name).group_inv_std", [batch, s.groups], .saved)
        saved[node.id] = (mean, invStd)
        emit(
            .groupNorm(
                batch: batch, positions: s.positions, channels: s.channels, groups: s.groups, epsilon: f.epsilon,
                scale: f.scale, center: f.center),
            [
                Operand(y, .write), Operand(mean, .write), Operand(invStd, .write),
                Operand(value[node.inputs[0]]!, .read),
            ]
                + (p["gamma"].map { [Operand($0, .read)] } ?? []) + (p["beta"].map { [Operand($0, .read)] } ?? []),
            layer: node.name)
    }

    mutating func groupNormGradient(_ node: Node) {
        let f = normalizationFlags(node)
        let s = groupNormShape(node)
        let b = batch
        normalizationGradient(node, f, rows: b * s.positions, features: s.channels) {
            .groupNormBackward(
                batch: b, positions: s.positions, channels: s.channels, groups: s.groups, scale: $0, center: $1)
        }
    }

    /// The shared backward of both normalizations: [dx, dγ?, dβ?, dy, x, mean, invStd, γ?].
    /// The kernel always computes dx; frozen γ/β get no gradient.
    mutating func normalizationGradient(
        _ node: Node, _ f: (epsilon: Double, scale: Bool, center: Bool), rows: Int, features: Int,
        kernel: (Bool, Bool) -> Kernel
    ) {
        let p = parameters.buffers[node.id] ?? [:]
        let dGamma = p["gamma"] != nil ? parameterGradient(node, "gamma") : nil
        let dBeta = p["beta"] != nil ? parameterGradient(node, "beta") : nil
        guard dGamma != nil || dBeta != nil || wantsInputGradient(node) else { return }
        let dx = gradientBuffer(for: node.inputs[0])
        let (mean, invStd) = saved[node.id]!
        emit(
            kernel(dGamma != nil, dBeta != nil),
            [Operand(dx, .write)] + (dGamma.map { [Operand($0, .write)] } ?? [])
                + (dBeta.map { [Operand($0, .write)] } ?? [])
                + [
                    Operand(gradient[node.id]!, .read), Operand(value[node.inputs[0]]!, .read), Operand(mean, .read),
                    Operand(invStd, .read),
                ]
                + (p["gamma"].map { [Operand($0, .read)] } ?? []), layer: node.name)
        update(node, ["gamma", "beta"])
        if wantsInputGradient(node) { addGradient(dx, to: node.inputs[0]) }
    }
}
