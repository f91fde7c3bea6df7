import Foundation
import Testing

/// Golden files: outputs recorded under Tests/Golden and compared on every run.
public enum Golden {
    /// True when golden files should be re-recorded instead of compared (NNC_RECORD=1).
    public static var recording: Bool { ProcessInfo.processInfo.environment["NNC_RECORD"] == "1" }

    /// Compares `text` with the golden file at `relative` (under Tests/Golden). When
    /// recording it writes the file and then fails, as swift-argument-parser's snapshot
    /// helper does, so a recording run can never pass for a checked one: run again
    /// without NNC_RECORD to check what was written.
    public static func expect(
        _ text: String, _ relative: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let golden = Repository.golden.appendingPathComponent(relative)
        if recording {
            try FileManager.default.createDirectory(
                at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: golden, atomically: true, encoding: .utf8)
            Issue.record(
                "recorded \(relative); run again without NNC_RECORD=1 to check it", sourceLocation: sourceLocation)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(
            text == expected, "differs from \(relative); re-record with NNC_RECORD=1", sourceLocation: sourceLocation)
    }
}
