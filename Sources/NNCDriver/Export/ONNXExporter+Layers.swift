import Foundation
import NNCGraph

/// Each layer kind's ONNX form, or its refusal: one exhaustive switch over `Op`.
extension ONNXExporter {
    /// Exports `node` (not the input), setting its output tensor; a refused layer records
    /// its error and passes its input on so the layers after it are still checked.
    mutating func export(_ node: Node) {
        let name = node.name
        let y: String
        switch node.op {
        case .input:
            return
        case .dense(let d):
            // MatMul + Add: MatMul applies the kernel [in, out] to the last axis at any rank.
            var z = writer.op("MatMul", [input(node), initializer(node, "kernel")], name: "\(name)/MatMul")
            if d.useBias { z = writer.op("Add", [z, initializer(node, "bias")], name: "\(name)/Add") }
            y = activate(z, d.activation, node: node)
        case .conv1d(let c), .conv2d(let c):
            y = convolution(node, c, bias: c.useBias, activation: c.activation)
        case .depthwiseConv2d(let d):
            y = convolution(
                node, d.grouped(channels: inputShape(node).last!), bias: d.useBias, activation: d.activation)
        case .separableConv2d(let s):
            y = separable(node, s)
        case .conv2dTranspose(let t):
            y = transposedConvolution(node, t)
        case .maxpool1d(let p), .maxpool2d(let p):
            y = pool(node, "MaxPool", p.window, countPadding: false)
        case .avgpool1d(let p), .avgpool2d(let p):
            if p.countPadding && roundsUpCountingPadding(node) {
                refuse(
                    node,
                    "an average that counts padding (count_padding: true) and rounds up has no ONNX AveragePool: ONNX would count the extra cells",
                    help: "use count_padding: false, or a pool whose windows tile the input")
                y = input(node)
            } else {
                y = pool(node, "AveragePool", p.window, countPadding: p.countPadding)
            }
        case .treeLSTM:
            refuse(
                node,
                "a Tree-LSTM runs its cell once per node of each sample's own tree; ONNX's operators have no recursion over a structure read from the data",
                help: "export the layers after the tree_lstm by starting a model at its output, or use nnc predict")
            y = input(node)
        case .l2pool2d(let p):
            // √(mean of squares over the window's cells inside the input).
            let squares = writer.op("Mul", [input(node), input(node)], name: "\(name)/Mul")
            let mean = pool(node, "AveragePool", p.window, countPadding: false, input: squares)
            y = writer.op("Sqrt", [mean], name: "\(name)/Sqrt")
        case .globalAvgpool:
            y = reduce(node, "ReduceMean", keepdims: false)
        case .globalMaxpool1d(let g), .globalMaxpool2d(let g):
            y = reduce(node, "ReduceMax", keepdims: g.keepdims)
        case .flatten:
            y = writer.op("Flatten", [input(node)], name: "\(name)/Flatten", [ONNXAttribute.int("axis", 1)])
        case .reshape:
            // 0 copies the batch dimension; nnc's target is the checked per-sample shape.
            y = writer.op(
                "Reshape", [input(node), writer.integers("\(name).shape", [0] + node.shape!.dims)],
                name: "\(name)/Reshape")
        case .zeroPadding2d(let m):
            let pads = [0, m.top, m.left, 0, 0, m.bottom, m.right, 0]
            y = writer.op("Pad", [input(node), writer.integers("\(name).pads", pads)], name: "\(name)/Pad")
        case .cropping2d(let m):
            let x = inputShape(node)
            y = writer.op(
                "Slice",
                [
                    input(node), writer.integers("\(name).starts", [m.top, m.left]),
                    writer.integers("\(name).ends", [x[0] - m.bottom, x[1] - m.right]),
                    writer.integers("\(name).axes", [1, 2]),
                ], name: "\(name)/Slice")
        case .upsampling2d(let u):
            y = upsample(node, u)
        case .dropout(let d), .alphaDropout(let d):
            if keepTrainingLayers {
                // Dropout with its rate, identity in ONNX Runtime's inference; the doc string
                // tells nnc import an alpha_dropout.
                y = writer.op(
                    "Dropout", [input(node), writer.scalar("\(name).ratio", d.rate)], name: "\(name)/Dropout")
                if node.op.kind == .alphaDropout { writer.document("alpha_dropout") }
            } else {
                // Identity at inference: the layer is left out.
                dropped.append(name)
                y = input(node)
            }
        case .prelu:
            y = writer.op("PRelu", [input(node), initializer(node, "alpha")], name: "\(name)/PRelu")
        case .batchnorm(let b):
            y = keepTrainingLayers ? batchnormNode(node, b) : batchnorm(node, b)
        case .layernorm(let l):
            let channels = inputShape(node).last!
            let scale =
                l.scale ? initializer(node, "gamma") : writer.constant("\(name).gamma", [channels], ones(channels))
            var inputs = [input(node), scale]
            if l.center { inputs.append(initializer(node, "beta")) }
            y = writer.op(
                "LayerNormalization", inputs, name: "\(name)/LayerNormalization",
                [ONNXAttribute.int("axis", -1), ONNXAttribute.float("epsilon", l.epsilon)])
        case .groupnorm(let g):
            y = groupnorm(node, g)
        case .activation(let a):
            y = activate(input(node), a, node: node)
        case .softmax:
            y = activate(input(node), .softmax, node: node)
        case .embedding:
            y = writer.op("Gather", [initializer(node, "embeddings"), input(node)], name: "\(name)/Gather")
        case .simpleRNN, .lstm, .gru, .bidirectional:
            // A refused layer passes its input on (nothing is written then).
            y = recurrent(node) ?? input(node)
        case .add:
            y = writer.op("Sum", node.inputs.indices.map { input(node, $0) }, name: "\(name)/Sum")
        case .subtract:
            y = writer.op("Sub", [input(node, 0), input(node, 1)], name: "\(name)/Sub")
        case .multiply:
            var z = input(node, 0)
            for k in 1..<node.inputs.count { z = writer.op("Mul", [z, input(node, k)], name: "\(name)/Mul") }
            y = z
        case .average:
            y = writer.op("Mean", node.inputs.indices.map { input(node, $0) }, name: "\(name)/Mean")
        case .maximum:
            y = writer.op("Max", node.inputs.indices.map { input(node, $0) }, name: "\(name)/Max")
        case .concat(let c):
            let rank = node.shape!.rank
            let axis = c.axis < 0 ? rank + 1 + c.axis : c.axis + 1
            y = writer.op(
                "Concat", node.inputs.indices.map { input(node, $0) }, name: "\(name)/Concat",
                [ONNXAttribute.int("axis", axis)])
        case .multiHeadAttention(let m):
            y = attention(node, m) ?? input(node)
        case .positionEmbedding:
            // The first T rows of the table, T the input's (static) steps.
            let steps = inputShape(node)[0]
            let table = parameter(node, "embeddings")
            let width = table.shape[1]
            let rows = writer.constant("\(name).embeddings", [steps, width], Array(table.values.prefix(steps * width)))
            y = writer.op("Add", [input(node), rows], name: "\(name)/Add")
        case .sinusoidalPositionEmbedding(let s):
            let shape = inputShape(node)
            let table = Self.sinusoid(steps: shape[0], features: shape[1], maxWavelength: s.maxWavelength)
            y = writer.op(
                "Add", [input(node), writer.constant("\(name).encoding", [shape[0], shape[1]], table)],
                name: "\(name)/Add")
        }
        values[node.id] = y
    }

