import NNCDiagnostics
import NNCGraph

/// simple_rnn, lstm, gru and bidirectional, forward and backpropagation through time.
///
/// Per direction the forward is: the input projection of every timestep as one GEMM into
/// the gates buffer (x·W + b over batch·steps rows), then one `recurrent` instruction that
/// loops over the timesteps with one GEMM s·U (U packed into panels once per step of
/// training, once at `prepare` for inference) and one fused gate kernel per timestep.
/// Inference plans with packed weights project inside the loop instead, step by step, so
/// no buffer holds every step's projection (`RecurrentShape.fusedProjection`).
/// Training keeps every step's gates, the states the products read, and LSTM's cells: plan
/// buffers the memory planner places like any other. Backward runs the steps last to first
/// (one gate-gradient kernel and one GEMM dz·Uᵀ each), then the weight gradients as single
/// GEMMs over all timesteps: dW = xᵀ·dz, dU = Σ sₜᵀ·dzₜ (the states stacked), and dx = dz·Wᵀ.
///
/// Masks: an embedding with a `padding_index` makes a [batch, steps] mask of real steps,
/// which passes through layers that keep the time axis step by step (dropout, activation,
/// softmax, layernorm, batchnorm, dense on [T, F], and recurrent layers returning
/// sequences) to every recurrent layer it reaches. A padded step carries the state through,
/// its output repeats the carried state (zeros in a bidirectional layer returning sequences:
/// Keras's RNN and Bidirectional behaviours), and it passes no gradient to the weights, so
/// padding a sequence changes neither its result nor its gradients.
///
/// Dropout: one mask per sequence on the inputs ([batch, features]) and one on the state
/// before each recurrent product ([batch, units]), the same at every timestep and shared by
/// the gates (Keras 2's default; Keras 3 draws one per gate, which would split the product
/// into one GEMM per gate). Masks are hashed from (seed, step, salt) like `dropout`'s and
/// written once per training step into small buffers that backward reads again.
extension Lowerer {
    /// What one direction's forward made, for its gradient rule.
    struct RecurrentDirection {
        var shape: RecurrentShape
        /// "" for one direction, "forward_" or "backward_" in a bidirectional layer.
        var prefix: String
        /// What the input projection read (the input, or the input after dropout).
        var projected: BufferID
        var inputMask: BufferID?
        var output: BufferID
        var operands: [RecurrentShape.ForwardSlot: BufferID]
    }

    /// The recurrent layer inside a node (the node's own, or what `bidirectional` wraps).
    func recurrentLayer(_ node: Node) -> Recurrent { node.op.recurrent! }

    /// How a bidirectional layer merges its directions; nil concatenates (and for one direction).
    func mergeMode(_ node: Node) -> MergeMode? {
        if case .bidirectional(let b) = node.op, case .elementwise(let mode) = b.merge { mode } else { nil }
    }

