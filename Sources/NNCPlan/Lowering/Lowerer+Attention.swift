import NNCGraph

/// Multi-head attention (Keras's MultiHeadAttention). Forward: the query, key and value
/// projections are dense GEMMs (Keras's kernels [features, heads, size] are row-major
/// [features, heads·size]); per head the scores S = Q·Kᵀ/√key_dim, the masks, a row softmax
/// P, dropout on P while training, the weighted values C = P·V, and the output projection.
/// Backward runs each step's gradient in reverse: dC = dY·W_oᵀ, dP = dC·Vᵀ, dV = Pᵀ·dC,
/// dS = softmax′(dP), dQ = dS·K/√d, dK = dSᵀ·Q/√d, then the projections' dense gradients.
extension Lowerer {
    /// The values an attention layer's gradient reads.
    struct AttentionValues {
        var q, k, v, probabilities, weights, context: BufferID
    }

    /// The layer's attributes and sizes: steps of the queries and keys, the output's size.
    struct AttentionSizes {
        var m: MultiHeadAttention
        var queries, keys, output: Int
        /// Input index of the query, value and key, with each one's features.
        var inputs: [(role: String, index: Int, features: Int, size: Int)]
        var scale: Double { 1 / Double(m.keyDim).squareRoot() }
    }

    func attentionSizes(_ node: Node) -> AttentionSizes {
        guard case .multiHeadAttention(let m) = node.op else {
            preconditionFailure("'\(node.name)' is not an attention layer")
        }
        let n = node.inputs.count
        let (q, v, k) = (0, min(1, n - 1), n > 2 ? 2 : min(1, n - 1))
        func features(_ i: Int) -> Int { graph[node.inputs[i]].shape!.channels }
        return AttentionSizes(
            m: m, queries: graph[node.inputs[q]].shape!.dims[0], keys: graph[node.inputs[v]].shape!.dims[0],
            output: node.shape!.channels,
            inputs: [
                ("query", q, features(q), m.keyDim), ("key", k, features(k), m.keyDim),
                ("value", v, features(v), m.valueDim),
            ])
    }

    mutating func lowerAttention(_ node: Node) {
        let s = attentionSizes(node)
        let (h, tq, tk) = (s.m.heads, s.queries, s.keys)
        let p = parameters.buffers[node.id]!
        var projected: [BufferID] = []
        for input in s.inputs {
            let steps = input.role == "query" ? tq : tk
            let y = buffer("\(node.name).\(input.role)", [batch, steps, h * input.size], .activation)
            let b = p["\(input.role)_bias"]
            emit(
                .dense(
                    rows: batch * steps, inputs: input.features, units: h * input.size, bias: b != nil,
                    activation: ActivationFunction(.linear), packed: false),
                [
                    Operand(y, .write), Operand(value[node.inputs[input.index]]!, .read),
                    Operand(p["\(input.role)_kernel"]!, .read),
                ] + (b.map { [Operand($0, .read)] } ?? []),
                layer: node.name)
            projected.append(y)
        }
        let (q, k, v) = (projected[0], projected[1], projected[2])
        let scores = buffer("\(node.name).scores", [batch, h, tq, tk], .activation)
        emit(
            .headProduct(
                HeadProduct(
                    batch: batch, heads: h, m: tq, n: tk, k: s.m.keyDim,
                    a: .sequence(steps: tq, heads: h, size: s.m.keyDim),
                    b: .sequence(steps: tk, heads: h, size: s.m.keyDim), transposeB: true,
                    c: .blocks(heads: h, rows: tq, columns: tk), scale: s.scale)),
            [Operand(scores, .write), Operand(q, .read), Operand(k, .read)], layer: node.name)
        let queryMask = sequenceMask(node.inputs[s.inputs[0].index])
        let keyMask = sequenceMask(node.inputs[s.inputs[2].index])
        let mask = AttentionMask(
            batch: batch, heads: h, queries: tq, keys: tk, causal: s.m.causal, queryMask: queryMask != nil,
            keyMask: keyMask != nil)
        let maskOperands = [queryMask, keyMask].compactMap { $0.map { Operand($0, .read) } }
        if s.m.causal || !maskOperands.isEmpty {
            emit(
                .attentionMask(mask, fill: AttentionMask.maskedScore), [Operand(scores, .readWrite)] + maskOperands,
                layer: node.name)
        }
        let probabilities = buffer("\(node.name).attention", [batch, h, tq, tk], .activation)
        emit(
            .softmax(rows: batch * h * tq, columns: tk), [Operand(probabilities, .write), Operand(scores, .read)],
            layer: node.name)
        // Keras zeroes masked weights after the softmax: a query with every key masked (a
        // padding query) attends to nothing. (A causal mask alone leaves each query a key,
        // and masked weights are exactly 0 already.)
        if !maskOperands.isEmpty {
            emit(
                .attentionMask(mask, fill: 0), [Operand(probabilities, .readWrite)] + maskOperands, layer: node.name)
            attentionMasks[node.id] = (mask, maskOperands)
        }
        var weights = probabilities
        if isTraining && s.m.dropout > 0 {
            dropoutCount += 1
            dropoutSalt[node.id] = dropoutCount
            weights = buffer("\(node.name).attention (dropout)", [batch, h, tq, tk], .activation)
            emit(
                .dropout(rate: s.m.dropout, count: batch * h * tq * tk, salt: dropoutCount),
                [Operand(weights, .write), Operand(probabilities, .read)], layer: node.name)
        }
        let context = buffer("\(node.name).context", [batch, tq, h * s.m.valueDim], .activation)
        emit(
            .headProduct(
                HeadProduct(
                    batch: batch, heads: h, m: tq, n: s.m.valueDim, k: tk,
                    a: .blocks(heads: h, rows: tq, columns: tk),
                    b: .sequence(steps: tk, heads: h, size: s.m.valueDim),
                    c: .sequence(steps: tq, heads: h, size: s.m.valueDim))),
            [Operand(context, .write), Operand(weights, .read), Operand(v, .read)], layer: node.name)
        let y = output(node)
        let b = p["output_bias"]
        emit(
            .dense(
                rows: batch * tq, inputs: h * s.m.valueDim, units: s.output, bias: b != nil,
                activation: ActivationFunction(.linear), packed: false),
            [Operand(y, .write), Operand(context, .read), Operand(p["output_kernel"]!, .read)]
                + (b.map { [Operand($0, .read)] } ?? []), layer: node.name)
        value[node.id] = y
        attentionValues[node.id] = AttentionValues(
            q: q, k: k, v: v, probabilities: probabilities, weights: weights, context: context)
    }

