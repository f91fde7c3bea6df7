import NNCDiagnostics

/// Decoding of single values by their expected type.
extension SpecDecoder {
    /// Decodes `node` as `type`; nil (with a diagnostic) if it does not fit.
    public mutating func decode(_ node: SpecNode, as type: ValueType, rank: Int, what: String) -> SpecValue? {
        switch type {
        case .int(let bounds):
            return integer(node, bounds, what: what).map { .int($0) }
        case .float(let bounds), .number(let bounds):
            return number(node, bounds, what: what).map { .float($0) }
        case .bool:
            if case .scalar(let text, false) = node.kind {
                switch text {
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default: break
                }
            }
            return mismatch(node, type, what)
        case .string, .path:
            if case .scalar(let text, _) = node.kind { return .string(text) }
            return mismatch(node, type, what)
        case .choice(let options):
            guard case .scalar(let text, _) = node.kind else { return mismatch(node, type, what) }
            guard options.contains(text) else {
                diagnostics.error(
                    .unknownValue, "\(what) must be one of \(options.joined(separator: ", ")); got '\(text)'",
                    at: node.location, help: Suggestions.didYouMean(text, in: options))
                return nil
            }
            return .string(text)
        case .spatial(let bounds):
            return spatial(node, bounds, rank: rank, what: what).map { .ints($0) }
        case .shape:
            if node.scalarText != nil { return integer(node, .atLeastOne, what: what).map { .ints([$0]) } }
            guard let items = node.items, !items.isEmpty else {
                return node.items == nil ? mismatch(node, type, what) : empty(node, what)
            }
            var dims: [Int] = []
            for item in items {
                guard let d = integer(item, .atLeastOne, what: "each dimension of \(what)") else { return nil }
                dims.append(d)
            }
            return .ints(dims)
        case .reshapeTarget:
            guard let items = node.items, !items.isEmpty else {
                return node.items == nil ? mismatch(node, type, what) : empty(node, what)
            }
            var dims: [Int] = []
            var inferred: SpecNode?
            for item in items {
                guard let d = integer(item, .none, what: "each dimension of \(what)") else { return nil }
                if d == -1 {
                    if let first = inferred {
                        diagnostics.error(
                            .outOfRange, "\(what) may infer only one dimension with -1", at: item.location,
                            labels: [DiagnosticLabel(first.location, "first -1")])
                        return nil
                    }
                    inferred = item
                } else if d < 1 {
                    diagnostics.error(
                        .outOfRange, "each dimension of \(what) must be ≥ 1 or -1; got \(d)", at: item.location)
                    return nil
                }
                dims.append(d)
            }
            return .ints(dims)
        case .padding:
            return padding(node, rank: rank, what: what).map { .padding($0) }
        case .margins:
            if let text = node.scalarText, Self.plainNumber(text) == nil { return mismatch(node, type, what) }
            return padding(node, rank: rank, what: what).map { .padding($0) }
        case .component(let family):
            return component(node, family, what: what).map { .component($0) }
        case .list(let element):
            let items = node.items ?? (node.isNull ? [] : [node])
            var values: [AttributeValue] = []
            for item in items {
                if let value = decode(item, as: element, rank: rank, what: "each element of \(what)") {
                    values.append(AttributeValue(value, at: item.location))
                }
            }
            return .list(values)
        case .layerNames:
            let items = node.items ?? [node]
            var names: [LocatedName] = []
            for item in items {
                guard case .scalar(let text, _) = item.kind else {
                    return mismatch(item, .string, "each name in \(what)")
                }
                names.append(LocatedName(text, at: item.location))
            }
            if names.isEmpty { return empty(node, what) }
            return .names(names)
        case .record(let schema):
            return .record(record(node, schema))
        }
    }

    private mutating func mismatch(_ node: SpecNode, _ type: ValueType, _ what: String, help: String? = nil)
        -> SpecValue?
    {
        diagnostics.error(
            .wrongType, "\(what) must be \(type.description); got \(node.kindDescription)", at: node.location,
            help: help)
        return nil
    }

