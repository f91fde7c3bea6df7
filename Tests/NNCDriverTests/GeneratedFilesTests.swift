import Foundation
import NNCSpec
import NNCTestSupport
import Testing

/// The committed Grammar/ files are exactly what the registry generates, so the schema
/// editors use, the docs and the parser cannot drift apart.
@Suite struct GeneratedFilesTests {
    static let files: [(String, @Sendable () -> String)] = [
        ("Grammar/nnc.schema.json", JSONSchema.generate),
        ("Grammar/reference.md", ReferenceDocs.generate),
    ]

    @Test func committedSchemaAndReferenceMatchTheRegistry() throws {
        for (path, generate) in Self.files {
            let url = Repo.root.appendingPathComponent(path)
            let expected = generate()
            if Golden.recording {
                try expected.write(to: url, atomically: true, encoding: .utf8)
                Issue.record("recorded \(path); run again without NNC_RECORD=1 to check it")
                continue
            }
            let committed = try String(contentsOf: url, encoding: .utf8)
            let a = committed.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            #expect(
                a == b,
                """
                \(path) is stale from line \(line + 1): committed '\(line < a.count ? a[line] : "<end>")', generated '\(line < b.count ? b[line] : "<end>")'; \
                re-record with NNC_RECORD=1 swift test
                """)
        }
    }

    @Test func schemaIsValidJSONAndCoversEveryLayerKind() throws {
        let data = Data(JSONSchema.generate().utf8)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let defs = try #require(root["$defs"] as? [String: Any])
        let layer = try #require(defs["layer"] as? [String: Any])
        let options = try #require(layer["anyOf"] as? [[String: Any]])
        let keyed = Set(options.compactMap { ($0["required"] as? [String])?.first })
        for kind in Registry.layers.kinds { #expect(keyed.contains(kind.name), "\(kind.name) missing from the schema") }
        #expect(root["required"] as? [String] == ["input", "layers"])
    }
}