    /// batchnorm at inference, folded into one scale and shift per channel:
    /// y = x·γ/√(σ² + ε) + (β − μ·γ/√(σ² + ε)), broadcast over the last axis at any rank.
    private mutating func batchnorm(_ node: Node, _ b: BatchNorm) -> String {
        let mean = parameter(node, "moving_mean").values
        let variance = parameter(node, "moving_variance").values
        let channels = mean.count
        let gamma = b.scale ? parameter(node, "gamma").values : ones(channels)
        let beta = b.center ? parameter(node, "beta").values : [Float](repeating: 0, count: channels)
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let s = Double(gamma[c]) / (Double(variance[c]) + b.epsilon).squareRoot()
            scale[c] = Float(s)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * s)
        }
        let scaled = writer.op(
            "Mul", [input(node), writer.constant("\(node.name).scale", [channels], scale)], name: "\(node.name)/Mul")
        return writer.op(
            "Add", [scaled, writer.constant("\(node.name).shift", [channels], shift)], name: "\(node.name)/Add")
    }

    /// batchnorm kept as ONNX's BatchNormalization (over axis 1: channels-first for images and
    /// sequences); a missing gamma or beta is written as ones or zeros named `unit_gamma` and
    /// `zero_beta`, so nnc import gives back scale: false and center: false.
    private mutating func batchnormNode(_ node: Node, _ b: BatchNorm) -> String {
        let name = node.name
        let rank = inputShape(node).count
        let channels = inputShape(node).last!
        let x = rank == 1 ? input(node) : channelsFirst(input(node), rank: rank, layer: name)
        let gamma =
            b.scale ? initializer(node, "gamma") : writer.constant("\(name).unit_gamma", [channels], ones(channels))
        let beta =
            b.center
            ? initializer(node, "beta")
            : writer.constant("\(name).zero_beta", [channels], [Float](repeating: 0, count: channels))
        let y = writer.op(
            "BatchNormalization",
            [x, gamma, beta, initializer(node, "moving_mean"), initializer(node, "moving_variance")],
            name: "\(name)/BatchNormalization",
            [ONNXAttribute.float("epsilon", b.epsilon), ONNXAttribute.float("momentum", b.momentum)])
        return rank == 1 ? y : channelsLast(y, rank: rank, layer: name)
    }

    /// groupnorm composed: [N, …, C] viewed as [N, P, G, C/G], the mean and variance over P and
    /// C/G, normalized, viewed back, then γ and β per channel.
    private mutating func groupnorm(_ node: Node, _ g: GroupNorm) -> String {
        let name = node.name
        let shape = inputShape(node)
        let channels = shape.last!
        let grouped = writer.op(
            "Reshape", [input(node), writer.integers("\(name).grouped", [0, -1, g.groups, channels / g.groups])],
            name: "\(name)/Reshape")
        let axes = writer.integers("\(name).axes", [1, 3])
        let mean = writer.op("ReduceMean", [grouped, axes], name: "\(name)/ReduceMean")
        let centered = writer.op("Sub", [grouped, mean], name: "\(name)/Sub")
        let squares = writer.op("Mul", [centered, centered], name: "\(name)/Mul")
        let variance = writer.op("ReduceMean", [squares, axes], name: "\(name)/ReduceMean")
        let shifted = writer.op("Add", [variance, writer.scalar("\(name).epsilon", g.epsilon)], name: "\(name)/Add")
        let deviation = writer.op("Sqrt", [shifted], name: "\(name)/Sqrt")
        let normalized = writer.op("Div", [centered, deviation], name: "\(name)/Div")
        var y = writer.op(
            "Reshape", [normalized, writer.integers("\(name).shape", [0] + shape)], name: "\(name)/Reshape")
        if g.scale { y = writer.op("Mul", [y, initializer(node, "gamma")], name: "\(name)/Mul") }
        if g.center { y = writer.op("Add", [y, initializer(node, "beta")], name: "\(name)/Add") }
        return y
    }

    /// global_avgpool and the global max pools: a reduction over every axis but the batch and the channels.
    private mutating func reduce(_ node: Node, _ op: String, keepdims: Bool) -> String {
        let rank = inputShape(node).count
        return writer.op(
            op, [input(node), writer.integers("\(node.name).axes", Array(1..<rank))], name: "\(node.name)/\(op)",
            [ONNXAttribute.int("keepdims", keepdims ? 1 : 0)])
    }

    /// upsampling2d as Resize of the image axes: nearest repeats each pixel (asymmetric
    /// coordinates, floor); bilinear reads at half-pixel centers, as Keras does.
    private mutating func upsample(_ node: Node, _ u: Upsampling) -> String {
        let scales = writer.constant("\(node.name).scales", [4], [1, Float(u.rows), Float(u.columns), 1])
        let attributes =
            switch u.interpolation {
            case .nearest:
                [
                    ONNXAttribute.string("mode", "nearest"),
                    ONNXAttribute.string("coordinate_transformation_mode", "asymmetric"),
                    ONNXAttribute.string("nearest_mode", "floor"),
                ]
            case .bilinear:
                [
                    ONNXAttribute.string("mode", "linear"),
                    ONNXAttribute.string("coordinate_transformation_mode", "half_pixel"),
                ]
            }
        return writer.op("Resize", [input(node), "", scales], name: "\(node.name)/Resize", attributes)
    }

    private func ones(_ count: Int) -> [Float] { [Float](repeating: 1, count: count) }

    /// keras_hub's sine position encoding: sin(t·ω_i) on even features, cos(t·ω_i) on odd
    /// ones, ω_i = max_wavelength^(−2⌊i/2⌋/features).
    static func sinusoid(steps: Int, features: Int, maxWavelength: Double) -> [Float] {
        var table = [Float](repeating: 0, count: steps * features)
        for t in 0..<steps {
            for i in 0..<features {
                let omega = pow(maxWavelength, -Double(2 * (i / 2)) / Double(features))
                table[t * features + i] = Float(i % 2 == 0 ? sin(Double(t) * omega) : cos(Double(t) * omega))
            }
        }
        return table
    }
}
