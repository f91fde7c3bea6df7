import NNCGraph

/// Convolutions (patches read in place, bias and activation in the epilogue) and pooling. Backward
/// of a convolution keeps x and W; max pooling keeps its int32 argmax, not its input.
extension Lowerer {
    /// The window geometry of a conv or pool node.
    func window(_ node: Node) -> WindowGeometry { WindowGeometry(node, in: graph, batch: batch) }

    func convolutionShape(_ node: Node) -> ConvolutionShape {
        let c = convolution(node)
        return ConvolutionShape(window: window(node), filters: c.filters, groups: c.groups)
    }

    /// Scratch for the zero-padded copy of x (or of dx) the kernels read (empty when they
    /// read x itself).
    mutating func paddedScratch(_ node: Node, _ s: ConvolutionShape) -> BufferID {
        let shape = s.paddedInput.map { [batch, $0.h, $0.w, s.window.c] } ?? [0]
        return buffer("\(node.name).padded", shape, .scratch)
    }

    mutating func lowerConvolution(_ node: Node) {
        let s = convolutionShape(node)
        let x = value[node.inputs[0]]!
        let w = parameters.buffers[node.id]!["kernel"]!
        let b = parameters.buffers[node.id]!["bias"]
        let scratch = paddedScratch(node, s)
        if let pool = fusion.pools.pool[node.id].map({ graph[$0] }) {
            var (w, b) = (w, b)
            if let bn = foldedBatchNormConsumer(node) {
                (w, b) = fold(node, weights: w, bias: b, batchNorm: bn, channels: s.filters)
            }
            lowerConvolutionMaxPool(node, pool, s, x: x, w: w, b: b, scratch: scratch)
            return
        }
        if let bn = foldedBatchNormConsumer(node) {
            let (w2, b2) = fold(node, weights: w, bias: b, batchNorm: bn, channels: s.filters)
            finishActivation(node) { l, y, f in
                l.emit(
                    .convolution(s, bias: true, activation: f),
                    [
                        Operand(y, .write), Operand(x, .read), Operand(w2, .read), Operand(b2, .read),
                        Operand(scratch, .write),
                    ],
                    layer: node.name)
            }
            return
        }
        finishActivation(node) { l, y, f in
            l.emit(
                .convolution(s, bias: b != nil, activation: f),
                [Operand(y, .write), Operand(x, .read), Operand(w, .read)] + (b.map { [Operand($0, .read)] } ?? [])
                    + [Operand(scratch, .write)], layer: node.name)
        }
    }

    /// The fused convolution + max pool: the pool's output is the convolution's value.
    mutating func lowerConvolutionMaxPool(
        _ node: Node, _ pool: Node, _ s: ConvolutionShape, x: BufferID, w: BufferID,
        b: BufferID?, scratch: BufferID
    ) {
        let y = output(pool)
        let save = isTraining && wantsInputGradient(pool)
        var operands = [Operand(y, .write)]
        if save {
            let argmax = buffer("\(pool.name).argmax", batched(pool), .saved, type: .int32)
            savedArgmax[pool.id] = argmax
            operands.append(Operand(argmax, .write))
        }
        operands +=
            [Operand(x, .read), Operand(w, .read)] + (b.map { [Operand($0, .read)] } ?? []) + [Operand(scratch, .write)]
        emit(
            .convolutionMaxPool(
                s, bias: b != nil, activation: fusion.activations.plan(node).function, pool: window(pool),
                saveArgmax: save),
            operands, layer: node.name)
        value[node.id] = y
    }

    /// ∂(linear output) of a convolution whose max pool it computes, from ∂(pooled value):
    /// through the activation at the pooled size (its derivative reads the output, and the
    /// pooled value is the output at the argmax), then back through the pool.
    mutating func pooledLinearGradient(_ node: Node, _ pool: Node) -> BufferID {
        let g = window(pool)
        var dy = gradient[node.id]!
        let f = fusion.activations.plan(node).function
        if f.kind != .linear {
            let dp = buffer("∂\(pool.name).linear", batched(pool), .gradient)
            emit(
                .activationBackward(f, count: g.positions * g.c, fromOutput: true),
                [Operand(dp, .write), Operand(dy, .read), Operand(value[node.id]!, .read)], layer: node.name)
            dy = dp
        }
        let dz = buffer("∂\(node.name).linear", batched(node), .gradient)
        emit(
            .maxPoolBackward(g), [Operand(dz, .write), Operand(dy, .read), Operand(savedArgmax[pool.id]!, .read)],
            layer: pool.name)
        return dz
    }

