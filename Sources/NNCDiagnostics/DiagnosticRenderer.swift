/// Renders diagnostics in swiftc's layout:
///
///     models/bad.yaml:12:19: error: 'add' operands must have equal sizes, or 1 where they differ [E0301]
///     12 |     inputs: [fc1, fc2]
///        |              |    `- error: 'fc2' is [B, 64]
///        |              `- note: 'fc1' is [B, 128]
///     help: set 'units: 128' on 'fc2'
public struct DiagnosticRenderer: Sendable {
    public var useColor: Bool

    public init(useColor: Bool = false) { self.useColor = useColor }

    /// At most this many diagnostics are printed (the first in file order); the rest are
    /// counted. Fixing the first usually fixes many of the others, and a file of 50,000
    /// unknown names must not print 50,000 messages.
    public static let limit = 100
    /// Quoted source lines longer than this (in Unicode scalars) are cut to a window
    /// around their markers, so a 100 MB one-line file prints a short excerpt.
    public static let lineWidth = 160

    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = diagnostics.prefix(Self.limit).map(render).joined(separator: "\n")
        let omitted = diagnostics.dropFirst(Self.limit)
        if !omitted.isEmpty {
            let errors = omitted.count { $0.severity == .error }
            out +=
                "\nnote: \(omitted.count.counted("more diagnostic", plural: "more diagnostics")) not shown "
                + "(\(errors.counted("error")), \((omitted.count - errors).counted("warning"))); fix the ones above first\n"
        }
        return out
    }

    public func render(_ d: Diagnostic) -> String {
        let d = d.clipped()
        var out = "\(d.location): \(paint(d.severity.rawValue, d.severity)): \(d.message) [\(d.code.rawValue)]\n"
        var markers: [(location: SourceLocation, text: String, severity: Severity)] = []
        // Like swiftc, the primary marker repeats the message unless a shorter label is given.
        let primaryMarked = d.labels.contains { $0.location == d.location }
        if !primaryMarked {
            markers.append((d.location, d.primaryLabel.isEmpty ? d.message : d.primaryLabel, d.severity))
        }
        for label in d.labels { markers.append((label.location, label.message, label.severity)) }
        out += snippet(markers.filter { $0.location.isKnown && $0.location.file === d.location.file })
        for label in d.labels where label.location.isKnown && label.location.file !== d.location.file {
            out += "\(label.location): \(label.severity.rawValue): \(label.message)\n"
        }
        for note in d.notes { out += "note: \(note)\n" }
        if let help = d.help { out += "help: \(help)\n" }
        return out
    }

    /// Quotes each line that carries a marker and hangs the markers under it,
    /// rightmost first so their stems do not cross.
    private func snippet(_ markers: [(location: SourceLocation, text: String, severity: Severity)]) -> String {
        guard let file = markers.first?.location.file else { return "" }
        let byLine = Dictionary(grouping: markers, by: { $0.location.line })
        let width = String(byLine.keys.max() ?? 0).count
        let gutter = String(repeating: " ", count: width)
        var out = ""
        for line in byLine.keys.sorted() {
            guard let text = file.line(line) else { continue }
            let markers = byLine[line]!
            let (excerpt, shift) = Self.excerpt(text, around: markers.map(\.location.column))
            out += "\(String(line).leftPadded(to: width)) | \(excerpt)\n"
            // Columns are counted in Unicode scalars; indent by the same count.
            let isCut = excerpt.unicodeScalars.count != text.unicodeScalars.count
            let columns = markers.map { marker in
                let column = marker.location.column - shift
                return (
                    column: isCut ? min(max(1, column), excerpt.unicodeScalars.count + 1) : column, text: marker.text,
                    severity: marker.severity
                )
            }.sorted { $0.column > $1.column }
            for (index, marker) in columns.enumerated() {
                var row = [Character](repeating: " ", count: marker.column - 1)
                for later in columns[(index + 1)...] where later.column - 1 < row.count {
                    row[later.column - 1] = "|"
                }
                let message = marker.text.isEmpty ? "" : " \(marker.severity.rawValue): \(marker.text)"
                out += "\(gutter) | \(String(row))`-\(message)\n"
            }
        }
        return out
    }

    /// The line as quoted: whole when it is short, else `lineWidth` scalars starting a little
    /// before the leftmost marker, with `…` where it was cut. `shift` is what to subtract
    /// from a column of the line to get its column in the excerpt.
    static func excerpt(_ line: Substring, around columns: [Int]) -> (text: String, shift: Int) {
        let scalars = line.unicodeScalars
        guard scalars.count > lineWidth else { return (String(line), 0) }
        let first = max(0, min((columns.min() ?? 1) - 1 - lineWidth / 4, scalars.count - lineWidth))
        let start = scalars.index(scalars.startIndex, offsetBy: first)
        let end = scalars.index(start, offsetBy: lineWidth)
        var text = String(String.UnicodeScalarView(scalars[start..<end]))
        var shift = first
        if first > 0 {
            text = "…" + text
            shift -= 1
        }
        if end < scalars.endIndex { text += "…" }
        return (text, shift)
    }

    private func paint(_ text: String, _ severity: Severity) -> String {
        guard useColor else { return text }
        let code =
            switch severity {
            case .error: "\u{1B}[1;31m"
            case .warning: "\u{1B}[1;33m"
            case .note: "\u{1B}[1;36m"
            }
        return code + text + "\u{1B}[0m"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
