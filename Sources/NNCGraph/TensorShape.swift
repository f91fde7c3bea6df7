/// A per-sample shape (the batch dimension is implicit and printed `B`).
public struct TensorShape: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }

    public var rank: Int { dims.count }
    /// Elements per sample.
    public var elementCount: Int { dims.reduce(1, *) }
    /// The last (channel / feature) dimension.
    public var channels: Int { dims.last ?? 1 }

    /// `[B, 28, 28, 1]`.
    public var description: String { "[" + (["B"] + dims.map(String.init)).joined(separator: ", ") + "]" }
    /// `[28, 28, 1]`, without the batch.
    public var perSample: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
