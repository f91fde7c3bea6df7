import Foundation
import NNCKernels
import NNCPlan

/// The Tree-LSTM's fast kernels (`TreeShape`). Every tree of the batch is read into child
/// lists and heights, and the nodes of one height across the batch run together: their
/// children's states gathered into rows, one GEMM with the recurrent kernel (Child-Sum: the
/// summed states with all of U and each edge's state with U's forget columns; N-ary: the
/// joined states with all of U), then the gates row by row. Backward walks the heights from
/// the roots down with the same products transposed. The input product x·W + b of every
/// slot, and its gradients, are one GEMM each. Allocates nothing.
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

    /// Gathers the children's hidden states of `level`'s nodes: Child-Sum, each node's sum
    /// into `gathered` and each edge's state into `edges` (returns the edge count); N-ary,
    /// each node's K states side by side (zero for a missing child).
    private func gatherChildren(
        _ s: TreeShape, _ ints: UnsafeMutablePointer<Int32>, level: Range<Int>, h: UnsafePointer<Float>,
        gathered: UnsafeMutablePointer<Float>, edges: UnsafeMutablePointer<Float>
    ) -> Int {
        let (u, k) = (s.units, s.children)
        let (children, order) = (ints + s.structureChildren, ints + s.structureOrder)
        var e = 0
        for (r, position) in level.enumerated() {
            let slot = Int(order[position])
            let base = slot - slot % s.nodes
            let row = gathered + r * s.recurrentRows
            row.update(repeating: 0, count: s.recurrentRows)
            for c in 0..<k {
                let child = Int(children[slot * k + c])
                guard child >= 0 else { continue }
                let state = h + (base + child) * u
                if s.childSum {
                    for j in 0..<u { row[j] += state[j] }
                    (edges + e * u).update(from: state, count: u)
                    e += 1
                } else {
                    (row + c * u).update(from: state, count: u)
                }
            }
        }
        return e
    }

    /// [y, tape, structure, scratch, trees, embeddings, kernel, recurrent kernel, bias?].
    func treeForward(_ s: TreeShape, _ base: Int) {
        let (u, k, e) = (s.units, s.children, s.features)
        let (y, tape, ints, scratch) = (f(base, 0), f(base, 1), i32(base, 2), f(base, 3))
        let (input, table, w, recurrent) = (f(base, 4), f(base, 5), f(base, 6), f(base, 7))
        let bias: UnsafePointer<Float>? = s.bias ? UnsafePointer(f(base, 8)) : nil
        let heights = treeStructure(s, input, ints)
        let (children, tokens, order, levels) = (
            ints + s.structureChildren, ints + s.structureTokens, ints + s.structureOrder, ints + s.structureLevels
        )
        let (x, gates, c, h) = (tape + s.tapeX, tape + s.tapeGates, tape + s.tapeC, tape + s.tapeH)
        tape.update(repeating: 0, count: s.tapeFloats)
        for slot in 0..<s.slots where tokens[slot] >= 0 {
            (x + slot * e).update(from: table + Int(tokens[slot]) * e, count: e)
        }
        let zx = scratch + s.scratchInput
        GEMM.multiply(
            c: zx, ldc: s.inputGates, a: x, lda: e, b: w, ldb: s.inputGates, m: s.slots, n: s.inputGates, k: e,
            epilogue: bias.map { GEMM.Epilogue(bias: $0) }, pool: pool, workspace: workspace)
        let (gathered, edges) = (scratch + s.scratchGathered, scratch + s.scratchEdges)
        let (products, edgeProducts) = (scratch + s.scratchProducts, scratch + s.scratchEdgeProducts)
        for height in 0..<heights {
            let level = Int(levels[height])..<Int(levels[height + 1])
            let rows = level.count
            if height > 0 {
                let edgeCount = gatherChildren(s, ints, level: level, h: h, gathered: gathered, edges: edges)
                GEMM.multiply(
                    c: products, ldc: s.recurrentColumns, a: gathered, lda: s.recurrentRows, b: recurrent,
                    ldb: s.recurrentColumns, m: rows, n: s.recurrentColumns, k: s.recurrentRows, pool: pool,
                    workspace: workspace)
                if s.childSum {
                    GEMM.multiply(
                        c: edgeProducts, ldc: u, a: edges, lda: u, b: recurrent + u, ldb: 4 * u, m: edgeCount, n: u,
                        k: u, pool: pool, workspace: workspace)
                }
            }
            var edge = 0
            for (r, position) in level.enumerated() {
                let slot = Int(order[position])
                let sample = slot - slot % s.nodes
                let z = zx + slot * 4 * u
                let g = gates + slot * s.gateWidth
                let p: UnsafePointer<Float>? = height > 0 ? UnsafePointer(products + r * s.recurrentColumns) : nil
                let (pu, po) = s.childSum ? (2 * u, 3 * u) : ((1 + k) * u, (2 + k) * u)
                for j in 0..<u {
                    let i = sigmoid(z[j] + (p?[j] ?? 0))
                    let candidate = tanhf(z[2 * u + j] + (p?[pu + j] ?? 0))
                    let o = sigmoid(z[3 * u + j] + (p?[po + j] ?? 0))
                    g[j] = i
                    g[(1 + k) * u + j] = candidate
                    g[(2 + k) * u + j] = o
                    c[slot * u + j] = i * candidate
                }
                for q in 0..<k {
                    let child = Int(children[slot * k + q])
                    guard child >= 0 else { continue }
                    let recurrentForget =
                        s.childSum ? UnsafePointer(edgeProducts + edge * u) : UnsafePointer(p! + (1 + q) * u)
                    edge += 1
                    let childC = c + (sample + child) * u
                    for j in 0..<u {
                        let forget = sigmoid(z[u + j] + recurrentForget[j])
                        g[(1 + q) * u + j] = forget
                        c[slot * u + j] += forget * childC[j]
                    }
                }
                for j in 0..<u { h[slot * u + j] = g[(2 + k) * u + j] * tanhf(c[slot * u + j]) }
            }
        }
        for b in 0..<s.batch { (y + b * u).update(from: h + b * s.nodes * u, count: u) }
    }

    /// [dEmbeddings, dKernel, dRecurrent, dBias?, structure, scratch, dy, tape, trees, kernel,
    /// recurrent kernel].
    func treeBackward(_ s: TreeShape, _ base: Int) {
        let (u, k, e) = (s.units, s.children, s.features)
        let grads = s.bias ? 4 : 3
        let (dTable, dW, dU) = (f(base, 0), f(base, 1), f(base, 2))
        let dBias: UnsafeMutablePointer<Float>? = s.bias ? f(base, 3) : nil
        let (ints, scratch, dy, tape) = (i32(base, grads), f(base, grads + 1), f(base, grads + 2), f(base, grads + 3))
        let (input, w, recurrent) = (f(base, grads + 4), f(base, grads + 5), f(base, grads + 6))
        let heights = treeStructure(s, input, ints)
        let (children, tokens, order, levels) = (
            ints + s.structureChildren, ints + s.structureTokens, ints + s.structureOrder, ints + s.structureLevels
        )
        let (x, gates, c, h) = (tape + s.tapeX, tape + s.tapeGates, tape + s.tapeC, tape + s.tapeH)
        let (dh, dc, dzx) = (scratch + s.scratchDH, scratch + s.scratchDC, scratch + s.scratchInput)
        let (gathered, edges) = (scratch + s.scratchGathered, scratch + s.scratchEdges)
        let (dProducts, dEdgeProducts) = (scratch + s.scratchProducts, scratch + s.scratchEdgeProducts)
        dh.update(repeating: 0, count: s.slots * u)
        dc.update(repeating: 0, count: s.slots * u)
        dzx.update(repeating: 0, count: s.slots * 4 * u)
        dU.update(repeating: 0, count: s.recurrentRows * s.recurrentColumns)
        for b in 0..<s.batch { (dh + b * s.nodes * u).update(from: dy + b * u, count: u) }
        for height in stride(from: heights - 1, through: 0, by: -1) {
            let level = Int(levels[height])..<Int(levels[height + 1])
            let rows = level.count
            var edge = 0
            for (r, position) in level.enumerated() {
                let slot = Int(order[position])
                let sample = slot - slot % s.nodes
                let g = gates + slot * s.gateWidth
                let dz = dzx + slot * 4 * u
                let dp = dProducts + r * s.recurrentColumns
                if height > 0 { dp.update(repeating: 0, count: s.recurrentColumns) }
                let (pu, po) = s.childSum ? (2 * u, 3 * u) : ((1 + k) * u, (2 + k) * u)
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
                for q in 0..<k {
                    let child = Int(children[slot * k + q])
                    guard child >= 0 else { continue }
                    let dForget = s.childSum ? dEdgeProducts + edge * u : dp + (1 + q) * u
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
            guard height > 0 else { continue }
            // dU += gatheredᵀ·dP, then the children's dh from dP·Uᵀ (the gathered rows' room reused).
            let edgeCount = gatherChildren(s, ints, level: level, h: h, gathered: gathered, edges: edges)
            GEMM.multiply(
                c: dU, ldc: s.recurrentColumns, a: gathered, lda: s.recurrentRows, transposeA: true, b: dProducts,
                ldb: s.recurrentColumns, m: s.recurrentRows, n: s.recurrentColumns, k: rows, accumulate: true,
                pool: pool, workspace: workspace)
            GEMM.multiply(
                c: gathered, ldc: s.recurrentRows, a: dProducts, lda: s.recurrentColumns, b: recurrent,
                ldb: s.recurrentColumns, transposeB: true, m: rows, n: s.recurrentRows, k: s.recurrentColumns,
                pool: pool, workspace: workspace)
            if s.childSum {
                GEMM.multiply(
                    c: dU + u, ldc: 4 * u, a: edges, lda: u, transposeA: true, b: dEdgeProducts, ldb: u, m: u, n: u,
                    k: edgeCount, accumulate: true, pool: pool, workspace: workspace)
                GEMM.multiply(
                    c: edges, ldc: u, a: dEdgeProducts, lda: u, b: recurrent + u, ldb: 4 * u, transposeB: true,
                    m: edgeCount, n: u, k: u, pool: pool, workspace: workspace)
            }
            edge = 0
            for (r, position) in level.enumerated() {
                let slot = Int(order[position])
                let sample = slot - slot % s.nodes
                for q in 0..<k {
                    let child = Int(children[slot * k + q])
                    guard child >= 0 else { continue }
                    let target = dh + (sample + child) * u
                    let fromGates = gathered + r * s.recurrentRows + (s.childSum ? 0 : q * u)
                    for j in 0..<u { target[j] += fromGates[j] }
                    if s.childSum {
                        let fromForget = edges + edge * u
                        for j in 0..<u { target[j] += fromForget[j] }
                        edge += 1
                    }
                }
            }
        }
        GEMM.multiply(
            c: dW, ldc: 4 * u, a: x, lda: e, transposeA: true, b: dzx, ldb: 4 * u, m: e, n: 4 * u, k: s.slots,
            pool: pool, workspace: workspace)
        if let dBias {
            dBias.update(repeating: 0, count: 4 * u)
            for slot in 0..<s.slots where tokens[slot] >= 0 {
                for j in 0..<(4 * u) { dBias[j] += dzx[slot * 4 * u + j] }
            }
        }
        let dx = scratch + s.scratchDX
        GEMM.multiply(
            c: dx, ldc: e, a: dzx, lda: 4 * u, b: w, ldb: 4 * u, transposeB: true, m: s.slots, n: e, k: 4 * u,
            pool: pool, workspace: workspace)
        dTable.update(repeating: 0, count: s.vocabulary * e)
        for slot in 0..<s.slots where tokens[slot] >= 0 {
            let row = dTable + Int(tokens[slot]) * e
            for j in 0..<e { row[j] += dx[slot * e + j] }
        }
    }

    @inline(__always) private func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
}
