import CNNCKernels
import NNCGraph
import NNCKernels
import NNCPlan

/// The fast kernel behind each instruction. Operands come in the order `Kernel` documents.
extension Executor {
    @inline(__always) func f(_ base: Int, _ k: Int) -> UnsafeMutablePointer<Float> {
        operands[base + k].assumingMemoryBound(to: Float.self)
    }

    @inline(__always) func i32(_ base: Int, _ k: Int) -> UnsafeMutablePointer<Int32> {
        operands[base + k].assumingMemoryBound(to: Int32.self)
    }

    var workspace: UnsafeMutablePointer<Float> { arena.workspace }

    /// A seed for this step's dropout mask of one layer.
    func dropoutSeed(_ salt: UInt64) -> UInt64 { NNCRuntime.dropoutSeed(seed: seed, step: steps, salt: salt) }

    func execute(_ instruction: Instruction, _ base: Int, learningRate: Float) {
        let count = instruction.operands.count
        switch instruction.kernel {
        case .dense(let rows, let inputs, let units, let bias, let act, let packed):
            GEMM.multiply(
                c: f(base, 0), ldc: units, a: f(base, 1), lda: inputs, b: f(base, 2), ldb: units,
                m: rows, n: units, k: inputs, packedB: packed ? UnsafePointer(f(base, bias ? 4 : 3)) : nil,
                epilogue: epilogue(bias: bias ? f(base, 3) : nil, act), pool: pool, workspace: workspace)

        case .denseBackwardData(let rows, let inputs, let units):
            GEMM.multiply(
                c: f(base, 0), ldc: inputs, a: f(base, 1), lda: units, b: f(base, 2), ldb: units, transposeB: true,
                m: rows, n: inputs, k: units, pool: pool, workspace: workspace)

        case .denseBackwardWeights(let rows, let inputs, let units, let bias):
            let x = f(base, bias ? 2 : 1)
            let dz = f(base, bias ? 3 : 2)
            GEMM.multiply(
                c: f(base, 0), ldc: units, a: x, lda: inputs, transposeA: true, b: dz, ldb: units,
                m: inputs, n: units, k: rows, pool: pool, workspace: workspace)
            if bias { nnc_column_sums(f(base, 1), dz, Int32(rows), Int32(units)) }

        case .convolution(let s, let bias, let act):
            let y = f(base, 0)
            let x = f(base, 1)
            let w = f(base, 2)
            let b = bias ? f(base, 3) : nil
            let scratch = f(base, bias ? 4 : 3)
            if s.isPointwise {
                GEMM.multiply(
                    c: y, ldc: s.filters, a: x, lda: s.patch, b: w, ldb: s.filters, m: s.window.positions, n: s.filters,
                    k: s.patch, epilogue: epilogue(bias: b, act), pool: pool, workspace: workspace)
            } else {
                ConvolutionKernel.forward(
                    y: y, x: x, w: w, bias: b, s.raw, activation: act.raw, parameter: Float(act.parameter),
                    scratch: scratch, pool: pool, workspace: workspace)
            }

        case .convolutionMaxPool(let s, let bias, let act, let window, let save):
            let k = save ? 2 : 1
            ConvolutionKernel.forwardMaxPool(
                y: f(base, 0), argmax: save ? i32(base, 1) : nil, x: f(base, k), w: f(base, k + 1),
                bias: bias ? f(base, k + 2) : nil, s.raw, pool: window.raw, activation: act.raw,
                parameter: Float(act.parameter), scratch: f(base, bias ? k + 3 : k + 2), pool: pool,
                workspace: workspace)

        case .convolutionBackwardData(let s):
            let dx = f(base, 0)
            let dz = f(base, 1)
            let w = f(base, 2)
            let scratch = f(base, 3)
            if s.isPointwise {
                GEMM.multiply(
                    c: dx, ldc: s.patch, a: dz, lda: s.filters, b: w, ldb: s.filters, transposeB: true,
                    m: s.window.positions, n: s.patch, k: s.filters, pool: pool, workspace: workspace)
            } else {
                ConvolutionKernel.backwardData(
                    dx: dx, dz: dz, w: w, s.raw, scratch: scratch, pool: pool, workspace: workspace)
            }

        case .convolutionBackwardWeights(let s, let bias):
            let dw = f(base, 0)
            let x = f(base, bias ? 2 : 1)
            let dz = f(base, bias ? 3 : 2)
            let scratch = f(base, bias ? 4 : 3)
            if s.isPointwise {
                GEMM.multiply(
                    c: dw, ldc: s.filters, a: x, lda: s.patch, transposeA: true, b: dz, ldb: s.filters,
                    m: s.patch, n: s.filters, k: s.window.positions, pool: pool, workspace: workspace)
            } else {
                ConvolutionKernel.backwardWeights(
                    dw: dw, x: x, dz: dz, s.raw, scratch: scratch, pool: pool, workspace: workspace)
            }
            if bias { nnc_column_sums(f(base, 1), dz, Int32(s.window.positions), Int32(s.filters)) }

        case .maxPool(let g, let save):
            nnc_maxpool_forward(f(base, 0), save ? i32(base, 1) : nil, f(base, save ? 2 : 1), g.raw)

        case .maxPoolBackward(let g):
            inRanges(.maxPoolBackward(g.raw), count: g.batch, work: g.inputElements, base, operandCount: count)

        case .averagePool(let g, let countPadding):
            nnc_avgpool_forward(f(base, 0), f(base, 1), g.raw, countPadding ? 1 : 0)

        case .averagePoolBackward(let g, let countPadding):
            nnc_avgpool_backward(f(base, 0), f(base, 1), g.raw, countPadding ? 1 : 0)

        case .biasActivation(let rows, let columns, let act):
            nnc_bias_activation(
                f(base, 0), f(base, 1), f(base, 2), Int32(rows), Int32(columns), act.raw, Float(act.parameter))

        case .columnSums(let rows, let columns):
            nnc_column_sums(f(base, 0), f(base, 1), Int32(rows), Int32(columns))

        case .globalAveragePool(let batch, let positions, let channels):
            nnc_global_avgpool_forward(f(base, 0), f(base, 1), Int32(batch), Int32(positions), Int32(channels))

        case .globalAveragePoolBackward(let batch, let positions, let channels):
            nnc_global_avgpool_backward(f(base, 0), f(base, 1), Int32(batch), Int32(positions), Int32(channels))

        case .activation(let act, let n):
            inRanges(.activation(act.raw, Float(act.parameter)), count: n, base, operandCount: count)

        case .activationBackward(let act, let n, _):
            inRanges(.activationBackward(act.raw, Float(act.parameter)), count: n, base, operandCount: count)

        case .softmax(let rows, let columns):
            nnc_softmax_forward(f(base, 0), f(base, 1), Int32(rows), Int32(columns))

        case .softmaxBackward(let rows, let columns):
            nnc_softmax_backward(f(base, 0), f(base, 1), f(base, 2), Int32(rows), Int32(columns))

        case .dropout(let rate, let n, let salt):
            nnc_dropout_forward(f(base, 0), f(base, 1), n, Float(rate), dropoutSeed(salt))

        case .dropoutBackward(let rate, let n, let salt):
            nnc_dropout_backward(f(base, 0), f(base, 1), n, Float(rate), dropoutSeed(salt))

        case .alphaDropout(let rate, let n, let salt):
            let d = Dropout(rate: rate)
            nnc_alpha_dropout_forward(
                f(base, 0), f(base, 1), n, Float(rate), Float(d.alphaScale), Float(d.alphaShift),
                Float(Dropout.alphaPrime), dropoutSeed(salt))

        case .alphaDropoutBackward(let rate, let n, let salt):
            nnc_alpha_dropout_backward(
                f(base, 0), f(base, 1), n, Float(rate), Float(Dropout(rate: rate).alphaScale), dropoutSeed(salt))

        case .prelu(let s):
            s.extents.withUnsafeBufferPointer { extents in
                s.kept.withUnsafeBufferPointer { kept in
                    nnc_prelu_forward(
                        f(base, 0), f(base, 1), f(base, 2), Int32(s.batch), s.count, Int32(s.extents.count),
                        extents.baseAddress, kept.baseAddress)
                }
            }

        case .preluBackward(let s, let input, let alpha):
            let k = (input ? 1 : 0) + (alpha ? 1 : 0)
            s.extents.withUnsafeBufferPointer { extents in
                s.kept.withUnsafeBufferPointer { kept in
                    nnc_prelu_backward(
                        input ? f(base, 0) : nil, alpha ? f(base, input ? 1 : 0) : nil, f(base, k), f(base, k + 1),
                        f(base, k + 2), Int32(s.batch), s.count, s.keptCount, Int32(s.extents.count),
                        extents.baseAddress,
                        kept.baseAddress)
                }
            }

        case .broadcast(let s), .broadcastBackward(let s):
            let forward = if case .broadcast = instruction.kernel { true } else { false }
            s.extents.withUnsafeBufferPointer { extents in
                s.kept.withUnsafeBufferPointer { kept in
                    (forward ? nnc_broadcast_forward : nnc_broadcast_backward)(
                        f(base, 0), f(base, 1), Int32(s.batch), s.count, s.keptCount, Int32(s.extents.count),
                        extents.baseAddress, kept.baseAddress)
                }
            }

        case .batchNormTraining(let rows, let channels, let momentum, let epsilon, let scale, let center):
            let gamma = scale ? f(base, 6) : nil
            let beta = center ? f(base, scale ? 7 : 6) : nil
            nnc_batchnorm_train_forward(
                f(base, 0), f(base, 1), f(base, 2), f(base, 3), f(base, 4), f(base, 5), gamma, beta,
                Int32(rows), Int32(channels), Float(momentum), Float(epsilon))

        case .batchNormInference(let rows, let channels, let epsilon, let scale, let center):
            let gamma = scale ? f(base, 4) : nil
            let beta = center ? f(base, scale ? 5 : 4) : nil
            nnc_batchnorm_infer(
                f(base, 0), f(base, 1), f(base, 2), f(base, 3), gamma, beta, Int32(rows), Int32(channels),
                Float(epsilon))

        case .batchNormBackward(let rows, let width, let scale, let center),
            .layerNormBackward(let rows, let width, let scale, let center):
            // Both: [dx, dγ?, dβ?, dy, x, mean, invStd, γ?]; batchnorm normalizes columns, layernorm rows.
            let (dGamma, dBeta, rest) = normalizationGradients(base, scale: scale, center: center)
            let gamma = count > rest + 4 ? f(base, rest + 4) : nil
            let backward =
                if case .batchNormBackward = instruction.kernel { nnc_batchnorm_backward } else {
                    nnc_layernorm_backward
                }
            backward(
                f(base, 0), dGamma, dBeta, f(base, rest), f(base, rest + 1), f(base, rest + 2), f(base, rest + 3),
                gamma, Int32(rows), Int32(width))

        case .packWeights(let inputs, let units):
            GEMM.pack(f(base, 0), b: f(base, 1), ldb: units, n: units, k: inputs)

        case .foldBatchNorm(let weights, let channels, let epsilon, let bias, let scale, let center):
            var k = 3
            let b = bias ? f(base, k) : nil
            if bias { k += 1 }
            let mean = f(base, k)
            let variance = f(base, k + 1)
            k += 2
            let gamma = scale ? f(base, k) : nil
            if scale { k += 1 }
            let beta = center ? f(base, k) : nil
            nnc_fold_batchnorm(
                f(base, 0), f(base, 1), f(base, 2), b, mean, variance, gamma, beta, weights, Int32(channels),
                Float(epsilon))

        case .layerNorm(let rows, let features, let epsilon, let scale, let center):
            let gamma = scale ? f(base, 4) : nil
            let beta = center ? f(base, scale ? 5 : 4) : nil
            nnc_layernorm_forward(
                f(base, 0), f(base, 1), f(base, 2), f(base, 3), gamma, beta, Int32(rows), Int32(features),
                Float(epsilon))

        case .groupNorm(let batch, let positions, let channels, let groups, let epsilon, let scale, let center):
            let gamma = scale ? f(base, 4) : nil
            let beta = center ? f(base, scale ? 5 : 4) : nil
            nnc_groupnorm_forward(
                f(base, 0), f(base, 1), f(base, 2), f(base, 3), gamma, beta, Int32(batch), Int32(positions),
                Int32(channels), Int32(groups), Float(epsilon))

        case .groupNormBackward(let batch, let positions, let channels, let groups, let scale, let center):
            let (dGamma, dBeta, rest) = normalizationGradients(base, scale: scale, center: center)
            nnc_groupnorm_backward(
                f(base, 0), dGamma, dBeta, f(base, rest), f(base, rest + 1), f(base, rest + 2), f(base, rest + 3),
                count > rest + 4 ? f(base, rest + 4) : nil, Int32(batch), Int32(positions), Int32(channels),
                Int32(groups))

        case .l2Pool(let g):
            nnc_l2pool_forward(f(base, 0), f(base, 1), g.raw)

        case .l2PoolBackward(let g):
            nnc_l2pool_backward(f(base, 0), f(base, 1), f(base, 2), f(base, 3), g.raw)

        case .add(let n, let inputs):
            for k in 0..<inputs { addInputs[k] = UnsafePointer(f(base, 1 + k)) }
            nnc_add(f(base, 0), addInputs, Int32(inputs), n)

        case .accumulate(let n):
            inRanges(.accumulate, count: n, base, operandCount: count)

        case .concat(let outer, let widths):
            let total = widths.reduce(0, +)
            var column = 0
            for (k, width) in widths.enumerated() {
                let y = f(base, 0)
                let x = f(base, 1 + k)
                for r in 0..<outer { (y + r * total + column).update(from: x + r * width, count: width) }
                column += width
            }

        case .concatBackward(let outer, let widths, let index):
            let total = widths.reduce(0, +)
            let width = widths[index]
            let column = widths[..<index].reduce(0, +)
            let dx = f(base, 0)
            let dy = f(base, 1)
            for r in 0..<outer { (dx + r * width).update(from: dy + r * total + column, count: width) }

        case .embedding(let rows, _, let dimension, let padding):
            nnc_embedding_forward(
                f(base, 0), i32(base, 1), f(base, 2), Int32(rows), Int32(dimension), Int32(padding ?? -1))

        case .embeddingBackward(let rows, let vocabulary, let dimension, let padding):
            nnc_embedding_backward(
                f(base, 0), i32(base, 1), f(base, 2), Int32(rows), Int32(vocabulary), Int32(dimension),
                Int32(padding ?? -1))

        case .loss(let function, let rows, let columns, let gradient):
            loss(function, base, rows: rows, columns: columns, gradient: gradient)

        case .update(let rule, let n):
            inRanges(
                .update(rule, learningRate: learningRate, momentum: momentum, step: steps + 1), count: n,
                work: RangeJob.work(of: rule, n), base, operandCount: count)

        // Regularization and learnable activations (Executor+Regularization.swift).
        case .penalty(let terms):
            penalty(terms, base)
        case .penaltyGradient(let t):
            nnc_penalty_gradient(f(base, 0), f(base, 1), t.count, Float(t.l1), Float(t.l2))
        case .clipByValue(let limit, let n):
            nnc_clip_by_value(f(base, 0), n, Float(limit))
        case .clipByGlobalNorm(let maxNorm, let counts):
            clipByGlobalNorm(maxNorm, counts, base)
        case .weightDecay(let rate, let n):
            nnc_weight_decay(f(base, 0), n, learningRate * Float(rate))
        case .constrain(let constraint, let rows, let units):
            constrain(constraint, f(base, 0), rows: rows, units: units)
        case .swishLearnable(let n):
            nnc_activation_forward(f(base, 0), f(base, 1), n, NNC_ACT_SWISH, f(base, 2).pointee)
        case .swishLearnableBackward(let n, let dx, let dBeta):
            swishBackward(base, count: n, inputGradient: dx, betaGradient: dBeta)

        case .recurrent(let s):
            recurrent(s, base, backward: false)

        case .recurrentBackward(let s):
            recurrent(s, base, backward: true)

        case .recurrentWeightsGradient(let s):
            recurrentWeightsGradient(s, base)

        case .packRecurrentWeights(let s, let transposed):
            packRecurrentWeights(s, base, transposed: transposed)

        case .dropoutMask(let rate, let rows, let columns, let salt):
            nnc_dropout_mask(f(base, 0), rows * columns, Float(rate), dropoutSeed(salt))

        case .scaleSteps(let batch, let steps, let features):
            nnc_scale_steps(f(base, 0), f(base, 1), f(base, 2), Int32(batch), Int32(steps), Int32(features))

        case .sequenceMask(let n, let padding):
            nnc_sequence_mask(f(base, 0), i32(base, 1), n, Int32(padding))

        case .merge(let mode, let n):
            nnc_merge(f(base, 0), f(base, 1), f(base, 2), n, mode.raw)

        case .mergeBackward(let mode, let n):
            let reads = mode == .mul
            nnc_merge_backward(
                f(base, 0), f(base, 1), f(base, 2), reads ? f(base, 3) : nil, reads ? f(base, 4) : nil, n, mode.raw)

        case .upsample(let u):
            nnc_upsample(
                f(base, 0), f(base, 1), Int32(u.batch), Int32(u.h), Int32(u.w), Int32(u.c), Int32(u.sh), Int32(u.sw),
                u.interpolation == .bilinear ? 1 : 0)

        case .upsampleBackward(let u):
            nnc_upsample_backward(
                f(base, 0), f(base, 1), Int32(u.batch), Int32(u.h), Int32(u.w), Int32(u.c), Int32(u.sh), Int32(u.sw),
                u.interpolation == .bilinear ? 1 : 0)

        case .reframe(let r):
            nnc_reframe(
                f(base, 0), f(base, 1), Int32(r.batch), Int32(r.h), Int32(r.w), Int32(r.c), Int32(r.oh), Int32(r.ow),
                Int32(r.top), Int32(r.left))

        case .combine(let operation, let n, let inputs):
            for k in 0..<inputs { addInputs[k] = UnsafePointer(f(base, 1 + k)) }
            nnc_combine(f(base, 0), addInputs, Int32(inputs), n, operation.raw)

        case .combineBackward(let operation, let n, let inputs, let index):
            let reads = operation.backwardReadsInputs
            if reads { for k in 0..<inputs { addInputs[k] = UnsafePointer(f(base, 2 + k)) } }
            nnc_combine_backward(
                f(base, 0), f(base, 1), reads ? addInputs : nil, Int32(inputs), Int32(index), n, operation.raw)

        case .headProduct(let p):
            headProducts(p, c: f(base, 0), a: f(base, 1), b: f(base, 2))

        case .treeLSTM(let s):
            treeForward(s, base)

        case .treeLSTMBackward(let s):
            treeBackward(s, base)

        case .attentionMask(let m, let fill):
            attentionMask(m, fill: fill, base)

        case .addPositions(let s):
            nnc_add_positions(
                f(base, 0), f(base, 1), s.maxWavelength == nil ? f(base, 2) : nil, Int32(s.batch), Int32(s.steps),
                Int32(s.features), s.maxWavelength ?? 0)

        case .addPositionsBackward(let s):
            nnc_add_positions_backward(
                f(base, 0), f(base, 1), Int32(s.batch), Int32(s.steps), Int32(s.features), Int32(s.rows))
        }
    }

