import NNCDiagnostics

/// A cursor over one line's tokens that builds `SpecNode` values: numbers, words, strings,
/// lists `[a, b]`, components `name(args)`, and whole layer and component statements.
struct TokenStream {
    typealias SyntaxError = DSLParser.SyntaxError

    let line: DSLParser.Line
    let file: SourceFile
    var position: Int
    var depth = 0

    init(line: DSLParser.Line, file: SourceFile, start: Int) {
        self.line = line
        self.file = file
        self.position = start
    }

    var tokens: [DSLToken] { line.tokens }
    var current: DSLToken? { position < tokens.count ? tokens[position] : nil }
    var atEnd: Bool { position >= tokens.count }
    /// Column of the current token, or just past the line's end.
    var column: Int { current?.column ?? ((tokens.last.map { $0.column + $0.text.unicodeScalars.count }) ?? 1) }

    func location(_ column: Int) -> SourceLocation { file.location(line: line.number, column: column) }

    func peek(symbol: String, offset: Int = 0) -> Bool {
        position + offset < tokens.count && tokens[position + offset].kind == .symbol(symbol)
    }

    mutating func consume(_ symbol: String) -> Bool {
        guard peek(symbol: symbol) else { return false }
        position += 1
        return true
    }

    mutating func expect(_ symbol: String, _ what: String) throws(SyntaxError) {
        guard consume(symbol) else {
            throw SyntaxError(
                column: column,
                message:
                    "expected '\(symbol)' \(what)\(current.map { "; found '\($0.text)'" } ?? " at the end of the line")"
            )
        }
    }

    func expectEnd() throws(SyntaxError) {
        if let token = current {
            throw SyntaxError(column: token.column, message: "expected the end of the statement; found '\(token.text)'")
        }
    }

    mutating func word(_ what: String) throws(SyntaxError) -> (String, SourceLocation) {
        guard let token = current, case .word(let text) = token.kind else {
            throw SyntaxError(
                column: column, message: "expected \(what)\(current.map { "; found '\($0.text)'" } ?? "")")
        }
        position += 1
        return (text, location(token.column))
    }

    // MARK: Values

    /// number | string | word | word '(' args ')' | '[' values ']'
    mutating func value() throws(SyntaxError) -> SpecNode {
        guard let token = current else {
            throw SyntaxError(column: column, message: "expected a value at the end of the line")
        }
        let at = location(token.column)
        switch token.kind {
        case .number(let text):
            position += 1
            return .scalar(text, at: at)
        case .string(let text):
            position += 1
            return .scalar(text, quoted: true, at: at)
        case .word(let text):
            position += 1
            if peek(symbol: "(") { return try call(text, at: at) }
            return .scalar(text, at: at)
        case .symbol("["):
            position += 1
            try nest(at: token.column)
            defer { depth -= 1 }
            var items: [SpecNode] = []
            if !consume("]") {
                repeat { items.append(try value()) } while consume(",")
                try expect("]", "to close the list")
            }
            return SpecNode(.sequence(items), at: at)
        case .symbol(let s):
            throw SyntaxError(column: token.column, message: "expected a value; found '\(s)'")
        }
    }

    private mutating func nest(at column: Int) throws(SyntaxError) {
        depth += 1
        if depth > 32 { throw SyntaxError(column: column, message: "values may nest at most 32 levels deep") }
    }

    /// `name(args)`: a component `{name: body}` whose body follows the kind's short form.
    mutating func call(_ name: String, at: SourceLocation) throws(SyntaxError) -> SpecNode {
        try nest(at: column)
        defer { depth -= 1 }
        let args = try arguments(allowPositional: true)
        let body = try Self.body(for: name, args, at: at)
        return SpecNode(.mapping([SpecNode.Pair(key: name, keyLocation: at, value: body)]), at: at)
    }

    /// A positional value (no key) or a `key=value` argument, with where the key was written.
    typealias Argument = (key: String?, keyAt: SourceLocation, value: SpecNode)

    /// '(' [arg {',' arg}] ')' where arg is `key=value` or a positional value.
    mutating func arguments(allowPositional: Bool) throws(SyntaxError) -> [Argument] {
        try expect("(", "to open the arguments")
        var args: [Argument] = []
        if consume(")") { return args }
        repeat {
            if let pair = try keyValue() {
                args.append((pair.key, pair.keyLocation, pair.value))
            } else if allowPositional {
                let value = try value()
                args.append((nil, value.location, value))
            } else {
                throw SyntaxError(column: column, message: "expected key=value")
            }
        } while consume(",")
        try expect(")", "to close the arguments")
        return args
    }

    /// `key=value`, or nil (consuming nothing) when the next tokens are not a key and '='.
    mutating func keyValue() throws(SyntaxError) -> SpecNode.Pair? {
        guard let token = current, case .word(let key) = token.kind, peek(symbol: "=", offset: 1) else { return nil }
        position += 2
        guard !atEnd, !peek(symbol: ","), !peek(symbol: ")") else {
            throw SyntaxError(column: column, message: "expected a value after '\(key)='")
        }
        return SpecNode.Pair(key: key, keyLocation: location(token.column), value: try value())
    }