    private mutating func empty(_ node: SpecNode, _ what: String) -> SpecValue? {
        diagnostics.error(.wrongArity, "\(what) must not be empty", at: node.location)
        return nil
    }

    mutating func integer(_ node: SpecNode, _ bounds: Bounds, what: String) -> Int? {
        guard case .scalar(let raw, false) = node.kind else {
            _ = mismatch(node, .int(bounds), what)
            return nil
        }
        guard let text = Self.plainNumber(raw) else {
            _ = mismatch(node, .int(bounds), what, help: Self.numberHelp(raw))
            return nil
        }
        guard let value = Int(text) else {
            if !text.contains("."), !text.lowercased().contains("e") {
                diagnostics.error(
                    .outOfRange,
                    "\(what) must be at most \(Self.largestInteger.grouped) in size; got \(raw.clipped(to: 40))",
                    at: node.location)
            } else if let real = Double(text), real.isFinite {
                diagnostics.error(
                    .wrongType, "\(what) must be an integer; got number \(raw)", at: node.location,
                    help: Int(exactly: real).map { "write \($0)" })
            } else {
                _ = mismatch(node, .int(bounds), what)
            }
            return nil
        }
        guard bounds.contains(Double(value)) else {
            diagnostics.error(.outOfRange, "\(what) must be \(bounds.description); got \(value)", at: node.location)
            return nil
        }
        // Sizes beyond 2³¹ are never meant and would overflow shape arithmetic.
        guard value.magnitude <= UInt(Self.largestInteger) else {
            diagnostics.error(
                .outOfRange, "\(what) must be at most \(Self.largestInteger.grouped) in size; got \(value)",
                at: node.location)
            return nil
        }
        return value
    }

    /// The largest magnitude an integer attribute may have (2³¹); command-line options that
    /// override a spec value take the same range.
    public static let largestInteger = 1 << 31

    mutating func number(_ node: SpecNode, _ bounds: Bounds, what: String) -> Double? {
        guard case .scalar(let raw, false) = node.kind, let value = Self.parseNumber(raw) else {
            _ = mismatch(node, .float(bounds), what, help: node.scalarText.flatMap(Self.numberHelp))
            return nil
        }
        guard bounds.contains(value) else {
            diagnostics.error(.outOfRange, "\(what) must be \(bounds.description); got \(raw)", at: node.location)
            return nil
        }
        return value
    }

    /// Numbers as people write them: `0.001`, `1e-3`, `10_000`, and fractions such as `1/255`.
    static func parseNumber(_ raw: String) -> Double? {
        if let text = plainNumber(raw) {
            guard let value = Double(text), value.isFinite else { return nil }
            return value
        }
        let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let a = plainNumber(String(parts[0])).flatMap(Double.init),
            let b = plainNumber(String(parts[1])).flatMap(Double.init), b != 0
        {
            let value = a / b
            return value.isFinite ? value : nil
        }
        return nil
    }

