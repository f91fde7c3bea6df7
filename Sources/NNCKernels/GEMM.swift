import CNNCKernels

/// Single-precision matrix multiply over raw row-major buffers: C = op(A)·op(B) or
/// C += op(A)·op(B), where op transposes an operand stored the other way (backward passes
/// need Xᵀ·dY and dY·Wᵀ; the transpose happens while packing). The C kernels pack panels
/// and run a 6×16 register-blocked microkernel (AVX2/FMA when the CPU has it). Threads
/// split C into disjoint column (or row) ranges on tile edges, so results are identical
/// for a given thread count.
public enum GEMM {
    /// Instruction sets of the kernels, each including the ones before it.
    public enum ISA: String, Sendable, CaseIterable, Comparable {
        case portable, avx2FMA = "avx2+fma", avx512 = "avx512f"

        var c: nnc_isa {
            switch self {
            case .portable: NNC_ISA_PORTABLE
            case .avx2FMA: NNC_ISA_AVX2_FMA
            case .avx512: NNC_ISA_AVX512
            }
        }

        init(_ isa: nnc_isa) { self = ISA.allCases.first { $0.c == isa } ?? .portable }

        public static func < (a: ISA, b: ISA) -> Bool { a.c.rawValue < b.c.rawValue }

        /// The sets this CPU runs: the detected one and those before it (tests run each).
        public static var available: [ISA] { allCases.filter { $0 <= GEMM.detectedISA } }
    }

    public static var detectedISA: ISA { ISA(nnc_detected_isa()) }
    public static var activeISA: ISA { ISA(nnc_active_isa()) }

    /// Forces an instruction set for work started from the calling thread, pool parts included
    /// (tests run every path side by side); `nil` restores the detected one.
    public static func useISA(_ isa: ISA?) {
        nnc_set_isa_override(isa.map { Int32($0.c.rawValue) } ?? -1)
    }

    /// How a multiply is split among threads: ranges of C's rows, or of its columns when C is
    /// wider than tall or has too few rows to give every part a few tiles, or for one row of A
    /// times B as stored, ranges of K (`byDepth`). Split points fall on microkernel tile edges.
    /// Every part packs the panels it reads into its own workspace, B included: a B packed once
    /// and shared makes each core write lines the other has cached and read lines the other
    /// has written, which measured slower than packing B twice on every product shape of the
    /// bundled models (the README's Speed section has the GEMM table).
    public struct Split: Sendable, Equatable {
        public var parts: Int
        public var byRows: Bool
        /// Parts take ranges of K (rows of B), each a contiguous block of B as stored, and sum
        /// their partial rows of C after the join: split by columns, each core read part of
        /// every row of B and the cores' caches held each other's halves (784-500-500 at batch
        /// 1, two threads, C harness: 38–46 µs per sample by columns, 24–30 by depth). Each
        /// element is then summed in pieces added at the end: the same bits for a given thread
        /// count, not across thread counts.
        public var byDepth: Bool
        public var m: Int, n: Int, k: Int

        /// `depthForOneRow`: a one-row product reads B as stored (not packed, not transposed),
        /// so it may be split along K.
        public init(m: Int, n: Int, k: Int, threads: Int, depthForOneRow: Bool = false) {
            // Below this many multiply-adds waking a thread costs more than it saves.
            let work = Double(m) * Double(n) * Double(k)
            // A single row streams the weights once: waking a thread costs more than it saves
            // until the weights are large.
            let threshold = m == 1 ? minimumParallelVectorWork : minimumParallelWork
            let threads = work < Double(threshold) ? 1 : max(1, threads)
            byDepth = depthForOneRow && m == 1 && threads > 1
            // The longer side of C, since a part packs its own rows of A and columns of B:
            // rows cost each part n·k + m·k/threads packed floats, columns m·k + n·k/threads.
            // Rows only while every part gets at least two row tiles. (128×500·500×500 and its
            // dy·Wᵀ at two threads: columns measured 5–17% faster inside a training step.)
            byRows = !byDepth && (m >= 2 * n || (m >= n && m >= 2 * 6 * threads))
            let extent = Self.extent(m, n, k, byRows, byDepth)
            let tile = Self.tile(byRows, byDepth)
            parts = min(threads, max(1, (extent + tile - 1) / tile))
            self.m = m
            self.n = n
            self.k = k
        }

