import Foundation
import NNCPlan

/// The Tree-LSTM in double precision, written from Tai et al.'s equations one tree and one
/// node at a time (no levels, no gathering): the twin of `Executor+Tree.swift`. Nodes are
/// computed from the last slot to the first (children lie after their parents) and
/// differentiated from the first to the last. It keeps no tape: backward recomputes the
/// forward pass of each tree.
extension ReferenceExecutor {
    /// One tree's forward values, per slot: gates i, f₁…f_K, u, o, then c and h.
    private struct TreeValues {
        var tokens: [Int32], children: [Int32]
        var gates: [Double], c: [Double], h: [Double]
    }

    private static func treeForward(
        _ s: TreeShape, sample b: Int, input: UnsafeMutablePointer<Double>, table: UnsafeMutablePointer<Double>,
        w: UnsafeMutablePointer<Double>, recurrent: UnsafeMutablePointer<Double>, bias: UnsafeMutablePointer<Double>?
    ) -> TreeValues {
        let (n, k, u, e) = (s.nodes, s.children, s.units, s.features)
        var v = TreeValues(
            tokens: Array(repeating: -1, count: n), children: Array(repeating: -1, count: n * k),
            gates: Array(repeating: 0, count: n * s.gateWidth), c: Array(repeating: 0, count: n * u),
            h: Array(repeating: 0, count: n * u))
        v.tokens.withUnsafeMutableBufferPointer { tokens in
            v.children.withUnsafeMutableBufferPointer { children in
                s.parse(UnsafePointer(input), sample: b, tokens: tokens.baseAddress!, children: children.baseAddress!)
            }
        }
        func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        for j in stride(from: n - 1, through: 0, by: -1) where v.tokens[j] >= 0 {
            let x = table + Int(v.tokens[j]) * e
            let kids = (0..<k).map { Int(v.children[j * k + $0]) }
            // Input part of gate column `col` of the kernel [E, 4U] (i, f, u, o), with the bias.
            func input(_ col: Int) -> Double {
                var z = bias?[col] ?? 0
                for a in 0..<e { z += x[a] * w[a * 4 * u + col] }
                return z
            }
            // Recurrent part: Child-Sum reads Σ h_k through column `col` of U [U, 4U]; N-ary
            // reads h_1…h_K through rows q·U… of U [K·U, (3 + K)·U].
            func fromChildren(_ col: Int) -> Double {
                var z = 0.0
                for (q, child) in kids.enumerated() where child >= 0 {
                    for a in 0..<u {
                        let row = s.childSum ? a : q * u + a
                        z += v.h[child * u + a] * recurrent[row * s.recurrentColumns + col]
                    }
                }
                return z
            }
            let (colU, colO) = s.childSum ? (2 * u, 3 * u) : ((1 + k) * u, (2 + k) * u)
            for m in 0..<u {
                let i = sigmoid(input(m) + fromChildren(m))
                let candidate = tanh(input(2 * u + m) + fromChildren(colU + m))
                let o = sigmoid(input(3 * u + m) + fromChildren(colO + m))
                var c = i * candidate
                for (q, child) in kids.enumerated() where child >= 0 {
                    var z = input(u + m)
                    for a in 0..<u {
                        z +=
                            s.childSum
                            ? v.h[child * u + a] * recurrent[a * s.recurrentColumns + u + m]
                            : kids.enumerated().reduce(0) { sum, pair in
                                pair.element < 0
                                    ? sum
                                    : sum + v.h[pair.element * u + a]
                                        * recurrent[(pair.offset * u + a) * s.recurrentColumns + (1 + q) * u + m]
                            }
                    }
                    let forget = sigmoid(z)
                    v.gates[j * s.gateWidth + (1 + q) * u + m] = forget
                    c += forget * v.c[child * u + m]
                }
                v.gates[j * s.gateWidth + m] = i
                v.gates[j * s.gateWidth + (1 + k) * u + m] = candidate
                v.gates[j * s.gateWidth + (2 + k) * u + m] = o
                v.c[j * u + m] = c
                v.h[j * u + m] = o * tanh(c)
            }
        }
        return v
    }

    /// [y, tape, structure, scratch, trees, embeddings, kernel, recurrent kernel, bias?]: y only.
    static func treeLSTM(_ s: TreeShape, _ o: [UnsafeMutablePointer<Double>]) {
        for b in 0..<s.batch {
            let v = treeForward(
                s, sample: b, input: o[4], table: o[5], w: o[6], recurrent: o[7], bias: s.bias ? o[8] : nil)
            for m in 0..<s.units { o[0][b * s.units + m] = v.h[m] }
        }
    }

