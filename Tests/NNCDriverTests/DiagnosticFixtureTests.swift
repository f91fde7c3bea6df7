import Foundation
import NNCData
import NNCDriver
import NNCPlan
import NNCSpec
import Testing

/// Fixtures in Tests/Fixtures/diagnostics carry their expectations inline, on the line
/// the diagnostic points at: `# expect-error E0301` or `# expect-warning W0302` (several
/// codes allowed). The checker must report exactly those: none missing, none extra.
/// Fixtures named `*.plan.yaml` check clean and are compiled (a training plan), for the
/// problems only compiling finds.
@Suite struct DiagnosticFixtureTests {
    static let folder = Repo.root.appendingPathComponent("Tests/Fixtures/diagnostics")
    static let fixtures: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    /// "E0301@6" for each expectation, sorted.
    static func expectations(_ text: String) -> [String] {
        var expected: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for marker in ["# expect-error", "# expect-warning"] {
                guard let range = line.range(of: marker) else { continue }
                for code in line[range.upperBound...].split(separator: " ") where code.first == "E" || code.first == "W"
                {
                    expected.append("\(code)@\(index + 1)")
                }
            }
        }
        return expected.sorted()
    }

    @Test(arguments: fixtures)
    func reportsExactlyTheInlineExpectations(_ name: String) throws {
        let url = Self.folder.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var result: CheckResult
        if name.hasSuffix(".shorthand") {
            // The argument itself is the model: strip the expectation comment.
            let argument = String(text.prefix { $0 != " " && $0 != "\n" })
            result = Driver.check(SourceFile(path: argument, text: argument))
        } else if name.hasSuffix(".plan.yaml") {
            let compiled = Driver.compile(
                SourceFile(path: url.path, text: text), options: LoweringOptions(mode: .training, batch: 2))
            result = compiled.check
            result.diagnostics = compiled.diagnostics
        } else {
            result = Driver.check(SourceFile(path: url.path, text: text))
        }
        let actual = result.diagnostics.map { "\($0.code.rawValue)@\($0.location.line)" }.sorted()
        #expect(
            actual == Self.expectations(text),
            "\(name): \(result.diagnostics.map { "\($0.location) \($0.code.rawValue) \($0.message)" })")
    }

    @Test func everyCodeHasAFixture() throws {
        var covered: Set<String> = []
        for name in Self.fixtures {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
            for expectation in Self.expectations(text) { covered.insert(String(expectation.prefix(5))) }
        }
        // E0105 (an unreadable spec file), the data codes (E05xx, found reading data files,
        // not checking specs) and the training-run codes (E052x) are tested by their
        // rendered text in NNCDataTests, ExplainTests and TrainingTests instead.
        let exempt = DiagnosticCode.allCases.filter {
            $0 == .unreadableFile || DataExample.kinds.contains($0.documentation.exampleKind)
                || ["run", "doctor"].contains($0.documentation.exampleKind)
        }
        let missing = DiagnosticCode.allCases.filter { !covered.contains($0.rawValue) && !exempt.contains($0) }.map(
            \.rawValue)
        #expect(missing.isEmpty, "codes without a fixture: \(missing)")
    }
}
