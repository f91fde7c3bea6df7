import CNNCKernels
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCTestSupport
import Testing

/// Average-pool backward against its forward by the adjoint (dot-product) identity, max
/// pooling against a naive maximum, on random odd geometries (the convolutions are in
/// ConvolutionTests).
@Suite(.serialized) struct WindowTests {
    /// A random valid geometry: padding below the window, output size by the floor formula.
    static func geometry(_ rng: inout SeededRandom, channels: Int) -> WindowGeometry {
        while true {
            let h = rng.int(1...9)
            let w = rng.int(1...11)
            let kh = rng.int(1...4)
            let kw = rng.int(1...4)
            let dh = rng.int(1...2)
            let dw = rng.int(1...2)
            let sh = rng.int(1...3)
            let sw = rng.int(1...3)
            let pt = rng.int(0...kh - 1)
            let pb = rng.int(0...kh - 1)
            let pl = rng.int(0...kw - 1)
            let pr = rng.int(0...kw - 1)
            let spanH = h + pt + pb - dh * (kh - 1) - 1
            let spanW = w + pl + pr - dw * (kw - 1) - 1
            guard spanH >= 0, spanW >= 0 else { continue }
            return WindowGeometry(
                batch: rng.int(1...3), h: h, w: w, c: channels, kh: kh, kw: kw, sh: sh, sw: sw, dh: dh, dw: dw,
                padTop: pt, padLeft: pl, padBottom: pb, padRight: pr, oh: spanH / sh + 1, ow: spanW / sw + 1)
        }
    }

    @Test func maxPoolingTakesTheLargestValidCellAndRoutesItsGradient() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<100 {
            let g = Self.geometry(&rng, channels: rng.int(1...4))
            let x = (0..<g.inputElements).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: g.positions * g.c)
            var argmax = [Int32](repeating: 0, count: y.count)
            nnc_maxpool_forward(&y, &argmax, x, g.raw)
            var o = 0
            for b in 0..<g.batch {
                for oy in 0..<g.oh {
                    for ox in 0..<g.ow {
                        for c in 0..<g.c {
                            var best: Float?
                            for i in 0..<g.kh {
                                for j in 0..<g.kw {
                                    let iy = oy * g.sh - g.padTop + i * g.dh
                                    let ix = ox * g.sw - g.padLeft + j * g.dw
                                    guard iy >= 0, iy < g.h, ix >= 0, ix < g.w else { continue }
                                    let v = x[((b * g.h + iy) * g.w + ix) * g.c + c]
                                    best = max(best ?? v, v)
                                }
                            }
                            #expect(y[o] == (best ?? 0))
                            if best != nil { #expect(x[Int(argmax[o])] == y[o]) }
                            o += 1
                        }
                    }
                }
            }
            let dy = y.indices.map { _ in rng.float() }
            var dx = [Float](repeating: .nan, count: g.inputElements)
            nnc_maxpool_backward(&dx, dy, argmax, g.positions * g.c, g.inputElements)
            let routed = zip(dy, argmax).filter { $0.1 >= 0 }.reduce(0.0) { $0 + Double($1.0) }
            #expect(abs(dx.reduce(0.0) { $0 + Double($1) } - routed) <= 1e-4)
        }
    }

    /// Windows that tile the input (kernel = stride, no padding) take the fast path: whole
    /// vectors of channels (spilling into the next cell, 1–19 channels), 2×2 windows
    /// straight-line. Small integer values make ties common: the first maximum in window
    /// order must win, as in the general path.
    @Test(arguments: [GEMM.ISA.portable, GEMM.ISA.avx2FMA])
    func tilingMaxPoolsKeepTheFirstMaximum(isa: GEMM.ISA) {
        guard GEMM.ISA.available.contains(isa) else { return }
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        var rng = SeededRandom(seed: 17)
        for _ in 0..<200 {
            let k = rng.int(1...3)
            let l = rng.int(1...3)
            let h = rng.int(k...9)
            let w = rng.int(l...9)
            let g = WindowGeometry(
                batch: rng.int(1...3), h: h, w: w, c: rng.int(1...19), kh: k, kw: l, sh: k, sw: l,
                oh: h / k, ow: w / l)
            let x = (0..<g.inputElements).map { _ in Float(rng.int(0...4)) }
            var y = [Float](repeating: .nan, count: g.positions * g.c)
            var argmax = [Int32](repeating: -2, count: y.count)
            nnc_maxpool_forward(&y, &argmax, x, g.raw)
            var o = 0
            for b in 0..<g.batch {
                for oy in 0..<g.oh {
                    for ox in 0..<g.ow {
                        for c in 0..<g.c {
                            var best = -Float.infinity
                            var at = -1
                            for i in 0..<k {
                                for j in 0..<l {
                                    let cell = ((b * h + oy * k + i) * w + ox * l + j) * g.c + c
                                    if x[cell] > best {
                                        best = x[cell]
                                        at = cell
                                    }
                                }
                            }
                            #expect(y[o] == best && Int(argmax[o]) == at, "\(g) output \(o)")
                            o += 1
                        }
                    }
                }
            }
        }
    }

    @Test func averagePoolingBackwardIsItsAdjoint() {
        var rng = SeededRandom(seed: 11)
        for round in 0..<100 {
            let g = Self.geometry(&rng, channels: rng.int(1...4))
            let countPadding = round % 2 == 0
            let x = (0..<g.inputElements).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: g.positions * g.c)
            nnc_avgpool_forward(&y, x, g.raw, countPadding ? 1 : 0)
            let d = y.indices.map { _ in rng.float() }
            var dx = [Float](repeating: .nan, count: g.inputElements)
            nnc_avgpool_backward(&dx, d, g.raw, countPadding ? 1 : 0)
            let lhs = zip(y, d).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)))
        }
        // 3×3 window, padding 1, on a 2×2 input of ones: the corner window sees 4 valid cells
        // of 9; Keras averages the valid ones (1), PyTorch's count_include_pad divides by 9.
        let g = WindowGeometry(
            batch: 1, h: 2, w: 2, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, padTop: 1, padLeft: 1,
            padBottom: 1, padRight: 1, oh: 2, ow: 2)
        var y = [Float](repeating: 0, count: 4)
        nnc_avgpool_forward(&y, [1, 1, 1, 1], g.raw, false ? 1 : 0)
        #expect(y == [1, 1, 1, 1])
        nnc_avgpool_forward(&y, [1, 1, 1, 1], g.raw, true ? 1 : 0)
        #expect(y.allSatisfy { abs($0 - 4.0 / 9.0) < 1e-7 })
    }
}
