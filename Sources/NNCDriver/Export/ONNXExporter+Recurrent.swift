import NNCGraph

/// simple_rnn, lstm, gru and bidirectional as ONNX's RNN, LSTM and GRU operators (time
/// first: the input is transposed to [T, N, F] and the output back).
///
/// Weights: Keras's kernel [F, gates·u] and recurrent kernel [u, gates·u] become ONNX's W
/// [dirs, gates·u, F] and R [dirs, gates·u, u], transposed and with the gate blocks reordered:
/// Keras's LSTM gates i, f, c, o are ONNX's i, o, f, c; GRU's z, r, h are the same in both.
/// ONNX's B [dirs, 2·gates·u] holds the input bias then the recurrent bias: one bias row
/// goes to the first and zeros to the second, two rows (gru with reset_after) to
/// both. reset_after is ONNX's linear_before_reset = 1. A bidirectional
/// layer is one operator with direction bidirectional, its two outputs merged as nnc does
/// (concat forward then backward, or sum, mul, ave). LSTM peepholes are ONNX's P [dirs, 3·u]
/// (blocks i, o, f).
extension ONNXExporter {
    mutating func recurrent(_ node: Node) -> String? {
        let r = node.op.recurrent!
        let name = node.name
        guard let activations = recurrentActivations(node, r) else { return nil }
        if sequenceMask(reaches: node.inputs[0]) {
            refuse(
                node,
                "a padding mask (an embedding's padding_index) reaches it, and ONNX's recurrent operators take sequence lengths, not masks",
                help: "drop padding_index from the embedding to export, or keep the model in nnc")
            return nil
        }
        let (op, order): (String, [Int]) =
            switch r.cell {
            case .simple: ("RNN", [0])
            case .lstm: ("LSTM", [0, 3, 1, 2])
            case .gru: ("GRU", [0, 1, 2])
            }
        let bidirectional = node.op.kind == .bidirectional
        let prefixes = bidirectional ? ["forward_", "backward_"] : [""]
        let features = inputShape(node).last!
        let u = r.units
        let gates = order.count
        var w: [Float] = []
        var rw: [Float] = []
        var b: [Float] = []
        var peepholes: [Float] = []
        for prefix in prefixes {
            if r.peephole {
                // nnc's rows i, f, o are ONNX's P blocks i, o, f.
                let p = parameter(node, prefix + "peephole_weights").values
                peepholes += [0, 2, 1].flatMap { p[($0 * u)..<(($0 + 1) * u)] }
            }
            w += Self.gateRows(parameter(node, prefix + "kernel").values, rows: features, units: u, order: order)
            rw += Self.gateRows(parameter(node, prefix + "recurrent_kernel").values, rows: u, units: u, order: order)
            var inputBias = [Float](repeating: 0, count: gates * u)
            var recurrentBias = inputBias
            if r.useBias {
                let bias = parameter(node, prefix + "bias")
                let row = gates * u
                inputBias = Self.gateRows(Array(bias.values.prefix(row)), rows: 1, units: u, order: order)
                if bias.shape.count == 2 {
                    recurrentBias = Self.gateRows(Array(bias.values.suffix(row)), rows: 1, units: u, order: order)
                }
            }
            b += inputBias + recurrentBias
        }
        let dirs = prefixes.count
        var attributes = [
            ONNXAttribute.int("hidden_size", u),
            ONNXAttribute.string("direction", bidirectional ? "bidirectional" : "forward"),
            ONNXAttribute.strings("activations", Array(repeating: activations.names, count: dirs).flatMap { $0 }),
        ]
        let alphas = Array(repeating: activations.alphas, count: dirs).flatMap { $0 }
        let betas = Array(repeating: activations.betas, count: dirs).flatMap { $0 }
        if !alphas.isEmpty { attributes.append(ONNXAttribute.floats("activation_alpha", alphas)) }
        if !betas.isEmpty { attributes.append(ONNXAttribute.floats("activation_beta", betas)) }
        if case .gru(let resetAfter) = r.cell {
            attributes.append(ONNXAttribute.int("linear_before_reset", resetAfter ? 1 : 0))
        }
        let timeFirst = writer.op(
            "Transpose", [input(node)], name: "\(name)/to_time_first", [ONNXAttribute.ints("perm", [1, 0, 2])])
        let outputs = writer.node(
            op,
            [
                timeFirst, writer.constant("\(name).W", [dirs, gates * u, features], w),
                writer.constant("\(name).R", [dirs, gates * u, u], rw),
                writer.constant("\(name).B", [dirs, 2 * gates * u], b),
            ]
                // LSTM's P comes after sequence_lens, initial_h and initial_c, left empty.
                + (r.peephole ? ["", "", "", writer.constant("\(name).P", [dirs, 3 * u], peepholes)] : []),
            name: "\(name)/\(op)", outputs: 2, attributes)
        let merge: MergeMode? =
            if case .bidirectional(let bi) = node.op, case .elementwise(let mode) = bi.merge { mode } else { nil }
        // Y [T, dirs, N, u] → [N, T, dirs, u]; Y_h [dirs, N, u] → [N, dirs, u].
        let (all, perm): (String, [Int]) =
            r.returnSequences ? (outputs[0], [2, 0, 1, 3]) : (outputs[1], [1, 0, 2])
        let batchFirst = writer.op(
            "Transpose", [all], name: "\(name)/to_batch_first", [ONNXAttribute.ints("perm", perm)])
        let directionAxis = perm.count - 2
        guard let merge else {
            // One direction, or forward and backward side by side.
            let shape = [0] + (r.returnSequences ? [0] : []) + [dirs * u]
            return writer.op(
                "Reshape", [batchFirst, writer.integers("\(name).shape", shape)], name: "\(name)/Reshape")
        }
        let reduce =
            switch merge {
            case .sum: "ReduceSum"
            case .mul: "ReduceProd"
            case .ave: "ReduceMean"
            }
        return writer.op(
            reduce, [batchFirst, writer.integers("\(name).directions", [directionAxis])], name: "\(name)/\(reduce)",
            [ONNXAttribute.int("keepdims", 0)])
    }

