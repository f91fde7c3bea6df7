import Foundation

/// The learning curves of a run as an SVG file a browser opens: the loss per epoch in one
/// panel and the first metric in another, training solid and validation dashed.
public enum LearningCurves {
    struct Series {
        var label: String
        var values: [Double?]
        var dashed: Bool
        var color: String
    }

    public static func svg(model: String, history: [EpochRecord]) -> String {
        let width = 900.0
        let height = 360.0
        var panels: [(String, [Series])] = [
            (
                "loss",
                [
                    Series(label: "training", values: history.map(\.loss), dashed: false, color: "#1f77b4"),
                    Series(label: "validation", values: history.map(\.validationLoss), dashed: true, color: "#d62728"),
                ]
            )
        ]
        if let metric = history.first?.metrics.keys.sorted().first {
            panels.append(
                (
                    metric,
                    [
                        Series(
                            label: "training", values: history.map { $0.metrics[metric] }, dashed: false,
                            color: "#1f77b4"),
                        Series(
                            label: "validation", values: history.map { $0.validationMetrics[metric] }, dashed: true,
                            color: "#d62728"),
                    ]
                ))
        }
        let panelWidth = width / Double(panels.count)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="18" text-anchor="middle" font-size="14">\(escape(model)): learning curves</text>

            """
        for (i, panel) in panels.enumerated() {
            out += plot(
                title: panel.0, series: panel.1.filter { $0.values.contains { $0 != nil } },
                epochs: history.map(\.epoch),
                x: Double(i) * panelWidth, width: panelWidth, height: height)
        }
        return out + "</svg>\n"
    }

    /// One panel: axes with ticks, a polyline per series, a legend.
    static func plot(title: String, series: [Series], epochs: [Int], x: Double, width: Double, height: Double) -> String
    {
        let left = x + 60
        let right = x + width - 20
        let top = 40.0
        let bottom = height - 45
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        guard let low = values.min(), let high = values.max(), let first = epochs.first, let last = epochs.last else {
            return ""
        }
        let span = high > low ? high - low : max(abs(high), 1) * 0.1
        let yMin = low - 0.05 * span
        let yMax = high + 0.05 * span
        let xSpan = Double(max(1, last - first))
        func px(_ e: Int) -> Double { left + (right - left) * Double(e - first) / xSpan }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * (v - yMin) / (yMax - yMin) }
        var out =
            "<g>\n<text x=\"\((left + right) / 2)\" y=\"\(top - 8)\" text-anchor=\"middle\">\(escape(title))</text>\n"
        out += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = yMin + (yMax - yMin) * Double(k) / 4
            let y = py(v)
            out += "<line x1=\"\(left - 4)\" y1=\"\(format(y))\" x2=\"\(right)\" y2=\"\(format(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(format(y + 4))\" text-anchor=\"end\">\(label(v))</text>\n"
        }
        let step = max(1, (last - first) / 8)
        for e in stride(from: first, through: last, by: step) {
            out += "<text x=\"\(format(px(e)))\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(e)</text>\n"
        }
        out += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 34)\" text-anchor=\"middle\">epoch</text>\n"
        for (i, s) in series.enumerated() {
            let points = zip(epochs, s.values).compactMap { e, v in
                v.flatMap { $0.isFinite ? "\(format(px(e))),\(format(py($0)))" : nil }
            }
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out +=
                "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash) points=\"\(points.joined(separator: " "))\"/>\n"
            let ly = top + 14 + Double(i) * 16
            out +=
                "<line x1=\"\(right - 110)\" y1=\"\(ly - 4)\" x2=\"\(right - 86)\" y2=\"\(ly - 4)\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>"
            out += "<text x=\"\(right - 80)\" y=\"\(ly)\">\(s.label)</text>\n"
        }
        return out + "</g>\n"
    }

    static func format(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A tick label with about three significant digits.
    static func label(_ v: Double) -> String {
        let magnitude = abs(v)
        if magnitude >= 100 || magnitude == 0 { return String(format: "%.0f", v) }
        if magnitude >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
