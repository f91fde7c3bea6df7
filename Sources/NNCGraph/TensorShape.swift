/// A per-sample shape (the batch dimension is implicit and printed `B`).
public struct TensorShape: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }

    public var rank: Int { dims.count }
    /// Elements per sample. Shapes in a checked graph are below `TensorShape.maxElements`,
    /// so this cannot overflow there.
    public var elementCount: Int { dims.reduce(1, *) }

    /// Elements per sample, or nil when the product overflows.
    public var checkedElementCount: Int? { Self.checkedProduct(dims) }

    /// The largest tensor (per sample, or one parameter tensor) nnc accepts: 2³⁰ elements.
    /// Bounding every tensor keeps parameter and FLOP arithmetic far from Int overflow.
    public static let maxElements = 1 << 30

    /// The product of `values`, or nil when it overflows.
    public static func checkedProduct(_ values: [Int]) -> Int? {
        var product = 1
        for value in values {
            let (result, overflow) = product.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            product = result
        }
        return product
    }
    /// The last (channel / feature) dimension.
    public var channels: Int { dims.last ?? 1 }

    /// `[B, 28, 28, 1]`.
    public var description: String { "[" + (["B"] + dims.map(String.init)).joined(separator: ", ") + "]" }
    /// `[28, 28, 1]`, without the batch.
    public var perSample: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}
