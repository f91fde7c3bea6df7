import Foundation
import NNCData

/// One sample's prediction, as `nnc predict` prints it.
public struct Prediction: Sendable {
    public var index: Int
    /// Classifiers: the most probable class and its probability.
    public var predictedClass: Int?
    /// The predicted class's name, when the training data named its classes (image folders).
    public var className: String?
    public var probability: Float?
    /// The model's output values (probabilities for classifiers, predictions for regression).
    public var values: [Float]
    /// The sample's label, when it has one.
    public var label: Int?
    public var target: [Float]?

    /// Predictions from output rows; `classifier` when the output is a softmax or sigmoid;
    /// `classNames` name the classes when the training data did.
    public static func make(outputs: [[Float]], dataset: Dataset, classifier: Bool, classNames: [String]? = nil)
        -> [Prediction]
    {
        outputs.enumerated().map { i, row in
            var p = Prediction(index: i, values: row)
            if classifier {
                if row.count == 1 {
                    p.predictedClass = row[0] >= 0.5 ? 1 : 0
                    p.probability = row[0] >= 0.5 ? row[0] : 1 - row[0]
                } else {
                    let best = row.indices.max { row[$0] < row[$1] } ?? 0
                    p.predictedClass = best
                    p.probability = row[best]
                }
                if let classNames, let c = p.predictedClass, classNames.indices.contains(c) {
                    p.className = classNames[c]
                }
            }
            switch dataset.targets {
            case .classes(let labels, 1): p.label = Int(labels[i])
            case .values(let values, let width):
                p.target = Array(values[(i * width)..<((i + 1) * width)])
                if classifier, width == 1, (0...1).contains(values[i]) { p.label = Int(values[i].rounded()) }
            case .classes, .none: break
            }
            return p
        }
    }

    /// The fraction of labelled samples predicted right; nil without labels.
    public static func accuracy(_ predictions: [Prediction]) -> Double? {
        let labelled = predictions.filter { $0.label != nil && $0.predictedClass != nil }
        guard !labelled.isEmpty else { return nil }
        return Double(labelled.filter { $0.label == $0.predictedClass }.count) / Double(labelled.count)
    }

    public var text: String {
        var line = "\(String(index).leftPadded(to: 6, with: " "))  "
        if let c = predictedClass, let p = probability {
            line += "class \(c)" + (className.map { " (\($0))" } ?? "") + "  p=\(String(format: "%.4f", p))"
            if let label { line += "  label \(label)" + (label == c ? "" : "  ✗") }
        } else {
            line += values.map { String(format: "%.5g", $0) }.joined(separator: " ")
            if let target { line += "   target " + target.map { String(format: "%.5g", $0) }.joined(separator: " ") }
        }
        return line
    }

    public var json: [String: Any] {
        var o: [String: Any] = ["index": index, "output": values.map(Double.init)]
        if let predictedClass { o["class"] = predictedClass }
        if let className { o["class_name"] = className }
        if let probability { o["probability"] = Double(probability) }
        if let label { o["label"] = label }
        if let target { o["target"] = target.map(Double.init) }
        return o
    }

    public static func csvHeader(_ predictions: [Prediction]) -> String {
        guard let first = predictions.first else { return "index" }
        var columns = ["index"]
        if first.predictedClass != nil {
            columns += ["class"] + (first.className == nil ? [] : ["class_name"]) + ["probability"]
        }
        columns += first.values.indices.map { "output_\($0)" }
        if first.label != nil { columns.append("label") }
        return columns.joined(separator: ",")
    }

    public var csv: String {
        var fields = [String(index)]
        if let predictedClass, let probability {
            fields.append(String(predictedClass))
            if let className { fields.append(Self.csvField(className)) }
            fields.append("\(probability)")
        }
        fields += values.map { "\($0)" }
        if let label { fields.append(String(label)) }
        return fields.joined(separator: ",")
    }

    /// A CSV field: quoted (quotes doubled) when it holds a comma, quote or line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
