import Foundation

/// `nnc train --monitor`: the lecture notes' baby-sitting of a run. At each report point (the
/// last step of every epoch, or every N steps) the step runs one instruction at a time, as
/// `nnc doctor` runs its first step, and each trainable layer's weight norm, gradient norm,
/// update/weight ratio (‖Δw‖/‖w‖ over the layer's trainable tensors; the notes' rule of thumb is
/// about 10⁻³, flagged beyond a factor of 10 either way), gradient statistics (mean, standard
/// deviation, fraction of zeros) and output statistics (mean, standard deviation, fraction of
/// zeros, dead ReLU units, saturated sigmoid/tanh outputs, a histogram) are recorded. Observing only reads
/// buffers: the step computes exactly what an unobserved one does, so the weights are the same.
public final class TrainingMonitor {
    /// When to report.
    public enum Every: Sendable, Equatable {
        /// At the last step of every epoch.
        case epoch
        /// At steps 0, n, 2n, … of the run.
        case steps(Int)
    }

    /// One trainable layer at a report point.
    public struct Layer: Sendable, Encodable {
        public var layer: String
        public var weight_norm: Double
        public var gradient_norm: Double
        /// Over every value of the layer's trainable tensors' gradients.
        public var gradient_mean: Double
        public var gradient_std: Double
        /// The fraction of gradient values exactly 0.
        public var gradient_zero_fraction: Double
        /// ‖w after − w before‖ / ‖w before‖; nil when ‖w‖ was 0.
        public var update_ratio: Double?
        /// "low" below 10⁻⁴, "high" above 10⁻², else nil.
        public var flag: String?
        /// The output's activation ("relu", "logits"); nil when the plan computes no output of the layer
        /// of its own (a convolution with its pooling fused in).
        public var activation: String?
        public var mean: Double?
        public var std: Double?
        public var dead_fraction: Double?
        public var saturated_fraction: Double?
        /// The fraction of the output's values (over the batch) exactly 0.
        public var zero_fraction: Double?
        /// The output's values over the batch in `ValueHistogram.buckets` equal-width buckets.
        public var histogram: ValueHistogram?
    }

    /// One report: the step, its batch's loss and rate, and every trainable layer.
    public struct Report: Sendable, Encodable {
        public var epoch: Int
        public var step: Int
        public var batch: Int
        public var loss: Double
        public var learning_rate: Double
        public var layers: [Layer]
    }

    public let every: Every
    /// The reports of this run so far (and of the run it resumed), one JSON object a line.
    var lines: [String] = []
    /// The reports made by this process.
    public private(set) var reports: [Report] = []

    public init(every: Every) { self.every = every }

    /// Whether the step numbered `step` (from 0 in the run), batch `batch` of `batches`, reports.
    func isDue(step: Int, batch: Int, batches: Int) -> Bool {
        switch every {
        case .epoch: batch == batches - 1
        case .steps(let n): step % n == 0
        }
    }

    func record(_ report: Report) {
        reports.append(report)
        lines.append(Trainer.json(report) + "\n")
    }

    /// The update/weight flag: far from the notes' ~10⁻³.
    static func flag(_ ratio: Double?) -> String? {
        guard let ratio else { return nil }
        return ratio < 1e-4 ? "low" : ratio > 1e-2 ? "high" : nil
    }
}

extension TrainingMonitor.Report {
    /// The compact table printed at each report point.
    public var text: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.3g", $0) } ?? "-" }
        func percent(_ v: Double?) -> String? { v.map { String(format: "%.0f%%", $0 * 100) } }
        let header = [
            "layer", "‖w‖", "‖g‖", "g zeros", "‖Δw‖/‖w‖", "act mean", "act std", "act zeros", "dead/saturated",
        ]
        let rows = layers.map { l in
            [
                l.layer, f(l.weight_norm), f(l.gradient_norm), percent(l.gradient_zero_fraction) ?? "-",
                f(l.update_ratio) + (l.flag.map { " \($0)" } ?? ""), f(l.mean), f(l.std),
                percent(l.zero_fraction) ?? "-",
                percent(l.dead_fraction).map { "\($0) dead" } ?? percent(l.saturated_fraction).map { "\($0) saturated" }
                    ?? "-",
            ]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return
            (["monitor: epoch \(epoch), step \(step), loss \(f(loss)), learning rate \(f(learning_rate))"]
            + lines.map { "  " + $0 }).joined(separator: "\n")
    }
}