    /// The body of a component: null, its short form, or a mapping, using the registry's
    /// short-form names when positional and named values are mixed.
    static func body(for kind: String, _ args: [Argument], at: SourceLocation) throws(SyntaxError) -> SpecNode {
        let positional = args.filter { $0.key == nil }.map(\.value)
        let named = args.compactMap { arg in
            arg.key.map { SpecNode.Pair(key: $0, keyLocation: arg.keyAt, value: arg.value) }
        }
        if positional.isEmpty { return named.isEmpty ? SpecNode(.null, at: at) : SpecNode(.mapping(named), at: at) }
        if named.isEmpty {
            return positional.count == 1 ? positional[0] : SpecNode(.sequence(positional), at: positional[0].location)
        }
        let short = Registry.families.lazy.compactMap { $0.kind(kind)?.shortForm }.first ?? []
        guard positional.count <= short.count else {
            let extra = positional[short.count].location
            throw SyntaxError(
                column: extra.column,
                message: short.isEmpty
                    ? "'\(kind)' takes no positional values; write key=value"
                    : "'\(kind)' takes at most \(short.count) positional value\(short.count == 1 ? "" : "s") (\(short.joined(separator: ", ")))"
            )
        }
        let pairs = zip(short, positional).map { SpecNode.Pair(key: $0, keyLocation: $1.location, value: $1) }
        return SpecNode(.mapping(pairs + named), at: at)
    }

    // MARK: Statements

    /// `kind [positional …] [key=value …]` after a section keyword: `adam 0.001`, `sgd learning_rate=0.1`.
    mutating func component() throws(SyntaxError) -> SpecNode {
        let (kind, at) = try word("a name")
        if peek(symbol: "(") { return try call(kind, at: at) }
        let args = try items(until: nil)
        try expectEnd()
        if args.isEmpty { return .scalar(kind, at: at) }
        return SpecNode(
            .mapping([SpecNode.Pair(key: kind, keyLocation: at, value: try Self.body(for: kind, args, at: at))]), at: at
        )
    }

    /// Positional values and key=value pairs up to the end of the line or `stop`.
    /// Stops at a symbol that cannot start a value (the caller reports what follows).
    mutating func items(until stop: String?) throws(SyntaxError) -> [Argument] {
        var args: [Argument] = []
        var sawKey = false
        while let token = current, stop.map({ !peek(symbol: $0) }) ?? true {
            if case .symbol(let s) = token.kind, s != "[" { break }
            if let pair = try keyValue() {
                args.append((pair.key, pair.keyLocation, pair.value))
                sawKey = true
            } else {
                if sawKey {
                    throw SyntaxError(column: column, message: "positional values come before key=value pairs")
                }
                let value = try value()
                args.append((nil, value.location, value))
            }
        }
        return args
    }

    /// `key=value …` and `key(key=value, …)` (a nested section) after `train`, `data`, ….
    mutating func record(at: SourceLocation) throws(SyntaxError) -> SpecNode {
        var pairs: [SpecNode.Pair] = []
        while !atEnd {
            if let pair = try keyValue() {
                pairs.append(pair)
                continue
            }
            let (key, keyAt) = try word("key=value or key(…)")
            guard peek(symbol: "(") else {
                throw SyntaxError(column: column, message: "expected '=' or '(' after '\(key)'")
            }
            let args = try arguments(allowPositional: false)
            let nested = args.map { SpecNode.Pair(key: $0.key!, keyLocation: $0.keyAt, value: $0.value) }
            pairs.append(SpecNode.Pair(key: key, keyLocation: keyAt, value: SpecNode(.mapping(nested), at: keyAt)))
        }
        return SpecNode(.mapping(pairs), at: at)
    }

    /// `[NAME:] kind [positional …] [key=value …] [<- a, b]`, as a YAML layer item.
    mutating func layer() throws(SyntaxError) -> SpecNode {
        var name: SpecNode.Pair?
        if case .word(let text)? = current?.kind, peek(symbol: ":", offset: 1), position + 2 < tokens.count {
            let at = location(tokens[position].column)
            name = SpecNode.Pair(key: "name", keyLocation: at, value: .scalar(text, at: at))
            position += 2
        }
        let (kind, at) = try word("a layer kind")
        var args = try items(until: "<-")
        if let name { args.append((name.key, name.keyLocation, name.value)) }
        if let inputs = try inputs() { args.append((inputs.key, inputs.keyLocation, inputs.value)) }
        try expectEnd()
        if args.isEmpty { return .scalar(kind, at: at) }
        return SpecNode(
            .mapping([SpecNode.Pair(key: kind, keyLocation: at, value: try Self.body(for: kind, args, at: at))]), at: at
        )
    }

    /// `as NAME`, or nil.
    mutating func asName() throws(SyntaxError) -> SpecNode.Pair? {
        guard case .word("as")? = current?.kind else { return nil }
        position += 1
        let (name, at) = try word("a name after 'as'")
        return SpecNode.Pair(key: "name", keyLocation: at, value: .scalar(name, at: at))
    }

    /// `<- a, b`, or nil.
    mutating func inputs() throws(SyntaxError) -> SpecNode.Pair? {
        guard let arrow = current, consume("<-") else { return nil }
        var names: [SpecNode] = []
        repeat {
            let (name, at) = try word("a layer name after '<-'")
            names.append(.scalar(name, at: at))
        } while consume(",")
        let at = location(arrow.column)
        return SpecNode.Pair(key: "inputs", keyLocation: at, value: SpecNode(.sequence(names), at: names[0].location))
    }
}
