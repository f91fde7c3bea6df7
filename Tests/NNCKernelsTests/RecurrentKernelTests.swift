import CNNCKernels
import Foundation
import NNCKernels
import NNCTestSupport
import Testing

/// The recurrent step kernels' pieces against their formulas in double precision, with
/// every instruction set this machine has (AVX-512, AVX2, portable), on lengths no vector
/// width divides. (Whole layers, forward and backward, are compared with the double
/// reference executor in NNCRuntimeTests.)
@Suite(.serialized) struct RecurrentKernelTests {
    static let isas: [GEMM.ISA] = GEMM.ISA.available

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Vectorized sigmoid and tanh within a few float roundings (values in [−1, 1]); the
    /// others as the scalar kernels compute them.
    @Test(arguments: isas)
    func activationsMatchTheirFormulas(isa: GEMM.ISA) {
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        let cases: [(nnc_activation, (Double) -> Double)] = [
            (NNC_ACT_SIGMOID, Self.sigmoid), (NNC_ACT_TANH, { tanh($0) }), (NNC_ACT_RELU, { max(0, $0) }),
            (NNC_ACT_SWISH, { $0 * Self.sigmoid($0) }), (NNC_ACT_SOFTPLUS, { log1p(exp($0)) }),
        ]
        for n in [1, 7, 8, 13, 100, 1001] {
            // Spread over [−30, 30], densest near 0 where tanh switches formulas at 0.625.
            let x: [Float] = (0..<n).map { i in
                let u = Double(i) / Double(max(n - 1, 1)) * 2 - 1
                return Float(30 * u * u * u)
            }
            for (act, formula) in cases {
                var y = [Float](repeating: .nan, count: n)
                nnc_rnn_activate(&y, x, Int32(n), act, 1)
                let worst = zip(x, y).map { abs(Double($1) - formula(Double($0))) / max(1, abs(formula(Double($0)))) }
                    .max()!
                #expect(worst <= 3e-7, "\(act) n \(n) \(isa): \(worst)")
            }
        }
    }

    /// What one forward step read and wrote (3 rows, the middle one padding).
    struct Step {
        var gates, product, bias, h, c, y: [Float]

        init(lstm: Bool, units u: Int, rng: inout SeededRandom) {
            let rows = 3
            let g = (lstm ? 4 : 3) * u
            gates = rng.floats(rows * g)
            product = rng.floats(rows * g)
            bias = rng.floats(g)
            h = rng.floats(rows * u)
            c = rng.floats(rows * u)
            y = [Float](repeating: .nan, count: rows * u)
        }

