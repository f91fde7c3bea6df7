import CNNCKernels
import Foundation
import NNCKernels
import NNCPlan

/// The Tree-LSTM's fast kernels (`TreeShape`). Every tree of the batch is read into child
/// lists and heights, and the nodes of one height across the batch run together: their
/// children's states gathered into rows, one GEMM with the recurrent kernel (Child-Sum: the
/// summed states with all of U and each edge's state with U's forget columns; N-ary: the
/// joined states with all of U), then the gates, the level's rows split over the pool (a
/// row's children belong to it alone, so parts never write the same element, and results do
/// not depend on the number of threads). Backward walks the heights from the roots down with
/// the same products transposed. The input product x·W + b of every slot, and its gradients,
/// are one GEMM each. Allocates nothing.
extension Executor {
    /// Reads every sample's tree into the structure scratch and orders the present nodes by
    /// height, leaves first; returns the number of heights.
    private func treeStructure(_ s: TreeShape, _ input: UnsafePointer<Float>, _ ints: UnsafeMutablePointer<Int32>)
        -> Int
    {
        let (n, k) = (s.nodes, s.children)
        let (children, tokens, height) = (
            ints + s.structureChildren, ints + s.structureTokens, ints + s.structureHeight
        )
        let (order, levels) = (ints + s.structureOrder, ints + s.structureLevels)
        var tallest = -1
        for b in 0..<s.batch {
            s.parse(input, sample: b, tokens: tokens + b * n, children: children + b * n * k)
            for j in stride(from: n - 1, through: 0, by: -1) {
                let slot = b * n + j
                guard tokens[slot] >= 0 else {
                    height[slot] = -1
                    continue
                }
                var h: Int32 = 0
                for c in 0..<k where children[slot * k + c] >= 0 {
                    h = max(h, height[b * n + Int(children[slot * k + c])] + 1)
                }
                height[slot] = h
                tallest = max(tallest, Int(h))
            }
        }
        // Counting sort by height: levels[h] is where height h starts in `order`.
        for h in 0...n { levels[h] = 0 }
        for slot in 0..<s.slots where height[slot] >= 0 { levels[Int(height[slot]) + 1] += 1 }
        for h in 0..<n { levels[h + 1] += levels[h] }
        for slot in 0..<s.slots where height[slot] >= 0 {
            let h = Int(height[slot])
            order[Int(levels[h])] = Int32(slot)
            levels[h] += 1
        }
        for h in stride(from: n, to: 0, by: -1) { levels[h] = levels[h - 1] }
        levels[0] = 0
        return tallest + 1
    }

    /// [y, tape, structure, scratch, trees, embeddings, kernel, recurrent kernel, bias?].
    func treeForward(_ s: TreeShape, _ base: Int) {
        let (u, e) = (s.units, s.features)
        let (y, tape, ints, scratch) = (f(base, 0), f(base, 1), i32(base, 2), f(base, 3))
        let (input, table, w, recurrent) = (f(base, 4), f(base, 5), f(base, 6), f(base, 7))
        let bias: UnsafePointer<Float>? = s.bias ? UnsafePointer(f(base, 8)) : nil
        let heights = treeStructure(s, input, ints)
        let tokens = ints + s.structureTokens
        var level = TreeLevel(s, ints: ints, tape: tape, scratch: scratch)
        // Absent slots (token −1) embed as zeros and keep zero states.
        (tape + s.tapeGates).update(repeating: 0, count: s.tapeFloats - s.tapeGates)
        nnc_embedding_forward(level.x, tokens, table, Int32(s.slots), Int32(e), -1)
        GEMM.multiply(
            c: level.zx, ldc: s.inputGates, a: level.x, lda: e, b: w, ldb: s.inputGates, m: s.slots,
            n: s.inputGates, k: e, epilogue: bias.map { GEMM.Epilogue(bias: $0) }, pool: pool, workspace: workspace)
        for height in 0..<heights {
            let edges = level.select(height: height)
            if height > 0 {
                GEMM.multiply(
                    c: level.products, ldc: s.recurrentColumns, a: level.gathered, lda: s.recurrentRows, b: recurrent,
                    ldb: s.recurrentColumns, m: level.rows, n: s.recurrentColumns, k: s.recurrentRows, pool: pool,
                    workspace: workspace)
                if s.childSum {
                    GEMM.multiply(
                        c: level.edgeProducts, ldc: u, a: level.edges, lda: u, b: recurrent + u, ldb: 4 * u, m: edges,
                        n: u, k: u, pool: pool, workspace: workspace)
                }
            }
            runRows(level) { $0.forwardGates($1) }
        }
        for b in 0..<s.batch { (y + b * u).update(from: level.h + b * s.nodes * u, count: u) }
    }