        /// Tiles are 6 rows, 16 columns, or 16 rows of B (a multiple of the one-row kernel's 4).
        static func tile(_ byRows: Bool, _ byDepth: Bool) -> Int { byDepth ? 16 : byRows ? 6 : 16 }
        static func extent(_ m: Int, _ n: Int, _ k: Int, _ byRows: Bool, _ byDepth: Bool) -> Int {
            byDepth ? k : byRows ? m : n
        }

        /// Part p's range of the split side, on tile edges.
        func range(_ p: Int) -> Range<Int> {
            let extent = Self.extent(m, n, k, byRows, byDepth)
            let tile = Self.tile(byRows, byDepth)
            let tiles = (extent + tile - 1) / tile
            return min(extent, tiles * p / parts * tile)..<min(extent, tiles * (p + 1) / parts * tile)
        }

        /// The rows and columns of C that part p computes (all of C's one row when by depth).
        public func part(_ p: Int) -> (rows: Range<Int>, cols: Range<Int>) {
            if byDepth { return (rows: 0..<m, cols: 0..<n) }
            return byRows ? (rows: range(p), cols: 0..<n) : (rows: 0..<m, cols: range(p))
        }

        /// The range of K that part p sums over.
        public func depth(_ p: Int) -> Range<Int> { byDepth ? range(p) : 0..<k }
    }

    /// The parts of a multiply, as a list (for tests and reports).
    public static func partition(m: Int, n: Int, k: Int = .max, threads: Int) -> [(rows: Range<Int>, cols: Range<Int>)]
    {
        let split = Split(m: m, n: n, k: k, threads: threads)
        return (0..<split.parts).map(split.part)
    }

    /// Multiply-adds below which a multiply runs on one thread.
    public static let minimumParallelWork = 262_144
    /// The same for matrix–vector products (batch-1 inference), which stream the weights once:
    /// split by columns of packed weights or along K of stored ones, each core streams its
    /// share from its own L2. 1×784·784×128 (B as stored, two threads, `nnc bench gemm`, four
    /// alternating pairs) ran 25.6–38.9 GFLOP/s on one thread and 41.3–53.6 split along K.
    public static let minimumParallelVectorWork = 65_536

    /// Floats of workspace a multiply of these dimensions needs with `threads` threads (the
    /// same whether B comes pre-packed or not).
    public static func workspaceFloats(m: Int, n: Int, k: Int, threads: Int) -> Int {
        // A one-row product may split along K (B as stored) or its columns (B packed).
        let parts = max(
            Split(m: m, n: n, k: k, threads: threads).parts,
            Split(m: m, n: n, k: k, threads: threads, depthForOneRow: true).parts)
        return parts * perThreadWorkspace(m: m, n: n, k: k)
    }

    static func perThreadWorkspace(m: Int, n: Int, k: Int) -> Int {
        // Rounded up to 64 bytes so threads do not share cache lines.
        (Int(nnc_sgemm_workspace_floats(Int32(m), Int32(n), Int32(k))) + 15) / 16 * 16
    }

    /// Bias (per column) and activation applied to each tile of C as it is finished, while it
    /// is in the cache: C = f(C + bias). The same arithmetic per element as a pass over C.
    public struct Epilogue {
        public var bias: UnsafePointer<Float>?
        public var activation: nnc_activation
        public var parameter: Float
        public init(bias: UnsafePointer<Float>?, activation: nnc_activation = NNC_ACT_LINEAR, parameter: Float = 0) {
            self.bias = bias
            self.activation = activation
            self.parameter = parameter
        }
    }

