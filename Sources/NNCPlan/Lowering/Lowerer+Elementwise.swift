import NNCGraph

/// Views (flatten, reshape), dropout, activation and softmax layers, add, concat and
/// embedding. Views cost nothing: they share their input's bytes.
extension Lowerer {
    func elements(_ node: Node) -> Int { batch * node.shape!.elementCount }

    mutating func lowerView(_ node: Node) {
        let x = value[node.inputs[0]]!
        let root = builder[x].viewOf ?? x
        value[node.id] = buffer(
            node.name, batched(node), builder[x].role, type: builder[x].type,
            viewOf: options.optimize ? root : nil)
        if !options.optimize {
            // Unoptimized plans copy, to measure what views save.
            emit(
                .activation(.linear, count: elements(node)), [Operand(value[node.id]!, .write), Operand(x, .read)],
                layer: node.name)
        }
    }

    mutating func viewGradient(_ node: Node) {
        guard wantsInputGradient(node) else { return }
        let dy = gradient[node.id]!
        let input = graph[node.inputs[0]]
        let root = builder[dy].viewOf ?? dy
        let dx = buffer("∂\(input.name)", batched(input), .gradient, viewOf: options.optimize ? root : nil)
        if !options.optimize {
            emit(
                .activation(.linear, count: elements(node)), [Operand(dx, .write), Operand(dy, .read)], layer: node.name
            )
        }
        addGradient(dx, to: input.id)
    }

    func dropoutRate(_ node: Node) -> Double {
        guard case .dropout(let d) = node.op else { preconditionFailure("'\(node.name)' is not a dropout layer") }
        return d.rate
    }

    /// A layer that multiplies by a seeded mask in training (dropout, alpha_dropout) and is the
    /// identity at inference: each gets a salt of its own, so its masks differ from every other
    /// layer's, and its gradient rule draws the same mask again from that salt.
    mutating func lowerMasked(_ node: Node, _ kernel: (_ salt: UInt64) -> Kernel) {
        let x = value[node.inputs[0]]!
        guard isTraining else {
            value[node.id] = x
            return
        }
        dropoutCount += 1
        dropoutSalt[node.id] = dropoutCount
        let y = output(node)
        emit(kernel(dropoutCount), [Operand(y, .write), Operand(x, .read)], layer: node.name)
        value[node.id] = y
    }

    mutating func maskedGradient(_ node: Node, _ kernel: (_ salt: UInt64) -> Kernel) {
        guard wantsInputGradient(node) else { return }
        let dx = gradientBuffer(for: node.inputs[0])
        emit(
            kernel(dropoutSalt[node.id]!), [Operand(dx, .write), Operand(gradient[node.id]!, .read)],
            layer: node.name)
        addGradient(dx, to: node.inputs[0])
    }

    mutating func lowerDropout(_ node: Node) {
        let (rate, count) = (dropoutRate(node), elements(node))
        lowerMasked(node) { .dropout(rate: rate, count: count, salt: $0) }
    }

    mutating func dropoutGradient(_ node: Node) {
        let (rate, count) = (dropoutRate(node), elements(node))
        maskedGradient(node) { .dropoutBackward(rate: rate, count: count, salt: $0) }
    }

    func alphaDropoutRate(_ node: Node) -> Double {
        guard case .alphaDropout(let d) = node.op else { preconditionFailure("'\(node.name)' is not alpha_dropout") }
        return d.rate
    }

    /// alpha_dropout: the dropout mask (salted like dropout's), dropped units at α′, then a·x + b.
    mutating func lowerAlphaDropout(_ node: Node) {
        let (rate, count) = (alphaDropoutRate(node), elements(node))
        lowerMasked(node) { .alphaDropout(rate: rate, count: count, salt: $0) }
    }

    mutating func alphaDropoutGradient(_ node: Node) {
        let (rate, count) = (alphaDropoutRate(node), elements(node))
        maskedGradient(node) { .alphaDropoutBackward(rate: rate, count: count, salt: $0) }
    }

    func preluShape(_ node: Node) -> BroadcastShape {
        guard case .prelu(let p) = node.op else { preconditionFailure("'\(node.name)' is not prelu") }
        let x = graph[node.inputs[0]].shape!.dims
        return BroadcastShape(batch: batch, full: x, kept: p.alphaShape(x))
    }

    mutating func lowerPReLU(_ node: Node) {
        let y = output(node)
        emit(
            .prelu(preluShape(node)),
            [
                Operand(y, .write), Operand(value[node.inputs[0]]!, .read),
                Operand(parameters.buffers[node.id]!["alpha"]!, .read),
            ],
            layer: node.name)
        value[node.id] = y
    }

    mutating func preluGradient(_ node: Node) {
        let dAlpha = parameterGradient(node, "alpha")
        let dx = wantsInputGradient(node) ? gradientBuffer(for: node.inputs[0]) : nil
        if dx != nil || dAlpha != nil {
            emit(
                .preluBackward(preluShape(node), inputGradient: dx != nil, alphaGradient: dAlpha != nil),
                (dx.map { [Operand($0, .write)] } ?? []) + (dAlpha.map { [Operand($0, .write)] } ?? [])
                    + [
                        Operand(gradient[node.id]!, .read), Operand(value[node.inputs[0]]!, .read),
                        Operand(parameters.buffers[node.id]!["alpha"]!, .read),
                    ], layer: node.name)
        }
        if let dx { addGradient(dx, to: node.inputs[0]) }
        update(node, ["alpha"])
    }

