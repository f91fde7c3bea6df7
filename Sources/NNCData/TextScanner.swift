import Foundation
import NNCDiagnostics

/// Walks the lines of a text data file as byte ranges and parses numbers in place, so a
/// CSV of many thousand records is read without a String per field. Lines end in `\n` or
/// `\r\n`; blank lines after the last record are allowed, a blank line before it is a record
/// (and therefore an error, never a silently skipped row).
struct TextScanner {
    let file: TextFile
    /// The file's bytes with a trailing NUL, so C's strtof/strtod stop at the end.
    private let terminated: [CChar]
    private(set) var position = 0
    /// 1-based number of the line `next()` returned last.
    private(set) var line = 0

    init(_ file: TextFile) {
        self.file = file
        var terminated = [CChar](repeating: 0, count: file.bytes.count + 1)
        for i in file.bytes.indices { terminated[i] = CChar(bitPattern: file.bytes[i]) }
        self.terminated = terminated
        position = file.bomSize
    }

    var bytes: [UInt8] { file.bytes }

    /// The next line as `start..<end` (without its line break), or nil at the end of the
    /// records: at the end of the file, or when only blank lines remain.
    mutating func next() -> Range<Int>? {
        let b = file.bytes
        guard position < b.count else { return nil }
        let start = position
        var end = start
        while end < b.count, b[end] != UInt8(ascii: "\n") { end += 1 }
        if b[start..<end].allSatisfy(Self.isBlank),
            b[end...].allSatisfy({ Self.isBlank($0) || $0 == UInt8(ascii: "\n") })
        {
            position = b.count
            return nil
        }
        position = end + 1
        line += 1
        if end > start, b[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return start..<end
    }

    private static func isBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\t")
    }

    /// The field `range` with surrounding spaces (and tabs, unless `keepTabs`) and one pair
    /// of double quotes removed.
    func trimmed(_ range: Range<Int>, keepTabs: Bool = false) -> Range<Int> {
        let b = file.bytes
        func isSpace(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || (!keepTabs && c == UInt8(ascii: "\t")) }
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi, isSpace(b[lo]) { lo += 1 }
        while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
        if hi - lo >= 2, b[lo] == UInt8(ascii: "\""), b[hi - 1] == UInt8(ascii: "\"") {
            lo += 1
            hi -= 1
        }
        return lo..<hi
    }

    /// The field as a finite Float (correctly rounded, like Float("5.1")), or nil when it is
    /// not exactly one decimal number (see `isDecimal`) or overflows a Float.
    func float(_ field: Range<Int>) -> Float? {
        guard isDecimal(field) else { return nil }
        return terminated.withUnsafeBufferPointer { p -> Float? in
            let start = p.baseAddress! + field.lowerBound
            var end: UnsafeMutablePointer<CChar>?
            let value = strtof(start, &end)
            guard let end, end == UnsafeMutablePointer(mutating: p.baseAddress! + field.upperBound), value.isFinite
            else { return nil }
            return value
        }
    }

    /// The field as a finite Double, or nil when it is not one decimal number.
    func double(_ field: Range<Int>) -> Double? {
        guard isDecimal(field) else { return nil }
        return terminated.withUnsafeBufferPointer { p -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(p.baseAddress! + field.lowerBound, &end)
            guard let end, end == UnsafeMutablePointer(mutating: p.baseAddress! + field.upperBound), value.isFinite
            else { return nil }
            return value
        }
    }

    /// True when the field is written as one decimal number: an optional sign, digits with at
    /// most one point, an optional exponent. C's strtod also reads hexadecimal (`0x10` as 16),
    /// `inf`, `nan` and leading spaces; none of those is a CSV number here.
    func isDecimal(_ field: Range<Int>) -> Bool {
        let b = file.bytes
        var i = field.lowerBound
        var digits = 0
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        if i < field.upperBound, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        while i < field.upperBound, isDigit(b[i]) {
            i += 1
            digits += 1
        }
        if i < field.upperBound, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < field.upperBound, isDigit(b[i]) {
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return false }
        if i < field.upperBound, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < field.upperBound, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            var exponent = 0
            while i < field.upperBound, isDigit(b[i]) {
                i += 1
                exponent += 1
            }
            guard exponent > 0 else { return false }
        }
        return i == field.upperBound
    }

    /// How a field that is not a finite number reads when it spells a NaN or an infinity
    /// (`nan`, `-inf`, `Infinity`) or a decimal beyond a Float's range (`1e39`): the
    /// words for a message; nil for a field that is simply not a number.
    func nonFinite(_ field: Range<Int>) -> String? {
        let word = text(field).lowercased()
        let unsigned = word.hasPrefix("-") || word.hasPrefix("+") ? String(word.dropFirst()) : word
        if unsigned == "nan" { return "NaN" }
        if unsigned == "inf" || unsigned == "infinity" { return word.hasPrefix("-") ? "-infinity" : "+infinity" }
        if isDecimal(field), let value = double(field), !Float(value).isFinite {
            return "beyond the range of a 32-bit float"
        }
        if isDecimal(field), double(field) == nil { return "beyond the range of a 64-bit float" }
        return nil
    }

    /// The field as a whole number ≥ 0 written in decimal digits only, or nil.
    func digits(_ field: Range<Int>) -> Int64? {
        guard !field.isEmpty, field.count <= 18 else { return nil }
        var value: Int64 = 0
        for i in field {
            let c = file.bytes[i]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(c - UInt8(ascii: "0"))
        }
        return value
    }

    /// The location of byte `offset`, for an error.
    func location(_ offset: Int) -> SourceLocation { file.location(atByte: offset) }

    func text(_ range: Range<Int>) -> String { file.text(range.lowerBound, range.upperBound) }
}

extension TextScanner {
    /// Reads a label field as `mode` asks. Class labels are whole numbers ≥ 0 ("3" or "3.0");
    /// values any finite number. `what` names the file's format in messages.
    func label(_ field: Range<Int>, mode: LabelMode, what: String) throws(DataError) -> Double {
        let text = self.text(field)
        guard let value = double(field), mode == .classes || Float(value).isFinite else {
            if let reading = nonFinite(field) {
                throw DataError(
                    .nonFiniteData, "\(what) labels must be finite numbers; '\(text)' is \(reading)",
                    at: location(field.lowerBound),
                    label: "not finite", help: "replace or drop the records with missing labels")
            }
            throw DataError(
                .malformedRecord, "\(what) labels must be decimal numbers; '\(text)' is not",
                at: location(field.lowerBound),
                label: text.isEmpty ? "the label is empty" : "not a number")
        }
        if mode == .classes {
            guard value == value.rounded() else {
                throw DataError(
                    .malformedRecord, "class labels are whole numbers ≥ 0; got '\(text)'",
                    at: location(field.lowerBound),
                    label: "not a whole number", help: "for real-valued targets use a regression loss (mse, mae)")
            }
            guard value >= 0, value <= Double(Int32.max) else {
                throw DataError(
                    .labelOutOfRange, "class labels are whole numbers ≥ 0; got '\(text)'",
                    at: location(field.lowerBound),
                    label: "outside 0..<\(Int32.max)")
            }
        }
        return value
    }
}
