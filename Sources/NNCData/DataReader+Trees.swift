import Foundation
import NNCDiagnostics

/// Trees (`format: trees`): one sample per line, `label<TAB>tree`, read into a tree_lstm's
/// input [N, 1 + K].
///
/// tree := `ID` (a leaf) | `(ID tree tree …)` (a node and its children; `(ID)` is a leaf
/// too); ids are decimal, separated by any run of spaces (parentheses need none). Nodes are
/// numbered in pre-order, so the root is row 0 and a node's children come after it: row i
/// holds node i's token id, then its children's rows in the file's order, then −1 for each
/// missing child; rows after the tree's last node are all −1. A line is parsed with an
/// explicit stack of at most N open nodes (deeper ones are only counted), so no nesting
/// depth overflows the call stack or memory.
extension DataReader {
    static func readTrees(path: String, _ options: TreeOptions, mode: LabelMode) throws(DataError) -> RawDataset {
        let file = try DataFile.loadText(path)
        let text = TextFile(path: path, bytes: file.bytes)
        let scanner = TextScanner(text)
        let lines = try sequenceLines(scanner, mode: mode, kind: "tree", body: "tree", labels: "tree")
        guard (1...maxTokenID).contains(options.nodes), (0..<maxTokenID).contains(options.maxChildren) else {
            throw DataError(
                .dataSizeMismatch,
                "trees are read into an input of [nodes, 1 + max children] with 1 to \(maxTokenID.grouped) nodes and fewer children; got \(options.nodes) nodes of up to \(options.maxChildren) children",
                file: path, help: "declare the input as `input: [nodes, 1 + max children]`")
        }
        let width = options.maxChildren + 1
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        guard let total = NumericArray.product([lines.count, options.nodes, width], 1),
            total <= memory / MemoryLayout<Float>.size
        else {
            throw DataError(
                .dataSizeMismatch,
                "trees of \(options.nodes) rows of \(width) values must fit in memory; '\(path)' has \(lines.count.grouped) of them",
                file: path, help: "use a smaller input or fewer lines")
        }
        var features = [Float](repeating: -1, count: total)
        var limits = TreeLimits()
        for (sample, line) in lines.enumerated() {
            do throws(DataError) {
                let parser = TreeParser(scanner: scanner, options: options, base: sample * options.nodes * width)
                try parser.parse(line.body, into: &features, limits: &limits)
            } catch {
                // A tree past the input's sizes on an earlier line is reported first.
                throw limits.error(scanner, options) ?? error
            }
        }
        if let error = limits.error(scanner, options) { throw error }
        return RawDataset(
            name: path, sampleShape: [options.nodes, width], features: features, inputKind: .real,
            targets: targets(of: lines, mode: mode),
            origin: DataOrigin(.text(text, labelOffsets: lines.map(\.labelOffset))), count: lines.count)
    }
}

/// The first tree too large for the input (more than N nodes) and the first node with more
/// than K children, with the largest of each in the file, so one error names the size the
/// whole file needs.
struct TreeLimits {
    struct Excess {
        /// Where the first one past the limit stands: the (N + 1)-th node, the (K + 1)-th child.
        var offset: Int
        var count: Int
        var largest: Int
    }

    var nodes: Excess?
    var children: Excess?

    /// One more tree or node past its limit: the first is kept, the largest updated.
    mutating func note(_ limit: WritableKeyPath<TreeLimits, Excess?>, offset: Int, count: Int) {
        if self[keyPath: limit] == nil { self[keyPath: limit] = Excess(offset: offset, count: count, largest: count) }
        self[keyPath: limit]!.largest = max(self[keyPath: limit]!.largest, count)
    }

    /// The error of whichever excess comes first in the file, if any.
    func error(_ scanner: TextScanner, _ options: TreeOptions) -> DataError? {
        if let nodes, children.map({ nodes.offset < $0.offset }) ?? true {
            return DataError(
                .dataSizeMismatch,
                "tree has \(nodes.count) nodes; the model's input holds \(options.nodes) (its first size, one row per node)",
                at: scanner.location(nodes.offset), label: "node \(options.nodes + 1) has no row",
                help:
                    "set input's first size to at least \(nodes.largest)\(nodes.largest > nodes.count ? ", the largest tree in the file" : "")"
            )
        }
        guard let children else { return nil }
        let most = children.largest
        return DataError(
            .dataSizeMismatch,
            "a node has at most \(options.maxChildren) children (the input's second size is 1 + \(options.maxChildren)); this one has \(children.count)",
            at: scanner.location(children.offset), label: "child \(options.maxChildren + 1)",
            help:
                "set input's second size to at least \(most + 1)\(most > children.count ? " (1 + the most children a node in the file has)" : "")"
        )
    }
}