    /// The text of a decimal number as YAML 1.2 writes one, with `_` allowed only between
    /// two digits (`10_000`, as the grammar documents), without its underscores; nil for
    /// anything else. Swift's own parsers accept more than the spec language means: `_1`
    /// (once read as 1), hexadecimal `0x10`, `nan`, `inf`; YAML 1.1's octal `0o17`,
    /// sexagesimal `1:30` and `.inf` are not numbers here either.
    public static func plainNumber(_ raw: String) -> String? {
        let bytes = Array(raw.utf8)
        var i = 0
        func isDigit(_ at: Int) -> Bool {
            at >= 0 && at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9")
        }
        /// Digits in groups joined by single underscores; false when there is no digit.
        func digits() -> Bool {
            guard isDigit(i) else { return false }
            while isDigit(i) || (i < bytes.count && bytes[i] == UInt8(ascii: "_") && isDigit(i + 1) && isDigit(i - 1)) {
                i += 1
            }
            return true
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
        let whole = digits()
        var fraction = false
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fraction = digits()
        }
        guard whole || fraction else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
        }
        guard i == bytes.count else { return nil }
        return raw.contains("_") ? String(raw.filter { $0 != "_" }) : raw
    }

    /// What to write instead of a number the spec language does not read, when the text
    /// looks like one.
    static func numberHelp(_ raw: String) -> String? {
        let lower = raw.lowercased()
        if raw.contains("_"), plainNumber(raw.filter { $0 != "_" }) != nil {
            return "`_` may only stand between two digits, as in 10_000"
        }
        if lower.hasPrefix("0x") || lower.hasPrefix("0o") || lower.hasPrefix("0b") || lower.contains("0x") {
            return "write numbers in decimal; hexadecimal, octal and binary forms are not read"
        }
        if raw.contains(":"), raw.split(separator: ":").allSatisfy({ Int($0) != nil }) {
            return "write one decimal number; YAML 1.1's base-60 form (1:30 for 90) is not read"
        }
        if ["nan", ".nan", "inf", ".inf", "-inf", "-.inf", "+inf", "+.inf", "infinity", "-infinity"].contains(lower) {
            return "a value here must be a finite number"
        }
        return nil
    }

    private mutating func spatial(_ node: SpecNode, _ bounds: Bounds, rank: Int, what: String) -> [Int]? {
        let rank = max(rank, 1)
        if node.scalarText != nil {
            return integer(node, bounds, what: what).map { [Int](repeating: $0, count: rank) }
        }
        guard let items = node.items else {
            _ = mismatch(node, .spatial(bounds), what)
            return nil
        }
        guard items.count == rank else {
            diagnostics.error(
                .wrongArity,
                "\(what) needs 1 or \(rank) value\(rank == 1 ? "" : "s") (one per spatial dimension); got \(items.count)",
                at: node.location)
            return nil
        }
        var values: [Int] = []
        for item in items {
            guard let v = integer(item, bounds, what: "each value of \(what)") else { return nil }
            values.append(v)
        }
        return values
    }

    private mutating func padding(_ node: SpecNode, rank: Int, what: String) -> Padding? {
        let rank = max(rank, 1)
        if case .scalar(let text, _) = node.kind {
            switch text {
            case "valid": return .valid
            case "same": return .same
            case "causal": return .causal
            default:
                if Self.plainNumber(text) == nil {
                    diagnostics.error(
                        .unknownValue,
                        "\(what) must be valid, same, causal or a number of cells; got '\(text.clipped(to: 40))'",
                        at: node.location, help: Suggestions.didYouMean(text, in: ["valid", "same", "causal"]))
                    return nil
                }
                return integer(node, .nonNegative, what: what).map {
                    .explicit([PadPair](repeating: PadPair($0, $0), count: rank))
                }
            }
        }
        guard let items = node.items else {
            _ = mismatch(node, .padding, what)
            return nil
        }
        // 1-D: [lo, hi]. N-D: one int per dimension, or one [lo, hi] pair per dimension.
        if rank == 1, items.count == 2, items.allSatisfy({ $0.scalarText != nil }) {
            guard let lo = integer(items[0], .nonNegative, what: what),
                let hi = integer(items[1], .nonNegative, what: what)
            else { return nil }
            return .explicit([PadPair(lo, hi)])
        }
        guard items.count == rank else {
            diagnostics.error(
                .wrongArity, "\(what) needs one entry per spatial dimension (\(rank)); got \(items.count)",
                at: node.location,
                help: rank == 1
                    ? "write `[before, after]`"
                    : "write `[\(Array(repeating: "p", count: rank).joined(separator: ", "))]` or `[[before, after], …]`"
            )
            return nil
        }
        var pairs: [PadPair] = []
        for item in items {
            if let pair = item.items {
                guard pair.count == 2 else {
                    diagnostics.error(
                        .wrongArity,
                        "each per-side padding must be [before, after]; got \(pair.count) \(pair.count.noun("value"))",
                        at: item.location)
                    return nil
                }
                guard let lo = integer(pair[0], .nonNegative, what: what),
                    let hi = integer(pair[1], .nonNegative, what: what)
                else { return nil }
                pairs.append(PadPair(lo, hi))
            } else {
                guard let p = integer(item, .nonNegative, what: what) else { return nil }
                pairs.append(PadPair(p, p))
            }
        }
        return .explicit(pairs)
    }
}