    /// [dEmbeddings, dKernel, dRecurrent, dBias?, structure, scratch, dy, tape, trees, kernel,
    /// recurrent kernel, embeddings, bias?].
    func treeBackward(_ s: TreeShape, _ base: Int) {
        let (u, e) = (s.units, s.features)
        let grads = s.bias ? 4 : 3
        let (dTable, dW, dU) = (f(base, 0), f(base, 1), f(base, 2))
        let dBias: UnsafeMutablePointer<Float>? = s.bias ? f(base, 3) : nil
        let (ints, scratch, dy, tape) = (i32(base, grads), f(base, grads + 1), f(base, grads + 2), f(base, grads + 3))
        let (input, w, recurrent) = (f(base, grads + 4), f(base, grads + 5), f(base, grads + 6))
        let heights = treeStructure(s, input, ints)
        let tokens = ints + s.structureTokens
        var level = TreeLevel(s, ints: ints, tape: tape, scratch: scratch)
        let dzx = level.zx
        level.dh.update(repeating: 0, count: s.slots * u)
        level.dc.update(repeating: 0, count: s.slots * u)
        dzx.update(repeating: 0, count: s.slots * 4 * u)
        dU.update(repeating: 0, count: s.recurrentRows * s.recurrentColumns)
        for b in 0..<s.batch { (level.dh + b * s.nodes * u).update(from: dy + b * u, count: u) }
        for height in stride(from: heights - 1, through: 0, by: -1) {
            let edges = level.select(height: height)
            runRows(level) { $0.backwardGates($1) }
            guard height > 0 else { continue }
            let rows = level.rows
            // dU += gatheredᵀ·dP, then the children's dh from dP·Uᵀ (the gathered rows' room reused).
            GEMM.multiply(
                c: dU, ldc: s.recurrentColumns, a: level.gathered, lda: s.recurrentRows, transposeA: true,
                b: level.products, ldb: s.recurrentColumns, m: s.recurrentRows, n: s.recurrentColumns, k: rows,
                accumulate: true, pool: pool, workspace: workspace)
            GEMM.multiply(
                c: level.gathered, ldc: s.recurrentRows, a: level.products, lda: s.recurrentColumns, b: recurrent,
                ldb: s.recurrentColumns, transposeB: true, m: rows, n: s.recurrentRows, k: s.recurrentColumns,
                pool: pool, workspace: workspace)
            if s.childSum {
                GEMM.multiply(
                    c: dU + u, ldc: 4 * u, a: level.edges, lda: u, transposeA: true, b: level.edgeProducts, ldb: u,
                    m: u, n: u, k: edges, accumulate: true, pool: pool, workspace: workspace)
                GEMM.multiply(
                    c: level.edges, ldc: u, a: level.edgeProducts, lda: u, b: recurrent + u, ldb: 4 * u,
                    transposeB: true, m: edges, n: u, k: u, pool: pool, workspace: workspace)
            }
            runRows(level) { $0.childGradients($1) }
        }
        GEMM.multiply(
            c: dW, ldc: 4 * u, a: level.x, lda: e, transposeA: true, b: dzx, ldb: 4 * u, m: e, n: 4 * u, k: s.slots,
            pool: pool, workspace: workspace)
        // Absent slots' rows of dzx are zero.
        if let dBias { nnc_column_sums(dBias, dzx, Int32(s.slots), Int32(4 * u)) }
        let dx = scratch + s.scratchDX
        GEMM.multiply(
            c: dx, ldc: e, a: dzx, lda: 4 * u, b: w, ldb: 4 * u, transposeB: true, m: s.slots, n: e, k: 4 * u,
            pool: pool, workspace: workspace)
        nnc_embedding_backward(dTable, tokens, dx, Int32(s.slots), Int32(s.vocabulary), Int32(e), -1)
    }

