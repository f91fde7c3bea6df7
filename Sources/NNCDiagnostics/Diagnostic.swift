/// How serious a diagnostic is. Errors make `nnc check` exit 1; warnings do not.
public enum Severity: String, Sendable, Comparable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A secondary place a diagnostic points at, with a short message ("'fc1' is [B, 128]").
public struct DiagnosticLabel: Sendable {
    public var location: SourceLocation
    public var message: String
    public var severity: Severity

    public init(_ location: SourceLocation, _ message: String, severity: Severity = .note) {
        self.location = location
        self.message = message
        self.severity = severity
    }
}

/// One problem found in a spec: a value, not a thrown error, so every pass can report
/// all independent problems in one run.
public struct Diagnostic: Sendable {
    public var severity: Severity
    public var code: DiagnosticCode
    /// Lowercase phrase without a final period, stating the rule.
    public var message: String
    public var location: SourceLocation
    /// Message shown under the primary location; empty to show none.
    public var primaryLabel: String
    public var labels: [DiagnosticLabel]
    public var notes: [String]
    /// A suggested fix, printed after `help:`.
    public var help: String?

    public init(
        _ severity: Severity, _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        label: String = "", labels: [DiagnosticLabel] = [], notes: [String] = [], help: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.primaryLabel = label
        self.labels = labels
        self.notes = notes
        self.help = help
    }

    public static func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        label: String = "", labels: [DiagnosticLabel] = [], notes: [String] = [],
        help: String? = nil
    ) -> Diagnostic {
        Diagnostic(.error, code, message, at: location, label: label, labels: labels, notes: notes, help: help)
    }

    public static func warning(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        label: String = "", labels: [DiagnosticLabel] = [], notes: [String] = [],
        help: String? = nil
    ) -> Diagnostic {
        Diagnostic(.warning, code, message, at: location, label: label, labels: labels, notes: notes, help: help)
    }
}

extension Diagnostic {
    /// The longest message, label, note or help printed, in Unicode scalars. Messages quote
    /// what the spec wrote, and a spec can write a name of a million characters.
    public static let longestText = 1_000

    /// This diagnostic with every text cut to `longestText` (ending in `…`).
    public func clipped() -> Diagnostic {
        var d = self
        d.message = message.clipped(to: Self.longestText)
        d.primaryLabel = primaryLabel.clipped(to: Self.longestText)
        d.labels = labels.map {
            DiagnosticLabel($0.location, $0.message.clipped(to: Self.longestText), severity: $0.severity)
        }
        d.notes = notes.map { $0.clipped(to: Self.longestText) }
        d.help = help?.clipped(to: Self.longestText)
        return d
    }
}

extension String {
    /// The first `limit` Unicode scalars and `…`, or the string itself when it is no longer.
    public func clipped(to limit: Int) -> String {
        let scalars = unicodeScalars
        guard let end = scalars.index(scalars.startIndex, offsetBy: limit, limitedBy: scalars.endIndex),
            end < scalars.endIndex
        else { return self }
        return String(String.UnicodeScalarView(scalars[..<end])) + "…"
    }
}
