import Foundation
import NNCDiagnostics
import NNCRuntime

/// multi_head_attention and the position embeddings from the primitive ops nnc's exporter
/// composes them of. Attention patterns are found before the nodes are read
/// (`ONNXAttentionMatcher`): their nodes are skipped and the layer is made at the last one;
/// a near miss is an E0630 naming the node that breaks the pattern.
extension ONNXImporter {
    /// Finds every attention in the graph, recording matches and near misses.
    mutating func findAttentions() {
        let matcher = ONNXAttentionMatcher(graph: graph, constants: constants, consumers: consumers, opset: opset)
        for (s, n) in graph.node.enumerated() where n.opType == "Softmax" {
            guard let c = matcher.context(after: s) else { continue }
            do {
                let found = try matcher.match(softmax: s, context: c)
                absorbed.formUnion(found.nodes)
                attentions[found.last] = found
            } catch let miss as ONNXPatternBreak {
                let n = graph.node[miss.node]
                diagnostics.append(
                    Diagnostic.error(
                        .onnxUnsupportedNode,
                        "node \(miss.node) '\(n.name)' (\(n.opType)) breaks the multi-head attention around Softmax node \(s) '\(graph.node[s].name)': \(miss.why)",
                        at: location, label: "not nnc's attention",
                        help:
                            "nnc imports attention as its exporter writes it (Keras's MultiHeadAttention: per head softmax(Q·Kᵀ/√key_dim)·V, an optional causal mask); export the model with that form"
                    ))
                for k in matcher.region(around: [s, c, miss.node]) {
                    absorbed.insert(k)
                    refusedNames.formUnion(graph.node[k].output)
                }
            } catch {
                continue
            }
        }
    }

    /// The current node is part of a found attention: made into the layer at its last node.
    mutating func absorbAttention() {
        guard let a = attentions[index] else { return }
        let roles = [a.query, a.value, a.key]
        guard !roles.contains(where: { refusedNames.contains($0) }) else {
            refusedNames.formUnion(node.output)
            return
        }
        var inputs: [ONNXValue] = []
        for (role, tensor) in zip(["query", "value", "key"], roles) {
            guard let v = values[tensor], v.layout == .nnc, v.rank == 3 else {
                refuse("the attention's \(role) '\(tensor)' is not a [N, T, features] layer output")
                return
            }
            inputs.append(v)
        }
        let (query, value, key) = (inputs[0], inputs[1], inputs[2])
        for (role, x) in [("query", query), ("key", key), ("value", value)] {
            let rows = a.kernels[role]!.shape[0]
            guard x.shape[2] == rows else {
                refuse("the \(role) kernel has \(rows) rows for \(x.shape[2]) \(role) features")
                return
            }
        }
        guard key.shape[1] == value.shape[1] else {
            refuse("the keys have \(key.shape[1]) steps and the values \(value.shape[1])")
            return
        }
        if let mask = a.causalMask, mask != [query.shape[1], key.shape[1]] {
            refuse(
                "the causal mask is \(Self.describe(mask)) for \(query.shape[1]) queries and \(key.shape[1]) keys")
            return
        }
        var settings = ["num_heads: \(a.heads)", "key_dim: \(a.keyDim)"]
        if a.valueDim != a.keyDim { settings.append("value_dim: \(a.valueDim)") }
        if a.outputDim != query.shape[2] { settings.append("output_shape: \(a.outputDim)") }
        if !a.useBias { settings.append("use_bias: false") }
        if a.causalMask != nil { settings.append("use_causal_mask: true") }
        let current = (index, node)
        node = graph.node[a.softmax]
        let name = layerName()
        (index, node) = current
        var layer = ImportedLayer(name: name, kind: "multi_head_attention", settings: settings)
        // Keras's layout: kernels [features, heads, size], biases [heads, size], output [heads, value_dim, output].
        for role in ["query", "key", "value"] {
            let kernel = a.kernels[role]!
            let size = kernel.shape[1] / a.heads
            layer.tensors.append(
                SafeTensors.Tensor(
                    name: "\(role)_kernel", shape: [kernel.shape[0], a.heads, size], values: kernel.floats!))
            if let b = a.biases[role] {
                layer.tensors.append(SafeTensors.Tensor(name: "\(role)_bias", shape: [a.heads, size], values: b))
            }
        }
        let projection = a.kernels["output"]!
        layer.tensors.append(
            SafeTensors.Tensor(
                name: "output_kernel", shape: [a.heads, a.valueDim, a.outputDim], values: projection.floats!))
        if let b = a.biases["output"] {
            layer.tensors.append(SafeTensors.Tensor(name: "output_bias", shape: [a.outputDim], values: b))
        }
        let reading =
            a.query == a.value && a.value == a.key ? [query] : a.key == a.value ? [query, value] : [query, value, key]
        let id = add(layer, reading: reading)
        output(ONNXValue(layer: id, shape: [-1, query.shape[1], a.outputDim], layout: .nnc))
    }

    /// Add(x [N, T, F], constant [T, F]) (T, F > 1, so never a bias): a position embedding,
    /// sinusoidal when the table is keras_hub's sine encoding. False when the constant does
    /// not have that shape.
    mutating func positionEmbedding(_ x: ONNXValue, _ c: ONNXConstant, _ table: [Float]) -> Bool {
        let shape = c.shape.first == 1 && c.shape.count == 3 ? Array(c.shape.dropFirst()) : c.shape
        guard node.opType == "Add", x.layout == .nnc, x.rank == 3, shape == Array(x.shape.dropFirst()),
            shape.allSatisfy({ $0 > 1 })
        else {
            return false
        }
        let (steps, features) = (shape[0], shape[1])
        var layer: ImportedLayer
        if let wavelength = Self.sineWavelength(table, steps: steps, features: features) {
            layer = ImportedLayer(
                name: layerName(), kind: "sinusoidal_position_embedding",
                settings: wavelength == 10000 ? [] : ["max_wavelength: \(Self.number(wavelength))"])
        } else {
            layer = ImportedLayer(
                name: layerName(), kind: "position_embedding", settings: ["sequence_length: \(steps)"])
            layer.tensors = [SafeTensors.Tensor(name: "embeddings", shape: [steps, features], values: table)]
        }
        let id = add(layer, reading: [x])
        output(ONNXValue(layer: id, shape: x.shape, layout: .nnc))
        return true
    }

    /// The max_wavelength whose sine encoding `table` is (10000, or read from step 1,
    /// feature 2 and checked on every value); nil for a learned table.
    static func sineWavelength(_ table: [Float], steps: Int, features: Int) -> Double? {
        func matches(_ w: Double) -> Bool {
            let expected = ONNXExporter.sinusoid(steps: steps, features: features, maxWavelength: w)
            return zip(expected, table).allSatisfy { abs($0 - $1) <= 1e-5 }
        }
        if matches(10000) { return 10000 }
        guard steps > 1, features > 2 else { return nil }
        let omega = asin(Double(table[features + 2]))
        guard omega > 0, omega < 1 else { return nil }
        let estimate = exp(-Double(features) / 2 * log(omega))
        // The estimate to 4 significant digits, as a spec would write it.
        let digits = pow(10, floor(log10(estimate)) - 3)
        let w = (estimate / digits).rounded() * digits
        return matches(w) ? w : nil
    }
}
