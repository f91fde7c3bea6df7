import Foundation
import NNCPlan

/// Attention's kernels in double precision, from the formulas: the twins of
/// `nnc_head_products` and `nnc_attention_mask`.
extension ReferenceExecutor {
    /// C_bh = scale·op(A_bh)·op(B_bh) for every sample and head.
    static func headProduct(
        _ p: HeadProduct, c: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>,
        b: UnsafeMutablePointer<Double>
    ) {
        for s in 0..<p.batch {
            for h in 0..<p.heads {
                let ca = c + s * p.c.batchStride + h * p.c.headStride
                let aa = a + s * p.a.batchStride + h * p.a.headStride
                let ba = b + s * p.b.batchStride + h * p.b.headStride
                for i in 0..<p.m {
                    for j in 0..<p.n {
                        var sum = 0.0
                        for q in 0..<p.k {
                            let x = p.transposeA ? aa[q * p.a.rowStride + i] : aa[i * p.a.rowStride + q]
                            let y = p.transposeB ? ba[j * p.b.rowStride + q] : ba[q * p.b.rowStride + j]
                            sum += x * y
                        }
                        ca[i * p.c.rowStride + j] = p.scale * sum
                    }
                }
            }
        }
    }

    /// Masked pairs set to `fill`: [S, query mask?, key mask?].
    static func attentionMask(_ m: AttentionMask, fill: Double, _ o: [UnsafeMutablePointer<Double>]) {
        let queryMask = m.queryMask ? o[1] : nil
        let keyMask = m.keyMask ? o[m.queryMask ? 2 : 1] : nil
        for s in 0..<m.batch {
            for h in 0..<m.heads {
                for i in 0..<m.queries {
                    for j in 0..<m.keys {
                        let masked =
                            (m.causal && j > i) || queryMask.map { $0[s * m.queries + i] == 0 } == true
                            || keyMask.map { $0[s * m.keys + j] == 0 } == true
                        if masked { o[0][((s * m.heads + h) * m.queries + i) * m.keys + j] = fill }
                    }
                }
            }
        }
    }

    /// keras_hub's SinePositionEncoding at step t, feature i of d: sin(t·ω) for even i, cos for
    /// odd, ω = max_wavelength^(−2⌊i/2⌋/d).
    static func sinusoid(_ t: Int, _ i: Int, _ d: Int, _ maxWavelength: Double) -> Double {
        let angle = Double(t) * pow(1 / maxWavelength, Double(2 * (i / 2)) / Double(d))
        return i % 2 == 0 ? sin(angle) : cos(angle)
    }
}