    /// Runs `body` on the level's rows, split over the pool when the level is large enough to
    /// pay for waking the threads (the same threshold in elements as the GEMM's in multiply-adds).
    private func runRows(_ level: TreeLevel, _ body: (TreeLevel, Range<Int>) -> Void) {
        let work = level.rows * level.s.gateWidth * 8
        let parts = work < GEMM.minimumParallelWork ? 1 : min(pool.threads, level.rows)
        guard parts > 1 else { return body(level, 0..<level.rows) }
        withoutActuallyEscaping(body) { body in
            var job = (level: level, parts: parts, body: body)
            pool.run(parts: parts, &job) { context, p in
                let job = context!.assumingMemoryBound(
                    to: (level: TreeLevel, parts: Int, body: (TreeLevel, Range<Int>) -> Void).self
                ).pointee
                let rows = job.level.rows
                job.body(job.level, (rows * p / job.parts)..<(rows * (p + 1) / job.parts))
            }
        }
    }
}

/// One height's nodes across the batch and where their values live: the rows the gate
/// kernels work on (`select`), each row's children, and the tape and scratch regions.
struct TreeLevel {
    let s: TreeShape
    let children, order, levels, edgeStart: UnsafeMutablePointer<Int32>
    let x, gates, c, h: UnsafeMutablePointer<Float>
    /// Forward: x·W + b of every slot; backward: its gradient.
    let zx: UnsafeMutablePointer<Float>
    /// The level's gathered children's states (backward: their gradients), recurrent products
    /// (backward: their gradients), Child-Sum's edge states and edge products.
    let gathered, products, edges, edgeProducts: UnsafeMutablePointer<Float>
    let dh, dc: UnsafeMutablePointer<Float>
    /// The level: order[first ..< first + rows].
    var first = 0, rows = 0, height = 0

    init(
        _ s: TreeShape, ints: UnsafeMutablePointer<Int32>, tape: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        self.s = s
        (children, order, levels, edgeStart) = (
            ints + s.structureChildren, ints + s.structureOrder, ints + s.structureLevels, ints + s.structureEdgeStart
        )
        (x, gates, c, h) = (tape + s.tapeX, tape + s.tapeGates, tape + s.tapeC, tape + s.tapeH)
        zx = scratch + s.scratchInput
        (gathered, products) = (scratch + s.scratchGathered, scratch + s.scratchProducts)
        (edges, edgeProducts) = (scratch + s.scratchEdges, scratch + s.scratchEdgeProducts)
        (dh, dc) = (scratch + s.scratchDH, scratch + s.scratchDC)
    }

    /// Makes height `height` the level, numbers its edges and gathers its children's hidden
    /// states (Child-Sum: each row's sum, and each edge's state; N-ary: each row's K states
    /// side by side, zero for a missing child). Returns the number of edges.
    mutating func select(height: Int) -> Int {
        (first, rows, self.height) = (Int(levels[height]), Int(levels[height + 1] - levels[height]), height)
        let (u, k) = (s.units, s.children)
        var e = 0
        for r in 0..<rows {
            edgeStart[r] = Int32(e)
            let slot = Int(order[first + r])
            let sample = slot - slot % s.nodes
            let row = gathered + r * s.recurrentRows
            if height > 0 { row.update(repeating: 0, count: s.recurrentRows) }
            for q in 0..<k {
                let child = Int(children[slot * k + q])
                guard child >= 0 else { continue }
                let state = h + (sample + child) * u
                if s.childSum {
                    for j in 0..<u { row[j] += state[j] }
                    (edges + e * u).update(from: state, count: u)
                } else {
                    (row + q * u).update(from: state, count: u)
                }
                e += 1
            }
        }
        edgeStart[rows] = Int32(e)
        return e
    }

    /// Columns of the candidate u and the output gate o in a row of recurrent products.
    private var candidateAndOutputColumns: (Int, Int) {
        s.childSum ? (2 * s.units, 3 * s.units) : ((1 + s.children) * s.units, (2 + s.children) * s.units)
    }

