import NNCDiagnostics

/// Forward cost per sample at inference. MACs count the multiply-accumulates of dense,
/// convolution and recurrent matmuls. FLOPs count every operation: a MAC is 2 FLOPs, a
/// bias add 1 per output, each activation a fixed number per element
/// (`LayerActivation.flops`, where exp, log and tanh count as one), pools one comparison or add
/// per window cell, batchnorm 2 per element (folded scale and shift), layernorm 6 per
/// element plus 1 each for scale and shift, add and multiply one per element per extra operand (subtract one per element, average one more, maximum one comparison per extra operand); dropout
/// (off at inference), reshapes, concat, zero padding, cropping, nearest upsampling and embedding lookups cost nothing; bilinear
/// upsampling 7 per output (4 multiplies + 3 adds).
extension GraphBuilder {
    mutating func countFlops(_ node: inout Node, inputs: [Node]) {
        guard let y = node.shape else { return }
        let x = inputs[0].shape!
        let outputs = y.elementCount
        var macs = 0
        var flops = 0
        var text: String
        switch node.op {
        case .input:
            return
        case .dense(let d):
            let units = y.channels
            let positions = outputs / units
            let bias = d.useBias ? 1 : 0
            let act = d.activation.flops
            macs = positions * x.channels * units
            flops = 2 * macs + outputs * (bias + act)
            text =
                "2 × \(macs.grouped) MACs + \(outputs.grouped) × (\(bias) bias + \(act) activation) = \(flops.grouped)"
        case .conv1d(let c), .conv2d(let c):
            let k = c.window.size.reduce(1, *)
            let groups = c.groups
            let bias = c.useBias ? 1 : 0
            let act = c.activation.flops
            macs = outputs * k * (x.channels / groups)
            flops = 2 * macs + outputs * (bias + act)
            text =
                "MACs = \(outputs.grouped) outputs × \(k)·\(x.channels / groups) = \(macs.grouped); "
                + "2 × MACs + \(outputs.grouped) × (\(bias) bias + \(act) activation) = \(flops.grouped)"
        case .depthwiseConv2d(let d):
            let k = d.window.size.reduce(1, *)
            let bias = d.useBias ? 1 : 0
            let act = d.activation.flops
            macs = outputs * k
            flops = 2 * macs + outputs * (bias + act)
            text =
                "MACs = \(outputs.grouped) outputs × \(k)·1 (each reads one input channel) = \(macs.grouped); "
                + "2 × MACs + \(outputs.grouped) × (\(bias) bias + \(act) activation) = \(flops.grouped)"
        case .conv2dTranspose(let t):
            // Each input cell scatters kh·kw·filters products of each of its C channels.
            let k = t.window.size.reduce(1, *)
            let cells = x.elementCount / x.channels
            let bias = t.useBias ? 1 : 0
            let act = t.activation.flops
            macs = cells * x.channels * k * t.filters
            flops = 2 * macs + outputs * (bias + act)
            text =
                "MACs = \(cells.grouped) input cells × \(x.channels)·\(k)·\(t.filters) = \(macs.grouped); "
                + "2 × MACs + \(outputs.grouped) × (\(bias) bias + \(act) activation) = \(flops.grouped)"
        case .separableConv2d(let s):
            let k = s.window.size.reduce(1, *)
            let middle = outputs / s.filters * x.channels * s.depthMultiplier
            let bias = s.useBias ? 1 : 0
            let act = s.activation.flops
            let depthwise = middle * k
            let pointwise = middle * s.filters
            macs = depthwise + pointwise
            flops = 2 * macs + outputs * (bias + act)
            text =
                "depthwise MACs = \(middle.grouped) outputs × \(k)·1 = \(depthwise.grouped); "
                + "pointwise MACs = \(outputs.grouped) outputs × \(x.channels * s.depthMultiplier) = \(pointwise.grouped); "
                + "2 × \(macs.grouped) MACs + \(outputs.grouped) × (\(bias) bias + \(act) activation) = \(flops.grouped)"
        case .maxpool1d(let p), .maxpool2d(let p):
            let k = TensorShape.checkedProduct(p.window.size) ?? Int.max
            flops = outputs.saturatingTimes(k - 1)
            text = "\(outputs.grouped) outputs × (\(k) − 1) comparisons = \(flops.grouped)"
        case .avgpool1d(let p), .avgpool2d(let p):
            let k = TensorShape.checkedProduct(p.window.size) ?? Int.max
            flops = outputs.saturatingTimes(k)
            text =
                "\(outputs.grouped) \(outputs.noun("output")) × (\(k - 1) \((k - 1).noun("add")) + 1 divide) = \(flops.grouped)"
        case .globalAvgpool:
            flops = x.elementCount
            text =
                "\(x.elementCount.grouped) − \(y.channels) \(y.channels.noun("add")) + \(y.channels) \(y.channels.noun("divide")) = \(flops.grouped)"
        case .globalMaxpool1d, .globalMaxpool2d:
            let positions = x.elementCount / x.channels
            flops = x.channels * (positions - 1)
            text = "\(x.channels) \(x.channels.noun("channel")) × (\(positions) − 1) comparisons = \(flops.grouped)"
        case .prelu:
            flops = 2 * outputs
            text = "\(outputs.grouped) × 2 (a comparison and a multiply) = \(flops.grouped)"
        case .flatten, .reshape, .dropout, .alphaDropout, .concat, .embedding:
            text = "0 (no arithmetic at inference)"
        case .zeroPadding2d, .cropping2d:
            text = "0 (a copy: no arithmetic)"
        case .upsampling2d(let u):
            switch u.interpolation {
            case .nearest:
                text = "0 (nearest: a copy, no arithmetic)"
            case .bilinear:
                flops = 7 * outputs
                text = "\(outputs.grouped) × 7 (bilinear: 4 weighted taps, 4 multiplies + 3 adds) = \(flops.grouped)"
            }
        case .activation(let a):
            flops = outputs * a.flops
            text = "\(outputs.grouped) × \(a.flops) = \(flops.grouped)"
        case .softmax:
            flops = outputs * LayerActivation.softmax.flops
            text = "\(outputs.grouped) × 5 = \(flops.grouped)"
        case .batchnorm:
            flops = 2 * outputs
            text = "\(outputs.grouped) × 2 (scale and shift, statistics folded) = \(flops.grouped)"
        case .l2pool2d(let p):
            let k = TensorShape.checkedProduct(p.window.size) ?? Int.max
            flops = outputs.saturatingTimes(k.saturatingTimes(2).saturatingPlus(1))
            text =
                "\(outputs.grouped) \(outputs.noun("output")) × (\(k) squares + \(k - 1) adds + 1 divide + 1 square root) = \(flops.grouped)"
        case .groupnorm(let l):
            let per = 6 + (l.scale ? 1 : 0) + (l.center ? 1 : 0)
            flops = per * outputs
            text =
                "\(outputs.grouped) × \(per) (mean, variance, normalize\(per > 6 ? ", scale/shift" : "")) = \(flops.grouped)"
        case .layernorm(let l):
            let per = 6 + (l.scale ? 1 : 0) + (l.center ? 1 : 0)
            flops = per * outputs
            text =
                "\(outputs.grouped) × \(per) (mean, variance, normalize\(per > 6 ? ", scale/shift" : "")) = \(flops.grouped)"
        case .add:
            flops = (inputs.count - 1) * outputs
            text = "(\(inputs.count) − 1) × \(outputs.grouped) = \(flops.grouped)"
        case .subtract:
            flops = outputs
            text = "1 × \(outputs.grouped) = \(flops.grouped)"
        case .multiply:
            flops = (inputs.count - 1) * outputs
            text = "(\(inputs.count) − 1) × \(outputs.grouped) = \(flops.grouped)"
        case .average:
            flops = inputs.count * outputs
            text = "(\(inputs.count) − 1 adds + 1 multiply) × \(outputs.grouped) = \(flops.grouped)"
        case .maximum:
            flops = (inputs.count - 1) * outputs
            text = "(\(inputs.count) − 1 comparisons) × \(outputs.grouped) = \(flops.grouped)"
        case .simpleRNN(let r), .lstm(let r), .gru(let r):
            (macs, flops, text) = recurrentFlops(r, steps: x.dims[0], features: x.channels)
        case .positionEmbedding, .sinusoidalPositionEmbedding:
            flops = outputs
            text = "\(outputs.grouped) adds (one vector per step, a fixed table at inference) = \(flops.grouped)"
        case .treeLSTM(let t):
            (macs, flops, text) = treeFlops(t, nodes: x.dims[0], children: x.dims[1] - 1)
        case .multiHeadAttention(let m):
            (macs, flops, text) = attentionFlops(m, inputs: inputs.map { $0.shape! }, output: y)
        case .bidirectional(let b):
            let (m, f, t) = recurrentFlops(b.layer, steps: x.dims[0], features: x.channels)
            let mergeFlops =
                switch b.merge {
                case .concat: 0
                case .elementwise(.ave): 2 * outputs
                case .elementwise(.sum), .elementwise(.mul): outputs
                }
            macs = m.saturatingTimes(2)
            flops = f.saturatingTimes(2) == Int.max ? Int.max : 2 * f + mergeFlops
            text = "2 × (\(t)) + \(mergeFlops.grouped) merge = \(flops.grouped)"
        }
        // A swish beta that is learned costs nothing extra at inference.
        node.macs = macs
        node.flops = flops
        node.explanations.append(Explanation(topic: "flops", text: text))
    }