    mutating func lowerRecurrent(_ node: Node) {
        let inner = recurrentLayer(node)
        let y = output(node)
        value[node.id] = y
        guard let (activation, recurrentActivation) = recurrentActivations(node, inner) else { return }
        let xNode = graph[node.inputs[0]]
        let steps = xNode.shape!.dims[0]
        let units = inner.units
        let cell: RecurrentShape.Cell =
            switch inner.cell {
            case .simple: .simple
            case .lstm: .lstm
            case .gru(let resetAfter): .gru(resetAfter: resetAfter)
            }
        let merge = mergeMode(node)
        let directions = node.op.kind == .bidirectional ? [("forward_", false), ("backward_", true)] : [("", false)]
        let mask = sequenceMask(node.inputs[0])
        var outputs: [BufferID] = []
        for (k, (prefix, reverse)) in directions.enumerated() {
            let out = merge == nil ? y : buffer("\(node.name).\(prefix)output", batched(node), .activation)
            let bias = parameters.buffers[node.id]![prefix + "bias"]
            let shape = RecurrentShape(
                cell: cell, batch: batch, steps: steps, inputs: xNode.shape!.channels, units: units,
                activation: activation,
                recurrentActivation: recurrentActivation, reverse: reverse, returnSequences: inner.returnSequences,
                outputWidth: node.shape!.channels, outputColumn: merge == nil ? k * units : 0,
                recurrentBias: bias.map { builder[$0].shape.count == 2 } ?? false, masked: mask != nil,
                zeroPaddedOutput: mask != nil && node.op.kind == .bidirectional && inner.returnSequences,
                recurrentDropout: isTraining && inner.recurrentDropout > 0, training: isTraining,
                packed: isTraining || options.optimize,
                fusedProjection: !isTraining && options.optimize && batch > 1, projectionBias: bias != nil,
                peephole: inner.peephole)
            lowerDirection(node, inner, shape, prefix: prefix, output: out, first: k == 0 || merge != nil, mask: mask)
            outputs.append(out)
        }
        if let mode = merge {
            emit(
                .merge(mode, count: elements(node)),
                [Operand(y, .write), Operand(outputs[0], .read), Operand(outputs[1], .read)],
                layer: node.name)
        }
    }

    /// The step's activations; softmax (a row operation) and a learnable swish beta cannot
    /// be fused into the step kernels and are reported.
    mutating func recurrentActivations(_ node: Node, _ inner: Recurrent) -> (ActivationFunction, ActivationFunction)? {
        var functions: [ActivationFunction] = []
        for (key, activation, location) in [
            ("activation", inner.activation, inner.activationLocation),
            ("recurrent_activation", inner.recurrentActivation, inner.recurrentActivationLocation),
        ] {
            let what: String
            switch activation {
            case .function(let f):
                functions.append(f)
                continue
            case .softmax: what = "softmax"
            case .learnedSwish: what = "a learnable swish beta"
            }
            // A learnable `activation` beta is a parameter, reported where parameters are made.
            if node.parameters.contains(where: { $0.name == "swish_beta" }), key == "activation" { return nil }
            diagnostics.error(
                .notCompilable,
                "\(what) cannot be the '\(key)' of a recurrent layer in a plan; its step kernel applies element-wise activations",
                at: location, label: "not compilable",
                help: activation == .softmax
                    ? "use tanh or sigmoid, and a dense softmax layer after the recurrent layer"
                    : "use a fixed beta (learnable: false)")
            return nil
        }
        return (functions[0], functions[1])
    }

    /// A scaled dropout mask [rows, columns] made once per step.
    mutating func dropoutMask(_ name: String, rate: Double, rows: Int, columns: Int, layer: String) -> BufferID {
        dropoutCount += 1
        let mask = buffer(name, [rows, columns], .saved)
        emit(
            .dropoutMask(rate: rate, rows: rows, columns: columns, salt: dropoutCount), [Operand(mask, .write)],
            layer: layer)
        return mask
    }

