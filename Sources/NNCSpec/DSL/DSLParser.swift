import NNCDiagnostics

/// Statement-level parser of the DSL: one statement per line, indented bodies for
/// `block` and `repeat`. Values are parsed by `DSLParser+Values.swift`.
struct DSLParser {
    struct Line {
        var number: Int
        var indent: Int
        var tokens: [DSLToken]
    }

    struct SyntaxError: Error {
        var column: Int
        var message: String
        var help: String?
    }

    let file: SourceFile
    var diagnostics = Diagnostics()
    var lines: [Line] = []
    var index = 0

    static let componentSections: Set<String> = ["loss", "optimizer", "schedule", "momentum_schedule"]
    static let recordSections: Set<String> = ["init", "regularization", "train", "data"]
    static let keywords = Set(["model", "input", "output", "metrics", "block", "use", "repeat"])
        .union(componentSections).union(recordSections)

    init(file: SourceFile) {
        self.file = file
        for (i, text) in file.lines.enumerated() {
            do throws(DSLLexer.Failure) {
                let tokens = try DSLLexer.tokens(text)
                guard !tokens.isEmpty else { continue }
                lines.append(Line(number: i + 1, indent: tokens[0].column - 1, tokens: tokens))
            } catch {
                diagnostics.error(.dslSyntax, error.message, at: file.location(line: i + 1, column: error.column))
            }
        }
    }

    func location(_ line: Line, _ column: Int) -> SourceLocation { file.location(line: line.number, column: column) }

    mutating func fail(_ line: Line, _ error: SyntaxError) {
        diagnostics.error(.dslSyntax, error.message, at: location(line, error.column), help: error.help)
    }

    // MARK: File

    mutating func parseFile() -> SpecNode {
        var pairs: [SpecNode.Pair] = []
        var layers: [SpecNode] = []
        var blocks: [SpecNode.Pair] = []
        var layersAt: SourceLocation?
        var blocksAt: SourceLocation?
        let start = file.location(line: 1, column: 1)
        while index < lines.count {
            let line = lines[index]
            if line.indent > 0 {
                fail(
                    line,
                    SyntaxError(
                        column: line.indent + 1, message: "only the body of a 'block' or 'repeat' is indented",
                        help: "remove the indentation, or end the line above with ':'"))
                index += 1
                continue
            }
            let head = line.tokens[0]
            if case .word("block") = head.kind, line.tokens.count > 1, line.tokens[1].kind != .symbol(":") {
                blocksAt = blocksAt ?? location(line, head.column)
                if let block = parseBlockDefinition() { blocks.append(block) }
                continue
            }
            if case .word(let word) = head.kind, Self.keywords.contains(word), word != "use", word != "repeat",
                line.tokens.count == 1 || line.tokens[1].kind != .symbol(":")
            {
                index += 1
                do throws(SyntaxError) {
                    pairs.append(try parseSection(word, line))
                } catch {
                    fail(line, error)
                }
                continue
            }
            layersAt = layersAt ?? location(line, head.column)
            if let item = parseLayerItem() { layers.append(item) }
        }
        if let blocksAt {
            pairs.append(
                SpecNode.Pair(key: "blocks", keyLocation: blocksAt, value: SpecNode(.mapping(blocks), at: blocksAt)))
        }
        if let layersAt {
            pairs.append(
                SpecNode.Pair(key: "layers", keyLocation: layersAt, value: SpecNode(.sequence(layers), at: layersAt)))
        }
        return SpecNode(.mapping(pairs), at: start)
    }

    // MARK: Sections

    mutating func parseSection(_ word: String, _ line: Line) throws(SyntaxError) -> SpecNode.Pair {
        var stream = TokenStream(line: line, file: file, start: 1)
        let key = line.tokens[0]
        let keyLocation = location(line, key.column)
        let value: SpecNode
        switch word {
        case "model", "output":
            value = try stream.value()
        case "input":
            let first = try stream.value()
            if first.items != nil {
                value = first
            } else {
                var dims = [first]
                while !stream.atEnd { dims.append(try stream.value()) }
                value = SpecNode(.sequence(dims), at: first.location)
            }
        case "metrics":
            var items = [try stream.value()]
            while stream.consume(",") { items.append(try stream.value()) }
            value = SpecNode(.sequence(items), at: items[0].location)
        default:
            if Self.componentSections.contains(word) {
                value = try stream.component()
            } else {
                value = try stream.record(at: keyLocation)
            }
        }
        try stream.expectEnd()
        return SpecNode.Pair(key: word, keyLocation: keyLocation, value: value)
    }

    // MARK: Blocks and layers

