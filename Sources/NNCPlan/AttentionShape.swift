/// Where each (sample, head) matrix of multi-head attention lies in a buffer: head h of
/// sample b starts at b·batchStride + h·headStride, its rows rowStride floats apart.
public struct HeadMatrix: Sendable, Equatable {
    public var batchStride: Int, headStride: Int, rowStride: Int

    /// Head slices of a sequence [batch][steps][heads·size] (queries, keys, values).
    public static func sequence(steps: Int, heads: Int, size: Int) -> HeadMatrix {
        HeadMatrix(batchStride: steps * heads * size, headStride: size, rowStride: heads * size)
    }

    /// Per head square blocks [batch][heads][rows][columns] (scores, attention weights).
    public static func blocks(heads: Int, rows: Int, columns: Int) -> HeadMatrix {
        HeadMatrix(batchStride: heads * rows * columns, headStride: rows * columns, rowStride: columns)
    }
}

/// C_bh[m×n] = scale·op(A_bh)·op(B_bh) for every sample b and head h: attention's scores
/// Q·Kᵀ/√d, its weighted values P·V, and their gradients.
public struct HeadProduct: Sendable, Equatable {
    public var batch, heads, m, n, k: Int
    public var a, b, c: HeadMatrix
    public var transposeA, transposeB: Bool
    public var scale: Double

    public init(
        batch: Int, heads: Int, m: Int, n: Int, k: Int, a: HeadMatrix, transposeA: Bool = false, b: HeadMatrix,
        transposeB: Bool = false, c: HeadMatrix, scale: Double = 1
    ) {
        (self.batch, self.heads, self.m, self.n, self.k) = (batch, heads, m, n, k)
        (self.a, self.b, self.c) = (a, b, c)
        (self.transposeA, self.transposeB, self.scale) = (transposeA, transposeB, scale)
    }

    /// Multiply-adds of every head's product.
    public var multiplyAdds: Int { batch * heads * m * n * k }
}

/// Which (query, key) pairs of attention scores [batch][heads][queries][keys] are masked:
/// keys after the query (`causal`) and padding positions (a mask of real steps per sample,
/// from an embedding's padding_index, for the queries and for the keys).
public struct AttentionMask: Sendable, Equatable {
    public var batch, heads, queries, keys: Int
    public var causal: Bool
    public var queryMask: Bool, keyMask: Bool

    public init(batch: Int, heads: Int, queries: Int, keys: Int, causal: Bool, queryMask: Bool, keyMask: Bool) {
        (self.batch, self.heads, self.queries, self.keys) = (batch, heads, queries, keys)
        (self.causal, self.queryMask, self.keyMask) = (causal, queryMask, keyMask)
    }

    /// The score Keras gives a masked pair (its weight underflows to 0; a row with every key
    /// masked gets equal weights, as in Keras). Mirrors NNC_ATTENTION_MASKED_SCORE.
    public static let maskedScore = -1e9
}

/// A position embedding over x[batch][steps][features]: a learned table of `rows` ≥ steps
/// vectors (the first `steps` used), or the sinusoidal encoding (`maxWavelength`, no table).
public struct PositionShape: Sendable, Equatable {
    public var batch, steps, features, rows: Int
    public var maxWavelength: Double?

    public init(batch: Int, steps: Int, features: Int, rows: Int, maxWavelength: Double?) {
        (self.batch, self.steps, self.features, self.rows) = (batch, steps, features, rows)
        self.maxWavelength = maxWavelength
    }
}
