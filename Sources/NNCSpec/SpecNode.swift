import NNCDiagnostics

/// A located, untyped tree: what both spellings (YAML and the DSL) parse into before the
/// registry-driven decoder gives it types. Scalars keep their source text; the decoder
/// decides whether `3` is an int, a float or a string by what the schema expects there.
public struct SpecNode: Sendable {
    public enum Kind: Sendable {
        /// `quoted` scalars are always strings (`"3"` is not a number).
        case scalar(String, quoted: Bool)
        case sequence([SpecNode])
        case mapping([SpecNode.Pair])
        case null
    }

    public struct Pair: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: SpecNode

        public init(key: String, keyLocation: SourceLocation, value: SpecNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public static func scalar(_ text: String, quoted: Bool = false, at location: SourceLocation) -> SpecNode {
        SpecNode(.scalar(text, quoted: quoted), at: location)
    }

    public var scalarText: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    public var pairs: [Pair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    public var items: [SpecNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The value under `key` in a mapping.
    public subscript(key: String) -> SpecNode? {
        pairs?.first { $0.key == key }?.value
    }

    /// A short description of the node's kind for "expected X, got Y" messages.
    public var kindDescription: String {
        switch kind {
        case .scalar(let text, let quoted):
            // Long scalars are cut: the description goes into a message.
            let shown = text.clipped(to: 60)
            if quoted { return "string \"\(shown)\"" }
            if let number = SpecDecoder.plainNumber(text) {
                return Int(number) != nil ? "integer \(shown)" : "number \(shown)"
            }
            if ["true", "false"].contains(text) { return "boolean \(text)" }
            return "'\(shown)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .null: return "nothing"
        }
    }
}
