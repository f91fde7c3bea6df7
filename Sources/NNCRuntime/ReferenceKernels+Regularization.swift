import Foundation
import NNCGraph
import NNCPlan

/// The naive double-precision twins of the regularization kernels, from the formulas.
extension ReferenceExecutor {
    static func sign(_ x: Double) -> Double { x > 0 ? 1 : x < 0 ? -1 : 0 }

    /// l1·Σ|w| + l2·Σw².
    static func penalty(_ t: PenaltyTerm, _ w: UnsafeMutablePointer<Double>) -> Double {
        (0..<t.count).reduce(0) { $0 + t.l1 * abs(w[$1]) + t.l2 * w[$1] * w[$1] }
    }

    /// [norm out, g₁ inout, …]: g ← g·c/max(‖g‖, c) with ‖g‖ over every gradient.
    static func clipByGlobalNorm(_ c: Double, _ counts: [Int], _ o: [UnsafeMutablePointer<Double>]) {
        var squares = 0.0
        for (k, n) in counts.enumerated() { for i in 0..<n { squares += o[1 + k][i] * o[1 + k][i] } }
        let norm = squares.squareRoot()
        o[0][0] = norm
        for (k, n) in counts.enumerated() { for i in 0..<n { o[1 + k][i] *= c / max(norm, c) } }
    }

    /// Column u of w[rows][units]: max_norm w·min(‖w‖, m)/(ε + ‖w‖), unit_norm w/(ε + ‖w‖), non_neg max(w, 0).
    static func constrain(_ constraint: WeightConstraint, _ w: UnsafeMutablePointer<Double>, rows: Int, units: Int) {
        for u in 0..<units {
            let norm = (0..<rows).reduce(0) { $0 + w[$1 * units + u] * w[$1 * units + u] }.squareRoot()
            for r in 0..<rows {
                let i = r * units + u
                switch constraint {
                case .maxNorm(let m): w[i] *= min(norm, m) / (WeightConstraint.epsilon + norm)
                case .unitNorm: w[i] /= WeightConstraint.epsilon + norm
                case .nonNegative: w[i] = max(w[i], 0)
                }
            }
        }
    }

    /// [dx out?, dβ out?, dy in, x in, β in]: y = x·σ(βx), ∂y/∂x = σ + βx·σ(1 − σ), ∂y/∂β = x²·σ(1 − σ).
    static func swishBackward(
        _ o: [UnsafeMutablePointer<Double>], count n: Int, inputGradient: Bool, betaGradient: Bool
    ) {
        let k = (inputGradient ? 1 : 0) + (betaGradient ? 1 : 0)
        let dy = o[k]
        let x = o[k + 1]
        let beta = o[k + 2][0]
        var dBeta = 0.0
        for i in 0..<n {
            let s = sigmoid(beta * x[i])
            dBeta += dy[i] * x[i] * x[i] * s * (1 - s)
            if inputGradient { o[0][i] = dy[i] * (s + beta * x[i] * s * (1 - s)) }
        }
        if betaGradient { o[inputGradient ? 1 : 0][0] = dBeta }
    }
}
