import Foundation

/// Spec-syntax text of decoded values, for `nnc check --defaults` (the fully resolved spec).
extension SpecValue {
    /// The value in YAML flow syntax: `[5, 5]`, `same`, `{leaky_relu: {alpha: 0.1}}`.
    public var yamlText: String {
        switch self {
        case .int(let v): return String(v)
        case .float(let v): return Self.number(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return Self.quoteIfNeeded(v)
        case .ints(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .padding(let p):
            switch p {
            case .valid: return "valid"
            case .same: return "same"
            case .causal: return "causal"
            case .explicit(let pairs):
                return "[" + pairs.map { "[\($0.low), \($0.high)]" }.joined(separator: ", ") + "]"
            }
        case .component(let c): return c.yamlText
        case .list(let items): return "[" + items.map(\.value.yamlText).joined(separator: ", ") + "]"
        case .names(let names): return "[" + names.map { Self.quoteIfNeeded($0.name) }.joined(separator: ", ") + "]"
        case .record(let r):
            return "{" + r.orderedValues.map { "\($0.0.name): \($0.1.value.yamlText)" }.joined(separator: ", ") + "}"
        }
    }

    /// Shortest text that reads back as the same double.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }

    static func quoteIfNeeded(_ s: String) -> String {
        let plain =
            !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "_-./".contains($0) }
            && Double(s) == nil && !["true", "false", "null", "~"].contains(s)
        return plain
            ? s
            : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

extension ComponentSpec {
    /// `relu`, or `{leaky_relu: {alpha: 0.3}}` when the kind has attributes.
    public var yamlText: String {
        let values = orderedValues
        if values.isEmpty { return kind.name }
        return "{\(kind.name): {" + values.map { "\($0.0.name): \($0.1.value.yamlText)" }.joined(separator: ", ") + "}}"
    }
}
