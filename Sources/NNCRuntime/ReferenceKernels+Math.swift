import Foundation
import NNCGraph
import NNCPlan

/// The formulas behind the reference kernels.
extension ReferenceExecutor {
    static let seluLambda = 1.0507009873554805, seluAlpha = 1.6732632423543772
    static let lecunA = 1.7159, lecunB = 2.0 / 3.0

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    static func softplus(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }

    static func activate(_ f: ActivationFunction, _ x: Double) -> Double {
        let a = f.parameter
        switch f.kind {
        case .linear: return x
        case .relu: return max(0, x)
        case .leakyRelu: return x > 0 ? x : a * x
        case .elu: return x > 0 ? x : a * expm1(x)
        case .selu: return seluLambda * (x > 0 ? x : seluAlpha * expm1(x))
        case .sigmoid: return sigmoid(x)
        case .tanh: return Foundation.tanh(x)
        case .lecunTanh: return lecunA * Foundation.tanh(lecunB * x)
        case .softplus: return softplus(x)
        case .swish: return x * sigmoid(a * x)
        case .mish: return x * Foundation.tanh(softplus(x))
        }
    }

    /// f′ from the output y (when `fromOutput`) or the input x.
    static func derivative(_ f: ActivationFunction, _ v: Double, fromOutput: Bool) -> Double {
        let a = f.parameter
        if fromOutput {
            switch f.kind {
            case .linear: return 1
            case .relu: return v > 0 ? 1 : 0
            case .elu: return v > 0 ? 1 : v + a
            case .selu: return v > 0 ? seluLambda : v + seluLambda * seluAlpha
            case .sigmoid: return v * (1 - v)
            case .tanh: return 1 - v * v
            case .lecunTanh: return lecunB * (lecunA - v * v / lecunA)
            case .leakyRelu, .softplus, .swish, .mish: preconditionFailure("\(f.kind) differentiates from its input")
            }
        }
        switch f.kind {
        case .linear: return 1
        case .relu: return v > 0 ? 1 : 0
        case .leakyRelu: return v > 0 ? 1 : a
        case .elu: return v > 0 ? 1 : a * exp(v)
        case .selu: return v > 0 ? seluLambda : seluLambda * seluAlpha * exp(v)
        case .sigmoid:
            let s = sigmoid(v)
            return s * (1 - s)
        case .tanh:
            let t = Foundation.tanh(v)
            return 1 - t * t
        case .lecunTanh:
            let t = Foundation.tanh(lecunB * v)
            return lecunA * lecunB * (1 - t * t)
        case .softplus: return sigmoid(v)
        case .swish:
            let s = sigmoid(a * v)
            return s + a * v * s * (1 - s)
        case .mish:
            let t = Foundation.tanh(softplus(v))
            return t + v * (1 - t * t) * sigmoid(v)
        }
    }

    static func softmax(_ x: UnsafeMutablePointer<Double>, into y: UnsafeMutablePointer<Double>, _ n: Int) {
        let m = (0..<n).map { x[$0] }.max()!
        var sum = 0.0
        for j in 0..<n {
            y[j] = exp(x[j] - m)
            sum += y[j]
        }
        for j in 0..<n { y[j] /= sum }
    }

    static func columnSums(
        _ out: UnsafeMutablePointer<Double>, _ x: UnsafeMutablePointer<Double>, rows: Int, columns: Int
    ) {
        for c in 0..<columns { out[c] = (0..<rows).reduce(0) { $0 + x[$1 * columns + c] } }
    }

