import NNCDriver
import NNCSpec
import Testing

/// Every code has an explanation whose bad example produces exactly that code and whose
/// fixed example checks without any diagnostic.
@Suite struct ExplainTests {
    static let runnable = DiagnosticCode.allCases.filter { $0.documentation.exampleKind != "path" }

    @Test(arguments: runnable)
    func badExampleTriggersTheCodeAndFixedExampleIsClean(_ code: DiagnosticCode) throws {
        let doc = code.documentation
        #expect(doc.explanation.count > 80)
        let bad = try #require(Explain.run(doc.badExample, kind: doc.exampleKind))
        #expect(bad.diagnostics.contains { $0.code == code }, "\(code.rawValue): got \(bad.diagnostics.map(\.code.rawValue))")
        let fixed = try #require(Explain.run(doc.fixedExample, kind: doc.exampleKind))
        #expect(fixed.diagnostics.isEmpty, "\(code.rawValue) fixed: \(fixed.diagnostics.map { "\($0.code.rawValue) \($0.message)" })")
    }

    @Test func renderedExplanationShowsTheRealDiagnostic() {
        let text = Explain.render(.mergeShapeMismatch)
        #expect(text.hasPrefix("E0301: 'add' operands must have identical shapes\n"))
        #expect(text.contains("example.yaml:5:25: error: 'add' operands must have identical shapes; got [B, 128] and [B, 64] [E0301]"))
        #expect(text.contains("Fixed:"))
    }

    @Test func codesAreCaseInsensitive() {
        #expect(Explain.code("e0301") == .mergeShapeMismatch)
        #expect(Explain.code("E9999") == nil)
    }
}