    mutating func convolutionGradient(_ node: Node) {
        let s = convolutionShape(node)
        let dz = fusion.pools.pool[node.id].map { pooledLinearGradient(node, graph[$0]) } ?? linearGradient(node)
        let x = value[node.inputs[0]]!
        let w = parameters.buffers[node.id]!["kernel"]!
        if let dw = parameterGradient(node, "kernel") {
            let db = parameters.buffers[node.id]!["bias"] != nil ? parameterGradient(node, "bias") : nil
            let scratch = paddedScratch(node, s)
            emit(
                .convolutionBackwardWeights(s, bias: db != nil),
                [Operand(dw, .write)] + (db.map { [Operand($0, .write)] } ?? [])
                    + [Operand(x, .read), Operand(dz, .read), Operand(scratch, .write)], layer: node.name)
        }
        if wantsInputGradient(node) {
            let dx = gradientBuffer(for: node.inputs[0])
            let scratch = paddedScratch(node, s)
            emit(
                .convolutionBackwardData(s),
                [Operand(dx, .write), Operand(dz, .read), Operand(w, .read), Operand(scratch, .write)],
                layer: node.name)
            addGradient(dx, to: node.inputs[0])
        }
        // After dx: the update overwrites W, which dx = dz·Wᵀ reads.
        update(node, ["kernel", "bias"])
    }

    /// Average pooling divides by the whole window, padding included (PyTorch's default).
    /// A pooling node's kind: max, or average (counting the padding or not).
    enum Pooling { case max, average(countPadding: Bool) }

    func pooling(_ node: Node) -> Pooling {
        switch node.op {
        case .maxpool1d, .maxpool2d, .globalMaxpool1d, .globalMaxpool2d: return .max
        case .avgpool1d(let pool), .avgpool2d(let pool): return .average(countPadding: pool.countPadding)
        case .input, .dense, .conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .globalAvgpool,
            .flatten, .reshape,
            .dropout,
            .batchnorm,
            .layernorm, .activation, .softmax, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract,
            .multiply, .average, .maximum,
            .concat, .multiHeadAttention, .positionEmbedding, .sinusoidalPositionEmbedding, .zeroPadding2d, .cropping2d,
            .upsampling2d, .alphaDropout, .prelu, .groupnorm, .l2pool2d, .treeLSTM:
            preconditionFailure("'\(node.name)' is not a pooling layer")
        }
    }

    /// The convolution a node computes; a depthwise convolution's is the grouped convolution
    /// with one group per input channel (its kernel is that convolution's, in memory).
    func convolution(_ node: Node) -> Convolution {
        if case .conv1d(let c) = node.op { return c }
        if case .conv2d(let c) = node.op { return c }
        if case .depthwiseConv2d(let d) = node.op { return d.grouped(channels: graph[node.inputs[0]].shape!.channels) }
        preconditionFailure("'\(node.name)' is not a convolution")
    }

    mutating func lowerPool(_ node: Node) {
        let g = window(node)
        let x = value[node.inputs[0]]!
        let y = output(node)
        value[node.id] = y
        switch pooling(node) {
        case .max:
            if isTraining && wantsInputGradient(node) {
                let argmax = buffer("\(node.name).argmax", batched(node), .saved, type: .int32)
                emit(
                    .maxPool(g, saveArgmax: true), [Operand(y, .write), Operand(argmax, .write), Operand(x, .read)],
                    layer: node.name)
                savedArgmax[node.id] = argmax
            } else {
                emit(.maxPool(g, saveArgmax: false), [Operand(y, .write), Operand(x, .read)], layer: node.name)
            }
        case .average(let countPadding):
            emit(
                .averagePool(g, countPadding: countPadding), [Operand(y, .write), Operand(x, .read)], layer: node.name)
        }
    }

