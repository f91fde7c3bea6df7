/// An L1/L2 penalty on one parameter tensor, with Keras's regularizer formulas: the loss
/// gains l1·Σ|w| + l2·Σw², so the gradient gains l1·sign(w) + 2·l2·w (sign(0) = 0, the
/// subgradient TensorFlow takes).
public struct PenaltyTerm: Sendable, Equatable {
    public var count: Int
    public var l1: Double
    public var l2: Double
    public init(count: Int, l1: Double, l2: Double) {
        self.count = count
        self.l1 = l1
        self.l2 = l2
    }
}
