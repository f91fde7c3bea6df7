import Foundation
import NNCDiagnostics

/// Turns an untyped `SpecNode` into typed values, driven by the registry: unknown keys,
/// wrong types, out-of-range values and missing keys become diagnostics at their node,
/// and absent attributes get their registry defaults.
public struct SpecDecoder {
    public var diagnostics = Diagnostics()
    /// The search ranges met in place of values (`nnc tune` samples them; every other
    /// command reports them, E0540).
    public var searchRanges: [SearchRange] = []
    private var defaultCache: [String: AttributeValue] = [:]

    public init() {}

    // MARK: Components

    /// Decodes `relu`, `{leaky_relu: 0.1}`, `{leaky_relu: {alpha: 0.1}}` or `{conv2d: [6, 5]}`.
    public mutating func component(_ node: SpecNode, _ family: Family, what: String? = nil) -> ComponentSpec? {
        switch node.kind {
        case .scalar(let text, _):
            guard let kind = lookup(text, in: family, at: node.location) else { return nil }
            return finish(ComponentSpec(kind: kind, location: node.location), given: [], at: node.location)
        case .mapping(let pairs):
            guard pairs.count == 1 else {
                diagnostics.error(
                    .wrongType, "\(what ?? family.name) must name one \(family.name) kind; found \(pairs.count) keys",
                    at: node.location, label: pairs.isEmpty ? "empty mapping" : "",
                    help: "write it as `name` or `{name: {key: value}}`")
                return nil
            }
            let pair = pairs[0]
            guard let kind = lookup(pair.key, in: family, at: pair.keyLocation) else { return nil }
            return body(pair.value, kind: kind, at: pair.keyLocation)
        case .sequence, .null:
            diagnostics.error(
                .wrongType, "expected \(family.article) \(family.name), got \(node.kindDescription)", at: node.location,
                help: "write a \(family.name) as a name, e.g. `\(family.kinds[0].name)`")
            return nil
        }
    }

    /// Decodes the value under a kind key: null (all defaults), a short form, or a mapping of attributes.
    public mutating func body(
        _ node: SpecNode, kind: ComponentKind, at location: SourceLocation,
        extra: [SpecNode.Pair] = []
    ) -> ComponentSpec? {
        var given: [SpecNode.Pair] = []
        switch node.kind {
        case .null:
            break
        case .mapping(let pairs) where !Self.isComponentShortForm(pairs, kind) && SearchRange.marker(node) == nil:
            given = pairs
        case .scalar, .sequence, .mapping:
            guard !kind.shortForm.isEmpty else {
                diagnostics.error(
                    .wrongType, "'\(kind.name)' has no short form; got \(node.kindDescription)", at: node.location,
                    help: kind.attributes.isEmpty
                        ? "write just `\(kind.name)`"
                        : "use the full form `\(kind.name): {\(kind.attributes[0].name): …}`")
                return nil
            }
            if kind.shortForm.count > 1, let items = node.items {
                guard items.count <= kind.shortForm.count else {
                    diagnostics.error(
                        .wrongArity,
                        "the short form of '\(kind.name)' takes at most \(kind.shortForm.count) values "
                            + "(\(kind.shortForm.joined(separator: ", "))); got \(items.count)", at: node.location)
                    return nil
                }
                for (name, item) in zip(kind.shortForm, items) {
                    given.append(SpecNode.Pair(key: name, keyLocation: item.location, value: item))
                }
            } else {
                given.append(SpecNode.Pair(key: kind.shortForm[0], keyLocation: node.location, value: node))
            }
        }
        return finish(ComponentSpec(kind: kind, location: location), given: given + extra, at: location)
    }

    /// `bidirectional: {lstm: 32}`: a one-key mapping naming a component of the kind's
    /// short-form attribute is that component, not the kind's own attributes.
    static func isComponentShortForm(_ pairs: [SpecNode.Pair], _ kind: ComponentKind) -> Bool {
        guard pairs.count == 1, kind.attribute(pairs[0].key) == nil, kind.shortForm.count == 1,
            let attribute = kind.attribute(kind.shortForm[0]), case .component(let family) = attribute.type
        else { return false }
        return family.kind(pairs[0].key) != nil
    }

    private mutating func finish(_ spec: ComponentSpec, given: [SpecNode.Pair], at location: SourceLocation)
        -> ComponentSpec
    {
        var spec = spec
        let errorsBefore = diagnostics.errorCount
        spec.values = attributes(
            given, spec.kind.attributes, owner: "'\(spec.kind.name)'", rank: spec.kind.spatialRank, at: location)
        spec.isValid = diagnostics.errorCount == errorsBefore
        return spec
    }

    private mutating func lookup(_ name: String, in family: Family, at location: SourceLocation) -> ComponentKind? {
        if let kind = family.kind(name) { return kind }
        diagnostics.error(
            .unknownValue, "unknown \(family.name) '\(name)'", at: location, help: family.help(forUnknown: name))
        return nil
    }

    // MARK: Records