    mutating func poolGradient(_ node: Node) {
        guard wantsInputGradient(node) else { return }
        let g = window(node)
        let dy = gradient[node.id]!
        let dx = gradientBuffer(for: node.inputs[0])
        switch pooling(node) {
        case .max:
            emit(
                .maxPoolBackward(g), [Operand(dx, .write), Operand(dy, .read), Operand(savedArgmax[node.id]!, .read)],
                layer: node.name)
        case .average(let countPadding):
            emit(
                .averagePoolBackward(g, countPadding: countPadding), [Operand(dx, .write), Operand(dy, .read)],
                layer: node.name)
        }
        addGradient(dx, to: node.inputs[0])
    }

    /// [B, …, C] → [B, C]: positions are every axis but the channels.
    func globalShape(_ node: Node) -> (batch: Int, positions: Int, channels: Int) {
        let x = graph[node.inputs[0]].shape!.dims
        return (batch, x.dropLast().reduce(1, *), x.last!)
    }

    mutating func lowerGlobalAveragePool(_ node: Node) {
        let s = globalShape(node)
        let y = output(node)
        emit(
            .globalAveragePool(batch: s.batch, positions: s.positions, channels: s.channels),
            [Operand(y, .write), Operand(value[node.inputs[0]]!, .read)], layer: node.name)
        value[node.id] = y
    }

    mutating func lowerL2Pool(_ node: Node) {
        let y = output(node)
        emit(.l2Pool(window(node)), [Operand(y, .write), Operand(value[node.inputs[0]]!, .read)], layer: node.name)
        value[node.id] = y
    }

    mutating func l2PoolGradient(_ node: Node) {
        guard wantsInputGradient(node) else { return }
        let dx = gradientBuffer(for: node.inputs[0])
        emit(
            .l2PoolBackward(window(node)),
            [
                Operand(dx, .write), Operand(gradient[node.id]!, .read), Operand(value[node.inputs[0]]!, .read),
                Operand(value[node.id]!, .read),
            ], layer: node.name)
        addGradient(dx, to: node.inputs[0])
    }

    mutating func globalAveragePoolGradient(_ node: Node) {
        guard wantsInputGradient(node) else { return }
        let s = globalShape(node)
        let dx = gradientBuffer(for: node.inputs[0])
        emit(
            .globalAveragePoolBackward(batch: s.batch, positions: s.positions, channels: s.channels),
            [Operand(dx, .write), Operand(gradient[node.id]!, .read)], layer: node.name)
        addGradient(dx, to: node.inputs[0])
    }
}

extension WindowGeometry {
    /// The window geometry of a conv or pool node from the checker's arithmetic; a global
    /// max pool's one window is its whole input (stride = window, so the kernel's tiling path).
    init(_ node: Node, in graph: Graph, batch: Int) {
        let x = graph[node.inputs[0]].shape!.dims
        let a = node.arithmetic
        if a.isEmpty {
            let (h, w) = x.count == 3 ? (x[0], x[1]) : (1, x[0])
            self.init(
                batch: batch, h: h, w: w, c: x.last!, kh: h, kw: w, sh: h, sw: w, dh: 1, dw: 1, padTop: 0, padLeft: 0,
                padBottom: 0, padRight: 0, oh: 1, ow: 1)
            return
        }
        if a.count == 1 {
            self.init(
                batch: batch, h: 1, w: x[0], c: x[1], kh: 1, kw: a[0].kernel, sh: 1, sw: a[0].stride,
                dh: 1, dw: a[0].dilation, padTop: 0, padLeft: a[0].padLow, padBottom: 0, padRight: a[0].padHigh,
                oh: 1, ow: a[0].output)
            return
        }
        self.init(
            batch: batch, h: x[0], w: x[1], c: x[2], kh: a[0].kernel, kw: a[1].kernel, sh: a[0].stride,
            sw: a[1].stride, dh: a[0].dilation, dw: a[1].dilation, padTop: a[0].padLow, padLeft: a[1].padLow,
            padBottom: a[0].padHigh, padRight: a[1].padHigh, oh: a[0].output, ow: a[1].output)
    }
}