    mutating func attentionGradient(_ node: Node) {
        guard node.trainableParams > 0 || node.inputs.indices.contains(where: { wantsInputGradient(node, $0) })
        else { return }
        let s = attentionSizes(node)
        let a = attentionValues[node.id]!
        let (h, tq, tk, kd, vd) = (s.m.heads, s.queries, s.keys, s.m.keyDim, s.m.valueDim)
        let dy = gradient[node.id]!
        let p = parameters.buffers[node.id]!
        projectionGradient(
            node, "output", x: a.context, dz: dy, rows: batch * tq, inputs: h * vd, units: s.output, input: nil)
        let dContext = buffer("∂\(node.name).context", [batch, tq, h * vd], .gradient)
        emit(
            .denseBackwardData(rows: batch * tq, inputs: h * vd, units: s.output),
            [Operand(dContext, .write), Operand(dy, .read), Operand(p["output_kernel"]!, .read)], layer: node.name)
        update(node, ["output_kernel", "output_bias"])
        let blocks = HeadMatrix.blocks(heads: h, rows: tq, columns: tk)
        let dWeights = buffer("∂\(node.name).attention", [batch, h, tq, tk], .gradient)
        emit(
            .headProduct(
                HeadProduct(
                    batch: batch, heads: h, m: tq, n: tk, k: vd, a: .sequence(steps: tq, heads: h, size: vd),
                    b: .sequence(steps: tk, heads: h, size: vd), transposeB: true, c: blocks)),
            [Operand(dWeights, .write), Operand(dContext, .read), Operand(a.v, .read)], layer: node.name)
        let dV = buffer("∂\(node.name).value", [batch, tk, h * vd], .gradient)
        emit(
            .headProduct(
                HeadProduct(
                    batch: batch, heads: h, m: tk, n: vd, k: tq, a: blocks, transposeA: true,
                    b: .sequence(steps: tq, heads: h, size: vd), c: .sequence(steps: tk, heads: h, size: vd))),
            [Operand(dV, .write), Operand(a.weights, .read), Operand(dContext, .read)], layer: node.name)
        var dProbabilities = dWeights
        if let salt = dropoutSalt[node.id] {
            dProbabilities = buffer("∂\(node.name).attention (before dropout)", [batch, h, tq, tk], .gradient)
            emit(
                .dropoutBackward(rate: s.m.dropout, count: batch * h * tq * tk, salt: salt),
                [Operand(dProbabilities, .write), Operand(dWeights, .read)], layer: node.name)
        }
        if let (mask, maskOperands) = attentionMasks[node.id] {
            emit(.attentionMask(mask, fill: 0), [Operand(dProbabilities, .readWrite)] + maskOperands, layer: node.name)
        }
        let dScores = buffer("∂\(node.name).scores", [batch, h, tq, tk], .gradient)
        emit(
            .softmaxBackward(rows: batch * h * tq, columns: tk),
            [Operand(dScores, .write), Operand(dProbabilities, .read), Operand(a.probabilities, .read)],
            layer: node.name)
        let dQ = buffer("∂\(node.name).query", [batch, tq, h * kd], .gradient)
        emit(
            .headProduct(
                HeadProduct(
                    batch: batch, heads: h, m: tq, n: kd, k: tk, a: blocks,
                    b: .sequence(steps: tk, heads: h, size: kd), c: .sequence(steps: tq, heads: h, size: kd),
                    scale: s.scale)),
            [Operand(dQ, .write), Operand(dScores, .read), Operand(a.k, .read)], layer: node.name)
        let dK = buffer("∂\(node.name).key", [batch, tk, h * kd], .gradient)
        emit(
            .headProduct(
                HeadProduct(
                    batch: batch, heads: h, m: tk, n: kd, k: tq, a: blocks, transposeA: true,
                    b: .sequence(steps: tq, heads: h, size: kd), c: .sequence(steps: tk, heads: h, size: kd),
                    scale: s.scale)),
            [Operand(dK, .write), Operand(dScores, .read), Operand(a.q, .read)], layer: node.name)
        for (input, dz) in zip(s.inputs, [dQ, dK, dV]) {
            let steps = input.role == "query" ? tq : tk
            let x = value[node.inputs[input.index]]!
            projectionGradient(
                node, input.role, x: x, dz: dz, rows: batch * steps, inputs: input.features,
                units: h * input.size, input: input.index)
            update(node, ["\(input.role)_kernel", "\(input.role)_bias"])
        }
    }

