import CNNCKernels
import Foundation
import NNCTestSupport
import Testing

/// The regularization kernels against their formulas written out in double precision, on
/// odd sizes (the column constraints across more than one 64-column block). Tolerance:
/// relative 1e-6 (float rounding of one pass), 1e-5 for sums over many elements.
@Suite struct RegularizationTests {
    /// Deterministic values in [−2, 2] with a few exact zeros.
    static func values(_ n: Int, seed: Int) -> [Float] {
        (0..<n).map { i in
            let v = Float((i * 7919 + seed * 104_729) % 401 - 200) / 100
            return i % 11 == 3 ? 0 : v
        }
    }

    @Test(arguments: [1, 13, 1_001])
    func penaltyAndItsGradient(n: Int) {
        let w = Self.values(n, seed: 1)
        let g0 = Self.values(n, seed: 2)
        let l1: Float = 0.03
        let l2: Float = 0.2
        let penalty = nnc_penalty(w, n, l1, l2)
        let expected = w.reduce(0.0) { $0 + Double(l1) * abs(Double($1)) + Double(l2) * Double($1) * Double($1) }
        #expect(abs(penalty - expected) <= 1e-5 * max(1, expected))
        var g = g0
        nnc_penalty_gradient(&g, w, n, l1, l2)
        for i in 0..<n {
            let wi = Double(w[i])
            let sign: Double = wi > 0 ? 1 : wi < 0 ? -1 : 0
            expectClose(g[i], Double(g0[i]) + Double(l1) * sign + 2 * Double(l2) * wi, relative: 1e-6, "g[\(i)]")
        }
    }

    @Test func clippingScalingAndDecay() {
        let n = 37
        let g0 = Self.values(n, seed: 3)
        var g = g0
        nnc_clip_by_value(&g, n, 0.75)
        for i in 0..<n { #expect(g[i] == min(max(g0[i], -0.75), 0.75)) }
        let squares = nnc_sum_of_squares(g0, n)
        #expect(abs(squares - g0.reduce(0.0) { $0 + Double($1) * Double($1) }) <= 1e-9 * squares)
        g = g0
        nnc_scale(&g, n, 0.5)
        for i in 0..<n { #expect(g[i] == g0[i] * 0.5) }
        var w = g0
        nnc_weight_decay(&w, n, 0.01)
        for i in 0..<n { expectClose(w[i], Double(g0[i]) * (1 - 0.01), relative: 1e-6, "decay[\(i)]") }
    }

    /// Column norms of w[rows][units], in double.
    static func columnNorms(_ w: [Float], rows: Int, units: Int) -> [Double] {
        (0..<units).map { u in
            (0..<rows).reduce(0.0) { $0 + Double(w[$1 * units + u]) * Double(w[$1 * units + u]) }.squareRoot()
        }
    }

    @Test(arguments: [(1, 1), (5, 3), (3, 130)])
    func columnConstraintsMatchKerasFormulas(rows: Int, units: Int) {
        let w0 = Self.values(rows * units, seed: 4)
        let norms = Self.columnNorms(w0, rows: rows, units: units)
        let m = 1.5
        var capped = w0
        var unit = w0
        var nonNegative = w0
        nnc_column_norm_constraint(&capped, Int32(rows), Int32(units), Float(m))
        nnc_column_norm_constraint(&unit, Int32(rows), Int32(units), 0)  // unit_norm
        nnc_non_negative(&nonNegative, rows * units)
        for r in 0..<rows {
            for u in 0..<units {
                let i = r * units + u
                let wi = Double(w0[i])
                let norm = norms[u]
                expectClose(capped[i], wi * min(norm, m) / (1e-7 + norm), relative: 1e-6, "max_norm[\(r)][\(u)]")
                expectClose(unit[i], wi / (1e-7 + norm), relative: 1e-6, "unit_norm[\(r)][\(u)]")
                #expect(nonNegative[i] == max(w0[i], 0))
            }
        }
        // Columns above the bound end exactly at it (to float rounding), the others keep their norm.
        for (u, norm) in Self.columnNorms(capped, rows: rows, units: units).enumerated() where norms[u] > 0 {
            #expect(abs(norm - min(norms[u], m)) <= 1e-6 * m, "column \(u): \(norm) from \(norms[u])")
        }
    }

    /// Swish with a learned β: dx and dβ against central differences of x·σ(βx) in double.
    @Test func swishBetaBackwardMatchesFiniteDifferences() {
        let n = 29
        let beta: Float = 1.3
        let x = Self.values(n, seed: 5)
        let dy = Self.values(n, seed: 6)
        func swish(_ x: Double, _ b: Double) -> Double { x / (1 + exp(-b * x)) }
        var dx = [Float](repeating: 0, count: n)
        let dBeta = nnc_swish_beta_backward(&dx, dy, x, n, beta)
        let h = 1e-5
        let b = Double(beta)
        var expected = 0.0
        for i in 0..<n {
            let xi = Double(x[i])
            expected += Double(dy[i]) * (swish(xi, b + h) - swish(xi, b - h)) / (2 * h)
            let slope = (swish(xi + h, b) - swish(xi - h, b)) / (2 * h)
            expectClose(dx[i], Double(dy[i]) * slope, relative: 1e-5, "dx[\(i)]")
        }
        #expect(abs(dBeta - expected) <= 1e-5 * max(1, abs(expected)), "dβ \(dBeta) vs \(expected)")
        #expect(nnc_swish_beta_backward(nil, dy, x, n, beta) == dBeta)
    }
}
