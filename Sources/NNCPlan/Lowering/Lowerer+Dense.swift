import NNCGraph

/// Dense layers: forward y = f(x·W + b) with bias and activation as the GEMM epilogue;
/// backward dW = xᵀ·dz, db = Σ dz, dx = dz·Wᵀ with dz = dy·f′ (read from y). Backward
/// keeps x and W alive, not y's pre-activation.
extension Lowerer {
    /// Rows of a layer acting on the last axis: batch × every other per-sample dimension.
    func rows(_ node: Node) -> Int { batch * node.shape!.dims.dropLast().reduce(1, *) }

    /// Emits `linear` into the node's value, applying the activation plan: in the epilogue,
    /// or as its own instruction on a kept pre-activation, or a softmax over rows.
    mutating func finishActivation(_ node: Node, emitLinear: (inout Lowerer, BufferID, ActivationFunction) -> Void) {
        let plan = fusion.activations.plan(node)
        if plan.softmax {
            let logits = buffer("\(node.name).logits", batched(node), .activation)
            emitLinear(&self, logits, .linear)
            let y = output(node)
            emit(
                .softmax(rows: rows(node), columns: node.shape!.channels),
                [Operand(y, .write), Operand(logits, .read)], layer: node.name)
            value[node.id] = y
            preActivation[node.id] = logits
        } else if plan.separate {
            let z = buffer("\(node.name).preactivation", batched(node), .activation)
            emitLinear(&self, z, .linear)
            let y = output(node)
            if node.hasLearnedBeta {
                emitLearnedSwish(node, y: y, x: z, count: rows(node) * node.shape!.channels)
            } else {
                emit(
                    .activation(plan.function, count: rows(node) * node.shape!.channels),
                    [Operand(y, .write), Operand(z, .read)], layer: node.name)
            }
            value[node.id] = y
            preActivation[node.id] = z
        } else {
            let y = output(node)
            emitLinear(&self, y, plan.function)
            value[node.id] = y
        }
    }

    /// ∂(linear output) from ∂value: undoes the activation plan's function.
    mutating func linearGradient(_ node: Node) -> BufferID {
        let dy = gradient[node.id]!
        let plan = fusion.activations.plan(node)
        let count = rows(node) * node.shape!.channels
        let dz = buffer("∂\(node.name).linear", batched(node), .gradient)
        if plan.softmax {
            emit(
                .softmaxBackward(rows: rows(node), columns: node.shape!.channels),
                [Operand(dz, .write), Operand(dy, .read), Operand(value[node.id]!, .read)], layer: node.name)
        } else if plan.function.kind == .linear {
            return dy
        } else if node.hasLearnedBeta {
            emitLearnedSwishGradient(node, dx: dz, dy: dy, x: preActivation[node.id]!, count: count)
        } else if plan.separate && !plan.function.kind.backwardNeedsOnlyOutput {
            emit(
                .activationBackward(plan.function, count: count, fromOutput: false),
                [Operand(dz, .write), Operand(dy, .read), Operand(preActivation[node.id]!, .read)], layer: node.name)
        } else {
            emit(
                .activationBackward(plan.function, count: count, fromOutput: true),
                [Operand(dz, .write), Operand(dy, .read), Operand(value[node.id]!, .read)], layer: node.name)
        }
        return dz
    }

    mutating func lowerDense(_ node: Node) {
        let x = value[node.inputs[0]]!
        var w = parameters.buffers[node.id]!["kernel"]!
        var b = parameters.buffers[node.id]!["bias"]
        let inputs = graph[node.inputs[0]].shape!.channels
        let units = node.shape!.channels
        let rows = rows(node)
        if let bn = foldedBatchNormConsumer(node) {
            (w, b) = fold(node, weights: w, bias: b, batchNorm: bn, channels: units)
        }
        // Inference weights never change during a run: pack them into GEMM panels once.
        // Measured on 784-500-500-10 at batch 16, one thread: 37k → 54k samples/s. Batch 1
        // too: a one-row product streams the panels (see nnc_sgemm_prepacked), and split among
        // threads each core keeps its own share in its L2 (784-500-500-10 at two threads:
        // 16.5k–22.6k → 47.5k–57.9k samples/s, alternating processes).
        let packed = !isTraining && options.optimize ? packWeights(node, w, inputs: inputs, units: units) : nil
        finishActivation(node) { l, y, f in
            l.emit(
                .dense(rows: rows, inputs: inputs, units: units, bias: b != nil, activation: f, packed: packed != nil),
                [Operand(y, .write), Operand(x, .read), Operand(w, .read)] + (b.map { [Operand($0, .read)] } ?? [])
                    + (packed.map { [Operand($0, .read)] } ?? []), layer: node.name)
        }
    }

