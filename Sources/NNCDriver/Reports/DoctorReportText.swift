import Foundation
import NNCDiagnostics

/// `nnc doctor`'s report: a table of the checks, one of the first step's tensors and layers,
/// then the findings as diagnostics (printed by the command); or one JSON object.
extension Doctor.Report {
    public var text: String {
        var lines = [
            "nnc doctor: '\(model)' (\(file)), seed \(seed), \(threads) \(threads == 1 ? "thread" : "threads"), batch \(batchSize)",
            "",
        ]
        let width = max(checks.map(\.name.count).max() ?? 0, 5)
        for check in checks {
            let verdict = check.verdict.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            lines.append(
                "  \(check.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(verdict) \(check.summary)")
        }
        if !tensors.isEmpty {
            lines += ["", "  first step, per tensor:"]
            let rows = tensors.map { t in
                [
                    "\(t.layer).\(t.name)" + (t.trainable ? "" : " (frozen)"), Self.number(t.weightNorm),
                    t.gradientNorm.map(Self.number) ?? "–", t.relativeUpdate.map(Self.number) ?? "–",
                    t.changed ? "yes" : "no",
                ]
            }
            lines += Self.table(["tensor", "‖w‖", "‖g‖", "‖Δw‖/‖w‖", "changed"], rows)
        }
        if !layers.isEmpty {
            lines += ["", "  first batch, per layer output:"]
            let rows = layers.map { l in
                [
                    l.layer, l.activation, Self.number(l.mean), Self.number(l.std),
                    l.deadFraction.map { String(format: "%.0f%% dead", $0 * 100) }
                        ?? l.saturatedFraction.map { String(format: "%.0f%% saturated", $0 * 100) } ?? "",
                ]
            }
            lines += Self.table(["layer", "activation", "mean", "std", ""], rows)
        }
        lines += [
            "", findings.isEmpty ? "healthy: no finding" : "findings below (`nnc explain CODE` says more about each)",
        ]
        return lines.joined(separator: "\n")
    }

    public var json: String {
        struct CheckJSON: Encodable { var name, verdict, summary: String }
        struct TensorJSON: Encodable {
            var layer, name: String
            var trainable, changed: Bool
            var weight_norm, gradient_norm, relative_update: Double?
        }
        struct LayerJSON: Encodable {
            var layer, activation: String
            var mean, std: Double?
            var dead_fraction, saturated_fraction: Double?
        }
        struct ReportJSON: Encodable {
            var model, file: String
            var seed: UInt64
            var threads, batch_size, errors, warnings: Int
            var healthy: Bool
            var checks: [CheckJSON]
            var tensors: [TensorJSON]
            var layers: [LayerJSON]
            var one_batch_losses: [Double?]
            var findings: [JSONReports.DiagnosticJSON]
        }
        let errors = findings.filter { $0.severity == .error }.count
        return JSONReports.encode(
            ReportJSON(
                model: model, file: file, seed: seed, threads: threads, batch_size: batchSize, errors: errors,
                warnings: findings.count - errors, healthy: errors == 0,
                checks: checks.map { CheckJSON(name: $0.name, verdict: $0.verdict.rawValue, summary: $0.summary) },
                tensors: tensors.map {
                    TensorJSON(
                        layer: $0.layer, name: $0.name, trainable: $0.trainable, changed: $0.changed,
                        weight_norm: Self.finite($0.weightNorm), gradient_norm: $0.gradientNorm.flatMap(Self.finite),
                        relative_update: $0.relativeUpdate.flatMap(Self.finite))
                },
                layers: layers.map {
                    LayerJSON(
                        layer: $0.layer, activation: $0.activation, mean: Self.finite($0.mean),
                        std: Self.finite($0.std),
                        dead_fraction: $0.deadFraction, saturated_fraction: $0.saturatedFraction)
                },
                one_batch_losses: oneBatchLosses.map(Self.finite),
                findings: JSONReports.diagnostics(findings)))
    }

    /// JSON has no NaN or infinity: they are null.
    static func finite(_ v: Double) -> Double? { v.isFinite ? v : nil }

    static func number(_ v: Double) -> String { String(format: "%.3g", v) }

    /// Left-aligned columns, indented by four spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max()! }
        return all.map { row in
            "    "
                + row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}
