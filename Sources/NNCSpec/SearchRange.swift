import Foundation
import NNCDiagnostics

/// A search range written where a value goes, for `nnc tune`: `{log_uniform: [1e-4, 1e-1]}`,
/// `{uniform: [0, 0.5]}`, `{int_uniform: [1, 4]}` or `{choice: [64, 128, 256]}`. The decoder
/// records each one it meets in place of an attribute's value (reporting it to every command
/// but `tune`, which replaces it by a sampled value before loading each trial). Where a
/// component goes, a kind's own name wins: `init: {uniform: [-0.05, 0.05]}` stays the
/// uniform initializer.
public struct SearchRange: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case uniform
        case logUniform = "log_uniform"
        case intUniform = "int_uniform"
        case choice
    }

    public var kind: Kind
    /// `adam.learning_rate`, `dense.units`: the owner and the key the range stands for.
    public var name: String
    /// The marker's mapping (its `{`, or its key in block style).
    public var location: SourceLocation
    /// The bounds of a numeric range (0 for `choice`).
    public var low: Double
    public var high: Double
    /// The values of a `choice`.
    public var options: [SpecNode]
    /// The value goes where an integer does: sampled numbers are rounded.
    public var isInteger: Bool

    /// The kind and value of a marker: a one-key mapping whose key names a range kind.
    public static func marker(_ node: SpecNode) -> (kind: Kind, value: SpecNode, keyLocation: SourceLocation)? {
        guard let pairs = node.pairs, pairs.count == 1, let kind = Kind(rawValue: pairs[0].key) else { return nil }
        return (kind, pairs[0].value, pairs[0].keyLocation)
    }

    /// The range a marker describes, or nil with an E0541 diagnostic when its values do not
    /// make one (not a list, not two numbers, low ≥ high, a log range reaching 0, no choices).
    static func read(_ node: SpecNode, name: String, isInteger: Bool, into diagnostics: inout Diagnostics)
        -> SearchRange?
    {
        guard let (kind, value, keyLocation) = marker(node) else { return nil }
        func refuse(_ message: String, help: String) -> SearchRange? {
            diagnostics.error(.invalidSearchRange, message, at: value.isNull ? keyLocation : value.location, help: help)
            return nil
        }
        guard let items = value.items else {
            return refuse(
                "a search range's values must be a list; '\(kind.rawValue)' of '\(name)' got \(value.kindDescription)",
                help: kind == .choice ? "write `{choice: [a, b, c]}`" : "write `{\(kind.rawValue): [low, high]}`")
        }
        if kind == .choice {
            guard !items.isEmpty else {
                return refuse(
                    "a choice needs at least one value; '\(name)' has none", help: "write `{choice: [a, b, c]}`")
            }
            return SearchRange(
                kind: kind, name: name, location: node.location, low: 0, high: 0, options: items, isInteger: isInteger)
        }
        let bounds = items.compactMap { item in item.scalarText.flatMap(SpecDecoder.parseNumber) }
        guard items.count == 2, bounds.count == 2, bounds.allSatisfy(\.isFinite) else {
            return refuse(
                "a \(kind.rawValue) range needs two numbers, low and high; '\(name)' got \(items.count == 2 ? "[\(items.map(\.kindDescription).joined(separator: ", "))]" : "\(items.count) value\(items.count == 1 ? "" : "s")")",
                help: "write `{\(kind.rawValue): [low, high]}`")
        }
        let (low, high) = (bounds[0], bounds[1])
        guard low < high else {
            return refuse(
                "a \(kind.rawValue) range needs low < high; '\(name)' has \(SpecValue.number(low)) ≥ \(SpecValue.number(high))",
                help:
                    "write the smaller bound first, e.g. `{\(kind.rawValue): [\(SpecValue.number(high)), \(SpecValue.number(low))]}`"
            )
        }
        if kind == .logUniform, low <= 0 {
            return refuse(
                "a log_uniform range must lie above 0; '\(name)' starts at \(SpecValue.number(low))",
                help:
                    "start above 0, e.g. `{log_uniform: [\(SpecValue.number(high / 1000)), \(SpecValue.number(high))]}`, or use `uniform`"
            )
        }
        if kind == .intUniform, low != low.rounded() || high != high.rounded() {
            return refuse(
                "an int_uniform range needs whole numbers; '\(name)' has [\(SpecValue.number(low)), \(SpecValue.number(high))]",
                help:
                    "write whole bounds, e.g. `{int_uniform: [\(Int(low.rounded(.up))), \(Int(high.rounded(.down)))]}`, or use `uniform`"
            )
        }
        return SearchRange(
            kind: kind, name: name, location: node.location, low: low, high: high, options: [],
            isInteger: isInteger || kind == .intUniform)
    }

    /// The value the rest of `check` decodes in the marker's place (the low bound, the first
    /// choice), so one marker costs one diagnostic and not a trail of missing keys.
    static func representative(_ node: SpecNode) -> SpecNode? {
        guard let (_, value, _) = marker(node), let first = value.items?.first else { return nil }
        return first
    }
}

extension ValueType {
    /// True when a component of this type may be called `name` (so `{name: …}` is that
    /// component, not a search range).
    func namesKind(_ name: String) -> Bool {
        if case .component(let family) = self { return family.kind(name) != nil }
        return false
    }
}
