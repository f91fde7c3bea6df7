import CNNCKernels
import NNCGraph
import NNCPlan
import Testing

@testable import NNCRuntime

/// upsampling2d's kernels: bilinear against numbers Keras 3 computed, and the backward as
/// the transpose of the forward (⟨up(x), g⟩ = ⟨x, up′(g)⟩) for both interpolations.
@Suite struct ImageLayerTests {
    /// x [2, 3, 4, 1] = (k² mod 7) for k = 0…23; the first image:
    /// [[0, 1, 4, 2], [2, 4, 1, 0], [1, 4, 2, 2]].
    static let x: [Float] = (0..<24).map { Float($0 * $0 % 7) }

    func upsample(_ sh: Int, _ sw: Int, bilinear: Bool) -> [Float] {
        var y = [Float](repeating: .nan, count: 24 * sh * sw)
        nnc_upsample(&y, Self.x, 2, 3, 4, 1, Int32(sh), Int32(sw), bilinear ? 1 : 0)
        return y
    }

    /// keras.layers.UpSampling2D(size, interpolation="bilinear")(x)[0, :, :, 0] with
    /// KERAS_BACKEND=numpy (Keras 3.15), rounded to 5 digits.
    @Test func bilinearMatchesKeras() {
        let y22 = upsample(2, 2, bilinear: true)
        let keras22: [[Float]] = [
            [0.0, 0.25, 0.75, 1.75, 3.25, 3.5, 2.5, 2.0],
            [0.5, 0.8125, 1.4375, 2.125, 2.875, 2.8125, 1.9375, 1.5],
            [1.5, 1.9375, 2.8125, 2.875, 2.125, 1.4375, 0.8125, 0.5],
            [1.75, 2.3125, 3.4375, 3.3125, 1.9375, 1.0625, 0.6875, 0.5],
            [1.25, 1.9375, 3.3125, 3.4375, 2.3125, 1.6875, 1.5625, 1.5],
            [1.0, 1.75, 3.25, 3.5, 2.5, 2.0, 2.0, 2.0],
        ]
        for (i, row) in keras22.enumerated() {
            for (j, v) in row.enumerated() { #expect(abs(y22[i * 8 + j] - v) < 1e-5, "2×2 at \(i), \(j)") }
        }
        let y23 = upsample(2, 3, bilinear: true)
        let keras23: [[Float]] = [
            [0.0, 0.0, 0.33333, 0.66667, 1.0, 2.0, 3.0, 4.0, 3.33333, 2.66667, 2.0, 2.0],
            [0.5, 0.5, 0.91667, 1.33333, 1.75, 2.25, 2.75, 3.25, 2.66667, 2.08333, 1.5, 1.5],
            [1.5, 1.5, 2.08333, 2.66667, 3.25, 2.75, 2.25, 1.75, 1.33333, 0.91667, 0.5, 0.5],
            [1.75, 1.75, 2.5, 3.25, 4.0, 3.08333, 2.16667, 1.25, 1.0, 0.75, 0.5, 0.5],
            [1.25, 1.25, 2.16667, 3.08333, 4.0, 3.25, 2.5, 1.75, 1.66667, 1.58333, 1.5, 1.5],
            [1.0, 1.0, 2.0, 3.0, 4.0, 3.33333, 2.66667, 2.0, 2.0, 2.0, 2.0, 2.0],
        ]
        for (i, row) in keras23.enumerated() {
            for (j, v) in row.enumerated() { #expect(abs(y23[i * 12 + j] - v) < 1e-4, "2×3 at \(i), \(j)") }
        }
    }

    @Test func nearestRepeatsEachPixel() {
        let y = upsample(2, 3, bilinear: false)
        for i in 0..<6 {
            for j in 0..<12 { #expect(y[i * 12 + j] == Self.x[(i / 2) * 4 + j / 3]) }
        }
    }

    /// The backward kernel is the forward's transpose, and matches the double twin.
    @Test(arguments: [false, true]) func backwardIsTheTranspose(bilinear: Bool) {
        let (sh, sw) = (3, 2)
        let g: [Float] = (0..<(24 * sh * sw)).map { Float(($0 * 5) % 11) - 5 }
        var dx = [Float](repeating: .nan, count: 24)
        nnc_upsample_backward(&dx, g, 2, 3, 4, 1, Int32(sh), Int32(sw), bilinear ? 1 : 0)
        let y = upsample(sh, sw, bilinear: bilinear)
        let lhs = zip(y, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(Self.x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-3 * max(1, abs(lhs)))
        var reference = [Double](repeating: 0, count: 24)
        let u = Upsample(
            batch: 2, h: 3, w: 4, c: 1, sh: sh, sw: sw, interpolation: bilinear ? .bilinear : .nearest)
        ReferenceExecutor.upsampleTaps(u) { out, input, weight in reference[input] += weight * Double(g[out]) }
        for i in 0..<24 { #expect(abs(Double(dx[i]) - reference[i]) < 1e-4) }
    }

    /// l2pool2d: √(mean of squares); PyTorch's LPPool2d(2) is √(sum), √(window) times larger
    /// (torch.nn.LPPool2d(2, 2) on [[3, 4], [0, 0]] gives 5). A window of zeros passes no gradient.
    @Test func l2PoolIsTheRootMeanSquareAndZeroWindowsPassNoGradient() {
        // One sample, 2×4 pixels, one channel: windows [[3, 4], [0, 0]] and [[0, 0], [0, 0]].
        let x: [Float] = [3, 4, 0, 0, 0, 0, 0, 0]
        let g = WindowGeometry(batch: 1, h: 2, w: 4, c: 1, kh: 2, kw: 2, sh: 2, sw: 2, oh: 1, ow: 2)
        var y = [Float](repeating: .nan, count: 2)
        nnc_l2pool_forward(&y, x, g.raw)
        #expect(y == [2.5, 0])
        #expect(y[0] * Float(4).squareRoot() == 5)
        var dx = [Float](repeating: .nan, count: 8)
        nnc_l2pool_backward(&dx, [1, 1], x, y, g.raw)
        // ∂y/∂x = x/(n·y): 3/10 and 4/10; the zero window's cells get 0, not NaN.
        #expect(abs(dx[0] - 0.3) < 1e-6 && abs(dx[1] - 0.4) < 1e-6 && dx[2...].allSatisfy { $0 == 0 })
    }
}
