import NNCDiagnostics

/// Typed reads of decoded attributes. The decoder has already checked types and filled
/// defaults, so the checker reads values without re-validating them.
public protocol AttributeContainer {
    var values: [String: AttributeValue] { get }
}

extension ComponentSpec: AttributeContainer {}
extension RecordValue: AttributeContainer {}

extension AttributeContainer {
    public func has(_ name: String) -> Bool { values[name] != nil }
    public func valueLocation(_ name: String) -> SourceLocation? { values[name]?.location }
    public func isExplicit(_ name: String) -> Bool { values[name].map { !$0.isDefault } ?? false }

    public func int(_ name: String) -> Int? {
        switch values[name]?.value {
        case .int(let v)?: v
        case .float(let v)?: Int(exactly: v)
        case .bool?, .string?, .ints?, .padding?, .component?, .list?, .names?, .record?, nil: nil
        }
    }

    public func double(_ name: String) -> Double? {
        switch values[name]?.value {
        case .float(let v)?: v
        case .int(let v)?: Double(v)
        case .bool?, .string?, .ints?, .padding?, .component?, .list?, .names?, .record?, nil: nil
        }
    }

    public func bool(_ name: String) -> Bool? {
        if case .bool(let v)? = values[name]?.value { return v }
        return nil
    }

    public func string(_ name: String) -> String? {
        if case .string(let v)? = values[name]?.value { return v }
        return nil
    }

    public func ints(_ name: String) -> [Int]? {
        switch values[name]?.value {
        case .ints(let v)?: v
        case .int(let v)?: [v]
        case .float?, .bool?, .string?, .padding?, .component?, .list?, .names?, .record?, nil: nil
        }
    }

    public func padding(_ name: String) -> Padding? {
        if case .padding(let v)? = values[name]?.value { return v }
        return nil
    }

    public func component(_ name: String) -> ComponentSpec? {
        if case .component(let v)? = values[name]?.value { return v }
        return nil
    }

    public func record(_ name: String) -> RecordValue? {
        if case .record(let v)? = values[name]?.value { return v }
        return nil
    }

    public func list(_ name: String) -> [AttributeValue]? {
        if case .list(let v)? = values[name]?.value { return v }
        return nil
    }

    public func names(_ name: String) -> [LocatedName]? {
        if case .names(let v)? = values[name]?.value { return v }
        return nil
    }

    /// The components of a list attribute (metrics).
    public func components(_ name: String) -> [ComponentSpec] {
        (list(name) ?? []).compactMap { if case .component(let c) = $0.value { c } else { nil } }
    }
}
