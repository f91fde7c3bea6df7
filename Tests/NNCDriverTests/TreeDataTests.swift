import Foundation
import NNCData
import NNCDriver
import NNCSpec
import Testing

/// `format: trees` through the driver: the model's input [N, 1 + K] sets the reader's rows
/// and children, `nnc check` reads a small tree file whole, and training loads the bundled
/// tree_arith set.
@Suite struct TreeDataTests {
    /// A spec beside the bundled data (never written: only its folder matters).
    func checked(input: String) -> CheckResult {
        let text = """
            model: trees
            input: \(input)
            layers: [flatten, {dense: {units: 2, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            data:
              train: {format: trees, path: data/tree_arith/train.txt}
              test: {format: trees, path: data/tree_arith/test.txt}
            """
        let file = SourceFile(path: Repo.models.appendingPathComponent("trees.yaml").path, text: text)
        return Driver.check(file, readingData: true)
    }

    @Test func theBundledTreesLoadAsRowsOfTheInput() throws {
        let result = checked(input: "[11, 3]")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let spec = try #require(result.spec)
        let graph = try #require(result.graph)
        let data = try DataLoading.load(spec, graph: graph, seed: 1)
        #expect(data.train.count == 8000 && data.test?.count == 2000)
        #expect(data.train.sampleShape == [11, 3])
    }

    @Test func checkRefusesTreesLargerThanTheInput() throws {
        let result = checked(input: "[7, 3]")
        let error = try #require(result.diagnostics.first)
        #expect(error.code == .dataSizeMismatch && error.message.hasPrefix("tree has "), "\(error.message)")
        #expect(error.location.file?.path.hasSuffix("tree_arith/train.txt") == true && error.location.line > 0)
        #expect(error.help == "set input's first size to at least 11")
    }
}