    /// Per step: gate matmuls (2 FLOPs per MAC), bias adds, gate and candidate
    /// nonlinearities, and the state update's element-wise products and sums.
    private func recurrentFlops(_ layer: Recurrent, steps t: Int, features f: Int) -> (Int, Int, String) {
        let u = layer.units
        let a = layer.activation.flops
        let r = layer.recurrentActivation.flops
        let bias = layer.useBias
        let perStep: Int
        let macsPerStep: Int
        let parts: String
        switch layer.cell {
        case .lstm:
            macsPerStep = 4 * u * (f + u)
            // c = f·c + i·g (3 per unit), h = o·act(c) (1 per unit + act)
            // Peepholes: p⊙c added to i, f and o (2 per unit each).
            perStep =
                2 * macsPerStep + (bias ? 4 * u : 0) + 3 * u * r + 2 * u * a + 4 * u + (layer.peephole ? 6 * u : 0)
            parts =
                "2·4·\(u)·(\(f) + \(u))\(bias ? " + 4·\(u) bias" : "") + 3·\(u)·\(r) gates + 2·\(u)·\(a) act + 4·\(u) state"
                + (layer.peephole ? " + 6·\(u) peepholes" : "")
        case .gru(let after):
            macsPerStep = 3 * u * (f + u)
            // r·(hU) or r·h (1 per unit), h = z·h + (1 − z)·ĥ (4 per unit)
            perStep = 2 * macsPerStep + (bias ? (after ? 6 : 3) * u : 0) + 2 * u * r + u * a + 5 * u
            parts =
                "2·3·\(u)·(\(f) + \(u))\(bias ? " + \(after ? 6 : 3)·\(u) bias" : "") + 2·\(u)·\(r) gates + \(u)·\(a) act + 5·\(u) state"
        case .simple:
            macsPerStep = u * (f + u)
            perStep = 2 * macsPerStep + (bias ? u : 0) + u * a + u
            parts = "2·\(u)·(\(f) + \(u))\(bias ? " + \(u) bias" : "") + \(u)·\(a) act + \(u) sum"
        }
        let total = t.saturatingTimes(perStep)
        return (t.saturatingTimes(macsPerStep), total, "\(t) \(t.noun("step")) × (\(parts)) = \(total.grouped)")
    }

