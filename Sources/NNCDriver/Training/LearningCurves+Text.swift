import Foundation

/// The loss curves as a text chart, printed at the end of `nnc train`'s text output: one column
/// per epoch (a run longer than the width shares columns), training as `•`, validation as
/// `◦` (`•` wins where both fall), the loss axis labelled at the top and bottom; rows end
/// at their last mark.
extension LearningCurves {
    public static func text(history: [EpochRecord], width: Int = 60, height: Int = 10) -> [String] {
        let training = history.map(\.loss)
        let validation = history.map(\.validationLoss)
        let values = (training + validation.compactMap { $0 }).filter(\.isFinite)
        guard history.count > 1, let low = values.min(), let high = values.max() else { return [] }
        let columns = min(width, history.count)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: columns), count: height)
        func plot(_ series: [Double?], _ mark: Character) {
            for (epoch, value) in series.enumerated() {
                guard let value, value.isFinite else { continue }
                let column = epoch * (columns - 1) / (history.count - 1)
                let row = Int(((high - value) / max(high - low, 1e-12) * Double(height - 1)).rounded())
                if grid[row][column] != "•" { grid[row][column] = mark }
            }
        }
        plot(validation, "◦")
        plot(training, "•")
        let label = { (v: Double) in String(format: "%-9.4g", v) }
        var lines = grid.enumerated().map { index, row in
            let tag = index == 0 ? label(high) : index == height - 1 ? label(low) : String(repeating: " ", count: 9)
            return tag + "|" + String(String(row).reversed().drop { $0 == " " }.reversed())
        }
        lines.append(String(repeating: " ", count: 9) + "+" + String(repeating: "-", count: columns))
        let legend = validation.contains { $0 != nil } ? "• training loss, ◦ validation loss" : "• training loss"
        lines.append(
            String(repeating: " ", count: 10) + "epochs 1–\(history.count)"
                + (columns < history.count ? " (up to \((history.count + columns - 1) / columns) per column)" : "")
                + "; " + legend)
        return lines
    }
}
