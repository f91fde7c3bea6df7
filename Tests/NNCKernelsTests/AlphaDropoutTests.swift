import CNNCKernels
import Foundation
import NNCGraph
import Testing

/// alpha_dropout keeps zero mean and unit variance (the point of Klambauer et al.'s affine
/// correction), with Keras's constants, and its backward scales the kept units by a.
@Suite struct AlphaDropoutTests {
    @Test(arguments: [0.05, 0.1, 0.3]) func keepsMeanAndVariance(rate: Double) {
        let n = 200_000
        // Standard normal inputs by Box–Muller from a fixed LCG.
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        let x: [Float] = (0..<n).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
        let d = Dropout(rate: rate)
        var y = [Float](repeating: 0, count: n)
        nnc_alpha_dropout_forward(
            &y, x, n, Float(rate), Float(d.alphaScale), Float(d.alphaShift), Float(Dropout.alphaPrime), 7)
        let mean = y.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = y.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03, "rate \(rate): mean \(mean), variance \(variance)")
        var dx = [Float](repeating: .nan, count: n)
        let dy = [Float](repeating: 1, count: n)
        nnc_alpha_dropout_backward(&dx, dy, n, Float(rate), Float(d.alphaScale), 7)
        for i in 0..<1000 {
            let kept = nnc_dropout_keeps(7, i, Float(rate)) != 0
            #expect(dx[i] == (kept ? Float(d.alphaScale) : 0))
            #expect(
                abs(y[i] - Float(d.alphaScale) * (kept ? x[i] : Float(Dropout.alphaPrime)) - Float(d.alphaShift)) < 1e-5
            )
        }
    }

    /// Keras 3's AlphaDropout: alpha_p = −1.6732632423543772·1.0507009873554805, a and b from it.
    @Test func constantsAreKeras() {
        #expect(abs(Dropout.alphaPrime - (-1.6732632423543772 * 1.0507009873554805)) < 1e-15)
        let d = Dropout(rate: 0.1)
        let a = 1 / ((1 - 0.1) * (1 + 0.1 * Dropout.alphaPrime * Dropout.alphaPrime)).squareRoot()
        #expect(d.alphaScale == a && d.alphaShift == -a * Dropout.alphaPrime * 0.1)
    }
}