    /// `values` [rows, gates·u] (Keras's column blocks) as [gates·u, rows] with the gate
    /// blocks in ONNX's order: block k of the result is Keras's block `order[k]`.
    static func gateRows(_ values: [Float], rows: Int, units u: Int, order: [Int]) -> [Float] {
        let width = order.count * u
        var out = [Float](repeating: 0, count: values.count)
        for (k, source) in order.enumerated() {
            for j in 0..<u {
                for row in 0..<rows { out[(k * u + j) * rows + row] = values[row * width + source * u + j] }
            }
        }
        return out
    }

    /// ONNX's names (and alpha, beta values) of the layer's activations, in the operator's
    /// order: RNN f; LSTM f (gates), g (candidate), h (output); GRU f (gates), g (candidate).
    /// nil (refused) for activations the recurrent operators do not offer.
    private mutating func recurrentActivations(_ node: Node, _ r: Recurrent)
        -> (names: [String], alphas: [Double], betas: [Double])?
    {
        var names: [String] = []
        var alphas: [Double] = []
        var betas: [Double] = []
        let order: [LayerActivation] =
            switch r.cell {
            case .simple: [r.activation]
            case .lstm: [r.recurrentActivation, r.activation, r.activation]
            case .gru: [r.recurrentActivation, r.activation]
            }
        for activation in order {
            guard let function = activation.function, case .function = activation else {
                refuse(
                    node, "its activation \(activation.name) is not one ONNX's recurrent operators offer",
                    help: "use tanh, sigmoid, relu, linear, softplus, leaky_relu, elu or lecun_tanh in recurrent layers"
                )
                return nil
            }
            switch function.kind {
            case .linear:
                names.append("Affine")
                alphas.append(1)
                betas.append(0)
            case .relu: names.append("Relu")
            case .sigmoid: names.append("Sigmoid")
            case .tanh: names.append("Tanh")
            case .softplus: names.append("Softplus")
            case .leakyRelu:
                names.append("LeakyRelu")
                alphas.append(function.parameter)
            case .elu:
                names.append("Elu")
                alphas.append(function.parameter)
            case .lecunTanh:
                names.append("ScaledTanh")
                alphas.append(1.7159)
                betas.append(2.0 / 3.0)
            case .selu, .swish, .mish:
                refuse(
                    node, "its activation \(function.kind.rawValue) is not one ONNX's recurrent operators offer",
                    help: "use tanh, sigmoid, relu, linear, softplus, leaky_relu, elu or lecun_tanh in recurrent layers"
                )
                return nil
            }
        }
        return (names, alphas, betas)
    }

    func sequenceMask(reaches id: NodeID) -> Bool { graph.sequenceMask(reaches: id) }
}

extension Graph {
    /// True when an embedding's padding mask reaches the output of `id` through the layers
    /// that keep the time axis step by step (the lowering's `sequenceMask`).
    func sequenceMask(reaches id: NodeID) -> Bool {
        let node = self[id]
        guard node.shape?.rank == 2 else { return false }
        switch node.op {
        case .embedding(let e):
            return e.paddingIndex != nil
        case .dropout, .activation, .softmax, .layernorm, .batchnorm, .dense, .positionEmbedding,
            .sinusoidalPositionEmbedding, .alphaDropout, .prelu, .groupnorm, .l2pool2d, .multiHeadAttention:
            return sequenceMask(reaches: node.inputs[0])
        case .simpleRNN(let r), .lstm(let r), .gru(let r):
            return r.returnSequences && sequenceMask(reaches: node.inputs[0])
        case .bidirectional(let b):
            return b.layer.returnSequences && sequenceMask(reaches: node.inputs[0])
        case .input, .conv1d, .conv2d, .depthwiseConv2d, .separableConv2d, .conv2dTranspose, .maxpool1d, .maxpool2d,
            .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d, .flatten, .reshape, .add,
            .subtract, .multiply, .average, .maximum, .zeroPadding2d, .cropping2d, .upsampling2d, .concat, .treeLSTM:
            return false
        }
    }
}
