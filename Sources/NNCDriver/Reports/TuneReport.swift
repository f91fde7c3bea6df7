import Foundation
import NNCSpec

/// `nnc tune`'s output: the trials ranked by the validation metric as a table or one JSON
/// object, and a scatter plot of the metric against each searched value (SVG).
extension Tuner.Result {
    public var text: String {
        var lines = [
            "nnc tune: '\(space.model)', \(ranked.count) trial\(ranked.count == 1 ? "" : "s") (seed \(seed)), \(epochs) epoch\(epochs == 1 ? "" : "s") each\(halving.map { ", halving with η = \($0)" } ?? ""), ranked by \(metric) (\(higherIsBetter ? "higher" : "lower") is better)",
            "",
        ]
        let headers = ["rank", "trial", metric] + space.names + ["epochs", "status"]
        var rows: [[String]] = []
        for (i, trial) in ranked.enumerated() {
            rows.append(
                ["\(i + 1)", "\(trial.number)", Tuner.format(trial.score)] + trial.values.map(\.text)
                    + ["\(trial.metric.count)", trial.status.rawValue + (trial.error.map { ": \($0)" } ?? "")])
        }
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == cells.count - 1
                    ? cell : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
        lines.append(line(headers))
        lines += rows.map(line)
        lines.append("")
        if let best, let bestSpec {
            lines.append("best: trial \(best.number), \(metric) \(Tuner.format(best.score)); its spec: \(bestSpec)")
        } else {
            lines.append("best: none (no trial finished)")
        }
        return lines.joined(separator: "\n")
    }

    public var json: String {
        struct TrialJSON: Encodable {
            var trial: Int
            var status: String
            var score: Double?
            var values: [String: String]
            var metric: [Double?]
            var error: String?
        }
        struct RangeJSON: Encodable {
            var name, kind: String
            var low, high: Double?
            var options: [String]?
        }
        struct ResultJSON: Encodable {
            var model, metric, folder: String
            var higher_is_better: Bool
            var epochs, trials, reused: Int
            var seed: UInt64
            var halving: Int?
            var best_trial: Int?
            var best_score: Double?
            var best_spec: String?
            var ranges: [RangeJSON]
            var ranked: [TrialJSON]
        }
        return JSONReports.encode(
            ResultJSON(
                model: space.model, metric: metric, folder: folder, higher_is_better: higherIsBetter, epochs: epochs,
                trials: ranked.count, reused: reused, seed: seed, halving: halving, best_trial: best?.number,
                best_score: best?.score, best_spec: bestSpec,
                ranges: zip(space.names, space.ranges).map { name, range in
                    range.kind == .choice
                        ? RangeJSON(
                            name: name, kind: range.kind.rawValue, options: range.options.map(SearchSpace.flowText))
                        : RangeJSON(name: name, kind: range.kind.rawValue, low: range.low, high: range.high)
                },
                ranked: ranked.map { trial in
                    TrialJSON(
                        trial: trial.number, status: trial.status.rawValue, score: trial.score,
                        values: Dictionary(uniqueKeysWithValues: zip(space.names, trial.values.map(\.text))),
                        metric: trial.metric, error: trial.error)
                }))
    }

    /// One panel per searched value: the metric of each trial against its value (a log axis
    /// for a log_uniform range, one column per option for a choice); the best trial in red,
    /// trials cut by halving in grey.
    public var svg: String {
        let columns = min(3, space.ranges.count)
        let rowsCount = (space.ranges.count + columns - 1) / columns
        let (panelWidth, panelHeight) = (320.0, 260.0)
        let width = panelWidth * Double(columns)
        let height = 40 + panelHeight * Double(rowsCount)
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out +=
            "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(LearningCurves.escape(space.model)): \(LearningCurves.escape(metric)) of \(ranked.count) trials</text>\n"
        let scored = ranked.filter { $0.score != nil }
        let scores = scored.compactMap(\.score)
        let low = scores.min() ?? 0
        let high = scores.max() ?? 1
        let span = high > low ? high - low : max(abs(high), 1) * 0.1
        let (yMin, yMax) = (low - 0.05 * span, high + 0.05 * span)
        for (index, range) in space.ranges.enumerated() {
            let x0 = Double(index % columns) * panelWidth
            let y0 = 40 + Double(index / columns) * panelHeight
            let (left, right, top, bottom) = (x0 + 60, x0 + panelWidth - 20, y0 + 20, y0 + panelHeight - 45)
            func py(_ v: Double) -> Double { bottom - (bottom - top) * (v - yMin) / (yMax - yMin) }
            // The x position of a value: its share of the range (on the log scale for log_uniform).
            let isLog = range.kind == .logUniform
            let (a, b): (Double, Double) =
                range.kind == .choice
                ? (-0.5, Double(range.options.count) - 0.5)
                : isLog ? (log10(range.low), log10(range.high)) : (range.low, range.high)
            func px(_ v: Double) -> Double {
                left + (right - left) * ((isLog ? log10(max(v, 1e-300)) : v) - a) / max(b - a, 1e-12)
            }
            out +=
                "<g>\n<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
            for v in [yMin, (yMin + yMax) / 2, yMax] {
                out +=
                    "<text x=\"\(left - 6)\" y=\"\(LearningCurves.format(py(v) + 4))\" text-anchor=\"end\">\(LearningCurves.label(v))</text>\n"
            }
            let ticks: [(Double, String)]
            switch range.kind {
            case .choice:
                ticks = range.options.enumerated().map { (Double($0), SearchSpace.flowText($1)) }
            case .logUniform:
                let decades = Int(a.rounded(.up))...max(Int(a.rounded(.up)), Int(b.rounded(.down)))
                ticks =
                    decades.map { (pow(10, Double($0)), "1e\($0)") }
                    + (decades.count < 2
                        ? [
                            (range.low, LearningCurves.label(range.low)),
                            (range.high, LearningCurves.label(range.high)),
                        ] : [])
            case .uniform, .intUniform:
                ticks = [range.low, (range.low + range.high) / 2, range.high].map { ($0, LearningCurves.label($0)) }
            }
            for (value, label) in ticks {
                let x = LearningCurves.format(px(value))
                out +=
                    "<line x1=\"\(x)\" y1=\"\(bottom)\" x2=\"\(x)\" y2=\"\(bottom + 4)\" stroke=\"black\"/><text x=\"\(x)\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(LearningCurves.escape(label))</text>\n"
            }
            out +=
                "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 34)\" text-anchor=\"middle\">\(LearningCurves.escape(space.names[index]))\(isLog ? " (log scale)" : "")</text>\n"
            for trial in scored.reversed() {
                let isBest = trial.number == best?.number
                let color = isBest ? "#d62728" : trial.status == .cut ? "#999999" : "#1f77b4"
                out +=
                    "<circle cx=\"\(LearningCurves.format(px(trial.values[index].number)))\" cy=\"\(LearningCurves.format(py(trial.score!)))\" r=\"\(isBest ? 6 : 4)\" fill=\"\(color)\" opacity=\"0.8\"><title>trial \(trial.number): \(LearningCurves.escape(trial.values[index].text)) → \(Tuner.format(trial.score))</title></circle>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }
}
