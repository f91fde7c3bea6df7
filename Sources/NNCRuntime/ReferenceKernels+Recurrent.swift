import CNNCKernels
import Foundation
import NNCGraph
import NNCPlan

/// The recurrent layers in double precision, written from the formulas one sequence at a
/// time: every product a plain dot product, no GEMM, no shared code with the fast kernels.
/// They keep the same per-step values as the fast kernels (activated gates, states, cells,
/// the GRU terms), so backward reads what the fast forward would have written.
extension ReferenceExecutor {
    /// Operand storage of a present slot.
    struct RecurrentOperands {
        let shape: RecurrentShape
        let o: [UnsafeMutablePointer<Double>]
        subscript(_ slot: RecurrentShape.ForwardSlot) -> UnsafeMutablePointer<Double>? {
            shape.has(slot) ? o[shape.index(slot)] : nil
        }
        subscript(_ slot: RecurrentShape.BackwardSlot) -> UnsafeMutablePointer<Double>? {
            shape.has(slot) ? o[shape.index(slot)] : nil
        }
    }

    func recurrentForward(_ s: RecurrentShape, _ o: [UnsafeMutablePointer<Double>]) {
        let x = RecurrentOperands(shape: s, o: o)
        let u = s.units
        let g = s.gateWidth
        let steps = s.steps
        let kernel = x[ForwardSlot.recurrentKernel]!
        let gates = x[ForwardSlot.gates]!
        let bias = x[ForwardSlot.bias]
        // Column j of v·U (plus the recurrent bias).
        func product(_ v: [Double], _ j: Int) -> Double {
            (0..<u).reduce(bias?[g + j] ?? 0) { $0 + v[$1] * kernel[$1 * g + j] }
        }
        for b in 0..<s.batch {
            var h = [Double](repeating: 0, count: u)
            var c = h
            for position in 0..<steps {
                let t = s.step(position)
                let row = b * steps + t
                let state = (0..<u).map { h[$0] * (x[ForwardSlot.recurrentMask]?[b * u + $0] ?? 1) }
                if let states = x[ForwardSlot.states] { for j in 0..<u { states[row * u + j] = state[j] } }
                let z = s.fusedProjection ? gates + b * g : gates + row * g
                if s.fusedProjection {
                    // This step's input projection xₜ·W + b (the first bias row), computed here.
                    let input = x[ForwardSlot.input]! + row * s.inputs
                    let w = x[ForwardSlot.inputKernel]!
                    for j in 0..<g {
                        z[j] = (0..<s.inputs).reduce(x[ForwardSlot.inputBias]?[j] ?? 0) {
                            $0 + input[$1] * w[$1 * g + j]
                        }
                    }
                }
                let pre = x[ForwardSlot.preactivations].map { $0 + row * g }
                if x[ForwardSlot.stepMask].map({ $0[row] == 0 }) ?? false {
                    if let cells = x[ForwardSlot.cells] { for j in 0..<u { cells[row * u + j] = c[j] } }
                    if s.splitsProduct, let extra = x[ForwardSlot.extra] {
                        for j in 0..<u { extra[(s.training ? row : b) * u + j] = 0 }
                    }
                    let zeros = [Double](repeating: 0, count: u)
                    writeOutput(
                        s, x[ForwardSlot.output]!, s.zeroPaddedOutput ? zeros : h, b: b, t: t,
                        last: position == steps - 1)
                    continue
                }
                func activate(_ j: Int, _ f: ActivationFunction) {
                    pre?[j] = z[j]
                    z[j] = Self.activate(f, z[j])
                }
                switch s.cell {
                case .simple:
                    for j in 0..<u {
                        z[j] += product(state, j)
                        activate(j, s.activation)
                        h[j] = z[j]
                    }
                case .lstm:
                    let peephole = x[ForwardSlot.peephole]
                    for j in 0..<g { z[j] += product(state, j) }
                    // Peepholes: i and f read cₜ₋₁, o reads cₜ (its activation after the cell).
                    for j in 0..<u {
                        z[j] += (peephole?[j] ?? 0) * c[j]
                        z[u + j] += (peephole?[u + j] ?? 0) * c[j]
                    }
                    for j in 0..<(3 * u) { activate(j, j / u == 2 ? s.activation : s.recurrentActivation) }
                    for j in 0..<u {
                        c[j] = z[u + j] * c[j] + z[j] * z[2 * u + j]
                        z[3 * u + j] += (peephole?[2 * u + j] ?? 0) * c[j]
                        activate(3 * u + j, s.recurrentActivation)
                        h[j] = z[3 * u + j] * Self.activate(s.activation, c[j])
                    }
                    for j in 0..<u { x[ForwardSlot.cells]?[row * u + j] = c[j] }
                case .gru(let after):
                    if let previous = x[ForwardSlot.previous] { for j in 0..<u { previous[row * u + j] = h[j] } }
                    for j in 0..<(2 * u) {
                        z[j] += product(state, j)
                        activate(j, s.recurrentActivation)
                    }
                    if after {
                        let candidate = (0..<u).map { product(state, 2 * u + $0) }
                        for j in 0..<u {
                            x[ForwardSlot.extra]?[row * u + j] = candidate[j]
                            z[2 * u + j] += z[u + j] * candidate[j]
                        }
                    } else {
                        let reset = (0..<u).map { z[u + $0] * state[$0] }
                        for j in 0..<u { x[ForwardSlot.extra]![(s.training ? row : b) * u + j] = reset[j] }
                        for j in 0..<u { z[2 * u + j] += product(reset, 2 * u + j) }
                    }
                    for j in 0..<u {
                        activate(2 * u + j, s.activation)
                        h[j] = z[j] * h[j] + (1 - z[j]) * z[2 * u + j]
                    }
                }
                writeOutput(s, x[ForwardSlot.output]!, h, b: b, t: t, last: position == steps - 1)
            }
        }
    }