/// Parses one line's tree into its sample's rows (`features[base...]`).
struct TreeParser {
    let scanner: TextScanner
    let options: TreeOptions
    let base: Int

    /// A node whose `(` is not closed yet.
    private struct Open {
        var slot: Int
        var children = 0
        /// The offset of its (K + 1)-th child, once it has one.
        var excess: Int?
    }

    func parse(_ body: Range<Int>, into features: inout [Float], limits: inout TreeLimits) throws(DataError) {
        let b = scanner.bytes
        let width = options.maxChildren + 1
        var open: [Open] = []
        // Open nodes past the N-th: their children have no rows, so they are only counted.
        var deep = 0
        var count = 0
        var done = false
        var nodeExcess = 0
        var i = body.lowerBound
        func add(_ id: Int64, at offset: Int) {
            let slot = count
            count += 1
            if slot < options.nodes { features[base + slot * width] = Float(id) }
            if slot == options.nodes { nodeExcess = offset }
            guard deep == 0, let parent = open.indices.last else { return }
            open[parent].children += 1
            let child = open[parent].children
            if child <= options.maxChildren { features[base + open[parent].slot * width + child] = Float(slot) }
            if child == options.maxChildren + 1 { open[parent].excess = offset }
        }
        while i < body.upperBound {
            let c = b[i]
            if c == UInt8(ascii: " ") {
                i += 1
            } else if c == UInt8(ascii: ")") {
                if deep > 0 {
                    deep -= 1
                } else if let node = open.popLast() {
                    if let offset = node.excess { limits.note(\.children, offset: offset, count: node.children) }
                    done = open.isEmpty
                } else {
                    throw DataError(
                        .malformedRecord, "a tree's parentheses must balance; this ')' closes no '('",
                        at: scanner.location(i), label: "unmatched ')'")
                }
                i += 1
            } else if done {
                throw DataError(
                    .malformedRecord, "a tree line holds one tree; text follows its end", at: scanner.location(i),
                    label: "after the tree", help: "put subtrees under one node: `(ID tree tree …)`")
            } else if c == UInt8(ascii: "(") {
                var start = i + 1
                while start < body.upperBound, b[start] == UInt8(ascii: " ") { start += 1 }
                let field = idField(from: start, in: body)
                guard !field.isEmpty else {
                    throw DataError(
                        .malformedRecord, "a '(' opens a node and is followed by its id", at: scanner.location(i),
                        label: "no id after '('", help: "write a node as `(ID child …)` and a leaf as `ID`")
                }
                add(try id(field), at: field.lowerBound)
                if count <= options.nodes { open.append(Open(slot: count - 1)) } else { deep += 1 }
                i = field.upperBound
            } else {
                let field = idField(from: i, in: body)
                add(try id(field), at: field.lowerBound)
                done = open.isEmpty && deep == 0
                i = field.upperBound
            }
        }
        guard count > 0 else {
            throw DataError(
                .malformedRecord, "tree lines are 'label<TAB>tree'; this line's tree is empty",
                at: scanner.location(body.lowerBound), label: "no tree",
                help: "write a leaf as `ID` and a node as `(ID child …)`")
        }
        guard open.isEmpty, deep == 0 else {
            let unclosed = open.count + deep
            throw DataError(
                .malformedRecord,
                "a tree's parentheses must balance; \(unclosed) '(' \(unclosed == 1 ? "is" : "are") not closed by the end of the line",
                at: scanner.location(body.upperBound), label: "expected ')'")
        }
        if count > options.nodes { limits.note(\.nodes, offset: nodeExcess, count: count) }
    }

    /// The id starting at `start`: bytes up to a space, a parenthesis or the end of `body`.
    private func idField(from start: Int, in body: Range<Int>) -> Range<Int> {
        var end = start
        while end < body.upperBound {
            let c = scanner.bytes[end]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") { break }
            end += 1
        }
        return start..<end
    }

    /// The token id `field` spells, below the vocabulary size.
    private func id(_ field: Range<Int>) throws(DataError) -> Int64 {
        let bound = min(options.vocabularySize, DataReader.maxTokenID + 1)
        if let id = scanner.digits(field), id < bound { return id }
        let text = scanner.text(field)
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw DataError(
                .malformedRecord, "tree ids are whole numbers ≥ 0 separated by spaces; '\(text)' is not one",
                at: scanner.location(field.lowerBound), label: "not a token id",
                help: "write a node as `(ID child …)` and a leaf as `ID`")
        }
        throw DataError(
            .labelOutOfRange,
            "token ids must lie below the vocabulary size \(bound)\(bound < options.vocabularySize ? " (the largest vocabulary nnc reads)" : ""); got \(text)",
            at: scanner.location(field.lowerBound), label: "≥ \(bound)",
            help: "raise the tree_lstm's input_dim above \(text), or map rare ids to an <unk> id")
    }
}
