import CNNCKernels
import Foundation
import NNCGraph
import NNCPlan

/// The naive double-precision kernel behind each instruction, written from the formulas.
extension ReferenceExecutor {
    func execute(_ instruction: Instruction, learningRate: Double) {
        let o = instruction.operands.map { storage[$0.buffer.rawValue] }
        switch instruction.kernel {
        case .dense(let rows, let inputs, let units, let bias, let act, _):
            // The packed copy of W (inference) holds the same numbers; the reference reads W.
            for r in 0..<rows {
                for u in 0..<units {
                    var s = bias ? o[3][u] : 0
                    for i in 0..<inputs { s += o[1][r * inputs + i] * o[2][i * units + u] }
                    o[0][r * units + u] = Self.activate(act, s)
                }
            }
        case .denseBackwardData(let rows, let inputs, let units):
            for r in 0..<rows {
                for i in 0..<inputs {
                    var s = 0.0
                    for u in 0..<units { s += o[1][r * units + u] * o[2][i * units + u] }
                    o[0][r * inputs + i] = s
                }
            }
        case .denseBackwardWeights(let rows, let inputs, let units, let bias):
            let x = o[bias ? 2 : 1]
            let dz = o[bias ? 3 : 2]
            for i in 0..<inputs {
                for u in 0..<units {
                    var s = 0.0
                    for r in 0..<rows { s += x[r * inputs + i] * dz[r * units + u] }
                    o[0][i * units + u] = s
                }
            }
            if bias { Self.columnSums(o[1], dz, rows: rows, columns: units) }
        case .convolution(let s, let bias, let act):
            let n = s.window.positions * s.filters
            for i in 0..<n { o[0][i] = bias ? o[3][i % s.filters] : 0 }
            Self.convolutionTaps(s) { out, input, weight in o[0][out] += o[1][input] * o[2][weight] }
            for i in 0..<n { o[0][i] = Self.activate(act, o[0][i]) }
        case .convolutionMaxPool(let s, let bias, let act, let pool, let save):
            // The convolution's output (no plan buffer holds it), then the max pool over it.
            let x = o[save ? 2 : 1]
            let w = o[save ? 3 : 2]
            let b = bias ? o[save ? 4 : 3] : nil
            var z = (0..<(s.window.positions * s.filters)).map { b?[$0 % s.filters] ?? 0 }
            Self.convolutionTaps(s) { out, input, weight in z[out] += x[input] * w[weight] }
            z = z.map { Self.activate(act, $0) }
            Self.windows(pool) { out, cells in
                var best = -Double.infinity
                var at = -1
                for cell in cells where z[cell] > best {
                    best = z[cell]
                    at = cell
                }
                o[0][out] = at < 0 ? 0 : best
                if save { o[1][out] = Double(at) }
            }
        case .convolutionBackwardData(let s):
            o[0].update(repeating: 0, count: s.window.inputElements)
            Self.convolutionTaps(s) { out, input, weight in o[0][input] += o[1][out] * o[2][weight] }
        case .convolutionBackwardWeights(let s, let bias):
            let x = o[bias ? 2 : 1]
            let dz = o[bias ? 3 : 2]
            o[0].update(repeating: 0, count: s.patch * s.filters)
            Self.convolutionTaps(s) { out, input, weight in o[0][weight] += dz[out] * x[input] }
            if bias { Self.columnSums(o[1], dz, rows: s.window.positions, columns: s.filters) }
        case .maxPool(let g, let save):
            let x = o[save ? 2 : 1]
            Self.windows(g) { out, cells in
                var best = -Double.infinity
                var at = -1
                for cell in cells where x[cell] > best {
                    best = x[cell]
                    at = cell
                }
                o[0][out] = at < 0 ? 0 : best
                if save { o[1][out] = Double(at) }
            }
        case .maxPoolBackward(let g):
            o[0].update(repeating: 0, count: g.inputElements)
            for i in 0..<(g.positions * g.c) where o[2][i] >= 0 { o[0][Int(o[2][i])] += o[1][i] }
        case .averagePool(let g, let countPadding):
            Self.windows(g, countPadding: countPadding) { out, cells, divisor in
                o[0][out] = cells.reduce(0) { $0 + o[1][$1] } / Double(max(divisor, 1))
            }
        case .averagePoolBackward(let g, let countPadding):
            o[0].update(repeating: 0, count: g.inputElements)
            Self.windows(g, countPadding: countPadding) { out, cells, divisor in
                for cell in cells { o[0][cell] += o[1][out] / Double(max(divisor, 1)) }
            }
        case .biasActivation(let rows, let columns, let act):
            for r in 0..<rows {
                for c in 0..<columns {
                    o[0][r * columns + c] = Self.activate(act, o[1][r * columns + c] + o[2][c])
                }
            }
        case .columnSums(let rows, let columns):
            Self.columnSums(o[0], o[1], rows: rows, columns: columns)
        case .globalAveragePool(let batch, let positions, let channels):
            for b in 0..<batch {
                for c in 0..<channels {
                    var s = 0.0
                    for p in 0..<positions { s += o[1][(b * positions + p) * channels + c] }
                    o[0][b * channels + c] = s / Double(positions)
                }
            }
        case .globalAveragePoolBackward(let batch, let positions, let channels):
            for b in 0..<batch {
                for p in 0..<positions {
                    for c in 0..<channels {
                        o[0][(b * positions + p) * channels + c] = o[1][b * channels + c] / Double(positions)
                    }
                }
            }
        case .activation(let act, let n):
            for i in 0..<n { o[0][i] = Self.activate(act, o[1][i]) }
        case .activationBackward(let act, let n, let fromOutput):
            for i in 0..<n { o[0][i] = o[1][i] * Self.derivative(act, o[2][i], fromOutput: fromOutput) }
        case .softmax(let rows, let columns):
            for r in 0..<rows { Self.softmax(o[1] + r * columns, into: o[0] + r * columns, columns) }
        case .softmaxBackward(let rows, let columns):
            for r in 0..<rows {
                var dot = 0.0
                for c in 0..<columns { dot += o[1][r * columns + c] * o[2][r * columns + c] }
                for c in 0..<columns { o[0][r * columns + c] = o[2][r * columns + c] * (o[1][r * columns + c] - dot) }
            }
        case .dropout(let rate, let n, let salt), .dropoutBackward(let rate, let n, let salt):
            let s = dropoutSeed(salt)
            for i in 0..<n { o[0][i] = nnc_dropout_keeps(s, i, Float(rate)) != 0 ? o[1][i] / (1 - rate) : 0 }
        case .alphaDropout(let rate, let n, let salt):
            let (s, d) = (dropoutSeed(salt), Dropout(rate: rate))
            for i in 0..<n {
                let kept = nnc_dropout_keeps(s, i, Float(rate)) != 0 ? o[1][i] : Dropout.alphaPrime
                o[0][i] = d.alphaScale * kept + d.alphaShift
            }
        case .alphaDropoutBackward(let rate, let n, let salt):
            let (s, a) = (dropoutSeed(salt), Dropout(rate: rate).alphaScale)
            for i in 0..<n { o[0][i] = nnc_dropout_keeps(s, i, Float(rate)) != 0 ? a * o[1][i] : 0 }
        case .prelu(let s):
            for b in 0..<s.batch {
                for e in 0..<s.count {
                    let x = o[1][b * s.count + e]
                    o[0][b * s.count + e] = x > 0 ? x : o[2][s.keptIndex(e)] * x
                }
            }
        case .preluBackward(let s, let input, let alpha):
            let k = (input ? 1 : 0) + (alpha ? 1 : 0)
            let (dy, x, a) = (o[k], o[k + 1], o[k + 2])
            if alpha { for j in 0..<s.keptCount { o[input ? 1 : 0][j] = 0 } }
            for b in 0..<s.batch {
                for e in 0..<s.count {
                    let i = b * s.count + e
                    // At x = 0 exactly, the derivative is taken from the left (α), as in the fast kernel.
                    if input { o[0][i] = x[i] > 0 ? dy[i] : dy[i] * a[s.keptIndex(e)] }
                    if alpha, x[i] <= 0 { o[input ? 1 : 0][s.keptIndex(e)] += dy[i] * x[i] }
                }
            }
        case .broadcast(let s):
            for b in 0..<s.batch {
                for e in 0..<s.count { o[0][b * s.count + e] = o[1][b * s.keptCount + s.keptIndex(e)] }
            }
        case .broadcastBackward(let s):
            for i in 0..<(s.batch * s.keptCount) { o[0][i] = 0 }
            for b in 0..<s.batch {
                for e in 0..<s.count { o[0][b * s.keptCount + s.keptIndex(e)] += o[1][b * s.count + e] }
            }
        case .batchNormTraining(let rows, let channels, let momentum, let epsilon, let scale, let center):
            let gamma = scale ? o[6] : nil
            let beta = center ? o[scale ? 7 : 6] : nil
            for c in 0..<channels {
                var mean = 0.0
                var variance = 0.0
                for r in 0..<rows { mean += o[5][r * channels + c] }
                mean /= Double(rows)
                for r in 0..<rows { variance += (o[5][r * channels + c] - mean) * (o[5][r * channels + c] - mean) }
                variance /= Double(rows)
                let invStd = 1 / (variance + epsilon).squareRoot()
                o[1][c] = mean
                o[2][c] = invStd
                o[3][c] = momentum * o[3][c] + (1 - momentum) * mean
                o[4][c] = momentum * o[4][c] + (1 - momentum) * variance * Double(rows) / Double(max(rows - 1, 1))
                for r in 0..<rows {
                    o[0][r * channels + c] =
                        (gamma?[c] ?? 1) * (o[5][r * channels + c] - mean) * invStd + (beta?[c] ?? 0)
                }
            }
        case .batchNormInference(let rows, let channels, let epsilon, let scale, let center):
            let gamma = scale ? o[4] : nil
            let beta = center ? o[scale ? 5 : 4] : nil
            for r in 0..<rows {
                for c in 0..<channels {
                    o[0][r * channels + c] =
                        (gamma?[c] ?? 1) * (o[1][r * channels + c] - o[2][c]) / (o[3][c] + epsilon).squareRoot()
                        + (beta?[c] ?? 0)
                }
            }
        case .batchNormBackward(let rows, let channels, let scale, let center):
            normalizationBackward(
                o, scale: scale, center: center, groups: channels, size: rows,
                index: { g, k in k * channels + g }, parameter: { g, _ in g }, parameters: channels)
        case .packWeights:
            break  // nothing to pack: the reference multiplies with W itself
        case .foldBatchNorm(let weights, let channels, let epsilon, let bias, let scale, let center):
            var k = 3
            let b = bias ? o[k] : nil
            if bias { k += 1 }
            let mean = o[k]
            let variance = o[k + 1]
            k += 2
            let gamma = scale ? o[k] : nil
            if scale { k += 1 }
            let beta = center ? o[k] : nil
            for c in 0..<channels {
                let s = (gamma?[c] ?? 1) / (variance[c] + epsilon).squareRoot()
                o[1][c] = ((b?[c] ?? 0) - mean[c]) * s + (beta?[c] ?? 0)
            }
            for i in 0..<weights {
                o[0][i] = o[2][i] * (gamma?[i % channels] ?? 1) / (variance[i % channels] + epsilon).squareRoot()
            }
        case .layerNorm(let rows, let features, let epsilon, let scale, let center):
            let gamma = scale ? o[4] : nil
            let beta = center ? o[scale ? 5 : 4] : nil
            for r in 0..<rows {
                let x = o[3] + r * features
                let mean = (0..<features).reduce(0) { $0 + x[$1] } / Double(features)
                let variance = (0..<features).reduce(0) { $0 + (x[$1] - mean) * (x[$1] - mean) } / Double(features)
                let invStd = 1 / (variance + epsilon).squareRoot()
                o[1][r] = mean
                o[2][r] = invStd
                for j in 0..<features {
                    o[0][r * features + j] = (gamma?[j] ?? 1) * (x[j] - mean) * invStd + (beta?[j] ?? 0)
                }
            }
        case .layerNormBackward(let rows, let features, let scale, let center):
            // Groups are rows here, normalized over the features; γ and β are per feature.
            normalizationBackward(
                o, scale: scale, center: center, groups: rows, size: features,
                index: { r, j in r * features + j }, parameter: { _, j in j }, parameters: features)
        case .groupNorm(let batch, let positions, let channels, let groups, let epsilon, let scale, let center):
            let gamma = scale ? o[4] : nil
            let beta = center ? o[scale ? 5 : 4] : nil
            let per = channels / groups
            let size = positions * per
            func index(_ group: Int, _ e: Int) -> Int {
                let (b, g) = (group / groups, group % groups)
                return (b * positions + e / per) * channels + g * per + e % per
            }
            for group in 0..<(batch * groups) {
                let mean = (0..<size).reduce(0) { $0 + o[3][index(group, $1)] } / Double(size)
                let variance =
                    (0..<size).reduce(0) { $0 + (o[3][index(group, $1)] - mean) * (o[3][index(group, $1)] - mean) }
                    / Double(size)
                let invStd = 1 / (variance + epsilon).squareRoot()
                o[1][group] = mean
                o[2][group] = invStd
                for e in 0..<size {
                    let c = (group % groups) * per + e % per
                    o[0][index(group, e)] = (gamma?[c] ?? 1) * (o[3][index(group, e)] - mean) * invStd + (beta?[c] ?? 0)
                }
            }
        case .groupNormBackward(let batch, let positions, let channels, let groups, let scale, let center):
            let per = channels / groups
            normalizationBackward(
                o, scale: scale, center: center, groups: batch * groups, size: positions * per,
                index: { group, e in
                    (group / groups * positions + e / per) * channels + group % groups * per + e % per
                },
                parameter: { group, e in group % groups * per + e % per }, parameters: channels)
        case .l2Pool(let g):
            Self.windows(g) { out, cells in
                o[0][out] =
                    cells.isEmpty
                    ? 0 : (cells.reduce(0) { $0 + o[1][$1] * o[1][$1] } / Double(cells.count)).squareRoot()
            }
        case .l2PoolBackward(let g):
            o[0].update(repeating: 0, count: g.inputElements)
            Self.windows(g) { out, cells in
                // √ has no derivative at 0: an all-zero window passes no gradient (defined as 0).
                guard !cells.isEmpty, o[3][out] > 0 else { return }
                for cell in cells { o[0][cell] += o[1][out] * o[2][cell] / (Double(cells.count) * o[3][out]) }
            }
        case .add(let n, let inputs):
            for i in 0..<n { o[0][i] = (1...inputs).reduce(0) { $0 + o[$1][i] } }
        case .accumulate(let n):
            for i in 0..<n { o[0][i] += o[1][i] }
        case .concat(let outer, let widths):
            let total = widths.reduce(0, +)
            var column = 0
            for (k, width) in widths.enumerated() {
                for r in 0..<outer { for j in 0..<width { o[0][r * total + column + j] = o[1 + k][r * width + j] } }
                column += width
            }
        case .concatBackward(let outer, let widths, let index):
            let total = widths.reduce(0, +)
            let width = widths[index]
            let column = widths[..<index].reduce(0, +)
            for r in 0..<outer { for j in 0..<width { o[0][r * width + j] = o[1][r * total + column + j] } }
        case .embedding(let rows, _, let dimension, let padding):
            for r in 0..<rows {
                let id = Int(o[1][r])
                for j in 0..<dimension { o[0][r * dimension + j] = id == padding ? 0 : o[2][id * dimension + j] }
            }
        case .embeddingBackward(let rows, let vocabulary, let dimension, let padding):
            o[0].update(repeating: 0, count: vocabulary * dimension)
            for r in 0..<rows where Int(o[1][r]) != padding {
                for j in 0..<dimension { o[0][Int(o[1][r]) * dimension + j] += o[2][r * dimension + j] }
            }
        case .loss(let function, let rows, let columns, let gradient):
            loss(function, o, rows: rows, columns: columns, gradient: gradient)
        case .update(let rule, let n):
            update(rule, o, count: n, learningRate: learningRate)

        // Regularization and learnable activations (ReferenceKernels+Regularization.swift).
        case .penalty(let terms):
            o[0][0] = terms.enumerated().reduce(0) { $0 + Self.penalty($1.element, o[1 + $1.offset]) }
        case .penaltyGradient(let t):
            for i in 0..<t.count { o[0][i] += t.l1 * Self.sign(o[1][i]) + 2 * t.l2 * o[1][i] }
        case .clipByValue(let limit, let n):
            for i in 0..<n { o[0][i] = min(max(o[0][i], -limit), limit) }
        case .clipByGlobalNorm(let maxNorm, let counts):
            Self.clipByGlobalNorm(maxNorm, counts, o)
        case .weightDecay(let rate, let n):
            for i in 0..<n { o[0][i] -= learningRate * rate * o[0][i] }
        case .constrain(let constraint, let rows, let units):
            Self.constrain(constraint, o[0], rows: rows, units: units)
        case .swishLearnable(let n):
            for i in 0..<n { o[0][i] = Self.activate(ActivationFunction(.swish, parameter: o[2][0]), o[1][i]) }
        case .swishLearnableBackward(let n, let dx, let dBeta):
            Self.swishBackward(o, count: n, inputGradient: dx, betaGradient: dBeta)

        // Recurrent layers (ReferenceKernels+Recurrent.swift).
        case .recurrent(let s):
            recurrentForward(s, o)
        case .recurrentBackward(let s):
            recurrentBackward(s, o)
        case .recurrentWeightsGradient(let s):
            recurrentWeightsGradient(s, o)
        case .packRecurrentWeights(let s, let transposed):
            packRecurrentWeights(s, o, transposed: transposed)
        case .dropoutMask(let rate, let rows, let columns, let salt):
            let seed = dropoutSeed(salt)
            for i in 0..<(rows * columns) {
                o[0][i] = nnc_dropout_keeps(seed, i, Float(rate)) != 0 ? 1 / (1 - rate) : 0
            }
        case .scaleSteps(let batch, let steps, let features):
            for i in 0..<(batch * steps * features) {
                o[0][i] = o[1][i] * o[2][i / (steps * features) * features + i % features]
            }
        case .sequenceMask(let n, let padding):
            for i in 0..<n { o[0][i] = Int(o[1][i]) == padding ? 0 : 1 }
        case .merge(let mode, let n):
            for i in 0..<n {
                o[0][i] =
                    switch mode {
                    case .sum: o[1][i] + o[2][i]
                    case .mul: o[1][i] * o[2][i]
                    case .ave: (o[1][i] + o[2][i]) / 2
                    }
            }
        case .mergeBackward(let mode, let n):
            for i in 0..<n {
                switch mode {
                case .sum: (o[0][i], o[1][i]) = (o[2][i], o[2][i])
                case .mul: (o[0][i], o[1][i]) = (o[2][i] * o[4][i], o[2][i] * o[3][i])
                case .ave: (o[0][i], o[1][i]) = (o[2][i] / 2, o[2][i] / 2)
                }
            }
        case .upsample(let u):
            for i in 0..<(u.batch * u.h * u.sh * u.w * u.sw * u.c) { o[0][i] = 0 }
            Self.upsampleTaps(u) { out, input, weight in o[0][out] += weight * o[1][input] }
        case .upsampleBackward(let u):
            for i in 0..<(u.batch * u.h * u.w * u.c) { o[0][i] = 0 }
            Self.upsampleTaps(u) { out, input, weight in o[0][input] += weight * o[1][out] }
        case .reframe(let r):
            for b in 0..<r.batch {
                for i in 0..<r.oh {
                    for j in 0..<r.ow {
                        let (si, sj) = (i + r.top, j + r.left)
                        let inside = si >= 0 && si < r.h && sj >= 0 && sj < r.w
                        for c in 0..<r.c {
                            o[0][((b * r.oh + i) * r.ow + j) * r.c + c] =
                                inside ? o[1][((b * r.h + si) * r.w + sj) * r.c + c] : 0
                        }
                    }
                }
            }
        case .combine(let operation, let n, let inputs):
            for i in 0..<n { o[0][i] = Self.combine(operation, (1...inputs).map { o[$0][i] }) }
        case .combineBackward(let operation, let n, let inputs, let index):
            let reads = operation.backwardReadsInputs
            for i in 0..<n {
                o[0][i] =
                    o[1][i]
                    * Self.combineDerivative(
                        operation, reads ? (2..<2 + inputs).map { o[$0][i] } : [], inputs: inputs, index)
            }
        case .headProduct(let p):
            Self.headProduct(p, c: o[0], a: o[1], b: o[2])
        case .treeLSTM(let s):
            Self.treeLSTM(s, o)
        case .treeLSTMBackward(let s):
            Self.treeLSTMBackward(s, o)
        case .attentionMask(let m, let fill):
            Self.attentionMask(m, fill: fill, o)
        case .addPositions(let s):
            for b in 0..<s.batch {
                for t in 0..<s.steps {
                    for i in 0..<s.features {
                        let p = s.maxWavelength.map { Self.sinusoid(t, i, s.features, $0) } ?? o[2][t * s.features + i]
                        let at = (b * s.steps + t) * s.features + i
                        o[0][at] = o[1][at] + p
                    }
                }
            }
        case .addPositionsBackward(let s):
            for i in 0..<(s.rows * s.features) { o[0][i] = 0 }
            for b in 0..<s.batch {
                for i in 0..<(s.steps * s.features) { o[0][i] += o[1][b * s.steps * s.features + i] }
            }
        }
    }
}
