import NNCData
import NNCDriver
import NNCSpec
import Testing

/// Every code has an explanation whose bad example produces exactly that code and whose
/// fixed example checks without any diagnostic.
@Suite struct ExplainTests {
    /// Codes whose examples are models: all but E0105, whose example is a file path, the
    /// data codes (E05xx), whose examples are data files, the training-run codes (their
    /// tests are in TrainingTests) and the doctor's findings (Tests/Fixtures/doctor).
    static let runnable = DiagnosticCode.allCases.filter {
        !["path", "run", "doctor"].contains($0.documentation.exampleKind)
            && !DataExample.kinds.contains($0.documentation.exampleKind)
    }
    static let dataCodes = DiagnosticCode.allCases.filter { DataExample.kinds.contains($0.documentation.exampleKind) }

    @Test(arguments: DiagnosticCode.allCases)
    func everyCodeIsDocumented(_ code: DiagnosticCode) {
        #expect(code.documentation.explanation.count > 80, "\(code.rawValue): explanation too short")
        #expect(!code.documentation.badExample.isEmpty && !code.documentation.fixedExample.isEmpty)
        #expect(code.documentation.badExample != code.documentation.fixedExample)
        #expect(
            ["yaml", "nn", "shorthand", "path", "plan", "run", "doctor"].contains(code.documentation.exampleKind)
                || Self.dataCodes.contains(code))
    }

    /// A data code's bad example, read as training reads data, gives exactly that code;
    /// its fixed example reads cleanly (a data path relative to the repository).
    @Test(arguments: dataCodes)
    func dataExamplesTriggerExactlyTheirCode(_ code: DiagnosticCode) throws {
        let doc = code.documentation
        let bad = try #require(
            DataExample.diagnostics(doc.badExample, kind: doc.exampleKind, relativeTo: Repo.root.path))
        #expect(
            bad.count == 1 && bad.allSatisfy { $0.code == code },
            "\(code.rawValue): got \(bad.map { "\($0.code.rawValue) \($0.message)" })")
        let fixed = try #require(
            DataExample.diagnostics(doc.fixedExample, kind: doc.exampleKind, relativeTo: Repo.root.path))
        #expect(fixed.isEmpty, "\(code.rawValue) fixed: \(fixed.map(\.message))")
        let text = Explain.render(code)
        #expect(text.contains("[\(code.rawValue)]"), "\(code.rawValue): no rendered diagnostic in\n\(text)")
    }

    @Test func dataExplanationShowsTheLocatedRecord() {
        #expect(
            Explain.render(.labelOutOfRange).contains(
                """
                example.csv:3:1: error: class labels must lie in 0..<3 (the model has 3 classes); line 3 of 'example.csv' has label 3 [E0503]
                3 | 3,6.3,3.3,6.0,2.5
                  | `- error: label 3
                """))
    }

    @Test(arguments: runnable)
    func badExampleTriggersExactlyTheCode(_ code: DiagnosticCode) throws {
        let bad = try #require(Explain.run(code.documentation.badExample, kind: code.documentation.exampleKind))
        #expect(!bad.diagnostics.isEmpty, "\(code.rawValue): the bad example checks cleanly")
        #expect(
            bad.diagnostics.allSatisfy { $0.code == code },
            "\(code.rawValue): got \(bad.diagnostics.map { "\($0.code.rawValue) \($0.message)" })")
        #expect(bad.hasErrors == !code.isWarning)
    }

    @Test(arguments: runnable)
    func fixedExampleChecksCleanly(_ code: DiagnosticCode) throws {
        let fixed = try #require(Explain.run(code.documentation.fixedExample, kind: code.documentation.exampleKind))
        #expect(
            fixed.diagnostics.isEmpty,
            "\(code.rawValue) fixed: \(fixed.diagnostics.map { "\($0.code.rawValue) \($0.message)" })")
        #expect(fixed.graph != nil)
    }

    @Test(arguments: runnable)
    func renderingShowsTheDiagnosticTheCheckerPrints(_ code: DiagnosticCode) {
        let text = Explain.render(code)
        #expect(text.hasPrefix("\(code.rawValue): \(code.title)\n"))
        #expect(text.contains("[\(code.rawValue)]"), "\(code.rawValue): no rendered diagnostic in\n\(text)")
        #expect(
            code.documentation.fixedExample.split(separator: "\n").allSatisfy { text.contains($0) },
            "\(code.rawValue): fixed example not shown")
    }

    @Test func renderedExplanationShowsTheRealDiagnostic() {
        let text = Explain.render(.mergeShapeMismatch)
        #expect(
            text.hasPrefix(
                "E0301: the operands of an elementwise merge (add, subtract, multiply, average, maximum) must have broadcastable shapes\n"
            ))
        #expect(
            text.contains(
                "example.yaml:5:25: error: 'add' operands must have equal sizes, or 1 where they differ; got [B, 128] and [B, 64] [E0301]"
            )
        )
        #expect(text.contains("Fixed:"))
    }

    @Test func theConvolutionRulesStateTheOutputSizeFormula() {
        let formula = "out = ⌊(in + pad_before + pad_after − dilation·(kernel − 1) − 1)/stride⌋ + 1"
        #expect(DiagnosticCode.kernelTooLarge.documentation.explanation.contains(formula))
        #expect(DiagnosticCode.strideDropsRows.documentation.explanation.contains(formula))
    }

    @Test func codesAreCaseInsensitive() {
        #expect(Explain.code("e0301") == .mergeShapeMismatch)
        #expect(Explain.code("w0302") == .deadBranch)
        #expect(Explain.code("E9999") == nil)
        #expect(Explain.code("") == nil)
    }
}
