/// Renders diagnostics in swiftc's layout:
///
///     models/bad.yaml:12:19: error: 'add' operands must have identical shapes [E0301]
///     12 |     inputs: [fc1, fc2]
///        |              |    `- error: 'fc2' is [B, 64]
///        |              `- note: 'fc1' is [B, 128]
///     help: set 'units: 128' on 'fc2'
public struct DiagnosticRenderer: Sendable {
    public var useColor: Bool

    public init(useColor: Bool = false) { self.useColor = useColor }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined(separator: "\n")
    }

    public func render(_ d: Diagnostic) -> String {
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
            out += "\(String(line).leftPadded(to: width)) | \(text)\n"
            let columns = byLine[line]!.sorted { $0.location.column > $1.location.column }
            // Columns are counted in Unicode scalars; indent by the same count.
            for (index, marker) in columns.enumerated() {
                var row = [Character](repeating: " ", count: marker.location.column - 1)
                for later in columns[(index + 1)...] where later.location.column - 1 < row.count {
                    row[later.location.column - 1] = "|"
                }
                let message = marker.text.isEmpty ? "" : " \(marker.severity.rawValue): \(marker.text)"
                out += "\(gutter) | \(String(row))`-\(message)\n"
            }
        }
        return out
    }

    private func paint(_ text: String, _ severity: Severity) -> String {
        guard useColor else { return text }
        let code = switch severity {
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