    private typealias ForwardSlot = RecurrentShape.ForwardSlot
    private typealias BackwardSlot = RecurrentShape.BackwardSlot

    /// hₜ into the output: every step's with return_sequences, else the last step's.
    private func writeOutput(
        _ s: RecurrentShape, _ y: UnsafeMutablePointer<Double>, _ h: [Double], b: Int, t: Int, last: Bool
    ) {
        let start = s.returnSequences ? (b * s.steps + t) * s.outputWidth : b * s.outputWidth
        guard s.returnSequences || last else { return }
        for j in 0..<s.units { y[start + s.outputColumn + j] = h[j] }
    }

    /// f′ at a kept value: from the output y, or from the kept pre-activation.
    private static func slope(_ f: ActivationFunction, y: Double, pre: Double?) -> Double {
        f.kind.backwardNeedsOnlyOutput ? derivative(f, y, fromOutput: true) : derivative(f, pre!, fromOutput: false)
    }

    func recurrentBackward(_ s: RecurrentShape, _ o: [UnsafeMutablePointer<Double>]) {
        let x = RecurrentOperands(shape: s, o: o)
        let u = s.units
        let g = s.gateWidth
        let steps = s.steps
        let ut = x[BackwardSlot.transposedKernel]!
        let gates = x[BackwardSlot.gates]!
        let dz = x[BackwardSlot.gatesGradient]!
        let states = x[BackwardSlot.states]!
        let dy = x[BackwardSlot.outputGradient]!
        for b in 0..<s.batch {
            var dh = [Double](repeating: 0, count: u)
            var dc = dh
            var ds = dh
            for position in stride(from: steps - 1, through: 0, by: -1) {
                let t = s.step(position)
                let row = b * steps + t
                var d = (0..<u).map { dh[$0] + (x[BackwardSlot.recurrentMask]?[b * u + $0] ?? 1) * ds[$0] }
                let padded = x[BackwardSlot.stepMask].map { $0[row] == 0 } ?? false
                if (s.returnSequences || position == steps - 1) && !(padded && s.zeroPaddedOutput) {
                    let start = (s.returnSequences ? row : b) * s.outputWidth + s.outputColumn
                    for j in 0..<u { d[j] += dy[start + j] }
                }
                let z = gates + row * g
                let pre = x[BackwardSlot.preactivations].map { $0 + row * g }
                let dzr = dz + row * g
                let dp = x[BackwardSlot.productGradient].map { $0 + row * g }
                func slope(_ j: Int, _ f: ActivationFunction) -> Double { Self.slope(f, y: z[j], pre: pre?[j]) }
                if padded {
                    for j in 0..<g {
                        dzr[j] = 0
                        dp?[j] = 0
                    }
                    dh = d
                    ds = [Double](repeating: 0, count: u)
                    continue
                }
                dh = [Double](repeating: 0, count: u)
                var resetGradient: [Double]?
                switch s.cell {
                case .simple:
                    for j in 0..<u { dzr[j] = d[j] * slope(j, s.activation) }
                case .lstm:
                    let c = x[BackwardSlot.cells]! + row * u
                    let previous = position > 0 ? x[BackwardSlot.cells]! + (b * steps + s.step(position - 1)) * u : nil
                    let peephole = x[BackwardSlot.peephole]
                    for j in 0..<u {
                        let ac = Self.activate(s.activation, c[j])
                        dzr[3 * u + j] = d[j] * ac * slope(3 * u + j, s.recurrentActivation)
                        // ∂cₜ: carried, through hₜ, and through o's peephole.
                        let dct =
                            dc[j] + d[j] * z[3 * u + j] * Self.derivative(s.activation, c[j], fromOutput: false)
                            + dzr[3 * u + j] * (peephole?[2 * u + j] ?? 0)
                        dzr[j] = dct * z[2 * u + j] * slope(j, s.recurrentActivation)
                        dzr[u + j] = dct * (previous?[j] ?? 0) * slope(u + j, s.recurrentActivation)
                        dzr[2 * u + j] = dct * z[j] * slope(2 * u + j, s.activation)
                        // ∂cₜ₋₁: through f, and through i's and f's peepholes.
                        dc[j] = dct * z[u + j] + dzr[j] * (peephole?[j] ?? 0) + dzr[u + j] * (peephole?[u + j] ?? 0)
                    }
                case .gru(let after):
                    let previous = (x[BackwardSlot.previous] ?? states) + row * u
                    let extra = x[BackwardSlot.extra]! + row * u
                    let state = states + row * u
                    for j in 0..<u {
                        dzr[j] = d[j] * (previous[j] - z[2 * u + j]) * slope(j, s.recurrentActivation)
                        dzr[2 * u + j] = d[j] * (1 - z[j]) * slope(2 * u + j, s.activation)
                        dh[j] = d[j] * z[j]
                    }
                    if after {
                        for j in 0..<u {
                            dzr[u + j] = dzr[2 * u + j] * extra[j] * slope(u + j, s.recurrentActivation)
                            dp![2 * u + j] = dzr[2 * u + j] * z[u + j]
                        }
                        for j in 0..<(2 * u) { dp![j] = dzr[j] }
                    } else {
                        // ∂(r⊙s) = ∂p_h·U_hᵀ.
                        let drs = (0..<u).map { i in
                            (0..<u).reduce(0.0) { $0 + dzr[2 * u + $1] * ut[(2 * u + $1) * u + i] }
                        }
                        for j in 0..<u { dzr[u + j] = drs[j] * state[j] * slope(u + j, s.recurrentActivation) }
                        resetGradient = (0..<u).map { drs[$0] * z[u + $0] }
                    }
                }
                // ∂s = dz·Uᵀ (GRU reset before: its z, r columns plus the path through r⊙s).
                let rowsOfUt = s.splitsProduct ? 2 * u : g
                let source = dp ?? dzr
                ds = (0..<u).map { i in
                    (0..<rowsOfUt).reduce(resetGradient?[i] ?? 0) { $0 + source[$1] * ut[$1 * u + i] }
                }
            }
        }
    }