    /// Bias and activation as the GEMM's epilogue, applied to each tile as it is finished.
    func epilogue(bias: UnsafeMutablePointer<Float>?, _ act: ActivationFunction) -> GEMM.Epilogue? {
        guard bias != nil || act.kind != .linear else { return nil }
        return GEMM.Epilogue(bias: bias.map { UnsafePointer($0) }, activation: act.raw, parameter: Float(act.parameter))
    }

    func normalizationGradients(_ base: Int, scale: Bool, center: Bool)
        -> (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, Int)
    {
        var k = 1
        let dGamma = scale ? f(base, k) : nil
        if scale { k += 1 }
        let dBeta = center ? f(base, k) : nil
        if center { k += 1 }
        return (dGamma, dBeta, k)
    }

    /// [loss, dy?, y, targets]; the gradient is scaled by 1/rows (the mean over rows).
    func loss(_ function: LossFunction, _ base: Int, rows: Int, columns: Int, gradient: Bool) {
        let loss = f(base, 0)
        let dy: UnsafeMutablePointer<Float>? = gradient ? f(base, 1) : nil
        let y = f(base, gradient ? 2 : 1)
        let t = gradient ? 3 : 2
        let scale = 1 / Float(rows)
        let r = Int32(rows)
        let c = Int32(columns)
        switch function {
        case .meanSquaredError, .sumOfSquares:
            let half: Int32 = function == .sumOfSquares ? 1 : 0
            nnc_mse_forward(loss, y, f(base, t), r, c, half)
            if let dy { nnc_mse_backward(dy, y, f(base, t), r, c, half, scale) }
        case .binaryCrossEntropy(let logits, let smoothing):
            nnc_bce_forward(loss, y, f(base, t), r, c, logits ? 1 : 0, Float(smoothing))
            if let dy { nnc_bce_backward(dy, y, f(base, t), r, c, logits ? 1 : 0, scale, Float(smoothing)) }
        case .categoricalCrossEntropy(let sparse, let smoothing):
            let labels = sparse ? i32(base, t) : nil
            let targets = sparse ? nil : f(base, t)
            nnc_cce_forward(loss, y, targets, labels, r, c, Float(smoothing))
            if let dy { nnc_cce_backward(dy, y, targets, labels, r, c, scale, Float(smoothing)) }
        case .softmaxCrossEntropy(let sparse, let smoothing):
            let labels = sparse ? i32(base, t) : nil
            let targets = sparse ? nil : f(base, t)
            nnc_softmax_xent(loss, dy, y, labels, targets, r, c, scale, Float(smoothing))
        }
    }
}

