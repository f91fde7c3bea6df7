import Foundation
import NNCDriver
import NNCGraph
import NNCTestSupport
import Testing

/// Every model in models/ checks cleanly and its `nnc summary --explain` output equals
/// the golden file in Tests/Golden/summaries/ (re-record with NNC_RECORD=1).
@Suite struct GoldenSummaryTests {
    @Test func modelsFolderIsNotEmpty() {
        #expect(Repo.modelFiles.count >= 10)
    }

    @Test(arguments: Repo.modelFiles)
    func summaryMatchesGolden(_ file: String) throws {
        let result = try Driver.check(path: Repo.models.appendingPathComponent(file).path)
        #expect(
            result.diagnostics.isEmpty,
            "\(file): \(result.diagnostics.map { "\($0.location) \($0.code.rawValue) \($0.message)" })")
        let graph = try #require(result.graph)
        try Golden.expect(SummaryTable.render(graph, explain: true, convention: .keras), "summaries/\(file).txt")
    }

    @Test func everyGoldenFileHasItsModel() throws {
        let goldens = try FileManager.default.contentsOfDirectory(
            atPath: Repository.golden.appendingPathComponent("summaries").path)
        let expected = Set(Repo.modelFiles.map { "\($0).txt" })
        #expect(Set(goldens.filter { $0.hasSuffix(".txt") }) == expected)
    }

    @Test(arguments: Repo.modelFiles)
    func totalsEqualTheSumOfLayers(_ file: String) throws {
        for convention in Convention.allCases {
            let result = try Driver.check(path: Repo.models.appendingPathComponent(file).path)
            var builder = GraphBuilder(spec: try #require(result.spec), convention: convention)
            let graph = builder.build()
            #expect(graph.totalParams == graph.nodes.map(\.paramCount).reduce(0, +))
            #expect(graph.trainableParams + graph.nonTrainableParams == graph.totalParams)
            #expect(graph.flops == graph.nodes.map(\.flops).reduce(0, +))
        }
    }
}

/// Each `.nn` model in models/ resolves to exactly the spec of its `.yaml` twin.
@Suite struct SpellingTwinTests {
    static let twins = Repo.modelFiles.filter { $0.hasSuffix(".nn") }.map { String($0.dropLast(3)) }

    @Test func thereAreTwins() { #expect(Self.twins.count >= 2) }

    @Test(arguments: twins)
    func dslTwinResolvesLikeYAML(_ name: String) throws {
        let nn = try Driver.check(path: Repo.models.appendingPathComponent("\(name).nn").path)
        let yaml = try Driver.check(path: Repo.models.appendingPathComponent("\(name).yaml").path)
        #expect(nn.diagnostics.isEmpty && yaml.diagnostics.isEmpty)
        #expect(ResolvedSpec.render(try #require(nn.spec)) == ResolvedSpec.render(try #require(yaml.spec)))
    }
}
