import CNNCKernels
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCTestSupport
import Testing

/// The in-place convolution kernels (forward, backward data, backward weights; implicit GEMM
/// and direct tiles; read from a padded copy or from x itself) against their naive
/// double-precision twins, on random odd geometries (strides, dilations, asymmetric padding,
/// groups), every instruction set (portable, AVX2, AVX-512), 1 and 2 threads.
/// Tolerance: |fast − reference| ≤ 1e-5 · Σ|terms| per element (float accumulation over the
/// patch or the positions, relative to the magnitude summed; Σ|terms| is the reference run on
/// absolute values).
@Suite(.serialized) struct ConvolutionTests {

    struct Case {
        var g: WindowGeometry
        var groups: Int, filters: Int
        var taps: Int { g.kh * g.kw * g.c / groups }
    }

    /// The descriptions the kernels accept for this case: implicit GEMM on a padded copy, on x
    /// itself when nothing pads, and direct tiles when there is one channel at unit column stride.
    static func descriptions(_ c: Case) -> [nnc_conv] {
        let g = c.g
        let h = g.h + g.padTop + g.padBottom
        let w = g.w + g.padLeft + g.padRight
        func conv(hp: Int, wp: Int, padded: Bool, direct: Bool) -> nnc_conv {
            nnc_conv(
                g: g.raw, filters: Int32(c.filters), groups: Int32(c.groups), hp: Int32(hp), wp: Int32(wp),
                padded: padded ? 1 : 0, direct: direct ? 1 : 0)
        }
        var all = [conv(hp: h, wp: w, padded: true, direct: false)]
        if g.padTop + g.padBottom + g.padLeft + g.padRight == 0 {
            all.append(conv(hp: g.h, wp: g.w, padded: false, direct: false))
        }
        if g.c == 1 && c.groups == 1 && g.sw == 1 {
            all.append(conv(hp: h, wp: max(w, (g.ow + 15) / 16 * 16 + (g.kw - 1) * g.dw), padded: true, direct: true))
        }
        return all
    }

    static func randomCase(_ rng: inout SeededRandom) -> Case {
        let groups = rng.int(0...3) == 0 ? rng.int(2...3) : 1
        let cg = rng.int(0...2) == 0 ? 1 : rng.int(1...5)
        let fg = [1, 3, 6, 7, 8, 9, 16, 17, 20][rng.int(0...8)]
        return Case(g: WindowTests.geometry(&rng, channels: groups * cg), groups: groups, filters: groups * fg)
    }

    /// Convolutions big enough (≥ GEMM.minimumParallelWork multiply-adds) to split over two threads.
    static let large = [
        Case(
            g: WindowGeometry(batch: 3, h: 14, w: 15, c: 6, kh: 5, kw: 5, sh: 1, sw: 1, oh: 10, ow: 11), groups: 1,
            filters: 16),
        Case(
            g: WindowGeometry(
                batch: 4, h: 28, w: 28, c: 1, kh: 5, kw: 5, sh: 1, sw: 1, padTop: 2, padLeft: 2, padBottom: 2,
                padRight: 2, oh: 28, ow: 28), groups: 1, filters: 6),
        Case(
            g: WindowGeometry(
                batch: 6, h: 13, w: 13, c: 8, kh: 3, kw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 1, padBottom: 1,
                padRight: 1, oh: 7, ow: 7), groups: 2, filters: 34),
        // Direct weight gradients with a kernel row wider than one block of 6 taps, odd filters and dilation.
        Case(
            g: WindowGeometry(
                batch: 5, h: 12, w: 40, c: 1, kh: 3, kw: 9, sh: 2, sw: 1, dh: 1, dw: 2, padTop: 1, padLeft: 3,
                padBottom: 1, padRight: 2, oh: 6, ow: 29), groups: 1, filters: 9),
    ]

    func check(_ c: Case, rng: inout SeededRandom, threads: Int) {
        let g = c.g
        let x = (0..<g.inputElements).map { _ in rng.float() }
        let w = (0..<(c.taps * c.filters)).map { _ in rng.float() }
        let bias = (0..<c.filters).map { _ in rng.float() }
        let dz = (0..<(g.positions * c.filters)).map { _ in rng.float() }
        let (ax, aw, ab, adz) = (x.map(abs), w.map(abs), bias.map(abs), dz.map(abs))
        var y = [Float](repeating: 0, count: g.positions * c.filters)
        var yScale = y
        nnc_conv2d_reference(&y, x, w, bias, g.raw, Int32(c.filters), Int32(c.groups))
        nnc_conv2d_reference(&yScale, ax, aw, ab, g.raw, Int32(c.filters), Int32(c.groups))
        var dx = [Float](repeating: 0, count: g.inputElements)
        var dxScale = dx
        nnc_conv2d_backward_data_reference(&dx, dz, w, g.raw, Int32(c.filters), Int32(c.groups))
        nnc_conv2d_backward_data_reference(&dxScale, adz, aw, g.raw, Int32(c.filters), Int32(c.groups))
        var dw = [Float](repeating: 0, count: w.count)
        var dwScale = dw
        nnc_conv2d_backward_weights_reference(&dw, x, dz, g.raw, Int32(c.filters), Int32(c.groups))
        nnc_conv2d_backward_weights_reference(&dwScale, ax, adz, g.raw, Int32(c.filters), Int32(c.groups))
        let pool = ThreadPool(threads: threads)
        for cv in Self.descriptions(c) {
            let label =
                "\(g) groups \(c.groups) filters \(c.filters) direct \(cv.direct) padded \(cv.padded) threads \(threads)"
            var work = [Float](repeating: .nan, count: ConvolutionKernel.workspaceFloats(cv, threads: threads))
            var scratch = [Float](repeating: .nan, count: max(1, Int(cv.g.batch * cv.hp * cv.wp * cv.g.c)))
            var fast = [Float](repeating: .nan, count: y.count)
            ConvolutionKernel.forward(
                y: &fast, x: x, w: w, bias: bias, cv, scratch: &scratch, pool: pool, workspace: &work)
            expectClose(fast, y, yScale, label + " forward")
            var fastDx = [Float](repeating: .nan, count: dx.count)
            ConvolutionKernel.backwardData(
                dx: &fastDx, dz: dz, w: w, cv, scratch: &scratch, pool: pool, workspace: &work)
            expectClose(fastDx, dx, dxScale, label + " backward data")
            var fastDw = [Float](repeating: .nan, count: dw.count)
            ConvolutionKernel.backwardWeights(
                dw: &fastDw, x: x, dz: dz, cv, scratch: &scratch, pool: pool, workspace: &work)
            expectClose(fastDw, dw, dwScale, label + " backward weights")
        }
    }