        /// This step after `nnc_lstm_forward_step` or `nnc_gru_forward_step` ran on it.
        func run(lstm: Bool, units u: Int) -> Step {
            var out = self
            let rows = 3
            let g = (lstm ? 4 : 3) * u
            var extra = [Float](repeating: 0, count: rows * u)
            var work = [Float](repeating: 0, count: Int(nnc_rnn_work_floats(Int32(u))))
            var mask: [Float] = [1, 0, 1]
            out.gates.withUnsafeMutableBufferPointer { gp in
                var s = nnc_rnn_forward()
                s.rows = Int32(rows)
                s.units = Int32(u)
                (s.act, s.ract, s.act_param, s.ract_param) = (NNC_ACT_TANH, NNC_ACT_SIGMOID, 0, 0)
                s.gates = gp.baseAddress
                s.ld_gates = Int32(g)
                out.product.withUnsafeMutableBufferPointer { s.product = UnsafePointer($0.baseAddress) }
                s.ld_product = Int32(g)
                out.bias.withUnsafeMutableBufferPointer { s.rbias = UnsafePointer($0.baseAddress) }
                out.h.withUnsafeMutableBufferPointer { hp in
                    out.c.withUnsafeMutableBufferPointer { cp in
                        out.y.withUnsafeMutableBufferPointer { yp in
                            extra.withUnsafeMutableBufferPointer { ep in
                                work.withUnsafeMutableBufferPointer { wp in
                                    mask.withUnsafeMutableBufferPointer { mp in
                                        (s.h, s.c, s.y, s.ld_y, s.extra, s.ld_extra, s.work) =
                                            (
                                                hp.baseAddress, cp.baseAddress, yp.baseAddress, Int32(u),
                                                ep.baseAddress, Int32(u), wp.baseAddress
                                            )
                                        (s.step_mask, s.ld_step_mask) = (UnsafePointer(mp.baseAddress), 1)
                                        if lstm { nnc_lstm_forward_step(&s) } else { nnc_gru_forward_step(&s) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return out
        }
    }

    /// Floats of `backwardStep`'s operands for 2 rows.
    static func backwardFloats(lstm: Bool, units u: Int) -> Int {
        let g = (lstm ? 4 : 3) * u
        return 2 * (3 * g + 8 * u) + Int(nnc_rnn_work_floats(Int32(u)))
    }

    /// Every operand of an LSTM or GRU (reset after) backward step over 2 rows, laid out one
    /// after the other in `inputs`, after `nnc_lstm_backward_step` or `nnc_gru_backward_step`.
    static func backwardStep(lstm: Bool, units u: Int, _ inputs: [Float]) -> [Float] {
        var all = inputs
        let rows = 2
        let g = (lstm ? 4 : 3) * u
        all.withUnsafeMutableBufferPointer { buffer in
            var next = buffer.baseAddress!
            func take(_ floats: Int) -> UnsafeMutablePointer<Float> {
                defer { next += floats }
                return next
            }
            var s = nnc_rnn_backward()
            s.rows = Int32(rows)
            s.units = Int32(u)
            (s.act, s.ract) = (NNC_ACT_TANH, NNC_ACT_SIGMOID)
            (s.dgates, s.ld_dgates) = (take(rows * g), Int32(g))
            (s.dproduct, s.ld_dproduct) = (lstm ? nil : take(rows * g), Int32(g))
            (s.dy, s.ld_dy) = (UnsafePointer(take(rows * u)), Int32(u))
            (s.gates, s.ld_gates) = (UnsafePointer(take(rows * g)), Int32(g))
            (s.c, s.ld_c) = (UnsafePointer(take(rows * u)), Int32(u))
            (s.c_prev, s.ld_c_prev) = (UnsafePointer(take(rows * u)), Int32(u))
            (s.extra, s.ld_extra) = (UnsafePointer(take(rows * u)), Int32(u))
            (s.h_prev, s.ld_h_prev) = (UnsafePointer(take(rows * u)), Int32(u))
            (s.dh, s.dc, s.ds) = (take(rows * u), take(rows * u), take(rows * u))
            s.work = next
            if lstm { nnc_lstm_backward_step(&s) } else { nnc_gru_backward_step(&s) }
        }
        return all
    }

    /// An LSTM step and a GRU (reset after) step for 3 rows, the middle one padding, against
    /// the formulas; the padded row carries its state and repeats it as output.
    @Test(arguments: isas)
    func stepsMatchTheirFormulas(isa: GEMM.ISA) {
        GEMM.useISA(isa)
        defer { GEMM.useISA(nil) }
        var rng = SeededRandom(seed: 7)
        for u in [1, 5, 13, 33] {
            for lstm in [true, false] {
                let g = (lstm ? 4 : 3) * u
                let before = Step(lstm: lstm, units: u, rng: &rng)
                let after = before.run(lstm: lstm, units: u)
                let (g0, product, bias, h0, c0) = (before.gates, before.product, before.bias, before.h, before.c)
                var worst = 0.0
                for r in 0..<3 {
                    for j in 0..<u {
                        let padded = r == 1
                        let at = { (k: Int) in
                            Double(g0[r * g + k * u + j]) + Double(product[r * g + k * u + j]) + Double(bias[k * u + j])
                        }
                        var hNew = Double(h0[r * u + j])
                        var cNew = Double(c0[r * u + j])
                        if !padded && lstm {
                            cNew = Self.sigmoid(at(1)) * cNew + Self.sigmoid(at(0)) * tanh(at(2))
                            hNew = Self.sigmoid(at(3)) * tanh(cNew)
                        } else if !padded {
                            let z = Self.sigmoid(at(0))
                            let reset = Self.sigmoid(at(1))
                            let candidate = tanh(
                                Double(g0[r * g + 2 * u + j]) + reset
                                    * (Double(product[r * g + 2 * u + j]) + Double(bias[2 * u + j])))
                            hNew = z * hNew + (1 - z) * candidate
                        }
                        worst = max(
                            worst, abs(Double(after.h[r * u + j]) - hNew), abs(Double(after.y[r * u + j]) - hNew))
                        if lstm { worst = max(worst, abs(Double(after.c[r * u + j]) - cNew)) }
                    }
                }
                #expect(worst <= 2e-6, "\(lstm ? "lstm" : "gru") units \(u) \(isa): \(worst)")
            }
        }
    }

    /// The AVX-512 build of the fused steps (forward and backward) and activations gives the
    /// AVX2 build's bits (the same operations in the same order), on widths with a 16-lane
    /// body and a tail.
    @Test func avx512StepsGiveTheAVX2Bits() {
        guard GEMM.ISA.available.contains(.avx512) else { return }
        defer { GEMM.useISA(nil) }
        var rng = SeededRandom(seed: 11)
        for u in [16, 37] {
            for lstm in [true, false] {
                let before = Step(lstm: lstm, units: u, rng: &rng)
                GEMM.useISA(.avx2FMA)
                let avx2 = before.run(lstm: lstm, units: u)
                GEMM.useISA(.avx512)
                let avx512 = before.run(lstm: lstm, units: u)
                for (name, a, b) in [
                    ("h", avx2.h, avx512.h), ("c", avx2.c, avx512.c), ("gates", avx2.gates, avx512.gates),
                ] {
                    #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(lstm ? "lstm" : "gru") units \(u): \(name)")
                }
            }
        }
        for u in [16, 37] {
            for lstm in [true, false] {
                let inputs = rng.floats(Self.backwardFloats(lstm: lstm, units: u))
                GEMM.useISA(.avx2FMA)
                let avx2 = Self.backwardStep(lstm: lstm, units: u, inputs)
                GEMM.useISA(.avx512)
                let avx512 = Self.backwardStep(lstm: lstm, units: u, inputs)
                #expect(avx2 != inputs, "the backward step wrote nothing")
                #expect(
                    avx2.map(\.bitPattern) == avx512.map(\.bitPattern), "\(lstm ? "lstm" : "gru") backward, units \(u)")
            }
        }
        let x = (0..<37).map { Float($0 - 18) / 3 }
        for act in [NNC_ACT_SIGMOID, NNC_ACT_TANH] {
            var outputs: [[Float]] = []
            for isa in [GEMM.ISA.avx2FMA, .avx512] {
                GEMM.useISA(isa)
                var y = [Float](repeating: .nan, count: x.count)
                nnc_rnn_activate(&y, x, Int32(x.count), act, 1)
                outputs.append(y)
            }
            #expect(outputs[0].map(\.bitPattern) == outputs[1].map(\.bitPattern), "\(act)")
        }
    }
}
