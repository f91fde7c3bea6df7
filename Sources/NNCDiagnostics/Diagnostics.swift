/// The growing list of problems a pass found. Passes append and keep going.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []
    /// The errors among `all`, counted as they come: passes compare counts before and after
    /// a step, which must not rescan thousands of diagnostics each time.
    public private(set) var errorCount = 0

    public init() {}

    public mutating func append(_ diagnostic: Diagnostic) {
        all.append(diagnostic)
        if diagnostic.severity == .error { errorCount += 1 }
    }

    public mutating func append(contentsOf other: Diagnostics) {
        all.append(contentsOf: other.all)
        errorCount += other.errorCount
    }

    public mutating func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        label: String = "", labels: [DiagnosticLabel] = [], notes: [String] = [],
        help: String? = nil
    ) {
        append(.error(code, message, at: location, label: label, labels: labels, notes: notes, help: help))
    }

    public mutating func warning(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        label: String = "", labels: [DiagnosticLabel] = [], notes: [String] = [],
        help: String? = nil
    ) {
        append(.warning(code, message, at: location, label: label, labels: labels, notes: notes, help: help))
    }

    public var hasErrors: Bool { errorCount > 0 }
    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }
    public var isEmpty: Bool { all.isEmpty }
    public var count: Int { all.count }

    /// Diagnostics in file order (stable for equal locations), as they are printed.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { a, b in
            let la = a.element.location
            let lb = b.element.location
            if la.line != lb.line { return la.line < lb.line }
            if la.column != lb.column { return la.column < lb.column }
            return a.offset < b.offset
        }.map(\.element)
    }
}

extension Diagnostics {
    /// Drops repeats of the same code, message and location (a block body decoded for
    /// several uses reports its mistake once).
    public mutating func deduplicate() {
        var seen: Set<String> = []
        all = all.filter { seen.insert("\($0.code.rawValue)|\($0.location)|\($0.message)").inserted }
        errorCount = all.count { $0.severity == .error }
    }
}