    func expectClose(_ fast: [Float], _ slow: [Float], _ scale: [Float], _ label: String) {
        var worst: Float = 0
        for i in fast.indices { worst = max(worst, abs(fast[i] - slow[i]) / max(scale[i], 1e-6)) }
        #expect(worst <= 1e-5, "\(label): relative error \(worst)")
    }

    @Test(arguments: [GEMM.ISA.portable, GEMM.ISA.avx2FMA, GEMM.ISA.avx512])
    func kernelsMatchTheirReferences(isa: GEMM.ISA) {
        guard GEMM.ISA.available.contains(isa) else { return }
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        var rng = SeededRandom(seed: 11)
        for _ in 0..<150 { check(Self.randomCase(&rng), rng: &rng, threads: 1) }
        for c in Self.large { check(c, rng: &rng, threads: 2) }
    }

    /// The AVX-512 tiles sum every forward output (implicit GEMM and direct, with the relu
    /// epilogue in registers) and every weight gradient of the general kernel in the AVX2
    /// tiles' order, so the two give the same bits. (Backward data and the direct weight
    /// gradients add in another order; the test above checks them against the reference.)
    @Test func instructionSetsGiveTheSameBits() {
        guard GEMM.ISA.available.contains(.avx512) else { return }
        var rng = SeededRandom(seed: 17)
        for round in 0..<(Self.large.count + 150) {
            let c = round < Self.large.count ? Self.large[round] : Self.randomCase(&rng)
            let g = c.g
            let x = (0..<g.inputElements).map { _ in rng.float() }
            let w = (0..<(c.taps * c.filters)).map { _ in rng.float() }
            let bias = (0..<c.filters).map { _ in rng.float() }
            let dz = (0..<(g.positions * c.filters)).map { _ in rng.float() }
            let pool = ThreadPool(threads: round < Self.large.count ? 2 : 1)
            for cv in Self.descriptions(c) {
                func run(_ isa: GEMM.ISA) -> (y: [Float], dw: [Float]) {
                    GEMM.useISA(isa)
                    defer { GEMM.useISA(nil) }
                    var work = [Float](repeating: .nan, count: ConvolutionKernel.workspaceFloats(cv, threads: 2))
                    var scratch = [Float](repeating: .nan, count: max(1, Int(cv.g.batch * cv.hp * cv.wp * cv.g.c)))
                    var y = [Float](repeating: .nan, count: dz.count)
                    var dw = [Float](repeating: .nan, count: w.count)
                    ConvolutionKernel.forward(
                        y: &y, x: x, w: w, bias: bias, cv, activation: NNC_ACT_RELU, scratch: &scratch, pool: pool,
                        workspace: &work)
                    ConvolutionKernel.backwardWeights(
                        dw: &dw, x: x, dz: dz, cv, scratch: &scratch, pool: pool, workspace: &work)
                    return (y, dw)
                }
                let (avx2, avx512) = (run(.avx2FMA), run(.avx512))
                let label = "\(g) groups \(c.groups) filters \(c.filters) direct \(cv.direct) padded \(cv.padded)"
                #expect(avx2.y == avx512.y, "\(label): forward")
                if cv.direct == 0 { #expect(avx2.dw == avx512.dw, "\(label): backward weights") }
            }
        }
    }

    /// The reference twins agree with each other: ⟨conv(x), dz⟩ = ⟨x, dx⟩ = ⟨W, dW⟩ (the adjoint
    /// identities of a bilinear map), so a wrong twin cannot pass the test above alone.
    @Test func referencesAreAdjoint() {
        var rng = SeededRandom(seed: 13)
        for _ in 0..<60 {
            let c = Self.randomCase(&rng)
            let g = c.g
            let x = (0..<g.inputElements).map { _ in rng.float() }
            let w = (0..<(c.taps * c.filters)).map { _ in rng.float() }
            let dz = (0..<(g.positions * c.filters)).map { _ in rng.float() }
            var y = [Float](repeating: 0, count: dz.count)
            var dx = x
            var dw = w
            nnc_conv2d_reference(&y, x, w, nil, g.raw, Int32(c.filters), Int32(c.groups))
            nnc_conv2d_backward_data_reference(&dx, dz, w, g.raw, Int32(c.filters), Int32(c.groups))
            nnc_conv2d_backward_weights_reference(&dw, x, dz, g.raw, Int32(c.filters), Int32(c.groups))
            func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
            let (yz, xdx, wdw) = (dot(y, dz), dot(x, dx), dot(w, dw))
            #expect(abs(yz - xdx) <= 1e-4 * max(1, abs(yz)), "\(g)")
            #expect(abs(yz - wdw) <= 1e-4 * max(1, abs(yz)), "\(g)")
        }
    }
}
