import CNNCKernels
import NNCGraph
import NNCPlan

/// The fast kernels of the regularization instructions and of swish with a learned β
/// (formulas in `Kernel` and nnc_regularization.h).
extension Executor {
    /// [penalty out, w₁ in, …]: Σ over the terms, accumulated in double.
    func penalty(_ terms: [PenaltyTerm], _ base: Int) {
        var total = 0.0
        for (k, t) in terms.enumerated() { total += nnc_penalty(f(base, 1 + k), t.count, Float(t.l1), Float(t.l2)) }
        f(base, 0).pointee = Float(total)
    }

    /// [norm out, g₁ inout, …]: the global norm before clipping, then every gradient scaled
    /// by c/norm when the norm exceeds c (an exact no-op otherwise).
    func clipByGlobalNorm(_ maxNorm: Double, _ counts: [Int], _ base: Int) {
        var squares = 0.0
        for (k, n) in counts.enumerated() { squares += nnc_sum_of_squares(f(base, 1 + k), n) }
        let norm = squares.squareRoot()
        f(base, 0).pointee = Float(norm)
        guard norm > maxNorm else { return }
        let scale = Float(maxNorm / norm)
        for (k, n) in counts.enumerated() { nnc_scale(f(base, 1 + k), n, scale) }
    }

    func constrain(_ constraint: WeightConstraint, _ w: UnsafeMutablePointer<Float>, rows: Int, units: Int) {
        switch constraint {
        case .maxNorm(let m): nnc_column_norm_constraint(w, Int32(rows), Int32(units), Float(m))
        case .unitNorm: nnc_column_norm_constraint(w, Int32(rows), Int32(units), 0)
        case .nonNegative: nnc_non_negative(w, rows * units)
        }
    }

    /// [dx out?, dβ out?, dy in, x in, β in].
    func swishBackward(_ base: Int, count n: Int, inputGradient: Bool, betaGradient: Bool) {
        let k = (inputGradient ? 1 : 0) + (betaGradient ? 1 : 0)
        let dx = inputGradient ? f(base, 0) : nil
        let dBeta = nnc_swish_beta_backward(dx, f(base, k), f(base, k + 1), n, f(base, k + 2).pointee)
        if betaGradient { f(base, inputGradient ? 1 : 0).pointee = Float(dBeta) }
    }
}
