import NNCDiagnostics

/// A size of the input written as a name (`input: [T, 128]`): checked symbolically, bound
/// to a number from the data (or `--bind T=28`) before the model is compiled.
public struct SizeSymbol: Sendable, Equatable {
    /// The name as written: an upper-case letter, then letters, digits or underscores.
    public var name: String
    /// The input axis it stands for (0 is the first per-sample axis).
    public var axis: Int
    public var location: SourceLocation

    public init(name: String, axis: Int, location: SourceLocation) {
        self.name = name
        self.axis = axis
        self.location = location
    }

    /// True for `T`, `H`, `SEQ_LEN`: an upper-case first letter, then letters, digits, `_`.
    public static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    /// The stand-in each symbolic axis of `input:` is decoded as until it is bound.
    static let placeholder = 1

    /// The `input:` node with each symbol replaced by the placeholder, and the symbols found.
    static func extract(from node: SpecNode) -> (SpecNode, [SizeSymbol]) {
        guard case .sequence(let items) = node.kind else { return (node, []) }
        var symbols: [SizeSymbol] = []
        let replaced = items.enumerated().map { axis, item -> SpecNode in
            guard case .scalar(let text, false) = item.kind, isName(text) else { return item }
            symbols.append(SizeSymbol(name: text, axis: axis, location: item.location))
            return SpecNode(.scalar(String(placeholder), quoted: false), at: item.location)
        }
        return (SpecNode(.sequence(replaced), at: node.location), symbols)
    }
}

extension ModelSpec {
    /// The distinct symbol names, in the order they first appear in `input:`.
    public var symbolNames: [String] {
        var names: [String] = []
        for symbol in symbols where !names.contains(symbol.name) { names.append(symbol.name) }
        return names
    }

    /// This spec with every symbol in `values` written in as its number (and no longer a symbol).
    public func binding(_ values: [String: Int]) -> ModelSpec {
        var bound = self
        bound.symbols = []
        for symbol in symbols {
            if let value = values[symbol.name], input != nil {
                bound.input![symbol.axis] = value
            } else {
                bound.symbols.append(symbol)
            }
        }
        return bound
    }
}
