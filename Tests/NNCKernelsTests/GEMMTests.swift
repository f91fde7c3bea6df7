import CNNCKernels
import NNCKernels
import NNCTestSupport
import Testing

/// The fast GEMM against its naive reference on random odd sizes (not multiples of the
/// 6×16 and 12×32 tiles or the 256-deep K block), every instruction set the CPU runs
/// (portable, AVX2/FMA, AVX-512), 1–3 threads.
/// Tolerance: |fast − reference| ≤ 1e-5 · Σ|a·b| per element, the rounding of float
/// accumulation over k terms relative to the magnitude summed.
@Suite(.serialized) struct GEMMTests {
    /// One multiply; with `transposeA` A is stored k×m (lda ≥ m), with `transposeB` B is n×k.
    func check(
        m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, accumulate: Bool, threads: Int, seed: UInt64,
        transposeA: Bool = false, transposeB: Bool = false
    ) {
        var rng = SeededRandom(seed: seed)
        let a = (0..<max(1, (transposeA ? k : m) * lda)).map { _ in rng.float() }
        let b = (0..<max(1, (transposeB ? n : k) * ldb)).map { _ in rng.float() }
        func aAt(_ i: Int, _ q: Int) -> Float { transposeA ? a[q * lda + i] : a[i * lda + q] }
        func bAt(_ q: Int, _ j: Int) -> Float { transposeB ? b[j * ldb + q] : b[q * ldb + j] }
        let pool = ThreadPool(threads: threads)
        let c0 = (0..<max(1, m * ldc)).map { _ in rng.float() }
        var fast = c0
        var slow = c0
        var work = [Float](repeating: .nan, count: GEMM.workspaceFloats(m: m, n: n, k: k, threads: threads))
        fast.withUnsafeMutableBufferPointer { c in
            work.withUnsafeMutableBufferPointer { w in
                GEMM.multiply(
                    c: c.baseAddress!, ldc: ldc, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                    transposeB: transposeB, m: m, n: n, k: k, accumulate: accumulate, pool: pool,
                    workspace: w.baseAddress!)
            }
        }
        slow.withUnsafeMutableBufferPointer { c in
            GEMM.reference(
                c: c.baseAddress!, ldc: ldc, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                transposeB: transposeB, m: m, n: n, k: k, accumulate: accumulate)
        }
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var scale: Float = accumulate ? abs(c0[i * ldc + j]) : 0
                for q in 0..<k { scale += abs(aAt(i, q) * bAt(q, j)) }
                worst = max(worst, abs(fast[i * ldc + j] - slow[i * ldc + j]) / max(scale, 1e-6))
            }
            // Padding columns between n and ldc are never written.
            for j in n..<ldc { #expect(fast[i * ldc + j] == c0[i * ldc + j]) }
        }
        #expect(worst <= 1e-5, "m \(m) n \(n) k \(k) threads \(threads): relative error \(worst)")
    }

    @Test(arguments: GEMM.ISA.allCases)
    func fastMatchesReferenceOnOddSizes(isa: GEMM.ISA) {
        guard GEMM.ISA.available.contains(isa) else { return }
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        #expect(GEMM.activeISA == isa)
        var seed: UInt64 = 1
        for (m, n, k) in [
            (1, 1, 1), (7, 17, 5), (13, 33, 300), (6, 16, 256), (25, 3, 513), (5, 40, 1), (64, 64, 64), (3, 70, 0),
            (13, 16, 40), (20, 32, 7), (100, 6, 25), (77, 15, 300), (33, 1, 9),
            (1, 77, 300), (1, 40, 5), (1, 500, 33),
            // Whole 12×32 tiles, and 12×32 tiles with edge tiles of every height 1–11 and width
            // 1–31 beside them (AVX-512's masked edge kernel; AVX2's 6×16 and partial tiles).
            (24, 64, 256), (37, 97, 600), (23, 31, 19), (35, 47, 9), (11, 33, 5), (128, 500, 50),
            // B read in place (AVX-512, at most 256 rows a part) over two row blocks; packed past it.
            (200, 45, 300), (260, 40, 20),
            // A read in place (AVX-512, at most 512 columns a part), and packed past it on one
            // thread; two and three threads split these by columns into parts that read A in place.
            (30, 530, 40), (14, 600, 13), (181, 513, 270),
            // Large enough (≥ GEMM.minimumParallelWork) to split among threads, by columns and by rows.
            (150, 90, 70), (301, 40, 50), (4001, 7, 40),
            // One row, large enough (≥ GEMM.minimumParallelVectorWork) to split along K.
            (1, 300, 500), (1, 129, 1101), (1, 7, 20011),
        ] {
            for accumulate in [false, true] {
                for threads in [1, 2, 3] {
                    check(
                        m: m, n: n, k: k, lda: k + 3, ldb: n + 1, ldc: n + 2, accumulate: accumulate, threads: threads,
                        seed: seed)
                    seed += 1
                }
            }
        }
    }

    /// AVX2 and AVX-512 sum every element alike (k in order, one FMA per step from zero, then C
    /// added), so a product is the same under both whatever tiles cover it: interior, edge,
    /// transposed operands, accumulation, 1–3 threads, fewer columns than a panel (Cᵀ = Bᵀ·Aᵀ
    /// under AVX2, masked edge tiles under AVX-512), and one row (y in registers under AVX-512).
    @Test func instructionSetsGiveTheSameProducts() {
        guard GEMM.ISA.available.contains(.avx512) else { return }
        var rng = SeededRandom(seed: 42)
        for (m, n, k) in [
            (37, 97, 600), (23, 31, 19), (128, 500, 50), (150, 90, 70), (11, 33, 300), (200, 45, 300), (30, 530, 40),
            (40, 16, 30), (100, 6, 25), (301, 10, 600), (4001, 7, 40), (1, 128, 784), (1, 500, 300), (1, 37, 5),
            (1, 1030, 9),
        ] {
            let a = (0..<m * k).map { _ in rng.float() }
            let b = (0..<k * n).map { _ in rng.float() }
            let c0 = (0..<m * n).map { _ in rng.float() }
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true)] {
                for accumulate in [false, true] {
                    for threads in [1, 2, 3] {
                        func product(_ isa: GEMM.ISA) -> [Float] {
                            GEMM.useISA(isa)
                            defer { GEMM.useISA(nil) }
                            var c = c0
                            var work = [Float](
                                repeating: .nan, count: GEMM.workspaceFloats(m: m, n: n, k: k, threads: threads))
                            c.withUnsafeMutableBufferPointer { c in
                                work.withUnsafeMutableBufferPointer { w in
                                    GEMM.multiply(
                                        c: c.baseAddress!, ldc: n, a: a, lda: transposeA ? m : k,
                                        transposeA: transposeA,
                                        b: b, ldb: transposeB ? k : n, transposeB: transposeB, m: m, n: n, k: k,
                                        accumulate: accumulate, pool: ThreadPool(threads: threads),
                                        workspace: w.baseAddress!)
                                }
                            }
                            return c
                        }
                        let wide = product(.avx512)
                        let narrow = product(.avx2FMA)
                        let differing = zip(wide, narrow).filter { $0 != $1 }.count
                        #expect(
                            differing == 0,
                            "m \(m) n \(n) k \(k) transposed \(transposeA)/\(transposeB) accumulate \(accumulate) threads \(threads): \(differing) differ"
                        )
                    }
                }
            }
        }
    }

    /// The transposed operands of backward passes (Xᵀ·dY, dY·Wᵀ), every combination.
    @Test(arguments: GEMM.ISA.allCases)
    func transposedOperandsMatchReference(isa: GEMM.ISA) {
        guard GEMM.ISA.available.contains(isa) else { return }
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        var seed: UInt64 = 900
        for (m, n, k) in [(1, 1, 1), (7, 17, 5), (13, 33, 300), (25, 3, 513), (1, 40, 37), (100, 6, 25), (150, 90, 70)]
        {
            for (ta, tb) in [(true, false), (false, true), (true, true)] {
                for threads in [1, 2] {
                    check(
                        m: m, n: n, k: k, lda: (ta ? m : k) + 3, ldb: (tb ? k : n) + 1, ldc: n + 2,
                        accumulate: seed % 2 == 0,
                        threads: threads, seed: seed, transposeA: ta, transposeB: tb)
                    seed += 1
                }
            }
        }
    }

    /// Weights packed once give the same products as packing on every call (bit for bit:
    /// the same panels in the same order), for odd sizes, K past one block, 1–3 threads. One
    /// row of packed weights gives, at every thread count, the bits of one thread on B as
    /// stored (B as stored on more threads splits K, so its sums end in another order).
    @Test func prepackedWeightsGiveTheSameProducts() {
        var rng = SeededRandom(seed: 77)
        for (m, n, k) in [
            (7, 17, 5), (40, 10, 300), (128, 128, 784), (2, 33, 513), (1, 20, 9), (301, 40, 50), (30, 530, 40),
            // One row, split among threads: the parts' packed matrix–vector products (groups of
            // 1–4 panels, a short last panel, K past one block); unsplit: B as stored.
            (1, 500, 784), (1, 200, 700), (1, 37, 300), (1, 130, 3),
        ] {
            let a = (0..<(m * k)).map { _ in rng.float() }
            let b = (0..<(k * n)).map { _ in rng.float() }
            var packed = [Float](repeating: .nan, count: GEMM.packedFloats(n: n, k: k))
            packed.withUnsafeMutableBufferPointer { GEMM.pack($0.baseAddress!, b: b, ldb: n, n: n, k: k) }
            for threads in [1, 2, 3] {
                let pool = ThreadPool(threads: threads)
                var work = [Float](repeating: .nan, count: GEMM.workspaceFloats(m: m, n: n, k: k, threads: threads))
                var plain = [Float](repeating: 0, count: m * n)
                var fromPacked = plain
                plain.withUnsafeMutableBufferPointer { c in
                    work.withUnsafeMutableBufferPointer { w in
                        GEMM.multiply(
                            c: c.baseAddress!, ldc: n, a: a, lda: k, b: b, ldb: n, m: m, n: n, k: k,
                            pool: m == 1 ? ThreadPool(threads: 1) : pool, workspace: w.baseAddress!)
                    }
                }
                fromPacked.withUnsafeMutableBufferPointer { c in
                    work.withUnsafeMutableBufferPointer { w in
                        GEMM.multiply(
                            c: c.baseAddress!, ldc: n, a: a, lda: k, b: b, ldb: n, m: m, n: n, k: k, packedB: packed,
                            pool: pool, workspace: w.baseAddress!)
                    }
                }
                #expect(plain == fromPacked, "m \(m) n \(n) k \(k) threads \(threads)")
            }
        }
    }

    /// The epilogue (bias and activation on each finished tile) gives the bits of the product
    /// followed by a separate pass over C, on every path: matrix–vector, few columns, one
    /// column panel read in place, packed tiles with edges, K past one block, k = 0, packed
    /// weights, transposed operands, accumulation, 1–3 threads, both instruction sets.
    @Test(arguments: GEMM.ISA.allCases)
    func epilogueMatchesASeparatePass(isa: GEMM.ISA) {
        guard GEMM.ISA.available.contains(isa) else { return }
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        var rng = SeededRandom(seed: 4242)
        let activations: [(nnc_activation, Float)] = [
            (NNC_ACT_RELU, 0), (NNC_ACT_TANH, 0), (NNC_ACT_LEAKY_RELU, 0.2), (NNC_ACT_LINEAR, 0),
        ]
        for (m, n, k) in [
            (1, 77, 300), (1, 500, 33), (100, 6, 25), (4001, 7, 40), (60, 16, 70), (13, 33, 300), (150, 90, 513),
            (7, 17, 0), (128, 128, 784), (1, 300, 500),
        ] {
            for (index, (act, parameter)) in activations.enumerated() {
                for threads in [1, 2, 3] {
                    let transposeA = index == 1 && m > 1
                    let transposeB = index == 2 && m > 1
                    let packed = index == 3
                    let accumulate = threads == 2
                    let lda = (transposeA ? m : k) + 1
                    let ldb = (transposeB ? k : n) + 2
                    let ldc = n + 1
                    let a = (0..<max(1, (transposeA ? k : m) * lda)).map { _ in rng.float() }
                    let b = (0..<max(1, (transposeB ? n : k) * ldb)).map { _ in rng.float() }
                    let bias = (0..<n).map { _ in rng.float() }
                    let c0 = (0..<(m * ldc)).map { _ in rng.float() }
                    var packedB = [Float](repeating: .nan, count: GEMM.packedFloats(n: n, k: k))
                    if packed {
                        packedB.withUnsafeMutableBufferPointer {
                            GEMM.pack($0.baseAddress!, b: b, ldb: ldb, n: n, k: k)
                        }
                    }
                    let pool = ThreadPool(threads: threads)
                    var work = [Float](
                        repeating: .nan,
                        count: GEMM.workspaceFloats(m: m, n: n, k: k, threads: threads))
                    func product(_ epilogue: GEMM.Epilogue?) -> [Float] {
                        var c = c0
                        c.withUnsafeMutableBufferPointer { c in
                            work.withUnsafeMutableBufferPointer { w in
                                GEMM.multiply(
                                    c: c.baseAddress!, ldc: ldc, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                                    transposeB: transposeB, m: m, n: n, k: k, accumulate: accumulate,
                                    packedB: packed ? packedB : nil, epilogue: epilogue, pool: pool,
                                    workspace: w.baseAddress!)
                            }
                        }
                        return c
                    }
                    let fused = bias.withUnsafeBufferPointer {
                        product(GEMM.Epilogue(bias: $0.baseAddress!, activation: act, parameter: parameter))
                    }
                    var separate = product(nil)
                    for i in 0..<m {
                        separate.withUnsafeMutableBufferPointer { c in
                            let row = c.baseAddress! + i * ldc
                            for j in 0..<n { row[j] += bias[j] }
                            nnc_activation_forward(row, row, n, act, parameter)
                        }
                    }
                    let differing = zip(fused, separate).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(
                        differing == 0,
                        "m \(m) n \(n) k \(k) act \(act) threads \(threads): \(differing) elements differ")
                }
            }
        }
    }

    @Test func smallProductsStayOnOneThread() {
        #expect(GEMM.partition(m: 2, n: 128, k: 784, threads: 2).count == 1)
        #expect(GEMM.partition(m: 1, n: 80, k: 784, threads: 2).count == 1)
        #expect(GEMM.partition(m: 128, n: 128, k: 784, threads: 2).count == 2)
        // Batch-1 products with weights from 256 KiB split (packed weights: their columns): each
        // core streams half.
        #expect(GEMM.partition(m: 1, n: 128, k: 784, threads: 2).map(\.cols) == [0..<64, 64..<128])
        #expect(GEMM.partition(m: 1, n: 500, k: 784, threads: 2).map(\.cols) == [0..<256, 256..<500])
    }

    /// A one-row product of B as stored splits along K: contiguous blocks of B's rows, on
    /// 16-row edges, covering K once; packed or transposed B, or more rows, never.
    @Test func oneRowProductsOfStoredWeightsSplitAlongK() {
        let split = GEMM.Split(m: 1, n: 500, k: 784, threads: 2, depthForOneRow: true)
        #expect(split.byDepth && !split.byRows)
        #expect((0..<split.parts).map(split.depth) == [0..<384, 384..<784])
        #expect(split.part(1).cols == 0..<500)
        for (n, k, t) in [(300, 500, 3), (7, 20011, 2), (129, 1101, 3)] {
            let split = GEMM.Split(m: 1, n: n, k: k, threads: t, depthForOneRow: true)
            let ranges = (0..<split.parts).map(split.depth)
            #expect(split.parts == t && ranges.first?.lowerBound == 0 && ranges.last?.upperBound == k)
            for (r, next) in zip(ranges, ranges.dropFirst()) {
                #expect(r.upperBound == next.lowerBound && r.upperBound % 16 == 0 && !r.isEmpty)
            }
        }
        #expect(!GEMM.Split(m: 1, n: 500, k: 784, threads: 2).byDepth)
        #expect(!GEMM.Split(m: 2, n: 500, k: 784, threads: 2, depthForOneRow: true).byDepth)
        #expect(!GEMM.Split(m: 1, n: 64, k: 784, threads: 2, depthForOneRow: true).byDepth)
        #expect(GEMM.Split(m: 1, n: 128, k: 784, threads: 2, depthForOneRow: true).byDepth)
    }

    /// Parts cut C's longer side, so each packs the smaller share of A and B.
    @Test func partsCutTheLongerSide() {
        #expect(GEMM.partition(m: 128, n: 500, k: 500, threads: 2).map(\.cols) == [0..<256, 256..<500])
        #expect(GEMM.partition(m: 500, n: 128, k: 500, threads: 2).map(\.rows) == [0..<252, 252..<500])
        #expect(GEMM.partition(m: 128, n: 128, k: 784, threads: 2).map(\.rows) == [0..<66, 66..<128])
    }

    @Test func partitionsCoverCOnTileEdges() {
        for (m, n, t) in [(128, 128, 2), (4704, 6, 2), (5, 5, 4), (1, 500, 3), (100, 1, 2)] {
            let parts = GEMM.partition(m: m, n: n, threads: t)
            #expect(parts.reduce(0) { $0 + $1.rows.count * $1.cols.count } == m * n)
            for p in parts.dropLast() {
                #expect(p.rows.upperBound % 6 == 0 || p.rows.upperBound == m)
                #expect(p.cols.upperBound % 16 == 0 || p.cols.upperBound == n)
            }
        }
    }
}
