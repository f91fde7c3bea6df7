import NNCSpec

/// Forward cost per sample at inference. MACs count the multiply-accumulates of dense,
/// convolution and recurrent matmuls. FLOPs count every operation: a MAC is 2 FLOPs, a
/// bias add 1 per output, each activation a fixed number per element
/// (`activationFlops`, where exp, log and tanh count as one), pools one comparison or add
/// per window cell, batchnorm 2 per element (folded scale and shift), layernorm 6 per
/// element plus 1 each for scale and shift, add one per element per extra operand; dropout
/// (off at inference), reshapes, concat and embedding lookups cost nothing.
extension GraphBuilder {
    /// FLOPs per element of each activation.
    /// FLOPs per element of the activation named `name` (a registry name; see `Activation.flops`).
    public static func activationFlops(_ name: String) -> Int {
        if name == "softmax" { return Activation.softmaxFlops }
        guard let activation = Activation(rawValue: name) else {
            preconditionFailure("activation '\(name)' has no case")
        }
        return activation.flops
    }

    mutating func countFlops(_ node: inout Node, inputs: [Node]) {
        guard let layer = node.spec, let y = node.shape else { return }
        let c = layer.component
        let x = inputs[0].shape!
        let outputs = y.elementCount
        func act(_ name: String = "activation") -> Int { Self.activationFlops(c.component(name)?.kind.name ?? "linear") }
        var macs = 0, flops = 0
        var text: String
        switch node.op {
        case .input:
            return
        case .dense:
            let units = y.channels, positions = outputs / units, bias = c.bool("use_bias") != false ? 1 : 0
            macs = positions * x.channels * units
            flops = 2 * macs + outputs * (bias + act())
            text = "2 × \(macs.grouped) MACs + \(outputs.grouped) × (\(bias) bias + \(act()) activation) = \(flops.grouped)"
        case .conv1d, .conv2d:
            let k = c.ints("kernel")!.reduce(1, *), groups = c.int("groups") ?? 1
            let bias = c.bool("use_bias") != false ? 1 : 0
            macs = outputs * k * (x.channels / groups)
            flops = 2 * macs + outputs * (bias + act())
            text = "MACs = \(outputs.grouped) outputs × \(k)·\(x.channels / groups) = \(macs.grouped); "
                + "2 × MACs + \(outputs.grouped) × (\(bias) bias + \(act()) activation) = \(flops.grouped)"
        case .maxpool1d, .maxpool2d:
            let k = TensorShape.checkedProduct(c.ints("pool")!) ?? Int.max
            flops = outputs.saturatingTimes(k - 1)
            text = "\(outputs.grouped) outputs × (\(k) − 1) comparisons = \(flops.grouped)"
        case .avgpool1d, .avgpool2d:
            let k = TensorShape.checkedProduct(c.ints("pool")!) ?? Int.max
            flops = outputs.saturatingTimes(k)
            text = "\(outputs.grouped) \(outputs.noun("output")) × (\(k - 1) \((k - 1).noun("add")) + 1 divide) = \(flops.grouped)"
        case .globalAvgpool:
            flops = x.elementCount
            text = "\(x.elementCount.grouped) − \(y.channels) \(y.channels.noun("add")) + \(y.channels) \(y.channels.noun("divide")) = \(flops.grouped)"
        case .flatten, .reshape, .dropout, .concat, .embedding:
            text = "0 (no arithmetic at inference)"
        case .activation:
            flops = outputs * act()
            text = "\(outputs.grouped) × \(act()) = \(flops.grouped)"
        case .softmax:
            flops = outputs * Self.activationFlops("softmax")
            text = "\(outputs.grouped) × 5 = \(flops.grouped)"
        case .batchnorm:
            flops = 2 * outputs
            text = "\(outputs.grouped) × 2 (scale and shift, statistics folded) = \(flops.grouped)"
        case .layernorm:
            let per = 6 + (c.bool("scale") != false ? 1 : 0) + (c.bool("center") != false ? 1 : 0)
            flops = per * outputs
            text = "\(outputs.grouped) × \(per) (mean, variance, normalize\(per > 6 ? ", scale/shift" : "")) = \(flops.grouped)"
        case .add:
            flops = (inputs.count - 1) * outputs
            text = "(\(inputs.count) − 1) × \(outputs.grouped) = \(flops.grouped)"
        case .simpleRNN, .lstm, .gru:
            (macs, flops, text) = recurrentFlops(c, steps: x.dims[0], features: x.channels)
        case .bidirectional:
            let (m, f, t) = recurrentFlops(c.component("layer")!, steps: x.dims[0], features: x.channels)
            let merge = c.string("merge_mode") ?? "concat"
            let mergeFlops = merge == "concat" ? 0 : merge == "ave" ? 2 * outputs : outputs
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
    private func recurrentFlops(_ c: ComponentSpec, steps t: Int, features f: Int) -> (Int, Int, String) {
        let u = c.int("units")!
        let a = Self.activationFlops(c.component("activation")?.kind.name ?? "tanh")
        let r = Self.activationFlops(c.component("recurrent_activation")?.kind.name ?? "sigmoid")
        let bias = c.bool("use_bias") != false
        let perStep: Int, macsPerStep: Int, parts: String
        switch c.kind.name {
        case "lstm":
            macsPerStep = 4 * u * (f + u)
            // c = f·c + i·g (3 per unit), h = o·act(c) (1 per unit + act)
            perStep = 2 * macsPerStep + (bias ? 4 * u : 0) + 3 * u * r + 2 * u * a + 4 * u
            parts = "2·4·\(u)·(\(f) + \(u))\(bias ? " + 4·\(u) bias" : "") + 3·\(u)·\(r) gates + 2·\(u)·\(a) act + 4·\(u) state"
        case "gru":
            let after = c.bool("reset_after") != false
            macsPerStep = 3 * u * (f + u)
            // r·(hU) or r·h (1 per unit), h = z·h + (1 − z)·ĥ (4 per unit)
            perStep = 2 * macsPerStep + (bias ? (after ? 6 : 3) * u : 0) + 2 * u * r + u * a + 5 * u
            parts = "2·3·\(u)·(\(f) + \(u))\(bias ? " + \(after ? 6 : 3)·\(u) bias" : "") + 2·\(u)·\(r) gates + \(u)·\(a) act + 5·\(u) state"
        default:
            macsPerStep = u * (f + u)
            perStep = 2 * macsPerStep + (bias ? u : 0) + u * a + u
            parts = "2·\(u)·(\(f) + \(u))\(bias ? " + \(u) bias" : "") + \(u)·\(a) act + \(u) sum"
        }
        let total = t.saturatingTimes(perStep)
        return (t.saturatingTimes(macsPerStep), total, "\(t) \(t.noun("step")) × (\(parts)) = \(total.grouped)")
    }
}
