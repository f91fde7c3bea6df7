import Foundation
import Testing

@testable import NNCData

/// Every way a tree file can be wrong, by its full rendered diagnostic: file:line:column,
/// the line quoted, what was expected.
@Suite struct TreeErrorTests {
    let scratch = Scratch()

    func trees(_ text: String, nodes: Int = 5, children: Int = 2, vocabulary: Int = 20) -> String {
        let path = scratch.write("trees.txt", text: text)
        return rendered {
            _ = try DataReader.read(
                .trees(path: path, TreeOptions(nodes: nodes, maxChildren: children, vocabularySize: vocabulary)),
                labels: .classes)
        }
        .replacingOccurrences(of: path, with: "trees.txt")
    }

    @Test func lineWithoutATab() {
        #expect(
            trees("1\t(1 2 3)\n0 (1 2)\n") == """
                trees.txt:2:1: error: tree lines are 'label<TAB>tree'; line 2 has no tab [E0502]
                2 | 0 (1 2)
                  | `- error: no tab on this line
                help: separate the label from the tree with one tab character

                """)
    }

    @Test func unbalancedParentheses() {
        #expect(
            trees("1\t(1 2 3)\n0\t(1 (2 3)\n") == """
                trees.txt:2:11: error: a tree's parentheses must balance; 1 '(' is not closed by the end of the line [E0502]
                2 | 0\t(1 (2 3)
                  |           `- error: expected ')'

                """)
        #expect(
            trees("0\t(1 2 3))\n") == """
                trees.txt:1:10: error: a tree's parentheses must balance; this ')' closes no '(' [E0502]
                1 | 0\t(1 2 3))
                  |          `- error: unmatched ')'

                """)
    }

    @Test func parenthesisWithoutAnId() {
        #expect(
            trees("0\t(1 ( ) 3)\n") == """
                trees.txt:1:6: error: a '(' opens a node and is followed by its id [E0502]
                1 | 0\t(1 ( ) 3)
                  |      `- error: no id after '('
                help: write a node as `(ID child …)` and a leaf as `ID`

                """)
        #expect(
            trees("0\t((1 2) 3)\n") == """
                trees.txt:1:3: error: a '(' opens a node and is followed by its id [E0502]
                1 | 0\t((1 2) 3)
                  |   `- error: no id after '('
                help: write a node as `(ID child …)` and a leaf as `ID`

                """)
    }

    @Test func emptyTree() {
        #expect(
            trees("1\t4\n0\t  \n1\t5\n") == """
                trees.txt:2:3: error: tree lines are 'label<TAB>tree'; this line's tree is empty [E0502]
                2 | 0\t  
                  |   `- error: no tree
                help: write a leaf as `ID` and a node as `(ID child …)`

                """)
    }

    @Test func textAfterTheTree() {
        #expect(
            trees("1\t(1 2 3) 4\n") == """
                trees.txt:1:11: error: a tree line holds one tree; text follows its end [E0502]
                1 | 1\t(1 2 3) 4
                  |           `- error: after the tree
                help: put subtrees under one node: `(ID tree tree …)`

                """)
        #expect(
            trees("1\t7 8\n") == """
                trees.txt:1:5: error: a tree line holds one tree; text follows its end [E0502]
                1 | 1\t7 8
                  |     `- error: after the tree
                help: put subtrees under one node: `(ID tree tree …)`

                """)
    }

    @Test func idsThatAreNotNumbers() {
        #expect(
            trees("1\t(1 2x 3)\n") == """
                trees.txt:1:6: error: tree ids are whole numbers ≥ 0 separated by spaces; '2x' is not one [E0502]
                1 | 1\t(1 2x 3)
                  |      `- error: not a token id
                help: write a node as `(ID child …)` and a leaf as `ID`

                """)
        #expect(
            trees("1\t(1 -2)\n") == """
                trees.txt:1:6: error: tree ids are whole numbers ≥ 0 separated by spaces; '-2' is not one [E0502]
                1 | 1\t(1 -2)
                  |      `- error: not a token id
                help: write a node as `(ID child …)` and a leaf as `ID`

                """)
    }

    @Test func idsOutsideTheVocabulary() {
        #expect(
            trees("1\t(1 2)\n0\t(3 (4 20) 5)\n") == """
                trees.txt:2:9: error: token ids must lie below the vocabulary size 20; got 20 [E0503]
                2 | 0\t(3 (4 20) 5)
                  |         `- error: ≥ 20
                help: raise the tree_lstm's input_dim above 20, or map rare ids to an <unk> id

                """)
        // Too long for a 64-bit number, still a whole number: out of range, not malformed.
        #expect(
            trees("1\t123456789012345678901\n", vocabulary: Int(Int32.max)) == """
                trees.txt:1:3: error: token ids must lie below the vocabulary size 16777217 (the largest vocabulary nnc reads); got 123456789012345678901 [E0503]
                1 | 1\t123456789012345678901
                  |   `- error: ≥ 16777217
                help: raise the tree_lstm's input_dim above 123456789012345678901, or map rare ids to an <unk> id

                """)
    }

    @Test func treesWithMoreNodesThanTheInputHasRows() {
        // The first such tree is shown; the help names the largest in the file.
        #expect(
            trees("1\t(1 2 3)\n0\t(1 (2 3 4) (5 6))\n1\t(1 (2 3 4) (5 6 (7 8 9)))\n0\t(1 2)\n") == """
                trees.txt:2:17: error: tree has 6 nodes; the model's input holds 5 (its first size, one row per node) [E0504]
                2 | 0\t(1 (2 3 4) (5 6))
                  |                 `- error: node 6 has no row
                help: set input's first size to at least 9, the largest tree in the file

                """)
    }

    @Test func nodesWithMoreChildrenThanTheInputHasColumns() {
        #expect(
            trees("1\t(1 2 3)\n0\t(1 (2 3 4 5) 6)\n1\t(1 2 3 4 5 6 7)\n", nodes: 8) == """
                trees.txt:2:13: error: a node has at most 2 children (the input's second size is 1 + 2); this one has 3 [E0504]
                2 | 0\t(1 (2 3 4 5) 6)
                  |             `- error: child 3
                help: set input's second size to at least 7 (1 + the most children a node in the file has)

                """)
    }

    /// An input without a row, or with more child columns than a row index can name, reads nothing.
    @Test func inputsThatHoldNoTree() {
        #expect(
            trees("1\t4\n", nodes: 0) == """
                trees.txt: error: trees are read into an input of [nodes, 1 + max children] with 1 to 16,777,216 nodes and fewer children; got 0 nodes of up to 2 children [E0504]
                help: declare the input as `input: [nodes, 1 + max children]`

                """)
        #expect(trees("1\t4\n", children: Int.max).contains("got 5 nodes of up to \(Int.max) children [E0504]"))
    }

    /// A tree too large on an earlier line is reported before a malformed later one.
    @Test func theFirstProblemInTheFileIsReported() {
        #expect(
            trees("1\t(1 2 3 4)\n0\t(1 2\n") == """
                trees.txt:1:10: error: a node has at most 2 children (the input's second size is 1 + 2); this one has 3 [E0504]
                1 | 1\t(1 2 3 4)
                  |          `- error: child 3
                help: set input's second size to at least 4

                """)
    }
}
