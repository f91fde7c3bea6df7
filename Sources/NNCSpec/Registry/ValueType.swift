/// Inclusive or exclusive numeric limits of an attribute, checked by the decoder.
public struct Bounds: Sendable {
    public var min: Double?
    public var max: Double?
    public var minExclusive = false
    public var maxExclusive = false

    public init(min: Double? = nil, max: Double? = nil, minExclusive: Bool = false, maxExclusive: Bool = false) {
        self.min = min
        self.max = max
        self.minExclusive = minExclusive
        self.maxExclusive = maxExclusive
    }

    public static let none = Bounds()
    public static let positive = Bounds(min: 0, minExclusive: true)
    public static let nonNegative = Bounds(min: 0)
    public static let atLeastOne = Bounds(min: 1)
    public static let unit = Bounds(min: 0, max: 1)
    public static let unitOpen = Bounds(min: 0, max: 1, maxExclusive: true)

    public func contains(_ value: Double) -> Bool {
        if let min, minExclusive ? value <= min : value < min { return false }
        if let max, maxExclusive ? value >= max : value > max { return false }
        return true
    }

    /// "≥ 1", "in [0, 1)", "> 0".
    public var description: String {
        func fmt(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        switch (min, max) {
        case (let lo?, let hi?):
            return "in \(minExclusive ? "(" : "[")\(fmt(lo)), \(fmt(hi))\(maxExclusive ? ")" : "]")"
        case (let lo?, nil): return "\(minExclusive ? ">" : "≥") \(fmt(lo))"
        case (nil, let hi?): return "\(maxExclusive ? "<" : "≤") \(fmt(hi))"
        case (nil, nil): return "any value"
        }
    }
}

/// What an attribute accepts. The decoder, the JSON Schema and the docs all read this.
public indirect enum ValueType: Sendable {
    case int(Bounds)
    case float(Bounds)
    case bool
    case string
    /// One of a fixed set of keywords.
    case choice([String])
    /// One int or a list of as many ints as the layer has spatial dimensions (kernel, stride).
    case spatial(Bounds)
    /// A per-sample shape: a list of positive ints.
    case shape
    /// A reshape target: a list of positive ints, at most one of them -1.
    case reshapeTarget
    /// `valid`, `same`, `causal`, one int, one int per spatial dimension, or `[lo, hi]` per dimension.
    case padding
    /// Cells added or removed at each side: one int, one int per spatial dimension, or `[lo, hi]`
    /// per dimension (zero_padding2d, cropping2d), never a keyword.
    case margins
    /// A named component (an activation, an initializer, …) in its short or full form.
    case component(Family)
    case list(ValueType)
    /// A layer name or a list of layer names.
    case layerNames
    /// A file path, relative to the spec file.
    case path
    /// A nested section with its own keys.
    case record(RecordSchema)
    /// Either an int or a float with the given bounds (a number).
    case number(Bounds)

    /// How the type reads in messages: "an integer ≥ 1", "one of valid, same".
    public var description: String {
        switch self {
        case .int(let b): b.min == nil && b.max == nil ? "an integer" : "an integer \(b.description)"
        case .float(let b), .number(let b): b.min == nil && b.max == nil ? "a number" : "a number \(b.description)"
        case .bool: "true or false"
        case .string: "a string"
        case .choice(let options): "one of \(options.joined(separator: ", "))"
        case .spatial: "an integer or a list of integers, one per spatial dimension"
        case .shape: "a shape: a list of positive integers"
        case .reshapeTarget: "a shape: a list of positive integers, at most one -1"
        case .padding: "valid, same, causal, an integer, or a list of integers"
        case .margins: "an integer, one per spatial dimension, or [[before, after], …]"
        case .component(let family): "\(family.article) \(family.name)"
        case .list(let element): "a list of \(element.pluralDescription)"
        case .layerNames: "a layer name or a list of layer names"
        case .path: "a file path"
        case .record: "a mapping"
        }
    }

    var pluralDescription: String {
        switch self {
        case .component(let family): family.pluralName
        case .int: "integers"
        case .float, .number: "numbers"
        case .string: "strings"
        case .bool, .choice, .spatial, .shape, .reshapeTarget, .padding, .margins, .list, .layerNames, .path, .record:
            "values"
        }
    }
}
