import Foundation
import NNCRuntime

/// LSTM, GRU and RNN of a time-first sequence as nnc's lstm, gru and simple_rnn (bidirectional
/// when ONNX's direction is), the inverse of `ONNXExporter+Recurrent.swift`: ONNX's W [dirs,
/// gates·u, F] and R [dirs, gates·u, u] become Keras's kernel [F, gates·u] and recurrent
/// kernel [u, gates·u] with the gate blocks back in Keras's order (ONNX's LSTM i, o, f, c is
/// Keras's i, f, c, o; GRU's z, r, h and RNN's one block are the same), and the two biases of
/// B are summed into Keras's one, except a GRU with linear_before_reset, whose two rows are
/// Keras's reset_after bias [2, 3u]. Reading Y makes return_sequences true, Y_h false.
extension ONNXImporter {
    mutating func recurrent() {
        guard let x = value(0) else { return }
        guard x.layout == .timeFirst else {
            refuse("nnc reads a recurrent operator of a channels-last sequence transposed time first ([T, N, F])")
            return
        }
        for k in 4..<max(node.input.count, 4) where !node.input[k].isEmpty {
            refuse("sequence lengths and initial states (input \(k)) have no nnc setting")
            return
        }
        let direction = string("direction") ?? "forward"
        guard direction != "reverse", int("layout", 0) == 0, attribute("clip") == nil, int("input_forget", 0) == 0
        else {
            refuse("a reverse direction, batch-first layout, clip or coupled input-forget gate has no nnc setting")
            return
        }
        let cell = node.opType
        let gates = cell == "LSTM" ? 4 : cell == "GRU" ? 3 : 1
        // Keras block j is ONNX block toKeras[j].
        let toKeras = cell == "LSTM" ? [0, 2, 3, 1] : Array(0..<gates)
        let dirs = direction == "bidirectional" ? 2 : 1
        let features = x.shape[2]
        guard let u = Optional(int("hidden_size", 0)), u > 0, let w = constant(1)?.floats, let r = constant(2)?.floats,
            w.count == dirs * gates * u * features, r.count == dirs * gates * u * u
        else {
            refuse(
                "its W and R must be constants of [\(dirs), \(gates)·hidden_size, \(features)] and [\(dirs), \(gates)·hidden_size, hidden_size]"
            )
            return
        }
        let b = constant(3)?.floats
        if let b, b.count != dirs * 2 * gates * u {
            refuse("its B must hold \(dirs * 2 * gates * u) values")
            return
        }
        guard let (activation, recurrentActivation) = activations(cell, dirs: dirs) else { return }
        let resetAfter = cell == "GRU" && int("linear_before_reset", 0) == 1
        let reads = node.output.map { consumers[$0] ?? 0 }
        let sequences = reads.first ?? 0 > 0
        if sequences, reads.dropFirst().contains(where: { $0 > 0 }) {
            refuse("an nnc recurrent layer gives either its sequence (Y) or its last state (Y_h), not both")
            return
        }
        var tensors: [SafeTensors.Tensor] = []
        for d in 0..<dirs {
            let prefix = dirs == 2 ? (d == 0 ? "forward_" : "backward_") : ""
            let block = gates * u
            tensors.append(
                SafeTensors.Tensor(
                    name: prefix + "kernel", shape: [features, block],
                    values: Self.kerasColumns(
                        Array(w[(d * block * features)..<((d + 1) * block * features)]), rows: features, units: u,
                        order: toKeras)))
            tensors.append(
                SafeTensors.Tensor(
                    name: prefix + "recurrent_kernel", shape: [u, block],
                    values: Self.kerasColumns(
                        Array(r[(d * block * u)..<((d + 1) * block * u)]), rows: u, units: u, order: toKeras)))
            if let b {
                let inputBias = Self.kerasColumns(
                    Array(b[(d * 2 * block)..<(d * 2 * block + block)]), rows: 1, units: u, order: toKeras)
                let recurrentBias = Self.kerasColumns(
                    Array(b[(d * 2 * block + block)..<((d + 1) * 2 * block)]), rows: 1, units: u, order: toKeras)
                tensors.append(
                    resetAfter
                        ? SafeTensors.Tensor(
                            name: prefix + "bias", shape: [2, block], values: inputBias + recurrentBias)
                        : SafeTensors.Tensor(
                            name: prefix + "bias", shape: [block], values: zip(inputBias, recurrentBias).map { $0 + $1 }
                        ))
            }
        }
        let kind = cell == "LSTM" ? "lstm" : cell == "GRU" ? "gru" : "simple_rnn"
        var settings = ["units: \(u)"]
        if activation != "tanh" { settings.append("activation: \(activation)") }
        if let recurrentActivation, recurrentActivation != "sigmoid" {
            settings.append("recurrent_activation: \(recurrentActivation)")
        }
        if cell == "GRU" { settings.append("reset_after: \(resetAfter)") }
        if b == nil { settings.append("use_bias: false") }
        if sequences { settings.append("return_sequences: true") }
        var layer: ImportedLayer
        if dirs == 2 {
            layer = ImportedLayer(name: layerName(), kind: "bidirectional")
            layer.wrapped = (kind, settings)
        } else {
            layer = ImportedLayer(name: layerName(), kind: kind, settings: settings)
        }
        layer.tensors = tensors
        let id = add(layer, reading: [x])
        let steps = x.shape[0]
        output(ONNXValue(layer: id, shape: [steps, dirs, -1, u], layout: .recurrentSequence), 0)
        output(ONNXValue(layer: id, shape: [dirs, -1, u], layout: .recurrentState), 1)
    }

