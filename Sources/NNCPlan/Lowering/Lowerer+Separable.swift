import NNCGraph

/// separable_conv2d: the depthwise convolution (the grouped kernels, no bias) into an
/// intermediate the planner places, then the 1×1 convolution with the bias and the
/// activation in its epilogue. Backward runs the two convolutions' gradient rules in reverse;
/// the intermediate is kept for the 1×1 kernel's gradient.
extension Lowerer {
    func separable(_ node: Node) -> SeparableConvolution {
        guard case .separableConv2d(let s) = node.op else {
            preconditionFailure("'\(node.name)' is not a separable convolution")
        }
        return s
    }

    /// The depthwise part (the node's window, one group per input channel) and the 1×1
    /// part over its output.
    func separableShapes(_ node: Node) -> (depthwise: ConvolutionShape, pointwise: ConvolutionShape) {
        let s = separable(node)
        let g = window(node)
        let middle = g.c * s.depthMultiplier
        let p = WindowGeometry(
            batch: batch, h: g.oh, w: g.ow, c: middle, kh: 1, kw: 1, sh: 1, sw: 1, oh: g.oh, ow: g.ow)
        return (
            ConvolutionShape(window: g, filters: middle, groups: g.c),
            ConvolutionShape(window: p, filters: s.filters, groups: 1)
        )
    }

    mutating func lowerSeparableConvolution(_ node: Node) {
        let (ds, ps) = separableShapes(node)
        let x = value[node.inputs[0]]!
        let p = parameters.buffers[node.id]!
        let middle = buffer(
            "\(node.name).depthwise", [batch, ds.window.oh, ds.window.ow, ds.filters], .activation)
        emit(
            .convolution(ds, bias: false, activation: .linear),
            [
                Operand(middle, .write), Operand(x, .read), Operand(p["depthwise_kernel"]!, .read),
                Operand(paddedScratch(node, ds), .write),
            ], layer: node.name)
        depthwiseOutput[node.id] = middle
        let w = p["pointwise_kernel"]!
        let b = p["bias"]
        finishActivation(node) { l, y, f in
            l.emit(
                .convolution(ps, bias: b != nil, activation: f),
                [Operand(y, .write), Operand(middle, .read), Operand(w, .read)]
                    + (b.map { [Operand($0, .read)] } ?? []) + [Operand(l.paddedScratch(node, ps), .write)],
                layer: node.name)
        }
    }

    mutating func separableConvolutionGradient(_ node: Node) {
        let (ds, ps) = separableShapes(node)
        let dz = linearGradient(node)
        let x = value[node.inputs[0]]!
        let middle = depthwiseOutput[node.id]!
        let p = parameters.buffers[node.id]!
        if let dw = parameterGradient(node, "pointwise_kernel") {
            let db = p["bias"] != nil ? parameterGradient(node, "bias") : nil
            emit(
                .convolutionBackwardWeights(ps, bias: db != nil),
                [Operand(dw, .write)] + (db.map { [Operand($0, .write)] } ?? [])
                    + [Operand(middle, .read), Operand(dz, .read), Operand(paddedScratch(node, ps), .write)],
                layer: node.name)
        }
        let dDepthwise = parameterGradient(node, "depthwise_kernel")
        let wantsInput = wantsInputGradient(node)
        if dDepthwise != nil || wantsInput {
            let dm = buffer("∂\(node.name).depthwise", [batch, ds.window.oh, ds.window.ow, ds.filters], .gradient)
            emit(
                .convolutionBackwardData(ps),
                [
                    Operand(dm, .write), Operand(dz, .read), Operand(p["pointwise_kernel"]!, .read),
                    Operand(paddedScratch(node, ps), .write),
                ], layer: node.name)
            if let dw = dDepthwise {
                emit(
                    .convolutionBackwardWeights(ds, bias: false),
                    [
                        Operand(dw, .write), Operand(x, .read), Operand(dm, .read),
                        Operand(paddedScratch(node, ds), .write),
                    ],
                    layer: node.name)
            }
            if wantsInput {
                let dx = gradientBuffer(for: node.inputs[0])
                emit(
                    .convolutionBackwardData(ds),
                    [
                        Operand(dx, .write), Operand(dm, .read), Operand(p["depthwise_kernel"]!, .read),
                        Operand(paddedScratch(node, ds), .write),
                    ], layer: node.name)
                addGradient(dx, to: node.inputs[0])
            }
        }
        // After both data gradients: the updates overwrite the kernels they read.
        update(node, ["depthwise_kernel", "pointwise_kernel", "bias"])
    }
}