    mutating func lowerDirection(
        _ node: Node, _ inner: Recurrent, _ shape: RecurrentShape, prefix: String, output: BufferID,
        first: Bool, mask: BufferID?
    ) {
        let p = parameters.buffers[node.id]!
        let w = p[prefix + "kernel"]!
        let u = p[prefix + "recurrent_kernel"]!
        let b = p[prefix + "bias"]
        let name = "\(node.name).\(prefix)"
        let s = shape
        var projected = value[node.inputs[0]]!
        var inputMask: BufferID?
        if isTraining, inner.dropout > 0 {
            let rate = inner.dropout
            let m = dropoutMask(
                name + "input_dropout_mask", rate: rate, rows: batch, columns: s.inputs, layer: node.name)
            let dropped = buffer(name + "dropped_input", [batch, s.steps, s.inputs], .activation)
            emit(
                .scaleSteps(batch: batch, steps: s.steps, features: s.inputs),
                [Operand(dropped, .write), Operand(projected, .read), Operand(m, .read)],
                layer: node.name)
            projected = dropped
            inputMask = m
        }
        var slots: [RecurrentShape.ForwardSlot: BufferID] = [.output: output, .recurrentKernel: u]
        if s.fusedProjection {
            // Each step projects its own rows inside the loop (see `RecurrentShape.fusedProjection`).
            slots[.gates] = buffer(name + "gates", [batch, s.gateWidth], .scratch)
            slots[.input] = projected
            slots[.inputKernel] = w
            slots[.packedInputKernel] = packWeights(
                node, w, inputs: s.inputs, units: s.gateWidth, label: name + "kernel")
            if let b { slots[.inputBias] = b }
        } else {
            // The input projection of every timestep: one GEMM over batch·steps rows.
            let rows = batch * s.steps
            let gates = buffer(name + "gates", [batch, s.steps, s.gateWidth], isTraining ? .saved : .activation)
            let packedW =
                !isTraining && options.optimize
                ? packWeights(node, w, inputs: s.inputs, units: s.gateWidth, label: name + "kernel") : nil
            emit(
                .dense(
                    rows: rows, inputs: s.inputs, units: s.gateWidth, bias: b != nil, activation: .linear,
                    packed: packedW != nil),
                [Operand(gates, .write), Operand(projected, .read), Operand(w, .read)]
                    + (b.map { [Operand($0, .read)] } ?? [])
                    + (packedW.map { [Operand($0, .read)] } ?? []), layer: node.name)
            slots[.gates] = gates
        }
        if s.packed {
            let packed = buffer(
                name + "recurrent_kernel (packed)", [s.packedFloats(transposed: false)], isTraining ? .scratch : .folded
            )
            let saved = phase
            if !isTraining { phase = .prepare }
            emit(
                .packRecurrentWeights(s, transposed: false), [Operand(packed, .write), Operand(u, .read)],
                layer: node.name)
            phase = saved
            slots[.packedKernel] = packed
        }
        if let b, s.recurrentBias { slots[.bias] = b }
        if s.peephole { slots[.peephole] = p[prefix + "peephole_weights"]! }
        if let mask { slots[.stepMask] = mask }
        if s.recurrentDropout {
            slots[.recurrentMask] = dropoutMask(
                name + "recurrent_dropout_mask", rate: inner.recurrentDropout,
                rows: batch, columns: s.units, layer: node.name)
        }
        typealias Slot = RecurrentShape.ForwardSlot
        let perStep = [batch, s.steps, s.units]
        if s.has(Slot.states) { slots[.states] = buffer(name + "states", perStep, .saved) }
        if s.has(Slot.cells) { slots[.cells] = buffer(name + "cells", perStep, .saved) }
        if s.has(Slot.extra) {
            slots[.extra] =
                isTraining
                ? buffer(name + (s.splitsProduct ? "reset_states" : "candidate_recurrent"), perStep, .saved)
                : buffer(name + "reset_state", [batch, s.units], .scratch)
        }
        if s.has(Slot.previous) { slots[.previous] = buffer(name + "previous_states", perStep, .saved) }
        if s.has(Slot.preactivations) {
            slots[.preactivations] = buffer(name + "preactivations", [batch, s.steps, s.gateWidth], .saved)
        }
        slots[.state] = buffer(name + "state", [batch, s.units], .scratch)
        if s.has(Slot.cell) { slots[.cell] = buffer(name + "cell", [batch, s.units], .scratch) }
        slots[.product] = buffer(name + "recurrent_product", [batch, s.gateWidth], .scratch)
        let writes: Set<RecurrentShape.ForwardSlot> = [
            .output, .states, .cells, .extra, .previous, .preactivations, .state, .cell, .product,
        ]
        let operands = RecurrentShape.ForwardSlot.allCases.filter(s.has).map { slot in
            let access: Access =
                (slot == .gates && !s.fusedProjection) || (slot == .output && !first)
                ? .readWrite : writes.contains(slot) || slot == .gates ? .write : .read
            return Operand(slots[slot]!, access)
        }
        emit(.recurrent(s), operands, layer: node.name)
        recurrentDirections[node.id, default: []].append(
            RecurrentDirection(
                shape: s, prefix: prefix, projected: projected, inputMask: inputMask, output: output, operands: slots))
    }

