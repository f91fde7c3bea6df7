import Foundation
import NNCGraph
import NNCPlan

/// Initial parameter values from a seed, per the layer's (or the model's) initializer,
/// with Keras's formulas: glorot/he/lecun scale by fan-in and fan-out, the truncated
/// normals redraw beyond two standard deviations (Keras's `TruncatedNormal`, whose
/// stddev is corrected by 1/0.87962566103423978 so the variance is as stated).
public enum ParameterInitializer {
    /// Values for one parameter, drawn from `rng`; an LSTM's forget-gate bias then set to 1
    /// (Keras's `unit_forget_bias`).
    public static func values(for p: ParameterBinding, rng: inout SplitMix64) -> [Double] {
        var values = drawn(for: p, rng: &rng)
        for i in p.forgetGateBias ?? 0..<0 { values[i] = 1 }
        return values
    }

    static func drawn(for p: ParameterBinding, rng: inout SplitMix64) -> [Double] {
        let n = p.shape.reduce(1, *)
        guard let initializer = p.initializer else { return Array(repeating: p.initialValue, count: n) }
        let fanIn = Double(p.fanIn)
        let fanOut = Double(p.fanOut)
        func uniform(_ limit: Double) -> [Double] { (0..<n).map { _ in (rng.unit() * 2 - 1) * limit } }
        func truncated(_ std: Double) -> [Double] {
            let s = std / 0.87962566103423978
            return (0..<n).map { _ in
                while true {
                    let z = rng.normal()
                    if abs(z) <= 2 { return z * s }
                }
            }
        }
        switch initializer {
        case .zeros: return Array(repeating: 0, count: n)
        case .ones: return Array(repeating: 1, count: n)
        case .constant(let value): return Array(repeating: value, count: n)
        case .uniform(let a, let b): return (0..<n).map { _ in a + (b - a) * rng.unit() }
        case .normal(let mean, let std): return (0..<n).map { _ in mean + std * rng.normal() }
        case .glorotUniform: return uniform((6 / (fanIn + fanOut)).squareRoot())
        case .glorotNormal: return truncated((2 / (fanIn + fanOut)).squareRoot())
        case .heUniform: return uniform((6 / fanIn).squareRoot())
        case .heNormal: return truncated((2 / fanIn).squareRoot())
        case .lecunUniform: return uniform((3 / fanIn).squareRoot())
        case .lecunNormal: return truncated((1 / fanIn).squareRoot())
        case .orthogonal(let gain): return orthogonal(p.shape, gain: gain, rng: &rng)
        }
    }

    /// A (rows × cols) matrix with orthonormal rows or columns (Gram–Schmidt on a normal
    /// matrix), the last axis being the columns, times gain (Saxe et al. 2014).
    static func orthogonal(_ shape: [Int], gain: Double, rng: inout SplitMix64) -> [Double] {
        let cols = shape.last ?? 1
        let rows = shape.reduce(1, *) / max(cols, 1)
        let tall = rows >= cols
        let (r, c) = tall ? (rows, cols) : (cols, rows)
        // Orthonormal columns of an r × c matrix (r ≥ c), stored column by column.
        var q = (0..<(r * c)).map { _ in rng.normal() }
        for j in 0..<c {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<r { dot += q[j * r + i] * q[k * r + i] }
                for i in 0..<r { q[j * r + i] -= dot * q[k * r + i] }
            }
            var norm = 0.0
            for i in 0..<r { norm += q[j * r + i] * q[j * r + i] }
            norm = max(norm.squareRoot(), 1e-12)
            for i in 0..<r { q[j * r + i] /= norm }
        }
        var out = [Double](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols { out[i * cols + j] = gain * (tall ? q[j * r + i] : q[i * r + j]) }
        }
        return out
    }

    /// Every parameter of a plan, in plan order, from one seed.
    public static func values(for plan: ExecutionPlan, seed: UInt64) -> [[Double]] {
        var rng = SplitMix64(seed: seed)
        return plan.parameters.map { values(for: $0, rng: &rng) }
    }
}

extension Executor {
    /// Sets every parameter from `seed` (statistics to their starting values) and runs `prepare`.
    public func initializeParameters(seed: UInt64) {
        for (p, values) in zip(plan.parameters, ParameterInitializer.values(for: plan, seed: seed)) {
            write(p.buffer, values.map(Float.init))
        }
        prepare()
    }
}
