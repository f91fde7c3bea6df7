import NNCKernels
import Testing

/// Convolution via im2col + GEMM against the direct reference, col2im and average-pool
/// backward against their forward ops by the adjoint (dot-product) identity, max pooling
/// against a naive maximum, on random odd geometries.
@Suite struct WindowTests {
    struct Rand {
        var state: UInt64
        mutating func int(_ r: ClosedRange<Int>) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return r.lowerBound + Int((state >> 33) % UInt64(r.count))
        }
        mutating func float() -> Float { Float(int(0...2000) - 1000) / 1000 }
    }

    /// A random valid geometry: padding below the window, output size by the floor formula.
    static func geometry(_ rng: inout Rand, channels: Int) -> Window.Geometry {
        while true {
            let h = rng.int(1...9), w = rng.int(1...11), kh = rng.int(1...4), kw = rng.int(1...4)
            let dh = rng.int(1...2), dw = rng.int(1...2), sh = rng.int(1...3), sw = rng.int(1...3)
            let pt = rng.int(0...kh - 1), pb = rng.int(0...kh - 1), pl = rng.int(0...kw - 1), pr = rng.int(0...kw - 1)
            let spanH = h + pt + pb - dh * (kh - 1) - 1, spanW = w + pl + pr - dw * (kw - 1) - 1
            guard spanH >= 0, spanW >= 0 else { continue }
            return Window.Geometry(batch: rng.int(1...3), h: h, w: w, c: channels, kh: kh, kw: kw, sh: sh, sw: sw, dh: dh, dw: dw,
                                   padTop: pt, padLeft: pl, padBottom: pb, padRight: pr, oh: spanH / sh + 1, ow: spanW / sw + 1)
        }
    }

    @Test func convolutionAsGEMMMatchesTheDirectReference() {
        var rng = Rand(state: 3)
        for _ in 0..<200 {
            let groups = rng.int(1...3), cg = rng.int(1...4), fg = rng.int(1...5)
            let g = Self.geometry(&rng, channels: groups * cg)
            let filters = groups * fg
            let x = (0..<g.inputCount).map { _ in rng.float() }
            let w = (0..<(g.kh * g.kw * cg * filters)).map { _ in rng.float() }
            let bias = (0..<filters).map { _ in rng.float() }
            var fast = [Float](repeating: .nan, count: g.positions * filters)
            var slow = fast
            var cols = [Float](repeating: 0, count: Window.columnsCount(g, channels: cg))
            var work = [Float](repeating: 0, count: GEMM.workspaceFloats(m: g.positions, n: fg, k: g.kh * g.kw * cg, threads: 2))
            Window.conv2d(y: &fast, x: x, w: w, bias: bias, g, filters: filters, groups: groups, cols: &cols, workspace: &work, pool: ThreadPool(threads: 2))
            Window.conv2dReference(y: &slow, x: x, w: w, bias: bias, g, filters: filters, groups: groups)
            let k = Float(g.kh * g.kw * cg)
            for i in fast.indices {
                #expect(abs(fast[i] - slow[i]) <= 1e-5 * k, "\(g) groups \(groups)")
            }
        }
    }

    @Test func col2imIsTheAdjointOfIm2col() {
        var rng = Rand(state: 5)
        for _ in 0..<100 {
            let g = Self.geometry(&rng, channels: rng.int(1...5))
            let x = (0..<g.inputCount).map { _ in rng.float() }
            var cols = [Float](repeating: 0, count: Window.columnsCount(g, channels: g.c))
            Window.im2col(&cols, x, g, channels: 0..<g.c)
            let d = cols.indices.map { _ in rng.float() }
            var dx = [Float](repeating: 0, count: g.inputCount)
            Window.col2im(&dx, d, g, channels: 0..<g.c)
            // ⟨im2col(x), d⟩ = ⟨x, col2im(d)⟩, in double.
            let lhs = zip(cols, d).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)))
        }
    }

    @Test func maxPoolingTakesTheLargestValidCellAndRoutesItsGradient() {
        var rng = Rand(state: 7)
        for _ in 0..<100 {
            let g = Self.geometry(&rng, channels: rng.int(1...4))
            let x = (0..<g.inputCount).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: g.positions * g.c)
            var argmax = [Int32](repeating: 0, count: y.count)
            Window.maxPool(y: &y, argmax: &argmax, x: x, g)
            var o = 0
            for b in 0..<g.batch { for oy in 0..<g.oh { for ox in 0..<g.ow { for c in 0..<g.c {
                var best: Float?
                for i in 0..<g.kh { for j in 0..<g.kw {
                    let iy = oy * g.sh - g.padTop + i * g.dh, ix = ox * g.sw - g.padLeft + j * g.dw
                    guard iy >= 0, iy < g.h, ix >= 0, ix < g.w else { continue }
                    let v = x[((b * g.h + iy) * g.w + ix) * g.c + c]
                    best = max(best ?? v, v)
                } }
                #expect(y[o] == (best ?? 0))
                if best != nil { #expect(x[Int(argmax[o])] == y[o]) }
                o += 1
            } } } }
            let dy = y.indices.map { _ in rng.float() }
            var dx = [Float](repeating: .nan, count: g.inputCount)
            Window.maxPoolBackward(dx: &dx, dy: dy, argmax: argmax, g)
            let routed = zip(dy, argmax).filter { $0.1 >= 0 }.reduce(0.0) { $0 + Double($1.0) }
            #expect(abs(dx.reduce(0.0) { $0 + Double($1) } - routed) <= 1e-4)
        }
    }

    @Test func averagePoolingBackwardIsItsAdjoint() {
        var rng = Rand(state: 11)
        for round in 0..<100 {
            let g = Self.geometry(&rng, channels: rng.int(1...4))
            let countPadding = round % 2 == 0
            let x = (0..<g.inputCount).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: g.positions * g.c)
            Window.avgPool(y: &y, x: x, g, countPadding: countPadding)
            let d = y.indices.map { _ in rng.float() }
            var dx = [Float](repeating: .nan, count: g.inputCount)
            Window.avgPoolBackward(dx: &dx, dy: d, g, countPadding: countPadding)
            let lhs = zip(y, d).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)))
        }
        // 3×3 window, padding 1, on a 2×2 input of ones: the corner window sees 4 valid cells
        // of 9; Keras averages the valid ones (1), PyTorch's count_include_pad divides by 9.
        let g = Window.Geometry(batch: 1, h: 2, w: 2, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, padTop: 1, padLeft: 1,
                                padBottom: 1, padRight: 1, oh: 2, ow: 2)
        var y = [Float](repeating: 0, count: 4)
        Window.avgPool(y: &y, x: [1, 1, 1, 1], g, countPadding: false)
        #expect(y == [1, 1, 1, 1])
        Window.avgPool(y: &y, x: [1, 1, 1, 1], g, countPadding: true)
        #expect(y.allSatisfy { abs($0 - 4.0 / 9.0) < 1e-7 })
    }
}
