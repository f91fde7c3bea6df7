import CNNCKernels
import Foundation
import NNCTestSupport
import Testing

/// Normalization backward against central finite differences of a double-precision
/// forward, of the scalar L = Σ dy·y; dropout's mask statistics and determinism.
@Suite struct NormalizationTests {
    /// y for batch norm (per column over rows) or layer norm (per row over columns), in double.
    static func normalize(
        _ x: [Double], rows: Int, cols: Int, gamma: [Double], beta: [Double], eps: Double, perColumn: Bool
    ) -> [Double] {
        var y = x
        let groups = perColumn ? cols : rows
        let size = perColumn ? rows : cols
        for g in 0..<groups {
            let idx = (0..<size).map { perColumn ? $0 * cols + g : g * cols + $0 }
            let mu = idx.reduce(0.0) { $0 + x[$1] } / Double(size)
            let v = idx.reduce(0.0) { $0 + (x[$1] - mu) * (x[$1] - mu) } / Double(size)
            for i in idx {
                let p = perColumn ? g : i % cols
                y[i] = gamma[p] * (x[i] - mu) / (v + eps).squareRoot() + beta[p]
            }
        }
        return y
    }

    func gradientCheck(perColumn: Bool) {
        let rows = 5
        let cols = 3
        let eps = 1e-3
        var rng = SeededRandom(seed: perColumn ? 1 : 2)
        func rand() -> Double { Double(rng.float()) * 2 }
        let x = (0..<rows * cols).map { _ in rand() }
        let dy = (0..<rows * cols).map { _ in rand() }
        let gamma = (0..<cols).map { _ in 1 + rand() / 4 }
        let beta = (0..<cols).map { _ in rand() }
        let xf = x.map(Float.init)
        let dyf = dy.map(Float.init)
        let gf = gamma.map(Float.init)
        let bf = beta.map(Float.init)
        var y = [Float](repeating: 0, count: rows * cols)
        var dx = y
        let stats = perColumn ? cols : rows
        var mean = [Float](repeating: 0, count: stats)
        var invStd = mean
        var dGamma = [Float](repeating: 0, count: cols)
        var dBeta = dGamma
        if perColumn {
            nnc_batchnorm_train_forward(
                &y, &mean, &invStd, nil, nil, xf, gf, bf, Int32(rows), Int32(cols), 0.9, Float(eps))
            nnc_batchnorm_backward(&dx, &dGamma, &dBeta, dyf, xf, mean, invStd, gf, Int32(rows), Int32(cols))
        } else {
            nnc_layernorm_forward(&y, &mean, &invStd, xf, gf, bf, Int32(rows), Int32(cols), Float(eps))
            nnc_layernorm_backward(&dx, &dGamma, &dBeta, dyf, xf, mean, invStd, gf, Int32(rows), Int32(cols))
        }
        let reference = Self.normalize(
            x, rows: rows, cols: cols, gamma: gamma, beta: beta, eps: eps, perColumn: perColumn)
        for i in y.indices { #expect(abs(Double(y[i]) - reference[i]) < 1e-5) }
        func loss(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> Double {
            zip(Self.normalize(x, rows: rows, cols: cols, gamma: gamma, beta: beta, eps: eps, perColumn: perColumn), dy)
                .reduce(0) { $0 + $1.0 * $1.1 }
        }
        let h = 1e-5
        for i in x.indices {
            var xp = x
            var xm = x
            xp[i] += h
            xm[i] -= h
            let numeric = (loss(xp, gamma, beta) - loss(xm, gamma, beta)) / (2 * h)
            #expect(abs(Double(dx[i]) - numeric) <= 1e-3 * max(1, abs(numeric)), "dx[\(i)]")
        }
        for p in 0..<cols {
            var gp = gamma
            var gm = gamma
            var bp = beta
            var bm = beta
            gp[p] += h
            gm[p] -= h
            bp[p] += h
            bm[p] -= h
            #expect(abs(Double(dGamma[p]) - (loss(x, gp, beta) - loss(x, gm, beta)) / (2 * h)) <= 1e-3)
            #expect(abs(Double(dBeta[p]) - (loss(x, gamma, bp) - loss(x, gamma, bm)) / (2 * h)) <= 1e-3)
        }
    }

    @Test func batchNormGradientsMatchFiniteDifferences() { gradientCheck(perColumn: true) }
    @Test func layerNormGradientsMatchFiniteDifferences() { gradientCheck(perColumn: false) }

    @Test func batchNormRunningStatisticsAndInference() {
        let x: [Float] = [1, 10, 3, 20, 5, 30]  // 3 rows × 2 channels
        var y = [Float](repeating: 0, count: 6)
        var mean: [Float] = [0, 0]
        var invStd = mean
        var runningMean: [Float] = [0, 0]
        var runningVar: [Float] = [1, 1]
        nnc_batchnorm_train_forward(&y, &mean, &invStd, &runningMean, &runningVar, x, nil, nil, 3, 2, 0.9, 0)
        #expect(mean == [3, 20])
        // Unbiased variance 4 and 100 enter the running average.
        #expect(abs(runningMean[0] - 0.3) < 1e-6 && abs(runningVar[0] - (0.9 + 0.1 * 4)) < 1e-6)
        #expect(abs(runningVar[1] - (0.9 + 0.1 * 100)) < 1e-5)
        var out = [Float](repeating: 0, count: 6)
        nnc_batchnorm_infer(&out, x, [3, 20], [4, 100], [2, 1], [1, 0], 3, 2, 0)
        // Channel 0: (x − 3)/2·2 + 1; channel 1: (x − 20)/10.
        #expect(out == [-1, -1, 1, 0, 3, 1])
    }

    @Test func dropoutKeepsTheRightFractionDeterministically() {
        let n = 100_000
        let rate: Float = 0.3
        let x = [Float](repeating: 1, count: n)
        var y = x
        var again = x
        var other = x
        nnc_dropout_forward(&y, x, n, rate, 42)
        nnc_dropout_forward(&again, x, n, rate, 42)
        nnc_dropout_forward(&other, x, n, rate, 43)
        #expect(y == again)
        #expect(y != other)
        let kept = y.filter { $0 != 0 }
        // Binomial(100000, 0.7): standard deviation ≈ 145; 5σ bounds.
        #expect(abs(kept.count - 70_000) < 725)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        var dx = x
        nnc_dropout_backward(&dx, x, n, rate, 42)
        #expect(dx == y, "backward applies the forward's mask")
    }
}
