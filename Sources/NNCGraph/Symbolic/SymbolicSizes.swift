import NNCSpec

/// What the symbolic check learned about a model with symbolic sizes (`input: [T, 128]`):
/// each node's output sizes as expressions of the symbols. The graph it belongs to was
/// built with stand-in values (`probes`) and must be bound before it is compiled.
public struct SymbolicSizes: Sendable {
    public var symbols: [SizeSymbol]
    /// The stand-in value of each symbol in the graph's numbers.
    public var probes: [String: Int]
    /// Per node (by id), its output sizes; nil for nodes that did not check.
    public var dims: [[SizeExpression]?]
    /// Nodes whose FLOPs differ between stand-in values: they depend on a symbol.
    public var symbolicFlops: Set<Int>

    public var names: [String] {
        var names: [String] = []
        for symbol in symbols where !names.contains(symbol.name) { names.append(symbol.name) }
        return names
    }

    /// `T` or `H, W`.
    public var namesText: String { names.joined(separator: ", ") }

    /// `[B, T, 128]`, or nil for a node without symbolic sizes.
    public func shapeText(_ node: NodeID) -> String? {
        guard node.rawValue < dims.count, let exprs = dims[node.rawValue] else { return nil }
        return "[" + (["B"] + exprs.map(\.description)).joined(separator: ", ") + "]"
    }
}

extension SymbolicSizes {
    /// The size of `axis` of the node's output when it depends on a symbol: `⌊(H − 3)/2⌋ + 1`.
    public func expression(_ node: NodeID, axis: Int) -> SizeExpression? {
        guard node.rawValue < dims.count, let exprs = dims[node.rawValue], axis < exprs.count else { return nil }
        if case .number = exprs[axis] { return nil }
        return exprs[axis]
    }
}

extension Graph {
    /// A node's output shape as printed: `[B, T, 128]` when it depends on a symbol.
    public func shapeText(_ node: Node) -> String? {
        symbolic?.shapeText(node.id) ?? node.shape?.description
    }

    /// True when the graph still has symbolic sizes (it checks but cannot be compiled).
    public var isSymbolic: Bool { symbolic != nil }
}
