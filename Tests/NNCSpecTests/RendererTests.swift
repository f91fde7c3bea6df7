import NNCDiagnostics
import Testing

@Suite struct RendererTests {
    @Test func rendersLabelsRightmostFirstLikeSwiftc() {
        let file = SourceFile(path: "models/bad.yaml", text: "layers:\n    inputs: [fc1, fc2]\n")
        let d = Diagnostic.error(
            .mergeShapeMismatch, "'add' operands must have identical shapes; got [B, 128] and [B, 64]",
            at: file.location(line: 2, column: 19),
            labels: [
                DiagnosticLabel(file.location(line: 2, column: 14), "'fc1' is [B, 128]"),
                DiagnosticLabel(file.location(line: 2, column: 19), "'fc2' is [B, 64]", severity: .error),
            ],
            help: "set 'units: 128' on 'fc2'")
        #expect(
            DiagnosticRenderer().render(d) == """
                models/bad.yaml:2:19: error: 'add' operands must have identical shapes; got [B, 128] and [B, 64] [E0301]
                2 |     inputs: [fc1, fc2]
                  |              |    `- error: 'fc2' is [B, 64]
                  |              `- note: 'fc1' is [B, 128]
                help: set 'units: 128' on 'fc2'

                """)
    }

    @Test func primaryMarkerRepeatsTheMessageAndLabelsOnOtherLinesAreQuoted() {
        let file = SourceFile(path: "m.yaml", text: "a: 1\nb: 2\nc: 3\n")
        let d = Diagnostic.warning(
            .deadBranch, "nothing reads 'b'", at: file.location(line: 3, column: 1),
            labels: [DiagnosticLabel(file.location(line: 1, column: 4), "first")],
            notes: ["a note"])
        #expect(
            DiagnosticRenderer().render(d) == """
                m.yaml:3:1: warning: nothing reads 'b' [W0302]
                1 | a: 1
                  |    `- note: first
                3 | c: 3
                  | `- warning: nothing reads 'b'
                note: a note

                """)
    }

    /// A million-character line is quoted as a window around its marker, a message as its
    /// first thousand characters, and past 100 diagnostics the rest are counted.
    @Test func longLinesMessagesAndListsAreCut() {
        let name = String(repeating: "x", count: 1_000_000)
        let file = SourceFile(path: "m.yaml", text: "layers: [dense, " + name + "]\n")
        let d = Diagnostic.error(.unknownValue, "unknown layer kind '\(name)'", at: file.location(line: 1, column: 17))
        let text = DiagnosticRenderer().render(d)
        #expect(
            text.utf8.count < 3 * (DiagnosticRenderer.lineWidth + Diagnostic.longestText), "\(text.utf8.count) bytes")
        #expect(text.contains("1 | layers: [dense, xxx"))
        #expect(text.contains("  |                 `- error: unknown layer kind 'xxx"))
        let many = DiagnosticRenderer().render(Array(repeating: d, count: 150))
        #expect(
            many.hasSuffix("note: 50 more diagnostics not shown (50 errors, 0 warnings); fix the ones above first\n"))
    }

    @Test func didYouMeanIsBoundedByTheCandidates() {
        #expect(Suggestions.closest(to: String(repeating: "a", count: 1_000_000), in: ["dense", "relu"]) == nil)
        #expect(Suggestions.closest(to: "relu", in: ["relu6", "dense"]) == "relu6")
        #expect(Suggestions.closest(to: "denes", in: ["dense", "flatten"]) == "dense")
    }

    @Test func didYouMeanCountsSwapsAsOneEdit() {
        #expect(Suggestions.editDistance("rleu", "relu") == 1)
        #expect(Suggestions.closest(to: "kernal", in: ["kernel", "stride"]) == "kernel")
        #expect(Suggestions.closest(to: "zzz", in: ["kernel", "stride"]) == nil)
    }
}
