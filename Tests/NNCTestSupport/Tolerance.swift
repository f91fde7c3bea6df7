import Testing

/// The tests' one closeness rule: |actual − expected| ≤ relative · max(1, |expected|), a
/// relative error for large values and an absolute one near zero.
public func isClose(_ actual: Double, _ expected: Double, relative: Double) -> Bool {
    abs(actual - expected) <= relative * max(1, abs(expected))
}

/// Expects `actual` (a float kernel's result) close to `expected` (its double-precision formula).
public func expectClose(
    _ actual: Float, _ expected: Double, relative: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        isClose(Double(actual), expected, relative: relative), "\(what): \(actual) vs \(expected)",
        sourceLocation: sourceLocation)
}

/// Elementwise `expectClose`, and the same length.
public func expectClose(
    _ actual: [Float], _ expected: [Double], relative: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
        sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        expectClose(a, e, relative: relative, "\(what)[\(i)]", sourceLocation: sourceLocation)
    }
}