    /// [dEmbeddings, dKernel, dRecurrent, dBias?, structure, scratch, dy, tape, trees, kernel,
    /// recurrent kernel, embeddings, bias?].
    static func treeLSTMBackward(_ s: TreeShape, _ o: [UnsafeMutablePointer<Double>]) {
        let (n, k, u, e) = (s.nodes, s.children, s.units, s.features)
        let g = s.bias ? 4 : 3
        let (dTable, dW, dU) = (o[0], o[1], o[2])
        let dBias = s.bias ? o[3] : nil
        let (dy, input, w, recurrent, table) = (o[g + 2], o[g + 4], o[g + 5], o[g + 6], o[g + 7])
        let bias = s.bias ? o[g + 8] : nil
        for i in 0..<(s.vocabulary * e) { dTable[i] = 0 }
        for i in 0..<(e * 4 * u) { dW[i] = 0 }
        for i in 0..<(s.recurrentRows * s.recurrentColumns) { dU[i] = 0 }
        for i in 0..<(dBias == nil ? 0 : 4 * u) { dBias![i] = 0 }
        for b in 0..<s.batch {
            let v = treeForward(s, sample: b, input: input, table: table, w: w, recurrent: recurrent, bias: bias)
            var dh = [Double](repeating: 0, count: n * u)
            var dc = [Double](repeating: 0, count: n * u)
            for m in 0..<u { dh[m] = dy[b * u + m] }
            for j in 0..<n where v.tokens[j] >= 0 {
                let kids = (0..<k).map { Int(v.children[j * k + $0]) }
                let x = table + Int(v.tokens[j]) * e
                // Pre-activation gradients: i, f₁…f_K, u, o (the gate layout).
                var dz = [Double](repeating: 0, count: s.gateWidth)
                for m in 0..<u {
                    let gate = { (q: Int) in v.gates[j * s.gateWidth + q * u + m] }
                    let (i, candidate, o) = (gate(0), gate(1 + k), gate(2 + k))
                    let t = tanh(v.c[j * u + m])
                    let dcm = dc[j * u + m] + dh[j * u + m] * o * (1 - t * t)
                    dz[m] = dcm * candidate * i * (1 - i)
                    dz[(1 + k) * u + m] = dcm * i * (1 - candidate * candidate)
                    dz[(2 + k) * u + m] = dh[j * u + m] * t * o * (1 - o)
                    for (q, child) in kids.enumerated() where child >= 0 {
                        let forget = gate(1 + q)
                        dz[(1 + q) * u + m] = dcm * v.c[child * u + m] * forget * (1 - forget)
                        dc[child * u + m] += dcm * forget
                    }
                }
                // The input side: columns i, f (every child's f), u, o of W and the bias.
                for m in 0..<u {
                    let dzf = (0..<k).reduce(0.0) { $0 + dz[(1 + $1) * u + m] }
                    let columns = [
                        (m, dz[m]), (u + m, dzf), (2 * u + m, dz[(1 + k) * u + m]), (3 * u + m, dz[(2 + k) * u + m]),
                    ]
                    for (col, d) in columns {
                        dBias?[col] += d
                        for a in 0..<e {
                            dW[a * 4 * u + col] += x[a] * d
                            dTable[Int(v.tokens[j]) * e + a] += w[a * 4 * u + col] * d
                        }
                    }
                }
                // The recurrent side.
                for (q, child) in kids.enumerated() where child >= 0 {
                    for a in 0..<u {
                        let hc = v.h[child * u + a]
                        for m in 0..<u {
                            if s.childSum {
                                // i, u, o read Σ h; f_q reads h_q alone.
                                for (col, d) in [
                                    (m, dz[m]), (2 * u + m, dz[(1 + k) * u + m]), (3 * u + m, dz[(2 + k) * u + m]),
                                    (u + m, dz[(1 + q) * u + m]),
                                ] {
                                    dU[a * 4 * u + col] += hc * d
                                    dh[child * u + a] += recurrent[a * 4 * u + col] * d
                                }
                            } else {
                                for col in 0..<(3 + k) {
                                    let d = dz[col * u + m]
                                    let index = (q * u + a) * s.recurrentColumns + col * u + m
                                    dU[index] += hc * d
                                    dh[child * u + a] += recurrent[index] * d
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