    /// `activation` and `softmax` layers (unless fused into their producer or taken by the loss).
    mutating func lowerActivationLayer(_ node: Node) {
        let x = value[node.inputs[0]]!
        if fusion.lossTakesActivation(of: node.id) {
            value[node.id] = x
            return
        }
        let y = output(node)
        value[node.id] = y
        if node.hasLearnedBeta {
            emitLearnedSwish(node, y: y, x: x, count: elements(node))
        } else if let f = layerActivation(node) {
            emit(.activation(f, count: elements(node)), [Operand(y, .write), Operand(x, .read)], layer: node.name)
        } else {
            emit(
                .softmax(rows: rows(node), columns: node.shape!.channels), [Operand(y, .write), Operand(x, .read)],
                layer: node.name)
        }
    }

    /// The elementwise function of an activation layer; nil for softmax.
    func layerActivation(_ node: Node) -> ActivationFunction? {
        node.op.activation?.function
    }

    mutating func activationLayerGradient(_ node: Node) {
        if node.hasLearnedBeta {
            let dx = wantsInputGradient(node) ? gradientBuffer(for: node.inputs[0]) : nil
            emitLearnedSwishGradient(
                node, dx: dx, dy: gradient[node.id]!, x: value[node.inputs[0]]!, count: elements(node))
            if let dx { addGradient(dx, to: node.inputs[0]) }
            return
        }
        guard wantsInputGradient(node) else { return }
        let dy = gradient[node.id]!
        if fusion.lossTakesActivation(of: node.id) {
            addGradient(dy, to: node.inputs[0])
            return
        }
        let dx = gradientBuffer(for: node.inputs[0])
        if let f = layerActivation(node) {
            let fromOutput = f.kind.backwardNeedsOnlyOutput
            emit(
                .activationBackward(f, count: elements(node), fromOutput: fromOutput),
                [
                    Operand(dx, .write), Operand(dy, .read),
                    Operand(fromOutput ? value[node.id]! : value[node.inputs[0]]!, .read),
                ],
                layer: node.name)
        } else {
            emit(
                .softmaxBackward(rows: rows(node), columns: node.shape!.channels),
                [Operand(dx, .write), Operand(dy, .read), Operand(value[node.id]!, .read)], layer: node.name)
        }
        addGradient(dx, to: node.inputs[0])
    }

    mutating func lowerAdd(_ node: Node) {
        let y = output(node)
        let operands = broadcastOperands(node)
        emit(
            .add(count: elements(node), inputs: node.inputs.count),
            [Operand(y, .write)] + operands.map { Operand($0, .read) }, layer: node.name)
        value[node.id] = y
    }

    /// The gradient of a sum reaches every input unchanged: each shares ∂y (summed over the
    /// repeats of a broadcast input).
    mutating func addGradient(_ node: Node) {
        let dy = gradient[node.id]!
        for i in node.inputs.indices where wantsInputGradient(node, i) { mergeInputGradient(node, i, dy) }
    }

    /// Concatenation along any axis is joining rows: outer = batch × the dimensions before
    /// the axis, each input contributing its axis extent × the dimensions after it.
    func concatLayout(_ node: Node) -> (outer: Int, widths: [Int]) {
        let rank = node.shape!.rank
        guard case .concat(let concat) = node.op else {
            preconditionFailure("'\(node.name)' is not a concat layer")
        }
        var axis = concat.axis
        if axis < 0 { axis += rank }
        let outer = batch * node.shape!.dims[..<axis].reduce(1, *)
        let widths = node.inputs.map { graph[$0].shape!.dims[axis...].reduce(1, *) }
        return (outer, widths)
    }

    mutating func lowerConcat(_ node: Node) {
        let (outer, widths) = concatLayout(node)
        let y = output(node)
        emit(
            .concat(outer: outer, widths: widths),
            [Operand(y, .write)] + node.inputs.map { Operand(value[$0]!, .read) },
            layer: node.name)
        value[node.id] = y
    }

    mutating func concatGradient(_ node: Node) {
        let (outer, widths) = concatLayout(node)
        for (i, input) in node.inputs.enumerated() where wantsInputGradient(node, i) {
            let dx = gradientBuffer(for: input)
            emit(
                .concatBackward(outer: outer, widths: widths, index: i),
                [Operand(dx, .write), Operand(gradient[node.id]!, .read)],
                layer: node.name)
            addGradient(dx, to: input)
        }
    }

    func embeddingShape(_ node: Node) -> (rows: Int, vocabulary: Int, dimension: Int, padding: Int?) {
        guard case .embedding(let e) = node.op else { preconditionFailure("'\(node.name)' is not an embedding") }
        return (batch * graph[node.inputs[0]].shape!.elementCount, e.inputDim, e.outputDim, e.paddingIndex)
    }

    mutating func lowerEmbedding(_ node: Node) {
        let s = embeddingShape(node)
        let y = output(node)
        emit(
            .embedding(rows: s.rows, vocabulary: s.vocabulary, dimension: s.dimension, paddingIndex: s.padding),
            [
                Operand(y, .write), Operand(value[node.inputs[0]]!, .read),
                Operand(parameters.buffers[node.id]!["embeddings"]!, .read),
            ],
            layer: node.name)
        value[node.id] = y
    }

    mutating func embeddingGradient(_ node: Node) {
        guard let dTable = parameterGradient(node, "embeddings") else { return }
        let s = embeddingShape(node)
        emit(
            .embeddingBackward(rows: s.rows, vocabulary: s.vocabulary, dimension: s.dimension, paddingIndex: s.padding),
            [Operand(dTable, .write), Operand(value[node.inputs[0]]!, .read), Operand(gradient[node.id]!, .read)],
            layer: node.name)
        update(node, ["embeddings"])
    }
}