    /// A persistent copy of W in GEMM panels, filled by a `prepare` instruction.
    mutating func packWeights(_ node: Node, _ w: BufferID, inputs: Int, units: Int, label: String? = nil) -> BufferID {
        let packed = buffer(
            "\(label ?? "\(node.name).kernel") (packed)", [PackedWeights.floats(inputs: inputs, units: units)], .folded)
        let saved = phase
        phase = .prepare
        emit(
            .packWeights(inputs: inputs, units: units), [Operand(packed, .write), Operand(w, .read)], layer: node.name)
        phase = saved
        return packed
    }

    mutating func denseGradient(_ node: Node) {
        let dz = linearGradient(node)
        let x = value[node.inputs[0]]!
        let w = parameters.buffers[node.id]!["kernel"]!
        let inputs = graph[node.inputs[0]].shape!.channels
        let units = node.shape!.channels
        let rows = rows(node)
        if let dw = parameterGradient(node, "kernel") {
            let db = parameters.buffers[node.id]!["bias"] != nil ? parameterGradient(node, "bias") : nil
            emit(
                .denseBackwardWeights(rows: rows, inputs: inputs, units: units, bias: db != nil),
                [Operand(dw, .write)] + (db.map { [Operand($0, .write)] } ?? []) + [
                    Operand(x, .read), Operand(dz, .read),
                ], layer: node.name)
        }
        if wantsInputGradient(node) {
            let dx = gradientBuffer(for: node.inputs[0])
            emit(
                .denseBackwardData(rows: rows, inputs: inputs, units: units),
                [Operand(dx, .write), Operand(dz, .read), Operand(w, .read)], layer: node.name)
            addGradient(dx, to: node.inputs[0])
        }
        // After dx: the update overwrites W, which dx = dz·Wᵀ reads.
        update(node, ["kernel", "bias"])
    }

    /// The batchnorm folded into this dense or convolution, if any.
    func foldedBatchNormConsumer(_ node: Node) -> Node? {
        fusion.batchNorms.folded[node.id].map { graph[$0] }
    }

    /// Emits (in `prepare`) the folded weights W′ = W·s and bias b′ = (b − μ)·s + β,
    /// s = γ/√(σ² + ε), per output channel; returns the persistent W′ and b′.
    mutating func fold(_ node: Node, weights w: BufferID, bias b: BufferID?, batchNorm bn: Node, channels: Int) -> (
        BufferID, BufferID
    ) {
        let epsilon = batchNorm(bn).epsilon
        let params = parameters.buffers[bn.id]!
        let gamma = params["gamma"]
        let beta = params["beta"]
        let w2 = buffer("\(node.name).kernel⊙\(bn.name)", builder[w].shape, .folded)
        let b2 = buffer("\(node.name).bias⊙\(bn.name)", [channels], .folded)
        var operands = [Operand(w2, .write), Operand(b2, .write), Operand(w, .read)]
        if let b { operands.append(Operand(b, .read)) }
        operands += [Operand(params["moving_mean"]!, .read), Operand(params["moving_variance"]!, .read)]
        if let gamma { operands.append(Operand(gamma, .read)) }
        if let beta { operands.append(Operand(beta, .read)) }
        let saved = phase
        phase = .prepare
        emit(
            .foldBatchNorm(
                weights: builder[w].elements, channels: channels, epsilon: epsilon,
                bias: b != nil, scale: gamma != nil, center: beta != nil), operands, layer: bn.name)
        phase = saved
        return (w2, b2)
    }
}
