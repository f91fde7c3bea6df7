import CNNCKernels
import Foundation
import NNCTestSupport
import Testing

/// Three steps of each optimizer on a tiny problem against the formula written out in
/// double precision (relative tolerance 1e-5, float32 rounding over three steps).
@Suite struct OptimizerTests {
    static let w0: [Float] = [0.5, -1.25, 2.0, 0.0]
    static let grads: [[Float]] = [[0.1, -0.2, 0.3, 0.0], [0.05, 0.4, -0.1, 1.0], [-0.3, 0.1, 0.2, -0.5]]

    @Test(arguments: [(0.0, 0.0, false), (0.9, 0.0, false), (0.9, 0.1, false), (0.9, 0.0, true)])
    func sgd(momentum: Double, dampening: Double, nesterov: Bool) {
        var w = Self.w0
        var v = [Float](repeating: 0, count: 4)
        var ew = Self.w0.map(Double.init)
        var ev = [Double](repeating: 0, count: 4)
        let lr = 0.1
        for g in Self.grads {
            nnc_sgd_update(&w, g, &v, 4, Float(lr), Float(momentum), Float(dampening), nesterov ? 1 : 0)
            for i in 0..<4 {
                let gi = Double(g[i])
                if momentum == 0 {
                    ew[i] -= lr * gi
                    continue
                }
                ev[i] = momentum * ev[i] + (1 - dampening) * gi
                ew[i] -= lr * (nesterov ? gi + momentum * ev[i] : ev[i])
            }
        }
        expectClose(w, ew, relative: 1e-5, "sgd")
    }

    @Test func adagrad() {
        var w = Self.w0
        var acc = [Float](repeating: 0.1, count: 4)
        var ew = Self.w0.map(Double.init)
        var eacc = [Double](repeating: 0.1, count: 4)
        for g in Self.grads {
            nnc_adagrad_update(&w, g, &acc, 4, 0.01, 1e-7)
            for i in 0..<4 {
                let gi = Double(g[i])
                eacc[i] += gi * gi
                ew[i] -= 0.01 * gi / (eacc[i].squareRoot() + 1e-7)
            }
        }
        expectClose(w, ew, relative: 1e-5, "adagrad")
    }

    @Test(arguments: [(false, 0.0), (true, 0.0), (false, 0.9), (true, 0.5)])
    func rmsprop(centered: Bool, momentum: Double) {
        var w = Self.w0
        var ms = [Float](repeating: 0, count: 4)
        var mg = ms
        var mom = ms
        var ew = Self.w0.map(Double.init)
        var ems = [Double](repeating: 0, count: 4)
        var emg = ems
        var emom = ems
        let lr = 0.001
        let rho = 0.9
        let eps = 1e-7
        for g in Self.grads {
            nnc_rmsprop_update(
                &w, g, &ms, &mg, &mom, 4, Float(lr), Float(rho), Float(momentum), Float(eps), centered ? 1 : 0)
            for i in 0..<4 {
                let gi = Double(g[i])
                ems[i] = rho * ems[i] + (1 - rho) * gi * gi
                var denom = (ems[i] + eps).squareRoot()
                if centered {
                    emg[i] = rho * emg[i] + (1 - rho) * gi
                    denom = (ems[i] - emg[i] * emg[i] + eps).squareRoot()
                }
                var step = lr * gi / denom
                if momentum > 0 {
                    emom[i] = momentum * emom[i] + step
                    step = emom[i]
                }
                ew[i] -= step
            }
        }
        expectClose(w, ew, relative: 1e-5, "rmsprop")
    }

    @Test func adadelta() {
        var w = Self.w0
        var eg = [Float](repeating: 0, count: 4)
        var ed = eg
        var ew = Self.w0.map(Double.init)
        var eeg = [Double](repeating: 0, count: 4)
        var eed = eeg
        let rho = 0.95
        let eps = 1e-6
        for g in Self.grads {
            nnc_adadelta_update(&w, g, &eg, &ed, 4, 1, Float(rho), Float(eps))
            for i in 0..<4 {
                let gi = Double(g[i])
                eeg[i] = rho * eeg[i] + (1 - rho) * gi * gi
                let delta = (eed[i] + eps).squareRoot() / (eeg[i] + eps).squareRoot() * gi
                eed[i] = rho * eed[i] + (1 - rho) * delta * delta
                ew[i] -= delta
            }
        }
        expectClose(w, ew, relative: 1e-5, "adadelta")
    }

