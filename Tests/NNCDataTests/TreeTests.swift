import Foundation
import Testing

@testable import NNCData

/// Tree files (`format: trees`): the rows a tree_lstm reads ([token id, child rows …] in
/// pre-order, −1 padding), and the bundled tree_arith set.
@Suite struct TreeTests {
    let scratch = Scratch()

    func read(_ text: String, nodes: Int, children: Int = 2, vocabulary: Int = 100, labels: LabelMode = .classes)
        throws -> RawDataset
    {
        let path = scratch.write("trees.txt", text: text)
        return try DataReader.read(
            .trees(path: path, TreeOptions(nodes: nodes, maxChildren: children, vocabularySize: vocabulary)),
            labels: labels)
    }

    @Test func nodesAreRowsInPreOrderWithTheirChildrensRows() throws {
        let data = try read("1\t(10 (11 3 4) 7)\n", nodes: 6)
        #expect(data.sampleShape == [6, 3] && data.inputKind == .real && data.count == 1)
        #expect(
            data.features == [
                10, 1, 4, /**/ 11, 2, 3, /**/ 3, -1, -1, /**/ 4, -1, -1, /**/ 7, -1, -1, /**/ -1, -1, -1,
            ])
        #expect(data.targets == .classes([1], perSample: 1))
    }

    @Test func aDeeperTreeAndMissingChildren() throws {
        // 1 has children 2 and 7; 2 has 3 and 6; 3 has 4 and 5; 7 has 8 only.
        let data = try read("0\t(1 (2 (3 4 5) 6) (7 8))\n", nodes: 9, children: 3)
        #expect(
            data.features == [
                1, 1, 6, -1, /**/ 2, 2, 5, -1, /**/ 3, 3, 4, -1, /**/ 4, -1, -1, -1, /**/ 5, -1, -1, -1,
                /**/ 6, -1, -1, -1, /**/ 7, 7, -1, -1, /**/ 8, -1, -1, -1, /**/ -1, -1, -1, -1,
            ])
    }

    @Test func leavesSpacesAndPadding() throws {
        // `(ID)` and a bare id are leaves; spaces may follow `(` and precede `)`, parentheses need none.
        let data = try read("2\t(5)\n3\t  9 \n1\t( 5  (6) ( 7 ) )\n0\t(1(2 3)4)\n", nodes: 4, labels: .values)
        let pad: [Float] = [-1, -1, -1]
        #expect(data.count == 4 && data.targets == .values([2, 3, 1, 0], width: 1))
        let rows = (0..<4).map { Array(data.features[($0 * 12)..<(($0 + 1) * 12)]) }
        #expect(rows[0] == [5, -1, -1] + pad + pad + pad)
        #expect(rows[1] == [9, -1, -1] + pad + pad + pad)
        #expect(rows[2] == [5, 1, 2, /**/ 6, -1, -1, /**/ 7, -1, -1] + pad)
        #expect(rows[3] == [1, 1, 3, /**/ 2, 2, -1] + [3, -1, -1, /**/ 4, -1, -1])
    }

    @Test func theSummaryHasTheInputsShape() throws {
        let path = scratch.write("trees.txt", text: "1\t(1 2 3)\n0\t4\n")
        let source = DatasetSource.trees(path: path, TreeOptions(nodes: 5, maxChildren: 2, vocabularySize: 10))
        let small = try DataReader.summary(source, labels: .classes)
        #expect(small.sampleShape == [5, 3] && small.inputKind == .real && small.labelShape == [])
        let large = try DataReader.summary(source, labels: .classes, budget: 4)
        #expect(large.sampleShape == [5, 3] && large.labelShape == [])
        #expect(source.name == path)
        #expect(try DataReader.summary(source, labels: .none, budget: 4).labelShape == nil)
    }

    /// A tree nested 100,000 deep is parsed without recursion: refused for its size, or
    /// for its unclosed parentheses.
    @Test func deepNestingFailsCleanly() throws {
        let depth = 100_000
        let deep = "1\t" + String(repeating: "(0 ", count: depth) + "0" + String(repeating: ")", count: depth) + "\n"
        let message = rendered { _ = try read(deep, nodes: 11) }
        #expect(message.contains("error: tree has 100001 nodes; the model's input holds 11"))
        #expect(message.contains("[E0504]") && message.contains("help: set input's first size to at least 100001"))
        let open = "1\t" + String(repeating: "(0 ", count: depth) + "\n"
        let unclosed = rendered { _ = try read(open, nodes: depth + 1) }
        #expect(unclosed.contains("error: a tree's parentheses must balance; 100000 '(' are not closed by the end"))
    }

    @Test func theBundledTreeArithmeticSetFitsItsModel() throws {
        for (name, count) in [("train", 8000), ("test", 2000)] {
            let data = try DataReader.read(
                .trees(
                    path: Bundled.path("tree_arith/\(name).txt"),
                    TreeOptions(nodes: 11, maxChildren: 2, vocabularySize: 12)),
                labels: .classes)
            #expect(data.count == count && data.sampleShape == [11, 3])
            guard case .classes(let labels, perSample: 1) = data.targets else {
                Issue.record("no class labels")
                continue
            }
            let positive = Double(labels.filter { $0 == 1 }.count) / Double(count)
            #expect(Set(labels) == [0, 1] && abs(positive - 0.5) <= 0.02, "\(name): \(positive) label 1")
            // Every sample is a binary tree of operators over digits with 3 to 11 nodes.
            for sample in 0..<count {
                let rows = (0..<11).map { Array(data.features[(sample * 33 + $0 * 3)..<(sample * 33 + $0 * 3 + 3)]) }
                let nodes = rows.filter { $0[0] >= 0 }
                #expect(nodes.count >= 3 && nodes.allSatisfy { ($0[0] >= 10) == ($0[1] >= 0 && $0[2] >= 0) })
            }
        }
    }
}