    /// Projections (2 FLOPs per MAC, a bias add per output), per head the scores Q·Kᵀ with
    /// their scale, the softmax over each query's keys (5 per score, as the softmax layer
    /// counts) and the weighted values, then the output projection.
    private func attentionFlops(_ m: MultiHeadAttention, inputs: [TensorShape], output y: TensorShape)
        -> (Int, Int, String)
    {
        let query = inputs[0]
        let value = inputs.count > 1 ? inputs[1] : query
        let key = inputs.count > 2 ? inputs[2] : value
        let (tq, tk, h, k, v) = (query.dims[0], value.dims[0], m.heads, m.keyDim, m.valueDim)
        // Each factor pair is a checked tensor (≤ 2³⁰ elements); the sums saturate.
        func times(_ a: Int, _ b: Int) -> Int { a.saturatingTimes(b) }
        let projections = times(tq * query.channels, h * k).saturatingPlus(times(tk * key.channels, h * k))
            .saturatingPlus(times(tk * value.channels, h * v))
        let scores = h * tq * tk
        let products = times(scores, k + v)
        let out = times(tq * h * v, y.channels)
        let macs = projections.saturatingPlus(products).saturatingPlus(out)
        let biases = m.useBias ? tq * h * k + tk * h * k + tk * h * v + y.elementCount : 0
        let flops = times(2, macs).saturatingPlus(biases).saturatingPlus(
            times(scores, 1 + LayerActivation.softmax.flops))
        let text =
            "MACs = projections \(projections.grouped) + scores and values \(h)·\(tq)·\(tk)·(\(k) + \(v)) + output \(out.grouped) = \(macs.grouped); "
            + "2 × MACs + \(biases.grouped) bias + \(scores.grouped) scores × (1 scale + \(LayerActivation.softmax.flops) softmax) = \(flops.grouped)"
        return (macs, flops, text)
    }
}
