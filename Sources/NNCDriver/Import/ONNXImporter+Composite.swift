import Foundation

/// The activations nnc's exporter composes from several nodes, read back as one:
/// lecun_tanh = Mul(x, ⅔) → Tanh → Mul(·, 1.7159), swish = Mul(x, Sigmoid(x)). Each partial
/// result is held in `composites` until its last node, then becomes the activation of the
/// layer before (under the same name) or an activation layer.
struct CompositeActivation {
    enum Stage { case lecunInner, lecunTanh, swishGate }
    var source: ONNXValue
    var sourceTensor: String
    var fuse: Bool
    var stage: Stage
}

extension ONNXImporter {
    /// True when the current node may make `x` (read `uses` times) its layer's activation.
    func canFuse(_ x: ONNXValue, tensor: String, uses: Int) -> Bool {
        guard let l = x.layer else { return false }
        return layers[l].takesActivation && layers[l].activation == nil && !layers[l].consumed
            && consumers[tensor] == uses && derivedName() == layers[l].name
    }

    /// Starts lecun_tanh at Mul(x, ⅔); false when the node is not that.
    mutating func startsLecunTanh(_ x: ONNXValue, tensor: String, _ numbers: [Float]) -> Bool {
        guard node.opType == "Mul", numbers.count == 1, abs(Double(numbers[0]) - 2.0 / 3.0) < 1e-6, x.layer != nil
        else { return false }
        composites[node.output[0]] = CompositeActivation(
            source: x, sourceTensor: tensor, fuse: canFuse(x, tensor: tensor, uses: 1), stage: .lecunInner)
        return true
    }

    /// Starts swish at a Sigmoid whose input and output a later Mul multiplies.
    mutating func startsSwish(_ x: ONNXValue) -> Bool {
        let input = node.input[0]
        let gate = node.output[0]
        let closes = graph.node.dropFirst(index + 1).contains { n in
            n.opType == "Mul" && Set(n.input) == [input, gate] && n.input.count == 2
        }
        guard node.opType == "Sigmoid", closes, x.layer != nil else { return false }
        composites[gate] = CompositeActivation(
            source: x, sourceTensor: input, fuse: canFuse(x, tensor: input, uses: 2), stage: .swishGate)
        return true
    }

    /// Continues or finishes a composite the current node reads; false when it reads none.
    mutating func continuesComposite() -> Bool {
        guard let k = node.input.firstIndex(where: { composites[$0] != nil }), let c = composites[node.input[k]] else {
            return false
        }
        let other = node.input.count == 2 ? node.input[1 - k] : ""
        switch (c.stage, node.opType) {
        case (.lecunInner, "Tanh"):
            var next = c
            next.stage = .lecunTanh
            composites[node.output[0]] = next
        case (.lecunTanh, "Mul")
        where constants[other]?.floats.map({ $0.count == 1 && abs($0[0] - 1.7159) < 1e-5 }) == true:
            finish(c, "lecun_tanh")
        case (.swishGate, "Mul") where other == c.sourceTensor:
            finish(c, "swish")
        default:
            refuse("it reads part of a composed activation (lecun_tanh or swish) that nnc cannot finish here")
        }
        return true
    }

    private mutating func finish(_ c: CompositeActivation, _ spelling: String) {
        if c.fuse, let l = c.source.layer {
            layers[l].activation = spelling
            output(c.source)
            return
        }
        let id = add(
            ImportedLayer(name: layerName(), kind: "activation", settings: ["activation: \(spelling)"]),
            reading: [c.source])
        output(ONNXValue(layer: id, shape: c.source.shape, layout: c.source.layout))
    }
}
