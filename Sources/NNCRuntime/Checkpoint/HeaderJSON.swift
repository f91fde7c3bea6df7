/// A strict JSON reader for safetensors headers. Foundation's parser keeps the last of two
/// equal keys and turns `128.5` into a number like any other; a header from an untrusted
/// file needs both seen. This one keeps every key in order (so a duplicate is reported with
/// its name), keeps numbers as their text (so `128.5`, `1e3` and `2^64` are told apart from
/// integers), and bounds nesting so a hostile header cannot exhaust the stack.
enum HeaderJSON: Equatable {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// The number's literal text, as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (a: HeaderJSON, b: HeaderJSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        // Different kinds (listed, not `default:`, so a new kind must be added above).
        case (.object, _), (.array, _), (.string, _), (.number, _), (.bool, _), (.null, _): false
        }
    }

    /// Deeper than any real header (tensor entries sit at depth 3).
    static let maximumDepth = 32

    struct SyntaxError: Error {
        var message: String
        /// Byte offset in the header.
        var offset: Int
    }

    /// Parses one JSON value that fills `bytes` (surrounding whitespace allowed). A key that
    /// appears twice in one object is an error naming it.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> HeaderJSON {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else {
            throw SyntaxError(message: "text after the JSON object", offset: reader.position)
        }
        return value
    }

    /// A short text of the value, for messages (`[128.5]`, `"F32"`).
    var text: String {
        switch self {
        case .object(let entries):
            "{" + entries.prefix(4).map { "\"\($0.key)\": \($0.value.text)" }.joined(separator: ", ")
                + (entries.count > 4 ? ", …}" : "}")
        case .array(let items):
            "[" + items.prefix(8).map(\.text).joined(separator: ", ") + (items.count > 8 ? ", …]" : "]")
        case .string(let s): "\"" + (s.count > 40 ? s.prefix(40) + "…" : s) + "\""
        case .number(let n): n.count > 40 ? n.prefix(40) + "…" : n
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
        }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

        mutating func expect(_ literal: String) throws(SyntaxError) {
            for byte in literal.utf8 {
                guard current == byte else { throw error("expected '\(literal)'") }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> HeaderJSON {
            guard depth < HeaderJSON.maximumDepth else {
                throw error("nested deeper than \(HeaderJSON.maximumDepth) levels")
            }
            switch current {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            case let c? where c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c):
                return .number(try number())
            case nil: throw error("the header ends where a value should be")
            default: throw error("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(SyntaxError) -> HeaderJSON {
            position += 1
            var entries: [(key: String, value: HeaderJSON)] = []
            var seen: Set<String> = []
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(entries)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
                let keyStart = position
                let key = try string()
                guard seen.insert(key).inserted else {
                    throw SyntaxError(message: "the key \"\(key)\" appears twice in one object", offset: keyStart)
                }
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                entries.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect("}")
                return .object(entries)
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> HeaderJSON {
            position += 1
            var items: [HeaderJSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect("]")
                return .array(items)
            }
        }

        /// A number's text, checked against JSON's grammar.
        mutating func number() throws(SyntaxError) -> String {
            let start = position
            func digits() -> Int {
                let from = position
                while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { position += 1 }
                return position - from
            }
            if current == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw error("a number needs digits") }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw error("a number needs digits after its point") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw error("a number needs digits in its exponent") }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }

        /// A string's value: escapes resolved, UTF-8 checked.
        mutating func string() throws(SyntaxError) -> String {
            position += 1
            var scalars = String.UnicodeScalarView()
            var run = position
            func flush(_ end: Int) throws(SyntaxError) {
                guard end > run else { return }
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[run..<end]), as: UTF8.self)
                else {
                    throw SyntaxError(message: "a string is not valid UTF-8", offset: run)
                }
                scalars.append(contentsOf: text.unicodeScalars)
            }
            while true {
                guard let c = current else { throw error("a string is not closed") }
                switch c {
                case UInt8(ascii: "\""):
                    try flush(position)
                    position += 1
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush(position)
                    position += 1
                    scalars.append(try escape())
                    run = position
                case 0..<0x20:
                    throw error("a string holds a control character")
                default:
                    position += 1
                }
            }
        }

        mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
            guard let c = current else { throw error("a string is not closed") }
            position += 1
            switch c {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let high = try hex4()
                if (0xD800..<0xDC00).contains(high) {
                    try expect("\\u")
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("a surrogate pair is incomplete") }
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
                }
                guard let scalar = Unicode.Scalar(high) else { throw error("a lone surrogate in \\u escape") }
                return scalar
            default:
                throw error("an unknown escape '\\\(Character(Unicode.Scalar(c)))'")
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let c = current, let digit = Character(Unicode.Scalar(c)).hexDigitValue else {
                    throw error("\\u needs four hex digits")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }
    }
}