    public mutating func record(_ node: SpecNode, _ schema: RecordSchema) -> RecordValue {
        var given: [SpecNode.Pair] = []
        switch node.kind {
        case .mapping(let pairs): given = pairs
        case .null: break
        case .scalar, .sequence:
            diagnostics.error(
                .wrongType, "'\(schema.name)' must be a mapping, got \(node.kindDescription)", at: node.location)
        }
        let values = attributes(given, schema.attributes, owner: "'\(schema.name)'", rank: 0, at: node.location)
        let rejected = given.map(\.key).filter { schema.attribute($0) != nil && values[$0] == nil }
        return RecordValue(schema: schema, location: node.location, values: values, rejected: Set(rejected))
    }

    /// A record with nothing given: just its defaults.
    public mutating func defaults(_ schema: RecordSchema, at location: SourceLocation) -> RecordValue {
        RecordValue(
            schema: schema, location: location,
            values: attributes([], schema.attributes, owner: schema.name, rank: 0, at: location))
    }

    // MARK: Attributes

    /// Checks keys against `schema`, decodes each value, reports missing required keys and fills defaults.
    mutating func attributes(
        _ given: [SpecNode.Pair], _ schema: [Attribute], owner: String, rank: Int,
        at location: SourceLocation
    ) -> [String: AttributeValue] {
        var values: [String: AttributeValue] = [:]
        var seen: [String: SourceLocation] = [:]
        var suggested: Set<String> = []
        for pair in given {
            guard let attribute = schema.first(where: { $0.name == pair.key }) else {
                let suggestion = Suggestions.closest(to: pair.key, in: schema.map(\.name))
                if let suggestion { suggested.insert(suggestion) }
                diagnostics.error(
                    .unknownKey, "unknown key '\(pair.key)' in \(owner)", at: pair.keyLocation,
                    help: suggestion.map { "did you mean '\($0)'?" }
                        ?? (schema.isEmpty
                            ? "\(owner) takes no keys"
                            : "known keys: \(schema.map(\.name).joined(separator: ", "))"))
                continue
            }
            if let first = seen[pair.key] {
                diagnostics.error(
                    .duplicateKey, "a key may appear only once in a mapping; '\(pair.key)' is repeated",
                    at: pair.keyLocation, labels: [DiagnosticLabel(first, "first given here")])
                continue
            }
            seen[pair.key] = pair.keyLocation
            var node = pair.value
            if let marker = SearchRange.marker(node), !attribute.type.namesKind(marker.kind.rawValue) {
                guard let representative = searchRange(node, key: pair.key, owner: owner, type: attribute.type) else {
                    continue
                }
                node = representative
            }
            if let value = decode(node, as: attribute.type, rank: rank, what: "'\(pair.key)' of \(owner)") {
                values[pair.key] = AttributeValue(value, at: pair.value.location)
            }
        }
        for attribute in schema where values[attribute.name] == nil && seen[attribute.name] == nil {
            switch attribute.default {
            case .required:
                // A misspelling of this key was already reported with "did you mean".
                guard !suggested.contains(attribute.name) else { continue }
                diagnostics.error(
                    .missingKey, "\(owner) needs '\(attribute.name)'", at: location,
                    help: "add `\(attribute.name): …` (\(attribute.type.description))")
            case .value(let text):
                if let value = defaultValue(text, attribute, rank: rank) { values[attribute.name] = value }
            case .unset:
                break
            }
        }
        return values
    }

    /// Records the search range `node` stands for and reports it (a valid one with E0540:
    /// only `nnc tune` reads it); the value to check in its place, nil when it is malformed.
    private mutating func searchRange(_ node: SpecNode, key: String, owner: String, type: ValueType) -> SpecNode? {
        var isInteger = false
        if case .int = type { isInteger = true }
        let name = owner.replacingOccurrences(of: "'", with: "") + "." + key
        guard let range = SearchRange.read(node, name: name, isInteger: isInteger, into: &diagnostics) else {
            return nil
        }
        searchRanges.append(range)
        diagnostics.error(
            .searchRangeOutsideTune,
            "a search range is read only by `nnc tune`; '\(name)' is a \(range.kind.rawValue) range here",
            at: range.location, label: "search range",
            help: "search it with `nnc tune \(range.location.file?.path ?? "FILE")`, or write one value for `\(key)`")
        return SearchRange.representative(node)
    }

    private mutating func defaultValue(_ text: String, _ attribute: Attribute, rank: Int) -> AttributeValue? {
        let key = "\(attribute.name)|\(text)|\(rank)|\(attribute.type.description)"
        if let cached = defaultCache[key] { return cached }
        var inner = SpecDecoder()
        guard let value = inner.decode(Self.parseDefault(text), as: attribute.type, rank: rank, what: attribute.name)
        else {
            preconditionFailure(
                "registry default '\(text)' of '\(attribute.name)' does not decode: \(inner.diagnostics.all)")
        }
        let result = AttributeValue(value, at: .unknown, isDefault: true)
        defaultCache[key] = result
        return result
    }

    /// Registry defaults are written in spec syntax: a scalar or a flat `[a, b]` list.
    static func parseDefault(_ text: String) -> SpecNode {
        if text == "{}" { return SpecNode(.mapping([]), at: .unknown) }
        if text.hasPrefix("[") {
            let items = text.dropFirst().dropLast().split(separator: ",").map {
                SpecNode.scalar($0.trimmingCharacters(in: .whitespaces), at: .unknown)
            }
            return SpecNode(.sequence(items), at: .unknown)
        }
        return .scalar(text, at: .unknown)
    }
}