    /// The mask of real steps reaching `id`'s value, made from the padding ids the first time
    /// a recurrent layer asks (see the type's comment for the layers it passes through).
    mutating func sequenceMask(_ id: NodeID) -> BufferID? {
        if let known = sequenceMasks[id] { return known }
        let node = graph[id]
        guard node.shape?.rank == 2 else { return nil }
        var mask: BufferID?
        switch node.op {
        case .embedding:
            guard case .embedding(let embedding) = node.op, let padding = embedding.paddingIndex else { return nil }
            let m = buffer("\(node.name).mask", [batch, node.shape!.dims[0]], .saved)
            emit(
                .sequenceMask(count: batch * node.shape!.dims[0], paddingIndex: padding),
                [Operand(m, .write), Operand(value[node.inputs[0]]!, .read)], layer: node.name)
            mask = m
        case .dropout, .activation, .softmax, .layernorm, .batchnorm, .dense, .positionEmbedding,
            .sinusoidalPositionEmbedding, .alphaDropout, .prelu, .groupnorm, .l2pool2d:
            mask = sequenceMask(node.inputs[0])
        case .simpleRNN, .lstm, .gru, .bidirectional:
            mask = recurrentLayer(node).returnSequences ? sequenceMask(node.inputs[0]) : nil
        case .multiHeadAttention:
            mask = sequenceMask(node.inputs[0])  // Keras: the query's mask
        case .input, .conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .maxpool1d, .maxpool2d,
            .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d,
            .globalMaxpool2d, .flatten,
            .reshape, .add, .subtract, .multiply, .average, .maximum, .zeroPadding2d, .cropping2d, .upsampling2d,
            .concat, .treeLSTM:
            mask = nil
        }
        if let mask { sequenceMasks[id] = mask }
        return mask
    }

    mutating func recurrentGradient(_ node: Node) {
        guard let directions = recurrentDirections[node.id] else { return }
        let trains = node.trainableParams > 0
        guard trains || wantsInputGradient(node) else { return }
        let dy = gradient[node.id]!
        var outputGradients = [dy, dy]
        if let mode = mergeMode(node) {
            let da = buffer("∂\(node.name).forward_output", batched(node), .gradient)
            let db = buffer("∂\(node.name).backward_output", batched(node), .gradient)
            let reads =
                mode == .mul ? [Operand(directions[0].output, .read), Operand(directions[1].output, .read)] : []
            emit(
                .mergeBackward(mode, count: elements(node)),
                [Operand(da, .write), Operand(db, .write), Operand(dy, .read)] + reads,
                layer: node.name)
            outputGradients = [da, db]
        }
        for (k, direction) in directions.enumerated() {
            directionGradient(node, direction, outputGradient: outputGradients[k])
        }
    }

