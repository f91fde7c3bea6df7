import CNNCKernels
import Foundation
import NNCGraph
import NNCKernels
import NNCRuntime
import Testing

/// Activations against double-precision formulas, backward against central finite
/// differences of those formulas, and the fused softmax + cross-entropy against a naive
/// softmax followed by −Σ t·log p.
@Suite struct ElementwiseTests {
    static func reference(_ act: Activation, _ x: Double, _ p: Double) -> Double {
        let sigmoid = { (v: Double) in 1 / (1 + exp(-v)) }
        switch act {
        case .linear: return x
        case .relu: return max(0, x)
        case .leakyRelu: return x > 0 ? x : p * x
        case .elu: return x > 0 ? x : p * (exp(x) - 1)
        case .selu: return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (exp(x) - 1))
        case .sigmoid: return sigmoid(x)
        case .tanh: return Foundation.tanh(x)
        case .lecunTanh: return 1.7159 * Foundation.tanh(2.0 / 3.0 * x)
        case .softplus: return log(1 + exp(x))
        case .swish: return x * sigmoid(p * x)
        case .mish: return x * Foundation.tanh(log(1 + exp(x)))
        }
    }

    /// Inputs away from the kinks at 0 (where finite differences straddle two slopes).
    static let inputs: [Float] = (0..<201).map { Float($0 - 100) / 16 }.filter { abs($0) > 0.01 } + [-30, 30]

    @Test(arguments: Activation.allCases)
    func forwardAndBackwardMatchTheFormulas(_ act: Activation) {
        let p: Float = act == .swish ? 1.5 : 0.2
        let x = Self.inputs
        var y = [Float](repeating: 0, count: x.count)
        nnc_activation_forward(&y, x, x.count, act.kernel, p)
        let dy = x.indices.map { Float($0 % 7) - 3 }
        var dx = [Float](repeating: 0, count: x.count)
        nnc_activation_backward(&dx, dy, x, y, x.count, act.kernel, p)
        for i in x.indices {
            let xi = Double(x[i])
            let expected = Self.reference(act, xi, Double(p))
            // Forward: relative 1e-5 (float rounding of the transcendental functions).
            #expect(abs(Double(y[i]) - expected) <= 1e-5 * max(1, abs(expected)), "\(act) f(\(xi))")
            // Backward: central difference in double, h = 1e-4, relative 1e-3.
            let h = 1e-4
            let slope = (Self.reference(act, xi + h, Double(p)) - Self.reference(act, xi - h, Double(p))) / (2 * h)
            let expectedGrad = Double(dy[i]) * slope
            #expect(abs(Double(dx[i]) - expectedGrad) <= 1e-3 * max(1, abs(expectedGrad)), "\(act) f'(\(xi))")
        }
    }

    @Test func inPlaceAndOutputOnlyBackward() {
        var x: [Float] = [-2, -0.5, 0.5, 2]
        let original = x
        x.withUnsafeMutableBufferPointer {
            nnc_activation_forward($0.baseAddress!, $0.baseAddress!, 4, NNC_ACT_SIGMOID, 0)
        }
        #expect(x[2] == Float(1 / (1 + exp(-0.5))))
        // Sigmoid's backward reads only y: x may be gone.
        var d: [Float] = [1, 1, 1, 1]
        d.withUnsafeMutableBufferPointer {
            nnc_activation_backward($0.baseAddress!, $0.baseAddress!, nil, x, 4, NNC_ACT_SIGMOID, 0)
        }
        #expect(abs(d[3] - x[3] * (1 - x[3])) < 1e-7)
        #expect(Activation.sigmoid.backwardNeedsOnlyOutput)
        #expect(!Activation.swish.backwardNeedsOnlyOutput)
        _ = original
    }

    @Test func softmaxCrossEntropyIsStableAndCorrect() {
        let rows = 3
        let cols = 5
        // Huge logits would overflow a naive exp: the fused kernel subtracts the maximum.
        let logits: [Float] = [1, 2, 3, 4, 5, -3, 0.5, 2, 0, 1, 1000, 999, 998, -1000, 0]
        let labels: [Int32] = [4, 0, 1]
        var loss = [Float](repeating: 0, count: rows)
        nnc_softmax_xent(&loss, nil, logits, labels, nil, Int32(rows), Int32(cols), 1, 0)
        var targets = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { targets[r * cols + Int(labels[r])] = 1 }
        var lossT = [Float](repeating: 0, count: rows)
        nnc_softmax_xent(&lossT, nil, logits, nil, targets, Int32(rows), Int32(cols), 1, 0)
        // The loss and the gradient in the same pass give the loss alone's bits.
        var grad = [Float](repeating: 0, count: rows * cols)
        var lossG = [Float](repeating: 0, count: rows)
        nnc_softmax_xent(&lossG, &grad, logits, labels, nil, Int32(rows), Int32(cols), 0.5, 0)
        #expect(lossG == loss)
        // One-hot probability rows give the class indices' gradient.
        var gradT = [Float](repeating: 0, count: rows * cols)
        nnc_softmax_xent(nil, &gradT, logits, nil, targets, Int32(rows), Int32(cols), 0.5, 0)
        #expect(gradT == grad)
        for r in 0..<rows {
            let z = (0..<cols).map { Double(logits[r * cols + $0]) }
            let m = z.max()!
            let p = z.map { exp($0 - m) / z.map { exp($0 - m) }.reduce(0, +) }
            let expected = -log(p[Int(labels[r])])
            #expect(loss[r].isFinite)
            #expect(abs(Double(loss[r]) - expected) <= 1e-4 * max(1, expected))
            #expect(abs(loss[r] - lossT[r]) <= 1e-5 * max(1, abs(loss[r])))
            for j in 0..<cols {
                let g = 0.5 * (p[j] - (j == Int(labels[r]) ? 1 : 0))
                // Float32 exp and log around a log-sum-exp of ~5: 2e-5 absolute.
                #expect(abs(Double(grad[r * cols + j]) - g) <= 2e-5, "row \(r) col \(j)")
            }
        }
    }

    /// The softmax's exponential: within 2 ulp of Foundation's exp over [−87.3, 0] on every
    /// instruction set, 0 below (subnormal), NaN for NaN, and the same bits from the AVX2 and
    /// AVX-512 loops.
    @Test func softmaxExponentialIsWithinTwoUlp() {
        let count = 200_003
        let x = (0..<count).map { -87.33 * Float($0) / Float(count - 1) }
        var byISA: [GEMM.ISA: [Float]] = [:]
        for isa in GEMM.ISA.available {
            GEMM.useISA(isa)
            defer { GEMM.useISA(nil) }
            var y = x
            nnc_exp_nonpositive(&y, y.count)
            var worst = 0
            for i in x.indices {
                let exact = Float(Foundation.exp(Double(x[i])))
                worst = max(worst, abs(Int(exact.bitPattern) - Int(y[i].bitPattern)))
            }
            #expect(worst <= 2, "\(isa): \(worst) ulp")
            var edges: [Float] = [.nan, -.infinity, -100, -87.4, 0, -0.0]
            nnc_exp_nonpositive(&edges, edges.count)
            #expect(edges[0].isNaN)
            #expect(edges[1] == 0 && edges[2] == 0 && edges[3] == 0)
            #expect(edges[4] == 1 && edges[5] == 1)
            byISA[isa] = y
        }
        if let avx512 = byISA[.avx512], let avx2 = byISA[.avx2FMA] {
            #expect(avx512 == avx2)
        }
    }

    /// Row softmax against double precision, in place and not, rows of 1–37 columns (the
    /// exponentials run as one loop over all rows), a NaN row staying NaN.
    @Test func softmaxMatchesDoublePrecision() {
        for cols in [1, 3, 10, 16, 37] {
            let rows = 7
            let x = (0..<rows * cols).map { Float(($0 * 37) % 101) / 7 - 6 + ($0 % cols == 0 ? 40 : 0) }
            var y = [Float](repeating: 0, count: x.count)
            nnc_softmax_forward(&y, x, Int32(rows), Int32(cols))
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer {
                nnc_softmax_forward($0.baseAddress!, $0.baseAddress!, Int32(rows), Int32(cols))
            }
            #expect(inPlace == y)
            for r in 0..<rows {
                let z = (0..<cols).map { Double(x[r * cols + $0]) }
                let m = z.max()!
                let sum = z.map { exp($0 - m) }.reduce(0, +)
                for c in 0..<cols {
                    let p = exp(z[c] - m) / sum
                    // A few roundings, plus float's rounding of z − m (half an ulp of it).
                    let tolerance = p * (4e-7 + 6e-8 * abs(z[c] - m)) + 1e-37
                    #expect(abs(Double(y[r * cols + c]) - p) <= tolerance, "cols \(cols) row \(r)")
                }
            }
        }
        let nan: [Float] = [1, .nan, 2]
        var out = [Float](repeating: 0, count: 3)
        nnc_softmax_forward(&out, nan, 1, 3)
        #expect(out.allSatisfy { $0.isNaN })
    }
}
