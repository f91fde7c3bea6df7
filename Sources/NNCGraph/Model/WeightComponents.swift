/// An initializer of parameter values, with its hyperparameters (Keras's formulas; see
/// `ParameterInitializer` in NNCRuntime for how each draws).
public enum Initializer: Sendable, Equatable {
    case zeros, ones
    case constant(Double)
    /// U(a, b).
    case uniform(a: Double, b: Double)
    /// N(mean, std²).
    case normal(mean: Double, std: Double)
    case glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal
    /// A random orthogonal matrix times gain.
    case orthogonal(gain: Double)
}

/// An L1/L2 penalty on a weight tensor: the loss gains l1·Σ|w| + l2·Σw².
public struct Regularizer: Sendable, Equatable {
    public var l1: Double
    public var l2: Double
    public init(l1: Double, l2: Double) {
        self.l1 = l1
        self.l2 = l2
    }
}

/// A constraint applied to a weight tensor after every optimizer step (Keras's
/// `kernel_constraint`). The tensor is seen as [rows][units] with units its last axis, so a
/// unit's incoming weights are one column: for dense W[in×units] the column norms, for a
/// convolution W[kh, kw, cin, filters] the norm over everything but the filter axis
/// (Keras's documented `axis=[0, 1, 2]`; Keras's bare default axis=0 would take norms over
/// the kernel rows only), for an embedding table [vocabulary, dim] each dimension's column.
public enum WeightConstraint: Sendable, Equatable {
    /// w ← w·clip(‖w‖, 0, m)/(ε + ‖w‖) per unit, ε = 1e-7 (Keras's MaxNorm).
    case maxNorm(Double)
    /// w ← max(w, 0) (Keras's NonNeg).
    case nonNegative
    /// w ← w/(ε + ‖w‖) per unit, ε = 1e-7 (Keras's UnitNorm).
    case unitNorm

    /// Keras's backend epsilon in the norm constraints.
    public static let epsilon = 1e-7

    public var name: String {
        switch self {
        case .maxNorm(let m): "max_norm(\(m))"
        case .nonNegative: "non_neg"
        case .unitNorm: "unit_norm"
        }
    }
}
