import NNCDiagnostics

/// One token of a DSL line, with its 1-based column.
struct DSLToken: Equatable {
    enum Kind: Equatable {
        /// Names, keywords and `$param` references (dots allowed: `stage2.conv1`).
        case word(String)
        /// Numbers as written (`0.001`, `1e-3`, `10_000`, `1/255`, `-1`).
        case number(String)
        case string(String)
        /// One of `= , ( ) [ ] :` or the arrow `<-`.
        case symbol(String)
    }

    var kind: Kind
    var column: Int

    var text: String {
        switch kind {
        case .word(let s), .number(let s), .symbol(let s): s
        case .string(let s): "\"\(s)\""
        }
    }
}

/// Splits one line into tokens. Comments start with `#` outside strings.
struct DSLLexer {
    struct Failure: Error {
        var column: Int
        var message: String
    }

    static func tokens(_ line: Substring) throws(Failure) -> [DSLToken] {
        let chars = Array(line.unicodeScalars)
        var tokens: [DSLToken] = []
        var i = 0
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" || c == "$" }
        func isWordPart(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || c == "_" || c == "." || ("0"..."9").contains(c)
        }
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c == " " {
                i += 1
                continue
            }
            if c == "\t" {
                throw Failure(column: column, message: "indent and separate with spaces; tabs are not allowed")
            }
            if c == "#" { break }
            if c == "<", i + 1 < chars.count, chars[i + 1] == "-" {
                tokens.append(DSLToken(kind: .symbol("<-"), column: column))
                i += 2
                continue
            }
            if "=,()[]:".unicodeScalars.contains(c) {
                tokens.append(DSLToken(kind: .symbol(String(c)), column: column))
                i += 1
                continue
            }
            if c == "\"" || c == "'" {
                var j = i + 1
                var text = ""
                while j < chars.count, chars[j] != c {
                    if chars[j] == "\\", j + 1 < chars.count { j += 1 }
                    text.unicodeScalars.append(chars[j])
                    j += 1
                }
                guard j < chars.count else {
                    throw Failure(
                        column: column, message: "a string must end on the line it starts; add the closing \(c)")
                }
                tokens.append(DSLToken(kind: .string(text), column: column))
                i = j + 1
                continue
            }
            let signed = (c == "-" || c == "+") && i + 1 < chars.count && (isDigit(chars[i + 1]) || chars[i + 1] == ".")
            if isDigit(c) || signed || (c == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
                var j = i + 1
                while j < chars.count {
                    let d = chars[j]
                    let exponentSign = (d == "-" || d == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E")
                    guard isDigit(d) || d == "." || d == "_" || d == "e" || d == "E" || d == "/" || exponentSign else {
                        break
                    }
                    j += 1
                }
                tokens.append(DSLToken(kind: .number(String(String.UnicodeScalarView(chars[i..<j]))), column: column))
                i = j
                continue
            }
            if isWordStart(c) {
                var j = i + 1
                while j < chars.count, isWordPart(chars[j]) { j += 1 }
                tokens.append(DSLToken(kind: .word(String(String.UnicodeScalarView(chars[i..<j]))), column: column))
                i = j
                continue
            }
            throw Failure(column: column, message: "unexpected character '\(c)'")
        }
        return tokens
    }
}
