/// A 1-based line and column (counted in Unicode scalars) in a `SourceFile`.
public struct SourceLocation: Sendable, CustomStringConvertible {
    public let file: SourceFile?
    public let line: Int
    public let column: Int

    public init(file: SourceFile?, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location for things that have no place in a file (command-line input, defaults).
    public static let unknown = SourceLocation(file: nil, line: 0, column: 0)

    public var isKnown: Bool { file != nil && line > 0 }

    /// `path:line:col`, as compilers print it.
    public var description: String {
        guard let file else { return "<input>" }
        return line > 0 ? "\(file.path):\(line):\(column)" : file.path
    }
}

extension SourceLocation: Equatable, Comparable {
    public static func == (a: SourceLocation, b: SourceLocation) -> Bool {
        a.file === b.file && a.line == b.line && a.column == b.column
    }
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}