    /// `block NAME[(param=default, param)]:` and its indented body.
    mutating func parseBlockDefinition() -> SpecNode.Pair? {
        let line = lines[index]
        index += 1
        var stream = TokenStream(line: line, file: file, start: 1)
        do throws(SyntaxError) {
            let (name, nameAt) = try stream.word("a block name")
            var pairs: [SpecNode.Pair] = []
            if stream.peek(symbol: "(") {
                let params = try stream.arguments(allowPositional: true)
                let mapped = params.map { arg in
                    SpecNode.Pair(
                        key: arg.key ?? arg.value.scalarText ?? "?", keyLocation: arg.keyAt,
                        value: arg.key == nil ? SpecNode(.null, at: arg.value.location) : arg.value)
                }
                pairs.append(
                    SpecNode.Pair(key: "params", keyLocation: nameAt, value: SpecNode(.mapping(mapped), at: nameAt)))
            }
            guard stream.consume(":") else {
                throw SyntaxError(
                    column: stream.column, message: "a block definition ends with ':' and an indented body")
            }
            try stream.expectEnd()
            let body = parseBody(after: line)
            pairs.append(
                SpecNode.Pair(key: "layers", keyLocation: nameAt, value: SpecNode(.sequence(body), at: nameAt)))
            return SpecNode.Pair(key: name, keyLocation: nameAt, value: SpecNode(.mapping(pairs), at: nameAt))
        } catch {
            fail(line, error)
            _ = parseBody(after: line)
            return nil
        }
    }

    /// The lines indented deeper than `header`, parsed as layer items.
    mutating func parseBody(after header: Line) -> [SpecNode] {
        guard index < lines.count, lines[index].indent > header.indent else {
            diagnostics.error(
                .dslSyntax, "a body must follow on indented lines", at: location(header, header.tokens.last!.column + 1)
            )
            return []
        }
        let indent = lines[index].indent
        var items: [SpecNode] = []
        while index < lines.count, lines[index].indent > header.indent {
            let line = lines[index]
            if line.indent != indent {
                fail(
                    line,
                    SyntaxError(
                        column: line.indent + 1,
                        message: "lines of one body share one indentation (\(indent) \(indent.noun("space")))"))
                index += 1
                continue
            }
            if let item = parseLayerItem() { items.append(item) }
        }
        return items
    }

    /// A layer line, a `use` of a block, or a `repeat`.
    mutating func parseLayerItem() -> SpecNode? {
        let line = lines[index]
        index += 1
        var stream = TokenStream(line: line, file: file, start: 0)
        do throws(SyntaxError) {
            let head = line.tokens[0]
            // `repeat …` and `use …` are statements unless the word is a key (`repeat: …`).
            let isStatement = line.tokens.count > 1 && line.tokens[1].kind != .symbol(":")
            if isStatement, head.kind == .word("repeat") {
                stream.position = 1
                return try parseRepeat(&stream, line)
            }
            if isStatement, head.kind == .word("use") {
                stream.position = 1
                let item = try parseUse(&stream, at: location(line, head.column), pairs: [])
                try stream.expectEnd()
                return item
            }
            return try stream.layer()
        } catch {
            fail(line, error)
            return nil
        }
    }

    /// `use BLOCK [as NAME] [key=value …] [<- inputs]`.
    mutating func parseUse(_ stream: inout TokenStream, at location: SourceLocation, pairs: [SpecNode.Pair])
        throws(SyntaxError) -> SpecNode
    {
        let (block, blockAt) = try stream.word("a block name")
        var pairs = pairs + [SpecNode.Pair(key: "block", keyLocation: location, value: .scalar(block, at: blockAt))]
        if let name = try stream.asName() { pairs.append(name) }
        var args: [SpecNode.Pair] = []
        while !stream.atEnd, !stream.peek(symbol: "<-") {
            guard let arg = try stream.keyValue() else {
                throw SyntaxError(column: stream.column, message: "a block's arguments are written key=value")
            }
            args.append(arg)
        }
        if !args.isEmpty {
            pairs.append(
                SpecNode.Pair(
                    key: "args", keyLocation: args[0].keyLocation,
                    value: SpecNode(.mapping(args), at: args[0].keyLocation)))
        }
        if let inputs = try stream.inputs() { pairs.append(inputs) }
        return SpecNode(.mapping(pairs), at: location)
    }

    /// `repeat N [as NAME]:` with a body, or `repeat N [as NAME] use BLOCK …` on one line.
    mutating func parseRepeat(_ stream: inout TokenStream, _ line: Line) throws(SyntaxError) -> SpecNode {
        let at = location(line, line.tokens[0].column)
        let count = try stream.value()
        var pairs = [SpecNode.Pair(key: "repeat", keyLocation: at, value: count)]
        if let name = try stream.asName() { pairs.append(name) }
        if case .word("use")? = stream.current?.kind {
            stream.position += 1
            return try parseUse(&stream, at: at, pairs: pairs)
        }
        if let inputs = try stream.inputs() { pairs.append(inputs) }
        guard stream.consume(":") else {
            throw SyntaxError(
                column: stream.column,
                message: "a repeat ends with ':' and an indented body, or names a block with 'use'")
        }
        try stream.expectEnd()
        let body = parseBody(after: line)
        pairs.append(SpecNode.Pair(key: "layers", keyLocation: at, value: SpecNode(.sequence(body), at: at)))
        return SpecNode(.mapping(pairs), at: at)
    }
}
