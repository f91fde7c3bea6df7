/// The text of one spec file, kept so diagnostics can quote the offending line.
public final class SourceFile: Sendable {
    /// The path as the user gave it (printed in `file:line:col`).
    public let path: String
    public let text: String
    /// The file split into lines without their terminators.
    public let lines: [Substring]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    /// Line `number` (1-based), or nil past the end.
    public func line(_ number: Int) -> Substring? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }

    /// A location in this file.
    public func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: self, line: line, column: column)
    }
}
