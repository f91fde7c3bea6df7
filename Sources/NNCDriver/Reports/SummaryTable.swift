import Foundation
import NNCGraph
import NNCSpec

/// The Keras-style summary table with totals, memory and forward cost.
public enum SummaryTable {
    public static func render(_ graph: Graph, explain: Bool, convention: Convention) -> String {
        let connected = !graph.isSequential
        var rows: [[String]] = []
        var extra: [Int: [String]] = [:]
        var stopped = false
        for node in graph.nodes {
            let shape: String
            if let s = graph.shapeText(node) {
                shape = s
            } else {
                shape = stopped ? "?" : "? ◀ stopped here (see below)"
                stopped = true
            }
            let params = node.shape == nil && node.op.kind != .input ? "?" : node.paramCount.grouped
            var row = ["\(node.name) (\(node.typeName))", shape, params]
            if connected { row.append(node.inputs.map { graph[$0].name }.joined(separator: ", ")) }
            rows.append(row)
            if explain, node.shape != nil {
                var lines: [String] = []
                for e in node.explanations {
                    lines.append("\(e.topic): \(e.text)")
                }
                if let field = node.receptiveField, !node.arithmetic.isEmpty {
                    lines.append("receptive field: \(ShapeTrace.cells(field.size))")
                }
                extra[rows.count - 1] = lines
            }
        }
        var headers = ["Layer (type)", "Output Shape", "Param #"]
        if connected { headers.append("Connected to") }
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], min(cell.count, 48)) } }
        let total = widths.reduce(0, +) + 3 * (widths.count - 1) + 2
        func line(_ cells: [String]) -> String {
            " "
                + cells.enumerated().map { i, c in i == 2 ? c.leftPadded(widths[i]) : c.padded(widths[i]) }
                .joined(separator: "   ").trimmingTrailing() + "\n"
        }
        var out = "Model: \"\(graph.name)\"\(convention == .pytorch ? " (PyTorch parameter convention)" : "")\n"
        out += String(repeating: "_", count: total) + "\n" + line(headers) + String(repeating: "=", count: total) + "\n"
        for (i, row) in rows.enumerated() {
            out += line(row)
            for text in extra[i] ?? [] { out += "     \(text)\n" }
            if i < rows.count - 1 { out += explain ? "\n" : "" }
        }
        out += String(repeating: "=", count: total) + "\n"
        let incomplete = graph.nodes.contains { $0.shape == nil } ? " (checked layers only)" : ""
        out += "Total params: \(graph.totalParams.grouped) (\(bytes(graph.totalParams * 4)))\(incomplete)\n"
        out += "Trainable params: \(graph.trainableParams.grouped) (\(bytes(graph.trainableParams * 4)))\n"
        out += "Non-trainable params: \(graph.nonTrainableParams.grouped) (\(bytes(graph.nonTrainableParams * 4)))\n"
        if graph.bufferCount > 0 {
            out +=
                "Buffers: \(graph.bufferCount.grouped) (\(bytes(graph.bufferCount * 4))): batchnorm running statistics, not parameters\n"
        }
        out += String(repeating: "_", count: total) + "\n"
        out += "Parameter memory: \(graph.parameterBytes.grouped) bytes (\(bytes(graph.parameterBytes)), float32)\n"
        if let symbolic = graph.symbolic {
            // Stand-in numbers would mislead: these grow with the symbols, so they are given for a bound value.
            let bind = symbolic.names.map { "\($0)=…" }.joined(separator: ",")
            out += "Activation memory: depends on \(symbolic.namesText) (nnc summary --bind \(bind) gives the bytes)\n"
            out +=
                "Forward cost: depends on \(symbolic.namesText) (nnc summary --bind \(bind) gives the MACs and FLOPs)\n"
        } else {
            out +=
                "Activation memory: \(graph.activationBytesPerSample.grouped) bytes per sample (\(bytes(graph.activationBytesPerSample)); every layer's output, float32)\n"
            out += "Forward cost: \(graph.macs.grouped) MACs, \(graph.flops.grouped) FLOPs per sample\n"
        }
        if explain {
            out +=
                "\nFormulas: dense (in + 1) × units; conv (k·k·C_in/groups + 1) × filters; batchnorm 4 × C (2 × C moving statistics);\n"
            out +=
                "recurrent gates × (units·(in + units) + biases·units); FLOPs = 2 × MACs + bias + activation per output.\n"
        }
        return out
    }

    /// `397.54 KiB`.
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.2f", value) + " " + units[unit]
    }
}

extension String {
    func trimmingTrailing() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