    /// ONNX's rows [gates·u, rows] (gate blocks in ONNX's order) as Keras's [rows, gates·u]:
    /// Keras's block j is ONNX's block `order[j]`.
    static func kerasColumns(_ values: [Float], rows: Int, units u: Int, order: [Int]) -> [Float] {
        let width = order.count * u
        var out = [Float](repeating: 0, count: values.count)
        for (j, source) in order.enumerated() {
            for k in 0..<u {
                for row in 0..<rows { out[row * width + j * u + k] = values[(source * u + k) * rows + row] }
            }
        }
        return out
    }

    /// The layer's activation and recurrent activation in nnc's spelling from ONNX's list
    /// (f, g, h for LSTM; f, g for GRU; f for RNN), the same for both directions.
    private mutating func activations(_ cell: String, dirs: Int) -> (String, String?)? {
        let defaults =
            cell == "LSTM" ? ["Sigmoid", "Tanh", "Tanh"] : cell == "GRU" ? ["Sigmoid", "Tanh"] : ["Tanh"]
        let names = attribute("activations").map { $0.strings.map { String(decoding: $0, as: UTF8.self) } }
        let alphas = attribute("activation_alpha")?.floats.map(Double.init) ?? []
        let betas = attribute("activation_beta")?.floats.map(Double.init) ?? []
        let listed = names ?? defaults
        guard listed.count == defaults.count * (names == nil ? 1 : dirs) else {
            refuse("its activations list \(listed) does not give \(defaults.count) per direction")
            return nil
        }
        var alpha = alphas.makeIterator()
        var beta = betas.makeIterator()
        var spelled: [String] = []
        for name in listed {
            switch name.lowercased() {
            case "sigmoid": spelled.append("sigmoid")
            case "tanh": spelled.append("tanh")
            case "relu": spelled.append("relu")
            case "softplus": spelled.append("softplus")
            case "leakyrelu": spelled.append("{leaky_relu: \(Self.number(alpha.next() ?? 0.01))}")
            case "elu":
                let a = alpha.next() ?? 1
                spelled.append(a == 1 ? "elu" : "{elu: \(Self.number(a))}")
            case "affine":
                let (a, c) = (alpha.next() ?? 1, beta.next() ?? 0)
                guard a == 1, c == 0 else {
                    refuse("its Affine activation (alpha \(a), beta \(c)) is not nnc's linear")
                    return nil
                }
                spelled.append("linear")
            case "scaledtanh":
                let (a, c) = (alpha.next() ?? 1, beta.next() ?? 1)
                guard abs(a - 1.7159) < 1e-4, abs(c - 2.0 / 3.0) < 1e-4 else {
                    refuse("its ScaledTanh activation (alpha \(a), beta \(c)) is not nnc's lecun_tanh")
                    return nil
                }
                spelled.append("lecun_tanh")
            default:
                refuse("its activation \(name) has no nnc form in a recurrent layer")
                return nil
            }
        }
        let perDirection = Array(spelled.prefix(defaults.count))
        guard spelled.count == perDirection.count || Array(spelled.suffix(defaults.count)) == perDirection,
            cell != "LSTM" || perDirection[1] == perDirection[2]
        else {
            refuse("its activations \(listed) differ between directions or between an LSTM's candidate and output")
            return nil
        }
        return cell == "RNN" ? (perDirection[0], nil) : (perDirection[1], perDirection[0])
    }
}
