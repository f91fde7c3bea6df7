/// One attribute of a component or a section: its name, type, default and meaning.
public struct Attribute: Sendable {
    public enum Default: Sendable {
        /// The attribute must be given.
        case required
        /// A value used when the attribute is absent, written in spec syntax (`"relu"`, `"0.5"`, `"[1, 1]"`).
        case value(String)
        /// Absent means "not set"; `note` says what that implies ("same as pool", "the model's init").
        case unset(note: String)
    }

    public var name: String
    public var type: ValueType
    public var `default`: Default
    public var doc: String

    public init(_ name: String, _ type: ValueType, _ default: Default = .unset(note: "not set"), _ doc: String) {
        self.name = name
        self.type = type
        self.default = `default`
        self.doc = doc
    }

    public var isRequired: Bool {
        if case .required = `default` { return true }
        return false
    }
}

/// The keys of a nested section (`train`, `data`, `early_stopping`, …).
public final class RecordSchema: Sendable {
    public let name: String
    public let doc: String
    public let attributes: [Attribute]

    public init(name: String, doc: String, attributes: [Attribute]) {
        self.name = name
        self.doc = doc
        self.attributes = attributes
    }

    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }
}