    /// Gates, c and h of `rows`: i, u, o from x·W + b and the row's recurrent product, each
    /// child's forget gate from x·W_f + b_f and its own product, c = i⊙u + Σ f_k⊙c_k,
    /// h = o⊙tanh(c). The gates kept: i, f₁…f_K, u, o.
    func forwardGates(_ rows: Range<Int>) {
        let (u, k) = (s.units, s.children)
        let (pu, po) = candidateAndOutputColumns
        for r in rows {
            let slot = Int(order[first + r])
            let sample = slot - slot % s.nodes
            let z = zx + slot * 4 * u
            let g = gates + slot * s.gateWidth
            let cell = c + slot * u
            let p: UnsafePointer<Float>? = height > 0 ? UnsafePointer(products + r * s.recurrentColumns) : nil
            for j in 0..<u {
                let i = sigmoid(z[j] + (p?[j] ?? 0))
                let candidate = tanhf(z[2 * u + j] + (p?[pu + j] ?? 0))
                g[j] = i
                g[(1 + k) * u + j] = candidate
                g[(2 + k) * u + j] = sigmoid(z[3 * u + j] + (p?[po + j] ?? 0))
                cell[j] = i * candidate
            }
            var edge = Int(edgeStart[r])
            for q in 0..<k {
                let child = Int(children[slot * k + q])
                guard child >= 0 else { continue }
                let recurrentForget = s.childSum ? UnsafePointer(edgeProducts + edge * u) : p! + (1 + q) * u
                edge += 1
                let childC = c + (sample + child) * u
                for j in 0..<u {
                    let forget = sigmoid(z[u + j] + recurrentForget[j])
                    g[(1 + q) * u + j] = forget
                    cell[j] += forget * childC[j]
                }
            }
            for j in 0..<u { h[slot * u + j] = g[(2 + k) * u + j] * tanhf(cell[j]) }
        }
    }

    /// The pre-activation gradients of `rows` into their x·W + b rows (f: the sum over the
    /// children) and, above the leaves, into their recurrent products' rows (Child-Sum: i, u, o;
    /// each edge's f into its edge row); each child's dc gets dc⊙f_k.
    func backwardGates(_ rows: Range<Int>) {
        let (u, k) = (s.units, s.children)
        let (pu, po) = candidateAndOutputColumns
        for r in rows {
            let slot = Int(order[first + r])
            let sample = slot - slot % s.nodes
            let g = gates + slot * s.gateWidth
            let dz = zx + slot * 4 * u
            let dp = products + r * s.recurrentColumns
            if height > 0 { dp.update(repeating: 0, count: s.recurrentColumns) }
            for j in 0..<u {
                let (i, candidate, o) = (g[j], g[(1 + k) * u + j], g[(2 + k) * u + j])
                let t = tanhf(c[slot * u + j])
                let dhj = dh[slot * u + j]
                let dcj = dc[slot * u + j] + dhj * o * (1 - t * t)
                dc[slot * u + j] = dcj
                dz[j] = dcj * candidate * i * (1 - i)
                dz[2 * u + j] = dcj * i * (1 - candidate * candidate)
                dz[3 * u + j] = dhj * t * o * (1 - o)
                if height > 0 { (dp[j], dp[pu + j], dp[po + j]) = (dz[j], dz[2 * u + j], dz[3 * u + j]) }
            }
            var edge = Int(edgeStart[r])
            for q in 0..<k {
                let child = Int(children[slot * k + q])
                guard child >= 0 else { continue }
                let dForget = s.childSum ? edgeProducts + edge * u : dp + (1 + q) * u
                edge += 1
                let (childC, childDC) = (c + (sample + child) * u, dc + (sample + child) * u)
                for j in 0..<u {
                    let forget = g[(1 + q) * u + j]
                    let dcj = dc[slot * u + j]
                    let dzf = dcj * childC[j] * forget * (1 - forget)
                    childDC[j] += dcj * forget
                    dz[u + j] += dzf
                    dForget[j] = dzf
                }
            }
        }
    }

    /// Adds to each child's dh of `rows` its share of dP·Uᵀ (in `gathered`) and, Child-Sum,
    /// its edge's forget-gate share (in `edges`).
    func childGradients(_ rows: Range<Int>) {
        let (u, k) = (s.units, s.children)
        for r in rows {
            let slot = Int(order[first + r])
            let sample = slot - slot % s.nodes
            var edge = Int(edgeStart[r])
            for q in 0..<k {
                let child = Int(children[slot * k + q])
                guard child >= 0 else { continue }
                let target = dh + (sample + child) * u
                let fromGates = gathered + r * s.recurrentRows + (s.childSum ? 0 : q * u)
                for j in 0..<u { target[j] += fromGates[j] }
                if s.childSum {
                    let fromForget = edges + edge * u
                    for j in 0..<u { target[j] += fromForget[j] }
                }
                edge += 1
            }
        }
    }

    @inline(__always) private func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
}