    /// [dU, db?, states, dz, r⊙s?, dP?, cells?]: dU = Σ sₜᵀ·dzₜ; db's second row Σ dzₜ; LSTM
    /// peepholes' dP: rows i and f Σ dz⊙cₜ₋₁, row o Σ dz_o⊙cₜ.
    func recurrentWeightsGradient(_ s: RecurrentShape, _ o: [UnsafeMutablePointer<Double>]) {
        let u = s.units
        let g = s.gateWidth
        let rows = s.batch * s.steps
        let rest = s.recurrentBias ? 2 : 1
        let states = o[rest]
        let dz = o[rest + 1]
        for i in 0..<u {
            for j in 0..<g {
                let a = s.splitsProduct && j >= 2 * u ? o[rest + 2] : states
                o[0][i * g + j] = (0..<rows).reduce(0) { $0 + a[$1 * u + i] * dz[$1 * g + j] }
            }
        }
        if s.recurrentBias {
            for j in 0..<g { o[1][g + j] = (0..<rows).reduce(0) { $0 + dz[$1 * g + j] } }
        }
        if s.peephole {
            let next = rest + (s.splitsProduct ? 3 : 2)
            let (dp, cells) = (o[next], o[next + 1])
            for k in 0..<(3 * u) { dp[k] = 0 }
            for b in 0..<s.batch {
                for position in 0..<s.steps {
                    let row = b * s.steps + s.step(position)
                    let previous = position > 0 ? b * s.steps + s.step(position - 1) : nil
                    for j in 0..<u {
                        if let previous {
                            dp[j] += dz[row * g + j] * cells[previous * u + j]
                            dp[u + j] += dz[row * g + u + j] * cells[previous * u + j]
                        }
                        dp[2 * u + j] += dz[row * g + 3 * u + j] * cells[row * u + j]
                    }
                }
            }
        }
    }

    /// Writes Uᵀ when `transposed` (the panels are the fast kernels' concern).
    func packRecurrentWeights(_ s: RecurrentShape, _ o: [UnsafeMutablePointer<Double>], transposed: Bool) {
        guard transposed else { return }
        let u = s.units
        let g = s.gateWidth
        for i in 0..<u { for j in 0..<g { o[0][j * u + i] = o[2][i * g + j] } }
    }
}
