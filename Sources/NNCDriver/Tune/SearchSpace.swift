import Foundation
import NNCDiagnostics
import NNCRuntime
import NNCSpec

/// The search ranges of a YAML spec and how a trial's spec is made from them: each range's
/// text (`{log_uniform: [1e-4, 1e-1]}`) is replaced by a sampled value (`0.00231`), so a trial
/// is an ordinary spec with the user's layout, comments and line numbers, loaded and trained
/// as `nnc train` would (under the spec's own path, so its data paths resolve as before).
public struct SearchSpace: Sendable {
    public var file: SourceFile
    public var ranges: [SearchRange]
    /// Each range's name in tables and files: `adam.learning_rate`, with `@line` when two
    /// ranges share a name.
    public var names: [String]
    /// The model's name (the default search folder is runs/<model>-tune).
    public var model: String
    /// Where each range's text lies in the file.
    var spans: [Range<String.Index>]

    /// The ranges of `file`, or the errors that stop a search: the spec's own (other than
    /// its ranges being there, E0540), malformed ranges (E0541), none at all (E0542).
    public static func read(_ file: SourceFile) throws(TrainingFailure) -> SearchSpace {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard SpecLoader.spelling(forPath: file.path) == .yaml else {
            throw TrainingFailure([
                Diagnostic.error(
                    .noSearchRange, "`nnc tune` reads its search ranges from a YAML spec; '\(file.path)' is DSL",
                    at: start, help: "write the model as YAML (`nnc check --defaults` prints it) and mark ranges there")
            ])
        }
        let (spec, diagnostics) = SpecLoader.load(file)
        let errors = diagnostics.all.filter { $0.severity == .error && $0.code != .searchRangeOutsideTune }
        guard errors.isEmpty, let spec else { throw TrainingFailure(errors) }
        guard !spec.searchRanges.isEmpty else {
            throw TrainingFailure([
                Diagnostic.error(
                    .noSearchRange, "`nnc tune` needs at least one search range in the spec; '\(file.path)' has none",
                    at: start,
                    help: "write a range where a value goes, e.g. `optimizer: {adam: {log_uniform: [1e-4, 1e-1]}}`")
            ])
        }
        var spans: [Range<String.Index>] = []
        var problems: [Diagnostic] = []
        for range in spec.searchRanges {
            if let span = span(of: range, in: file) {
                spans.append(span)
            } else {
                problems.append(
                    Diagnostic.error(
                        .invalidSearchRange,
                        "a search range's values must be written in brackets on its line; '\(range.name)' lists them in block style",
                        at: range.location, help: "write `{\(range.kind.rawValue): [a, b]}`"))
            }
        }
        guard problems.isEmpty else { throw TrainingFailure(problems) }
        let plain = spec.searchRanges.map(\.name)
        let names = spec.searchRanges.map { range in
            plain.filter { $0 == range.name }.count > 1 ? "\(range.name)@\(range.location.line)" : range.name
        }
        return SearchSpace(file: file, ranges: spec.searchRanges, names: names, model: spec.name, spans: spans)
    }

    /// One range's sampled value: its text in the trial's spec and, for the plot, its number
    /// (a choice's index).
    public struct Value: Sendable, Equatable, Codable {
        public var text: String
        public var number: Double
    }

    /// The values of trial `trial` (1-based) of the search seeded with `seed`: each range draws
    /// from its own generator (seed, trial, range), so trial k is the same whatever the
    /// number of trials. `log_uniform` is uniform in log(value); integer places round.
    public func sample(trial: Int, seed: UInt64) -> [Value] {
        ranges.enumerated().map { index, range in
            var random = SplitMix64(
                seed: seed ^ (UInt64(trial) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(index + 1) &* 0xD1B5_4A32_D192_ED03))
            let u = random.unit()
            switch range.kind {
            case .choice:
                let k = min(Int(u * Double(range.options.count)), range.options.count - 1)
                return Value(text: Self.flowText(range.options[k]), number: Double(k))
            case .intUniform:
                let count = range.high - range.low + 1
                let v = min(range.low + (u * count).rounded(.down), range.high)
                return Value(text: String(Int(v)), number: v)
            case .uniform:
                return number(range.low + u * (range.high - range.low), range)
            case .logUniform:
                return number(exp(log(range.low) + u * (log(range.high) - log(range.low))), range)
            }
        }
    }

    /// A sampled number as the trial's spec writes it: four significant digits (a whole
    /// number where an integer goes), the value the trial trains with.
    func number(_ v: Double, _ range: SearchRange) -> Value {
        if range.isInteger { return Value(text: String(Int(v.rounded())), number: v.rounded()) }
        let text = String(format: "%.4g", v)
        return Value(text: text, number: Double(text) ?? v)
    }

    /// The spec's text with every range replaced by its value.
    public func text(with values: [Value]) -> String {
        var text = file.text
        for (span, value) in zip(spans, values).reversed() { text.replaceSubrange(span, with: value.text) }
        return text
    }

    /// A trial's spec, under the spec's path (its data paths resolve as the spec's do).
    public func source(with values: [Value]) -> SourceFile { SourceFile(path: file.path, text: text(with: values)) }

    /// The text a range spans: its flow mapping `{…}`, or in block style its key up to the
    /// end of its bracketed list; nil for a block-style list (not one line's text).
    static func span(of range: SearchRange, in file: SourceFile) -> Range<String.Index>? {
        guard let start = index(range.location, in: file) else { return nil }
        let text = file.text
        if text[start] == "{" { return closing(from: start, in: text).map { start..<$0 } }
        guard let colon = text[start...].firstIndex(of: ":") else { return nil }
        guard let open = text[text.index(after: colon)...].firstIndex(where: { $0 != " " }), text[open] == "[" else {
            return nil
        }
        return closing(from: open, in: text).map { start..<$0 }
    }

    /// The position of a location (1-based line and column) in the file's text.
    static func index(_ location: SourceLocation, in file: SourceFile) -> String.Index? {
        guard let line = file.line(location.line), location.column >= 1, location.column <= line.count else {
            return nil
        }
        return line.index(line.startIndex, offsetBy: location.column - 1)
    }

    /// Just past the bracket that closes the one at `open`, skipping quoted text.
    static func closing(from open: String.Index, in text: String) -> String.Index? {
        var depth = 0
        var quote: Character?
        var i = open
        while i < text.endIndex {
            let c = text[i]
            if let q = quote {
                if c == "\\" && q == "\"" {
                    i = text.index(after: i)
                } else if c == q {
                    quote = nil
                }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "{" || c == "[" {
                depth += 1
            } else if c == "}" || c == "]" {
                depth -= 1
                if depth == 0 { return text.index(after: i) }
            }
            if i < text.endIndex { i = text.index(after: i) }
        }
        return nil
    }

    /// A choice's value in YAML flow syntax: `64`, `relu`, `{leaky_relu: {alpha: 0.1}}`.
    static func flowText(_ node: SpecNode) -> String {
        switch node.kind {
        case .scalar(let text, let quoted):
            guard quoted else { return text }
            return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        case .sequence(let items): return "[" + items.map(flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\($0.key): \(flowText($0.value))" }.joined(separator: ", ") + "}"
        case .null: return "null"
        }
    }
}
