import CNNCKernels

/// The regularization kernels around an optimizer step (formulas in nnc_regularization.h):
/// L1/L2 penalties and their gradients, gradient clipping, decoupled weight decay, weight
/// constraints, and the backward of swish with a learned β.
public enum RegularizationKernels {
    /// l1·Σ|w| + l2·Σw².
    public static func penalty(_ w: UnsafePointer<Float>, count: Int, l1: Float, l2: Float) -> Double {
        nnc_penalty(w, count, l1, l2)
    }

    /// g += l1·sign(w) + 2·l2·w.
    public static func penaltyGradient(_ g: UnsafeMutablePointer<Float>, w: UnsafePointer<Float>, count: Int, l1: Float, l2: Float) {
        nnc_penalty_gradient(g, w, count, l1, l2)
    }

    public static func clipByValue(_ g: UnsafeMutablePointer<Float>, count: Int, limit: Float) {
        nnc_clip_by_value(g, count, limit)
    }

    public static func sumOfSquares(_ g: UnsafePointer<Float>, count: Int) -> Double { nnc_sum_of_squares(g, count) }

    public static func scale(_ g: UnsafeMutablePointer<Float>, count: Int, by s: Float) { nnc_scale(g, count, s) }

    /// w ← w − factor·w.
    public static func weightDecay(_ w: UnsafeMutablePointer<Float>, count: Int, factor: Float) {
        nnc_weight_decay(w, count, factor)
    }

    /// Column norms of w[rows][units] at most `maxValue` (max_norm).
    public static func maxNorm(_ w: UnsafeMutablePointer<Float>, rows: Int, units: Int, maxValue: Float) {
        precondition(maxValue > 0, "max_norm needs a positive bound")
        nnc_column_norm_constraint(w, Int32(rows), Int32(units), maxValue)
    }

    /// Column norms of w[rows][units] scaled to 1 (unit_norm).
    public static func unitNorm(_ w: UnsafeMutablePointer<Float>, rows: Int, units: Int) {
        nnc_column_norm_constraint(w, Int32(rows), Int32(units), 0)
    }

    public static func nonNegative(_ w: UnsafeMutablePointer<Float>, count: Int) { nnc_non_negative(w, count) }

    /// dx (optional) and the returned dβ of y = x·σ(βx).
    public static func swishBetaBackward(dx: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                                         count: Int, beta: Float) -> Double {
        nnc_swish_beta_backward(dx, dy, x, count, beta)
    }
}