    @Test(arguments: [(false, 0.0), (true, 0.0), (false, 0.004)])
    func adam(amsgrad: Bool, weightDecay: Double) {
        var w = Self.w0
        var m = [Float](repeating: 0, count: 4)
        var v = m
        var vmax = m
        var ew = Self.w0.map(Double.init)
        var em = [Double](repeating: 0, count: 4)
        var ev = em
        var evmax = em
        let lr = 0.001
        let b1 = 0.9
        let b2 = 0.999
        let eps = 1e-7
        for (t, g) in Self.grads.enumerated() {
            vmax.withUnsafeMutableBufferPointer { vmaxBuffer in
                nnc_adam_update(
                    &w, g, &m, &v, amsgrad ? vmaxBuffer.baseAddress : nil, 4, Float(lr), Float(b1), Float(b2),
                    Float(eps),
                    Float(weightDecay), t + 1)
            }
            for i in 0..<4 {
                let gi = Double(g[i])
                ew[i] -= lr * weightDecay * ew[i]
                em[i] = b1 * em[i] + (1 - b1) * gi
                ev[i] = b2 * ev[i] + (1 - b2) * gi * gi
                evmax[i] = max(evmax[i], ev[i])
                let mh = em[i] / (1 - pow(b1, Double(t + 1)))
                let vh = (amsgrad ? evmax[i] : ev[i]) / (1 - pow(b2, Double(t + 1)))
                ew[i] -= lr * mh / (vh.squareRoot() + eps)
            }
        }
        expectClose(w, ew, relative: 1e-5, "adam")
        // The first Adam step moves each weight by about lr·sign(g).
        #expect(abs(Double(w[0]) - Double(Self.w0[0])) < 0.004)
    }

    /// The vector loop (8 weights at a time) and the scalar tail compute the same update bit
    /// for bit: 20 weights repeat the tiny problem five times, so weights 0–3 take the vector
    /// path and 16–19 the tail (AMSGrad and AdamW included), and all match the formula.
    @Test(arguments: [(false, 0.0), (true, 0.0), (false, 0.004)])
    func adamVectorLoopAgreesWithTail(amsgrad: Bool, weightDecay: Double) {
        let copies = 5
        let count = 4 * copies
        var w = Array([[Float]](repeating: Self.w0, count: copies).joined())
        var m = [Float](repeating: 0, count: count)
        var v = m
        var vmax = m
        for (t, g) in Self.grads.enumerated() {
            let gradients = Array([[Float]](repeating: g, count: copies).joined())
            vmax.withUnsafeMutableBufferPointer { vmaxBuffer in
                nnc_adam_update(
                    &w, gradients, &m, &v, amsgrad ? vmaxBuffer.baseAddress : nil, count, 0.001, 0.9, 0.999, 1e-7,
                    Float(weightDecay), t + 1)
            }
        }
        #expect(Array(w[0..<4]) == Array(w[16..<20]), "vector \(w[0..<4]) vs tail \(w[16..<20])")
        var single = Self.w0
        var m1 = [Float](repeating: 0, count: 4)
        var v1 = m1
        var vmax1 = m1
        for (t, g) in Self.grads.enumerated() {
            vmax1.withUnsafeMutableBufferPointer { vmaxBuffer in
                nnc_adam_update(
                    &single, g, &m1, &v1, amsgrad ? vmaxBuffer.baseAddress : nil, 4, 0.001, 0.9, 0.999, 1e-7,
                    Float(weightDecay), t + 1)
            }
        }
        #expect(Array(w[8..<12]) == single, "vector \(w[8..<12]) vs scalar \(single)")
    }
}
