import Foundation

/// `nnc train --seeds`, `nnc eval` with several weights: each member's score beside the
/// committee's, and how far the committee is above its best member.
extension Ensemble.Evaluation {
    /// The committee's accuracy minus its best member's (classifiers), or the best member's
    /// mean squared error minus the committee's (regression): positive when the committee wins.
    public var gain: Double? {
        if isClassifier {
            guard let mine = ensemble.accuracy, let best = members.compactMap(\.accuracy).max() else { return nil }
            return mine - best
        }
        guard let mine = ensemble.loss, let best = members.compactMap(\.loss).min() else { return nil }
        return best - mine
    }

    public var text: String {
        let how =
            rule == .mean
            ? (isClassifier ? "the mean of the members' probabilities" : "the mean of the members' outputs")
            : "a majority vote"
        var lines = [
            "\(model): an ensemble of \(members.count) on \(split) (\(samples.grouped) samples), \(how):"
        ]
        let header = isClassifier ? ["", "accuracy", "loss"] : ["", "mse"]
        func cells(_ s: Ensemble.Score, _ name: String) -> [String] {
            let loss = s.loss.map { String(format: "%.4f", $0) } ?? "–"
            return isClassifier ? [name, s.accuracy.map { String(format: "%.4f", $0) } ?? "–", loss] : [name, loss]
        }
        let rows = [header] + members.map { cells($0, $0.weights) } + [cells(ensemble, "ensemble")]
        let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
        for row in rows {
            lines.append(
                "  "
                    + row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                        separator: "  "))
        }
        if let gain {
            lines.append(
                isClassifier
                    ? String(format: "the ensemble is %+.2f points of accuracy from its best member", gain * 100)
                    : String(
                        format: "the ensemble's mse is %.4g %@ its best member's", abs(gain),
                        gain >= 0 ? "below" : "above"))
        }
        return lines.joined(separator: "\n")
    }

    public var json: String {
        struct ScoreJSON: Encodable {
            var weights: String
            var accuracy, loss: Double?
        }
        struct EvaluationJSON: Encodable {
            var model, split, rule: String
            var samples: Int
            var members: [ScoreJSON]
            var ensemble: ScoreJSON
            var gain: Double?
        }
        func json(_ s: Ensemble.Score) -> ScoreJSON {
            ScoreJSON(weights: s.weights, accuracy: s.accuracy, loss: s.loss)
        }
        return JSONReports.encode(
            EvaluationJSON(
                model: model, split: split, rule: rule.rawValue, samples: samples, members: members.map(json),
                ensemble: json(ensemble), gain: gain))
    }
}