    mutating func directionGradient(_ node: Node, _ d: RecurrentDirection, outputGradient dy: BufferID) {
        let s = d.shape
        let name = "\(node.name).\(d.prefix)"
        let p = parameters.buffers[node.id]!
        let w = p[d.prefix + "kernel"]!
        let u = p[d.prefix + "recurrent_kernel"]!
        let ut = buffer(name + "recurrent_kernelᵀ", [s.gateWidth, s.units], .scratch)
        let utPacked = buffer(name + "recurrent_kernelᵀ (packed)", [s.packedFloats(transposed: true)], .scratch)
        emit(
            .packRecurrentWeights(s, transposed: true),
            [Operand(ut, .write), Operand(utPacked, .write), Operand(u, .read)], layer: node.name)

        let perStep = [batch, s.steps, s.gateWidth]
        let dz = buffer("∂" + name + "gates", perStep, .gradient)
        let dProduct = s.separateRecurrentGradient ? buffer("∂" + name + "recurrent_product", perStep, .gradient) : nil
        var slots: [RecurrentShape.BackwardSlot: Operand] = [
            .gatesGradient: Operand(dz, .write), .outputGradient: Operand(dy, .read),
            .transposedKernel: Operand(ut, .read), .packedTransposedKernel: Operand(utPacked, .read),
        ]
        if let dProduct { slots[.productGradient] = Operand(dProduct, .write) }
        let kept: [(RecurrentShape.BackwardSlot, RecurrentShape.ForwardSlot)] = [
            (.gates, .gates), (.states, .states), (.cells, .cells), (.extra, .extra), (.previous, .previous),
            (.preactivations, .preactivations), (.stepMask, .stepMask), (.recurrentMask, .recurrentMask),
            (.peephole, .peephole),
        ]
        for (slot, forward) in kept where s.has(slot) { slots[slot] = Operand(d.operands[forward]!, .read) }
        let scratch: [(RecurrentShape.BackwardSlot, String)] = [
            (.stateGradient, "∂state"), (.cellGradient, "∂cell"), (.sGradient, "∂product_state"),
            (.resetGradient, "∂reset_state"),
        ]
        for (slot, label) in scratch where s.has(slot) {
            slots[slot] = Operand(buffer("\(label) \(name.dropLast())", [batch, s.units], .scratch), .write)
        }
        emit(
            .recurrentBackward(s), RecurrentShape.BackwardSlot.allCases.filter(s.has).map { slots[$0]! },
            layer: node.name)

        let rows = batch * s.steps
        if let dW = parameterGradient(node, d.prefix + "kernel") {
            let db = p[d.prefix + "bias"] != nil ? parameterGradient(node, d.prefix + "bias") : nil
            emit(
                .denseBackwardWeights(rows: rows, inputs: s.inputs, units: s.gateWidth, bias: db != nil),
                [Operand(dW, .write)] + (db.map { [Operand($0, .write)] } ?? []) + [
                    Operand(d.projected, .read), Operand(dz, .read),
                ],
                layer: node.name)
            let dU = parameterGradient(node, d.prefix + "recurrent_kernel")!
            // Peepholes: dP = Σ dz_{i,f}⊙cₜ₋₁ and Σ dz_o⊙cₜ over batch and steps.
            let peephole =
                s.peephole
                ? [
                    Operand(parameterGradient(node, d.prefix + "peephole_weights")!, .write),
                    Operand(d.operands[.cells]!, .read),
                ] : []
            emit(
                .recurrentWeightsGradient(s),
                [Operand(dU, .write)] + (s.recurrentBias ? [Operand(db!, .readWrite)] : [])
                    + [Operand(d.operands[.states]!, .read), Operand(dProduct ?? dz, .read)]
                    + (s.splitsProduct ? [Operand(d.operands[.extra]!, .read)] : []) + peephole, layer: node.name)
        }
        if wantsInputGradient(node) {
            var dx = gradientBuffer(for: node.inputs[0])
            emit(
                .denseBackwardData(rows: rows, inputs: s.inputs, units: s.gateWidth),
                [Operand(dx, .write), Operand(dz, .read), Operand(w, .read)],
                layer: node.name)
            if let m = d.inputMask {
                let undropped = gradientBuffer(for: node.inputs[0])
                emit(
                    .scaleSteps(batch: batch, steps: s.steps, features: s.inputs),
                    [Operand(undropped, .write), Operand(dx, .read), Operand(m, .read)],
                    layer: node.name)
                dx = undropped
            }
            addGradient(dx, to: node.inputs[0])
        }
        // After dx and the step GEMMs: the updates overwrite W and U, which they read.
        update(
            node,
            [d.prefix + "kernel", d.prefix + "recurrent_kernel", d.prefix + "bias", d.prefix + "peephole_weights"])
    }
}