extension MergeMode {
    var raw: nnc_merge_mode {
        switch self {
        case .sum: NNC_MERGE_SUM
        case .mul: NNC_MERGE_MUL
        case .ave: NNC_MERGE_AVERAGE
        }
    }
}

extension ElementwiseMerge {
    var raw: nnc_combine_op {
        switch self {
        case .subtract: NNC_COMBINE_SUBTRACT
        case .multiply: NNC_COMBINE_MULTIPLY
        case .average: NNC_COMBINE_AVERAGE
        case .maximum: NNC_COMBINE_MAXIMUM
        }
    }
}

extension Activation {
    /// The C kernels' code of the activation (the one map between the two vocabularies).
    public var kernel: nnc_activation {
        switch self {
        case .linear: NNC_ACT_LINEAR
        case .relu: NNC_ACT_RELU
        case .leakyRelu: NNC_ACT_LEAKY_RELU
        case .elu: NNC_ACT_ELU
        case .selu: NNC_ACT_SELU
        case .sigmoid: NNC_ACT_SIGMOID
        case .tanh: NNC_ACT_TANH
        case .lecunTanh: NNC_ACT_LECUN_TANH
        case .softplus: NNC_ACT_SOFTPLUS
        case .swish: NNC_ACT_SWISH
        case .mish: NNC_ACT_MISH
        }
    }
}

extension ActivationFunction {
    /// The C kernels' code of the function's activation.
    var raw: nnc_activation { kind.kernel }
}

extension ConvolutionShape {
    /// The C kernels' description: the geometry of the tensor they read and the method.
    var raw: nnc_conv {
        let padded = paddedInput
        return nnc_conv(
            g: window.raw, filters: Int32(filters), groups: Int32(groups), hp: Int32(padded?.h ?? window.h),
            wp: Int32(padded?.w ?? window.w), padded: padded == nil ? 0 : 1, direct: method == .direct ? 1 : 0)
    }
}

extension WindowGeometry {
    /// The C kernels' window (the one converter between the two).
    public var raw: nnc_window {
        nnc_window(
            batch: Int32(batch), h: Int32(h), w: Int32(w), c: Int32(c), kh: Int32(kh), kw: Int32(kw),
            sh: Int32(sh), sw: Int32(sw), dh: Int32(dh), dw: Int32(dw), pad_top: Int32(padTop),
            pad_left: Int32(padLeft), pad_bottom: Int32(padBottom), pad_right: Int32(padRight),
            oh: Int32(oh), ow: Int32(ow))
    }
}
