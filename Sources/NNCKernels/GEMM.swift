import CNNCKernels
import Dispatch

/// Single-precision matrix multiply over raw row-major buffers: C = A·B or C += A·B.
/// The C kernels pack panels and run a 6×16 register-blocked microkernel (AVX2/FMA when
/// the CPU has it). Threads split C into disjoint column (or row) ranges, so results are
/// identical for a given thread count.
public enum GEMM {
    /// Instruction sets of the microkernel.
    public enum ISA: String, Sendable {
        case portable, avx2FMA = "avx2+fma"
    }

    public static var detectedISA: ISA { nnc_detected_isa() == NNC_ISA_AVX2_FMA ? .avx2FMA : .portable }
    public static var activeISA: ISA { nnc_active_isa() == NNC_ISA_AVX2_FMA ? .avx2FMA : .portable }

    /// Forces an instruction set (tests run both paths); `nil` restores the detected one.
    public static func useISA(_ isa: ISA?) {
        switch isa {
        case .portable?: nnc_set_isa(NNC_ISA_PORTABLE)
        case .avx2FMA?: nnc_set_isa(NNC_ISA_AVX2_FMA)
        case nil: nnc_set_isa(nnc_isa(rawValue: UInt32(bitPattern: -1)))
        }
    }

    /// How a multiply is split among threads: ranges of C's columns, or of its rows when
    /// C is much taller than wide. Split points fall on microkernel tile edges.
    public static func partition(m: Int, n: Int, k: Int = .max, threads: Int) -> [(rows: Range<Int>, cols: Range<Int>)] {
        // Below this many multiply-adds waking a thread costs more than it saves.
        let work = Double(m) * Double(n) * Double(k)
        let threads = work < Double(minimumParallelWork) ? 1 : max(1, threads)
        let byRows = m >= 2 * n
        let extent = byRows ? m : n, tile = byRows ? 6 : 16
        let tiles = (extent + tile - 1) / tile
        let parts = min(threads, max(1, tiles))
        return (0..<parts).map { p in
            let lo = min(extent, tiles * p / parts * tile), hi = min(extent, tiles * (p + 1) / parts * tile)
            return byRows ? (rows: lo..<hi, cols: 0..<n) : (rows: 0..<m, cols: lo..<hi)
        }
    }

    /// Multiply-adds below which a multiply runs on one thread (1×784·784×128 is 100,352).
    public static let minimumParallelWork = 262_144

    /// Floats of workspace a multiply of these dimensions needs with `threads` threads.
    public static func workspaceFloats(m: Int, n: Int, k: Int, threads: Int) -> Int {
        partition(m: m, n: n, k: k, threads: threads).count * perThreadWorkspace(m: m, n: n, k: k)
    }

    static func perThreadWorkspace(m: Int, n: Int, k: Int) -> Int {
        // Rounded up to 64 bytes so threads do not share cache lines.
        (Int(nnc_sgemm_workspace_floats(Int32(m), Int32(n), Int32(k))) + 15) / 16 * 16
    }

    /// C[m×n] (+)= A[m×k]·B[k×n]. `workspace` holds `workspaceFloats(…)` floats.
    public static func multiply(c: UnsafeMutablePointer<Float>, ldc: Int, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int, accumulate: Bool = false,
                                threads: Int = 1, workspace: UnsafeMutablePointer<Float>) {
        let job = Job(c: c, ldc: ldc, a: a, lda: lda, b: b, ldb: ldb, m: m, n: n, k: k, accumulate: accumulate,
                      parts: partition(m: m, n: n, k: k, threads: threads), stride: perThreadWorkspace(m: m, n: n, k: k),
                      workspace: workspace)
        if job.parts.count == 1 {
            job.run(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: job.parts.count) { job.run($0) }
        }
    }

    /// One multiply's operands. Threads write disjoint parts of C and of the workspace.
    struct Job: @unchecked Sendable {
        let c: UnsafeMutablePointer<Float>, ldc: Int
        let a: UnsafePointer<Float>, lda: Int
        let b: UnsafePointer<Float>, ldb: Int
        let m: Int, n: Int, k: Int, accumulate: Bool
        let parts: [(rows: Range<Int>, cols: Range<Int>)]
        let stride: Int
        let workspace: UnsafeMutablePointer<Float>

        func run(_ p: Int) {
            let part = parts[p]
            nnc_sgemm(c, Int32(ldc), a, Int32(lda), b, Int32(ldb), Int32(m), Int32(n), Int32(k), accumulate ? 1 : 0,
                      Int32(part.rows.lowerBound), Int32(part.rows.upperBound),
                      Int32(part.cols.lowerBound), Int32(part.cols.upperBound), workspace + p * stride)
        }
    }

    /// The naive reference twin (double accumulation), for tests.
    public static func reference(c: UnsafeMutablePointer<Float>, ldc: Int, a: UnsafePointer<Float>, lda: Int,
                                 b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int, accumulate: Bool = false) {
        nnc_sgemm_reference(c, Int32(ldc), a, Int32(lda), b, Int32(ldb), Int32(m), Int32(n), Int32(k), accumulate ? 1 : 0)
    }
}
