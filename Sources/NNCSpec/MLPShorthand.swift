import NNCDiagnostics

/// The lecture notes' MLP shorthand: `784-128-10` is an input of 784 features, dense
/// hidden layers (ReLU) and a dense softmax output trained with categorical cross-entropy.
public enum MLPShorthand {
    /// True when `text` is meant as a shorthand rather than a path: it starts with a digit,
    /// has a dash, and has no path or extension characters (`784-128-10`, also the
    /// mistyped `784-12x-10`, which then gets a located error).
    public static func matches(_ text: String) -> Bool {
        text.first?.isNumber == true && text.contains("-") && !text.contains("/") && !text.contains(".")
            && !text.contains(where: \.isWhitespace)
    }

    /// The model tree for `text`, or nil with a diagnostic pointing at the bad part.
    public static func node(for file: SourceFile, into diagnostics: inout Diagnostics) -> SpecNode? {
        let text = file.text.trimmingWhitespace()
        var sizes: [(Int, SourceLocation)] = []
        var column = 1
        for part in text.split(separator: "-", omittingEmptySubsequences: false) {
            let location = file.location(line: 1, column: column)
            guard let digits = SpecDecoder.plainNumber(String(part)), let size = Int(digits), size >= 1 else {
                diagnostics.error(
                    .mlpShorthand, "each size of an MLP shorthand must be a positive integer; got '\(part)'",
                    at: location, help: "write sizes joined by '-', e.g. 784-128-10")
                return nil
            }
            sizes.append((size, location))
            column += part.unicodeScalars.count + 1
        }
        guard sizes.count >= 2 else {
            diagnostics.error(
                .mlpShorthand, "an MLP shorthand needs an input size and at least one layer size",
                at: file.location(line: 1, column: 1), help: "e.g. 784-128-10")
            return nil
        }
        let start = file.location(line: 1, column: 1)
        func scalar(_ text: String, _ at: SourceLocation) -> SpecNode { .scalar(text, at: at) }
        func pair(_ key: String, _ value: SpecNode) -> SpecNode.Pair {
            SpecNode.Pair(key: key, keyLocation: value.location, value: value)
        }
        var layers: [SpecNode] = []
        for (index, (size, location)) in sizes.enumerated().dropFirst() {
            let activation = index == sizes.count - 1 ? "softmax" : "relu"
            let body = SpecNode(
                .mapping([
                    pair("units", scalar(String(size), location)), pair("activation", scalar(activation, location)),
                ]),
                at: location)
            layers.append(
                SpecNode(.mapping([SpecNode.Pair(key: "dense", keyLocation: location, value: body)]), at: location))
        }
        return SpecNode(
            .mapping([
                pair("model", scalar("mlp-\(text)", start)),
                pair("input", SpecNode(.sequence([scalar(String(sizes[0].0), sizes[0].1)]), at: sizes[0].1)),
                pair("layers", SpecNode(.sequence(layers), at: start)),
                pair("loss", scalar("categorical_crossentropy", start)),
                pair("metrics", SpecNode(.sequence([scalar("accuracy", start)]), at: start)),
            ]), at: start)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
