import CNNCKernels
import NNCKernels
import NNCPlan

/// Attention's per-head products on the thread pool: the (sample, head) pairs split into
/// parts, each pair's product computed whole by one part (packed GEMM, its own workspace),
/// so results do not depend on the number of threads.
extension HeadProduct {
    var raw: nnc_head_product {
        func matrix(_ m: HeadMatrix) -> nnc_head_matrix {
            nnc_head_matrix(batch_stride: m.batchStride, head_stride: m.headStride, row_stride: m.rowStride)
        }
        return nnc_head_product(
            batch: Int32(batch), heads: Int32(heads), m: Int32(m), n: Int32(n), k: Int32(k), a: matrix(a),
            b: matrix(b), c: matrix(c), trans_a: transposeA ? 1 : 0, trans_b: transposeB ? 1 : 0, scale: Float(scale))
    }

    /// Parts of the pairs: one below the GEMM's threshold for waking threads.
    func parts(threads: Int) -> Int {
        multiplyAdds < GEMM.minimumParallelWork ? 1 : max(1, min(threads, batch * heads))
    }

    /// One part's workspace, rounded up to 64 bytes so parts do not share cache lines.
    var partFloats: Int {
        var p = raw
        return (Int(nnc_head_product_workspace_floats(&p)) + 15) / 16 * 16
    }

    func workspaceFloats(threads: Int) -> Int { parts(threads: threads) * partFloats }
}

/// One head product's operands, handed to the pool's parts.
struct HeadProductJob {
    var product: nnc_head_product
    let c: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let parts: Int, pairs: Int
    let workspace: UnsafeMutablePointer<Float>, stride: Int

    func run(_ p: Int) {
        var product = product
        nnc_head_products(
            c, a, b, &product, Int32(pairs * p / parts), Int32(pairs * (p + 1) / parts), workspace + p * stride)
    }
}

extension Executor {
    func headProducts(
        _ p: HeadProduct, c: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>
    ) {
        let parts = p.parts(threads: pool.threads)
        var job = HeadProductJob(
            product: p.raw, c: c, a: a, b: b, parts: parts, pairs: p.batch * p.heads, workspace: workspace,
            stride: p.partFloats)
        if parts > 1 {
            pool.run(parts: parts, &job) { context, part in
                context!.assumingMemoryBound(to: HeadProductJob.self).pointee.run(part)
            }
        } else {
            job.run(0)
        }
    }

    func attentionMask(_ m: AttentionMask, fill: Double, _ base: Int) {
        let queryMask = m.queryMask ? UnsafePointer(f(base, 1)) : nil
        let keyMask = m.keyMask ? UnsafePointer(f(base, m.queryMask ? 2 : 1)) : nil
        nnc_attention_mask(
            f(base, 0), queryMask, keyMask, Int32(m.batch), Int32(m.heads), Int32(m.queries), Int32(m.keys),
            m.causal ? 1 : 0, Float(fill))
    }
}
