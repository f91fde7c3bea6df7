import NNCGraph

/// conv2d_transpose: the data gradient of the convolution from its output back to its input
/// (kernel [kh, kw, filters, C] is that convolution's), so the convolution kernels run with
/// their roles swapped: forward is that convolution's backward-data, the input gradient its
/// forward, the kernel gradient its weight gradient with the output gradient as its input.
/// The bias and activation follow in one elementwise pass; the bias gradient sums ∂z by channel.
extension Lowerer {
    func transposedConvolution(_ node: Node) -> TransposedConvolution {
        guard case .conv2dTranspose(let t) = node.op else {
            preconditionFailure("'\(node.name)' is not a transposed convolution")
        }
        return t
    }

    /// The convolution from the output [OH, OW, filters] back to the input [H, W, C].
    func transposedShape(_ node: Node) -> ConvolutionShape {
        let t = transposedConvolution(node)
        let x = graph[node.inputs[0]].shape!.dims
        let a = t.arithmetic(input: Array(x.dropLast()))
        let window = WindowGeometry(
            batch: batch, h: a[0].output, w: a[1].output, c: t.filters, kh: a[0].kernel, kw: a[1].kernel,
            sh: a[0].stride, sw: a[1].stride, dh: a[0].dilation, dw: a[1].dilation, padTop: a[0].padLow,
            padLeft: a[1].padLow, padBottom: a[0].padHigh, padRight: a[1].padHigh, oh: x[0], ow: x[1])
        return ConvolutionShape(window: window, filters: x[2], groups: 1)
    }

    mutating func lowerTransposedConvolution(_ node: Node) {
        let s = transposedShape(node)
        let x = value[node.inputs[0]]!
        let w = parameters.buffers[node.id]!["kernel"]!
        let b = parameters.buffers[node.id]!["bias"]
        let rows = rows(node)
        finishActivation(node) { l, y, f in
            let scratch = l.paddedScratch(node, s)
            guard b != nil || f.kind != .linear else {
                l.emit(
                    .convolutionBackwardData(s),
                    [Operand(y, .write), Operand(x, .read), Operand(w, .read), Operand(scratch, .write)],
                    layer: node.name)
                return
            }
            let z = l.buffer("\(node.name).scattered", l.batched(node), .activation)
            l.emit(
                .convolutionBackwardData(s),
                [Operand(z, .write), Operand(x, .read), Operand(w, .read), Operand(scratch, .write)],
                layer: node.name)
            if let b {
                l.emit(
                    .biasActivation(rows: rows, columns: s.window.c, activation: f),
                    [Operand(y, .write), Operand(z, .read), Operand(b, .read)], layer: node.name)
            } else {
                l.emit(
                    .activation(f, count: rows * s.window.c), [Operand(y, .write), Operand(z, .read)],
                    layer: node.name)
            }
        }
    }

    mutating func transposedConvolutionGradient(_ node: Node) {
        let s = transposedShape(node)
        let dz = linearGradient(node)
        let x = value[node.inputs[0]]!
        if let dw = parameterGradient(node, "kernel") {
            emit(
                .convolutionBackwardWeights(s, bias: false),
                [Operand(dw, .write), Operand(dz, .read), Operand(x, .read), Operand(paddedScratch(node, s), .write)],
                layer: node.name)
        }
        if parameters.buffers[node.id]!["bias"] != nil, let db = parameterGradient(node, "bias") {
            emit(
                .columnSums(rows: rows(node), columns: s.window.c), [Operand(db, .write), Operand(dz, .read)],
                layer: node.name)
        }
        if wantsInputGradient(node) {
            let dx = gradientBuffer(for: node.inputs[0])
            emit(
                .convolution(s, bias: false, activation: .linear),
                [
                    Operand(dx, .write), Operand(dz, .read), Operand(parameters.buffers[node.id]!["kernel"]!, .read),
                    Operand(paddedScratch(node, s), .write),
                ], layer: node.name)
            addGradient(dx, to: node.inputs[0])
        }
        // After dx: the update overwrites W, which dx reads.
        update(node, ["kernel", "bias"])
    }
}
