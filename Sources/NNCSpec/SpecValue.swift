import NNCDiagnostics

/// Explicit padding of one spatial dimension: cells added before and after.
public struct PadPair: Sendable, Equatable {
    public var low: Int
    public var high: Int
    public init(_ low: Int, _ high: Int) {
        self.low = low
        self.high = high
    }
}

/// A decoded padding attribute.
public enum Padding: Sendable, Equatable {
    case valid
    /// Output size ⌈in/stride⌉, padding split evenly with the extra cell after (Keras, TensorFlow).
    case same
    /// 1-D only: all padding before, so output t sees inputs ≤ t.
    case causal
    case explicit([PadPair])
}

/// A typed attribute value, after the decoder has checked it against the registry.
public indirect enum SpecValue: Sendable {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    /// Spatial tuples (kernel, stride), shapes and reshape targets.
    case ints([Int])
    case padding(Padding)
    case component(ComponentSpec)
    case list([AttributeValue])
    case names([LocatedName])
    case record(RecordValue)
}

/// A name as written in the spec, with where it was written.
public struct LocatedName: Sendable {
    public var name: String
    public var location: SourceLocation
    public init(_ name: String, at location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// A value plus where it came from; `isDefault` values were filled in from the registry.
public struct AttributeValue: Sendable {
    public var value: SpecValue
    public var location: SourceLocation
    public var isDefault: Bool

    public init(_ value: SpecValue, at location: SourceLocation, isDefault: Bool = false) {
        self.value = value
        self.location = location
        self.isDefault = isDefault
    }
}

/// A decoded component (a layer, an activation, an optimizer, …): its kind and every
/// attribute, explicit ones and defaults, in registry order.
public struct ComponentSpec: Sendable {
    public var kind: ComponentKind
    public var location: SourceLocation
    public var values: [String: AttributeValue]
    /// False when any attribute failed to decode (already reported): checkers skip it
    /// rather than report follow-on errors.
    public var isValid = true

    public init(kind: ComponentKind, location: SourceLocation, values: [String: AttributeValue] = [:]) {
        self.kind = kind
        self.location = location
        self.values = values
    }

    public var name: String { kind.name }

    /// Attributes that are set, in registry order.
    public var orderedValues: [(Attribute, AttributeValue)] {
        kind.attributes.compactMap { attribute in values[attribute.name].map { (attribute, $0) } }
    }
}

/// A decoded section (`train`, `data`, …) with defaults filled in.
public struct RecordValue: Sendable {
    public var schema: RecordSchema
    public var location: SourceLocation
    public var values: [String: AttributeValue]
    /// Known keys that were given but did not decode (already reported), so later checks
    /// do not report them as missing too.
    public var rejected: Set<String>

    public init(
        schema: RecordSchema, location: SourceLocation, values: [String: AttributeValue] = [:],
        rejected: Set<String> = []
    ) {
        self.schema = schema
        self.location = location
        self.values = values
        self.rejected = rejected
    }

    public var orderedValues: [(Attribute, AttributeValue)] {
        schema.attributes.compactMap { attribute in values[attribute.name].map { (attribute, $0) } }
    }
}
