import Foundation

/// `nnc lr-find`'s output: the suggestions and a text chart of the smoothed loss against the
/// rate (log scale) for the terminal, one JSON object, and the same curve as an SVG file.
extension RateFinder.Result {
    public var text: String {
        var lines = [
            "nnc lr-find: '\(model)', \(optimizer), batch \(batchSize), \(samples.grouped) training samples, \(points.count) steps from \(RateFinder.format(points.first?.learningRate ?? .nan)) to \(RateFinder.format(points.last?.learningRate ?? .nan))"
        ]
        if let stoppedBecause { lines.append("stopped early: \(stoppedBecause)") }
        lines.append("")
        lines += chart()
        lines.append("")
        if let lowest {
            lines.append(
                "lowest smoothed loss   \(RateFinder.format(lowest.smoothed)) at learning rate \(RateFinder.format(lowest.learningRate))"
            )
        }
        lines.append("suggested (steepest)   \(steepest.map(RateFinder.format) ?? "none: the loss never fell")")
        lines.append("suggested (minimum/10) \(minimumTenth.map(RateFinder.format) ?? "none")")
        lines.append("the spec's rate        \(RateFinder.format(specRate))")
        return lines.joined(separator: "\n")
    }

    /// Rows of the smoothed loss (top: highest) against log₁₀ of the rate (left: smallest).
    func chart(width: Int = 60, height: Int = 12) -> [String] {
        guard points.count > 1 else { return ["(too few steps to draw)"] }
        let xs = points.map { log10($0.learningRate) }
        let ys = points.map(\.smoothed)
        let (x0, x1) = (xs.min()!, xs.max()!)
        let (y0, y1) = (ys.min()!, ys.max()!)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        for (x, y) in zip(xs, ys) {
            let column = Int(((x - x0) / max(x1 - x0, 1e-12) * Double(width - 1)).rounded())
            let row = Int(((y1 - y) / max(y1 - y0, 1e-12) * Double(height - 1)).rounded())
            grid[row][column] = "•"
        }
        let label = { (v: Double) in RateFinder.format(v).padding(toLength: 8, withPad: " ", startingAt: 0) }
        var lines = grid.enumerated().map { index, row in
            let tag = index == 0 ? label(y1) : index == height - 1 ? label(y0) : String(repeating: " ", count: 8)
            return tag + " |" + String(row)
        }
        lines.append(String(repeating: " ", count: 8) + " +" + String(repeating: "-", count: width))
        let left = RateFinder.format(points.first!.learningRate)
        let right = RateFinder.format(points.last!.learningRate)
        lines.append(
            String(repeating: " ", count: 10) + left
                + String(repeating: " ", count: max(1, width - left.count - right.count)) + right
                + "   learning rate (log scale); smoothed loss")
        return lines
    }

    public var json: String {
        struct PointJSON: Encodable { var learning_rate, loss, smoothed: Double }
        struct ResultJSON: Encodable {
            var model, optimizer: String
            var batch_size, samples: Int
            var spec_learning_rate: Double
            var stopped_because: String?
            var suggested_steepest, suggested_minimum_tenth: Double?
            var points: [PointJSON]
        }
        return JSONReports.encode(
            ResultJSON(
                model: model, optimizer: optimizer, batch_size: batchSize, samples: samples,
                spec_learning_rate: specRate, stopped_because: stoppedBecause, suggested_steepest: steepest,
                suggested_minimum_tenth: minimumTenth,
                points: points.map { PointJSON(learning_rate: $0.learningRate, loss: $0.loss, smoothed: $0.smoothed) }))
    }

    /// The raw and smoothed loss against the rate on a log axis, with the suggestions marked.
    public var svg: String {
        let width = 720.0
        let height = 420.0
        let (left, right, top, bottom) = (70.0, width - 20, 40.0, height - 50)
        guard points.count > 1 else {
            return
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\"></svg>\n"
        }
        let xs = points.map { log10($0.learningRate) }
        let (x0, x1) = (xs.min()!, xs.max()!)
        let values = points.flatMap { [$0.loss, $0.smoothed] }
        let (y0, y1) = (values.min()!, min(values.max()!, 4 * (points.map(\.smoothed).min()! + 1e-12)))
        func px(_ rate: Double) -> Double { left + (right - left) * (log10(rate) - x0) / max(x1 - x0, 1e-12) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * (min(v, y1) - y0) / max(y1 - y0, 1e-12) }
        func path(_ values: [Double], _ color: String, _ width: Double, _ opacity: Double) -> String {
            let d = zip(points, values).enumerated().map { i, pair in
                String(format: "%@%.1f,%.1f", i == 0 ? "M" : "L", px(pair.0.learningRate), py(pair.1))
            }.joined(separator: " ")
            return
                "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\" opacity=\"\(opacity)\"/>\n"
        }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out +=
            "<text x=\"\(Int(left))\" y=\"24\" font-size=\"14\">\(LearningCurves.escape(model)): learning-rate range test (\(optimizer), batch \(batchSize))</text>\n"
        out +=
            "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for decade in Int(x0.rounded(.up))...max(Int(x0.rounded(.up)), Int(x1.rounded(.down))) {
            let x = px(pow(10, Double(decade)))
            out +=
                "<line x1=\"\(x)\" y1=\"\(bottom)\" x2=\"\(x)\" y2=\"\(bottom + 5)\" stroke=\"black\"/><text x=\"\(x)\" y=\"\(bottom + 18)\" text-anchor=\"middle\">1e\(decade)</text>\n"
        }
        for v in [y0, (y0 + y1) / 2, y1] {
            out +=
                "<text x=\"\(left - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(RateFinder.format(v))</text>\n"
        }
        out += path(points.map(\.loss), "#1f77b4", 1, 0.35)
        out += path(points.map(\.smoothed), "#1f77b4", 2, 1)
        for (rate, label, color) in [(steepest, "steepest", "#d62728"), (minimumTenth, "minimum/10", "#2ca02c")] {
            guard let rate, log10(rate) >= x0, log10(rate) <= x1 else { continue }
            let x = px(rate)
            out +=
                "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(bottom)\" stroke=\"\(color)\" stroke-dasharray=\"4 3\"/><text x=\"\(x + 4)\" y=\"\(top + 12)\" fill=\"\(color)\">\(label) \(RateFinder.format(rate))</text>\n"
        }
        out +=
            "<text x=\"\((left + right) / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">learning rate (log scale); loss (faint) and smoothed loss</text>\n"
        return out + "</svg>\n"
    }
}