    /// One projection's dense gradients: dW = xᵀ·dz, db = Σ dz, and (for an input that wants
    /// it) dx = dz·Wᵀ added to the input's gradient.
    private mutating func projectionGradient(
        _ node: Node, _ role: String, x: BufferID, dz: BufferID, rows: Int, inputs: Int, units: Int, input: Int?
    ) {
        let p = parameters.buffers[node.id]!
        if let dw = parameterGradient(node, "\(role)_kernel") {
            let db = p["\(role)_bias"] != nil ? parameterGradient(node, "\(role)_bias") : nil
            emit(
                .denseBackwardWeights(rows: rows, inputs: inputs, units: units, bias: db != nil),
                [Operand(dw, .write)] + (db.map { [Operand($0, .write)] } ?? []) + [
                    Operand(x, .read), Operand(dz, .read),
                ], layer: node.name)
        }
        if let input, wantsInputGradient(node, input) {
            let dx = gradientBuffer(for: node.inputs[input])
            emit(
                .denseBackwardData(rows: rows, inputs: inputs, units: units),
                [Operand(dx, .write), Operand(dz, .read), Operand(p["\(role)_kernel"]!, .read)], layer: node.name)
            addGradient(dx, to: node.inputs[input])
        }
    }

    // MARK: Position embeddings: y = x + one vector per step; ∂x = ∂y, ∂table = Σ over the batch.

    func positionShape(_ node: Node) -> PositionShape {
        let x = graph[node.inputs[0]].shape!
        if case .positionEmbedding(let p) = node.op {
            return PositionShape(
                batch: batch, steps: x.dims[0], features: x.channels, rows: p.sequenceLength, maxWavelength: nil)
        }
        if case .sinusoidalPositionEmbedding(let s) = node.op {
            return PositionShape(
                batch: batch, steps: x.dims[0], features: x.channels, rows: 0, maxWavelength: s.maxWavelength)
        }
        preconditionFailure("'\(node.name)' is not a position embedding")
    }

    mutating func lowerPositions(_ node: Node) {
        let y = output(node)
        let table = parameters.buffers[node.id]?["embeddings"]
        emit(
            .addPositions(positionShape(node)),
            [Operand(y, .write), Operand(value[node.inputs[0]]!, .read)] + (table.map { [Operand($0, .read)] } ?? []),
            layer: node.name)
        value[node.id] = y
    }

    mutating func positionsGradient(_ node: Node) {
        let dy = gradient[node.id]!
        if parameters.buffers[node.id]?["embeddings"] != nil, let dTable = parameterGradient(node, "embeddings") {
            emit(
                .addPositionsBackward(positionShape(node)), [Operand(dTable, .write), Operand(dy, .read)],
                layer: node.name)
            update(node, ["embeddings"])
        }
        if wantsInputGradient(node) { addGradient(dy, to: node.inputs[0]) }
    }
}