    /// Every (output, input, weight) index triple of a convolution where the input cell is
    /// inside the unpadded input (padding contributes zeros).
    static func convolutionTaps(_ s: ConvolutionShape, _ body: (Int, Int, Int) -> Void) {
        let g = s.window
        let cg = g.c / s.groups
        let fg = s.filters / s.groups
        for b in 0..<g.batch {
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    for f in 0..<s.filters {
                        let group = f / fg
                        let out = ((b * g.oh + oy) * g.ow + ox) * s.filters + f
                        for i in 0..<g.kh {
                            let iy = oy * g.sh - g.padTop + i * g.dh
                            guard iy >= 0 && iy < g.h else { continue }
                            for j in 0..<g.kw {
                                let ix = ox * g.sw - g.padLeft + j * g.dw
                                guard ix >= 0 && ix < g.w else { continue }
                                for cc in 0..<cg {
                                    body(
                                        out, ((b * g.h + iy) * g.w + ix) * g.c + group * cg + cc,
                                        ((i * g.kw + j) * cg + cc) * s.filters + f)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each pooling window's output index and the input cells inside the input.
    static func windows(_ g: WindowGeometry, _ body: (Int, [Int]) -> Void) {
        windows(g, countPadding: false) { out, cells, _ in body(out, cells) }
    }

    /// With the divisor of average pooling: the cells inside the input, or with
    /// `countPadding` the window's cells inside the padded input.
    static func windows(_ g: WindowGeometry, countPadding: Bool, _ body: (Int, [Int], Int) -> Void) {
        for b in 0..<g.batch {
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    for c in 0..<g.c {
                        var cells: [Int] = []
                        var padded = 0
                        for i in 0..<g.kh {
                            let iy = oy * g.sh - g.padTop + i * g.dh
                            for j in 0..<g.kw {
                                let ix = ox * g.sw - g.padLeft + j * g.dw
                                if iy >= -g.padTop && iy < g.h + g.padBottom && ix >= -g.padLeft
                                    && ix < g.w + g.padRight
                                {
                                    padded += 1
                                }
                                if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
                                    cells.append(((b * g.h + iy) * g.w + ix) * g.c + c)
                                }
                            }
                        }
                        body(((b * g.oh + oy) * g.ow + ox) * g.c + c, cells, countPadding ? padded : cells.count)
                    }
                }
            }
        }
    }

    /// Backward of a normalization over `groups` groups of `size` elements each, with
    /// x̂ = (x − μ)·s and g = dy·γ: dx = s/N·(N·g − Σg − x̂·Σ(g·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
    /// Operands: [dx, dγ?, dβ?, dy, x, mean, invStd, γ?].
    func normalizationBackward(
        _ o: [UnsafeMutablePointer<Double>], scale: Bool, center: Bool, groups: Int, size: Int,
        index: (Int, Int) -> Int, parameter: (Int, Int) -> Int, parameters: Int
    ) {
        var k = 1
        let dGamma = scale ? o[k] : nil
        if scale { k += 1 }
        let dBeta = center ? o[k] : nil
        if center { k += 1 }
        let dy = o[k]
        let x = o[k + 1]
        let mean = o[k + 2]
        let invStd = o[k + 3]
        let gamma = o.count > k + 4 ? o[k + 4] : nil
        dGamma?.update(repeating: 0, count: parameters)
        dBeta?.update(repeating: 0, count: parameters)
        let n = Double(size)
        for g in 0..<groups {
            var sum = 0.0
            var dot = 0.0
            for e in 0..<size {
                let i = index(g, e)
                let p = parameter(g, e)
                let xhat = (x[i] - mean[g]) * invStd[g]
                let gi = dy[i] * (gamma?[p] ?? 1)
                sum += gi
                dot += gi * xhat
                dGamma?[p] += dy[i] * xhat
                dBeta?[p] += dy[i]
            }
            for e in 0..<size {
                let i = index(g, e)
                let p = parameter(g, e)
                let xhat = (x[i] - mean[g]) * invStd[g]
                o[0][i] = invStd[g] / n * (n * dy[i] * (gamma?[p] ?? 1) - sum - xhat * dot)
            }
        }
    }

    /// [loss, dy?, y, targets]: per-row losses and the gradient of their mean.
    func loss(_ function: LossFunction, _ o: [UnsafeMutablePointer<Double>], rows: Int, columns: Int, gradient: Bool) {
        let y = o[gradient ? 2 : 1]
        let t = o[gradient ? 3 : 2]
        let dy = gradient ? o[1] : nil
        let scale = 1 / Double(rows)
        let eps = 1e-7
        func clamp(_ p: Double) -> Double { min(max(p, eps), 1 - eps) }
        for r in 0..<rows {
            var total = 0.0
            let row = r * columns
            switch function {
            case .meanSquaredError, .sumOfSquares:
                let half = function == .sumOfSquares
                for j in 0..<columns {
                    let d = y[row + j] - t[row + j]
                    total += half ? 0.5 * d * d : d * d / Double(columns)
                    dy?[row + j] = (half ? d : 2 * d / Double(columns)) * scale
                }
            case .binaryCrossEntropy(let logits, let smoothing):
                for j in 0..<columns {
                    let target = t[row + j] * (1 - smoothing) + 0.5 * smoothing
                    let v = y[row + j]
                    if logits {
                        total += (max(v, 0) - v * target + log1p(exp(-abs(v)))) / Double(columns)
                        dy?[row + j] = (Self.sigmoid(v) - target) / Double(columns) * scale
                    } else {
                        let p = clamp(v)
                        total += -(target * log(p) + (1 - target) * log(1 - p)) / Double(columns)
                        dy?[row + j] = p == v ? (p - target) / (p * (1 - p)) / Double(columns) * scale : 0
                    }
                }
            case .categoricalCrossEntropy(let sparse, let smoothing), .softmaxCrossEntropy(let sparse, let smoothing):
                let targets = (0..<columns).map { j in
                    (sparse ? (Int(t[r]) == j ? 1.0 : 0.0) : t[row + j]) * (1 - smoothing) + smoothing / Double(columns)
                }
                if case .softmaxCrossEntropy = function {
                    let z = (0..<columns).map { y[row + $0] }
                    let m = z.max()!
                    let lse = m + log(z.reduce(0) { $0 + exp($1 - m) })
                    for j in 0..<columns {
                        total += targets[j] * (lse - z[j])
                        dy?[row + j] = (exp(z[j] - lse) - targets[j]) * scale
                    }
                } else {
                    for j in 0..<columns {
                        let p = clamp(y[row + j])
                        if targets[j] != 0 { total -= targets[j] * log(p) }
                        dy?[row + j] = p == y[row + j] ? -targets[j] / p * scale : 0
                    }
                }
            }
            o[0][r] = total
        }
    }

    /// [w, g, state…]: the optimizer formulas (see nnc_optimizers.h).
    func update(_ rule: OptimizerRule, _ o: [UnsafeMutablePointer<Double>], count n: Int, learningRate lr: Double) {
        let w = o[0]
        let g = o[1]
        let t = Double(steps + 1)
        for i in 0..<n {
            switch rule {
            case .sgd(let mu, let dampening, let nesterov, let tied):
                if mu == 0 {
                    w[i] -= lr * g[i]
                    continue
                }
                o[2][i] = mu * o[2][i] + (1 - (tied ? mu : dampening)) * g[i]
                w[i] -= lr * (nesterov ? g[i] + mu * o[2][i] : o[2][i])
            case .adagrad(_, let eps):
                o[2][i] += g[i] * g[i]
                w[i] -= lr * g[i] / (o[2][i].squareRoot() + eps)
            case .rmsprop(let rho, let mu, let eps, let centered):
                o[2][i] = rho * o[2][i] + (1 - rho) * g[i] * g[i]
                var denominator = (o[2][i] + eps).squareRoot()
                if centered {
                    o[3][i] = rho * o[3][i] + (1 - rho) * g[i]
                    denominator = (o[2][i] - o[3][i] * o[3][i] + eps).squareRoot()
                }
                var step = lr * g[i] / denominator
                if mu > 0 {
                    let k = centered ? 4 : 3
                    o[k][i] = mu * o[k][i] + step
                    step = o[k][i]
                }
                w[i] -= step
            case .adadelta(let rho, let eps):
                o[2][i] = rho * o[2][i] + (1 - rho) * g[i] * g[i]
                let delta = (o[3][i] + eps).squareRoot() / (o[2][i] + eps).squareRoot() * g[i]
                o[3][i] = rho * o[3][i] + (1 - rho) * delta * delta
                w[i] -= lr * delta
            case .adam(let b1, let b2, let eps, let amsgrad, let decay):
                w[i] -= lr * decay * w[i]
                o[2][i] = b1 * o[2][i] + (1 - b1) * g[i]
                o[3][i] = b2 * o[3][i] + (1 - b2) * g[i] * g[i]
                var second = o[3][i]
                if amsgrad {
                    o[4][i] = max(o[4][i], o[3][i])
                    second = o[4][i]
                }
                w[i] -= lr * (o[2][i] / (1 - pow(b1, t))) / ((second / (1 - pow(b2, t))).squareRoot() + eps)
            }
        }
    }
}