    /// C[m×n] (+)= op(A)·op(B) with op(A) m×k and op(B) k×n, then the epilogue if any, split
    /// over `pool` (or run on the calling thread). `workspace` holds
    /// `workspaceFloats(…, threads: pool.threads)`. Allocates nothing.
    public static func multiply(
        c: UnsafeMutablePointer<Float>, ldc: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        m: Int, n: Int, k: Int, accumulate: Bool = false, packedB: UnsafePointer<Float>? = nil,
        epilogue: Epilogue? = nil, pool: ThreadPool? = nil, workspace: UnsafeMutablePointer<Float>
    ) {
        precondition(packedB == nil || (!transposeA && !transposeB), "packed weights are for C = A·B")
        let split = Split(
            m: m, n: n, k: k, threads: pool?.threads ?? 1, depthForOneRow: packedB == nil && !transposeA && !transposeB)
        var job = Job(
            split: split, c: c, ldc: ldc, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
            transposeB: transposeB, packedB: packedB, k: k, accumulate: accumulate,
            epilogue: nnc_epilogue(
                bias: epilogue?.bias, act: epilogue?.activation ?? NNC_ACT_LINEAR, param: epilogue?.parameter ?? 0),
            workspace: workspace, stride: perThreadWorkspace(m: m, n: n, k: k))
        if let pool, split.parts > 1 {
            pool.run(parts: split.parts, &job) { context, p in context!.assumingMemoryBound(to: Job.self).pointee.run(p)
            }
        } else {
            for p in 0..<split.parts { job.run(p) }
        }
        if split.byDepth { job.sumDepthParts() }
    }

    /// One multiply's operands; threads compute disjoint parts of C with their own workspace.
    struct Job {
        let split: Split
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
        let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
        /// B in panels: the plan's pre-packed weights (C = A·B only).
        let packedB: UnsafePointer<Float>?
        let k: Int, accumulate: Bool
        /// Applied when it has a bias or an activation (C is left as the product otherwise).
        let epilogue: nnc_epilogue
        let workspace: UnsafeMutablePointer<Float>, stride: Int

        /// After the parts of a split by depth: C's row += the other parts' partials, in part
        /// order, then the epilogue.
        func sumDepthParts() {
            withUnsafePointer(to: epilogue) { ep in
                nnc_sgemv_sum_parts(c, workspace + stride, stride, Int32(split.parts - 1), Int32(split.n), ep)
            }
        }

        func run(_ p: Int) {
            if split.byDepth {
                // Part 0 sums into C; the others into the start of their workspace (at least n
                // floats: perThreadWorkspace holds a kc-deep B panel of C's width).
                let ks = split.depth(p)
                nnc_sgemv(
                    p == 0 ? c : workspace + p * stride, a + ks.lowerBound, b + ks.lowerBound * ldb, Int32(ldb),
                    Int32(split.n), Int32(ks.count), p == 0 && accumulate ? 1 : 0)
                return
            }
            let range = split.part(p)
            let (r0, r1) = (Int32(range.rows.lowerBound), Int32(range.rows.upperBound))
            let (c0, c1) = (Int32(range.cols.lowerBound), Int32(range.cols.upperBound))
            let work = workspace + p * stride
            withUnsafePointer(to: epilogue) { ep in
                if let packedB {
                    nnc_sgemm_prepacked(
                        c, Int32(ldc), a, Int32(lda), b, Int32(ldb), packedB, Int32(split.m), Int32(split.n), Int32(k),
                        accumulate ? 1 : 0, r0, r1, c0, c1, work, ep)
                } else {
                    nnc_sgemm_t(
                        c, Int32(ldc), a, Int32(lda), transposeA ? 1 : 0, b, Int32(ldb), transposeB ? 1 : 0,
                        Int32(split.m), Int32(split.n), Int32(k), accumulate ? 1 : 0, r0, r1, c0, c1, work, ep)
                }
            }
        }
    }

    /// Floats of B[k×n] packed for `multiply(packedB:)`.
    public static func packedFloats(n: Int, k: Int) -> Int { Int(nnc_sgemm_packed_b_floats(Int32(n), Int32(k))) }

    /// Packs B[k×n] (row stride ldb) once, for multiplies that reuse it.
    public static func pack(_ packed: UnsafeMutablePointer<Float>, b: UnsafePointer<Float>, ldb: Int, n: Int, k: Int) {
        nnc_sgemm_pack_b(packed, b, Int32(ldb), Int32(n), Int32(k))
    }

    /// The naive reference twin (double accumulation), for tests.
    public static func reference(
        c: UnsafeMutablePointer<Float>, ldc: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        m: Int, n: Int, k: Int, accumulate: Bool = false
    ) {
        nnc_sgemm_reference_t(
            c, Int32(ldc), a, Int32(lda), transposeA ? 1 : 0, b, Int32(ldb), transposeB ? 1 : 0,
            Int32(m), Int32(n), Int32(k), accumulate ? 1 : 0)
    }
}
