import Foundation
import NNCGraph

/// The geometry of a convolution or pooling window over channels-last tensors
/// [batch, h, w, c] (1-D ops use h = 1), with per-side padding and the output size.
public struct WindowGeometry: Sendable, Equatable {
    public var batch, h, w, c: Int
    public var kh, kw, sh, sw, dh, dw: Int
    public var padTop, padLeft, padBottom, padRight: Int
    public var oh, ow: Int

    public init(
        batch: Int, h: Int, w: Int, c: Int, kh: Int, kw: Int, sh: Int, sw: Int, dh: Int = 1, dw: Int = 1,
        padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0, oh: Int, ow: Int
    ) {
        (self.batch, self.h, self.w, self.c) = (batch, h, w, c)
        (self.kh, self.kw, self.sh, self.sw, self.dh, self.dw) = (kh, kw, sh, sw, dh, dw)
        (self.padTop, self.padLeft, self.padBottom, self.padRight) = (padTop, padLeft, padBottom, padRight)
        (self.oh, self.ow) = (oh, ow)
    }

    public var positions: Int { batch * oh * ow }
    public var inputElements: Int { batch * h * w * c }

    /// Windows that tile the input from its origin without overlap (kernel = stride, no
    /// dilation or padding, floor rounding): a max pool of this shape can run inside the
    /// kernel that produces its input.
    public var tilesWithoutOverlap: Bool {
        kh == sh && kw == sw && dh == 1 && dw == 1 && padTop + padLeft + padBottom + padRight == 0 && oh * sh <= h
            && ow * sw <= w
    }
}

/// The size of weights packed for the GEMM: B[k×n] in 16-column panels (the microkernel's
/// width), the last panel zero-padded. Mirrors `nnc_sgemm_packed_b_floats` (a test checks).
public enum PackedWeights {
    public static let panelWidth = 16
    public static func floats(inputs k: Int, units n: Int) -> Int { (n + panelWidth - 1) / panelWidth * panelWidth * k }
}

/// A convolution: the window, filters and groups.
public struct ConvolutionShape: Sendable, Equatable {
    public var window: WindowGeometry
    public var filters: Int
    public var groups: Int
    /// Taps of one group's patch (rows of its weights): kh·kw·c/groups.
    public var patch: Int { window.kh * window.kw * window.c / groups }

    /// A 1×1, stride-1, unpadded convolution over one group is a GEMM on x itself: no columns.
    public var isPointwise: Bool {
        let g = window
        return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padTop + g.padBottom + g.padLeft + g.padRight == 0
            && groups == 1
    }

    /// How the fast executor computes the convolution: a GEMM on x (pointwise), or kernels that
    /// read every patch in place (no im2col buffer) in tiles of 6 positions × 16 filters
    /// (implicit GEMM) or, for one input channel at unit column stride and at most 6 filters
    /// (one tile's rows), of 6 filters × 16 consecutive positions (direct), whichever leaves
    /// fewer vector lanes idle.
    public var method: ConvolutionMethod {
        if isPointwise { return .pointwise }
        let g = window
        guard g.c == 1 && groups == 1 && g.sw == 1 && filters <= 6 else { return .implicitGEMM }
        let implicitLanes = Double(filters) / Double((filters + 15) / 16 * 16)
        let directLanes = Double(filters) / Double((filters + 5) / 6 * 6) * Double(g.ow) / Double((g.ow + 15) / 16 * 16)
        return directLanes > implicitLanes ? .direct : .implicitGEMM
    }

    /// Rows and columns of the zero-padded copy of the input the kernels read, or nil when
    /// they read x itself. The direct method's rows leave room for 16 positions per tile.
    public var paddedInput: (h: Int, w: Int)? {
        let g = window
        guard method != .pointwise else { return nil }
        let h = max(g.h + g.padTop + g.padBottom, (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1)
        var w = max(g.w + g.padLeft + g.padRight, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1)
        if method == .direct { w = max(w, (g.ow + 15) / 16 * 16 + (g.kw - 1) * g.dw) }
        if method != .direct && g.padTop == 0 && g.padLeft == 0 && h == g.h && w == g.w { return nil }
        return (h, w)
    }
}

/// A rectangle of an image copied into a new frame: y[b][i][j][c] = x[b][i + top][j + left][c],
/// zero where that cell lies outside x. Zero padding reads from a negative offset (top = −pad),
/// cropping from a positive one; each is the other's gradient.
public struct Reframe: Sendable, Equatable {
    public var batch, h, w, c: Int
    public var oh, ow: Int
    public var top, left: Int

    public init(batch: Int, h: Int, w: Int, c: Int, oh: Int, ow: Int, top: Int, left: Int) {
        (self.batch, self.h, self.w, self.c, self.oh, self.ow, self.top, self.left) =
            (batch, h, w, c, oh, ow, top, left)
    }

    /// The gradient's frame: the same copy backwards, from y's shape to x's.
    public var reversed: Reframe {
        Reframe(batch: batch, h: oh, w: ow, c: c, oh: h, ow: w, top: -top, left: -left)
    }
}

/// upsampling2d over channels-last images x [batch][h][w][c] → y [batch][h·sh][w·sw][c].
public struct Upsample: Sendable, Equatable {
    public var batch, h, w, c: Int
    public var sh, sw: Int
    public var interpolation: Interpolation

    public init(batch: Int, h: Int, w: Int, c: Int, sh: Int, sw: Int, interpolation: Interpolation) {
        (self.batch, self.h, self.w, self.c, self.sh, self.sw) = (batch, h, w, c, sh, sw)
        self.interpolation = interpolation
    }
}

/// A per-sample tensor "full" seen against a smaller "kept" tensor that repeats along some of
/// its axes (size 1 there): prelu's α against its input, a merge operand broadcast to the
/// merge's output. Full's axes are grouped into runs that the kept tensor keeps or shares
/// (adjacent axes of one kind merged): the kept index of element e is e's digits in the kept runs.
public struct BroadcastShape: Sendable, Equatable {
    public var batch: Int
    /// Per-sample elements of the full tensor.
    public var count: Int
    /// The runs of axes, outermost first, and whether the kept tensor varies along each.
    public var extents: [Int]
    public var kept: [Bool]
    /// Per-sample elements of the kept tensor.
    public var keptCount: Int { zip(extents, kept).reduce(1) { $1.1 ? $0 * $1.0 : $0 } }

    /// `kept` has full's rank, 1 on every axis it repeats along and full's size elsewhere.
    public init(batch: Int, full: [Int], kept keptDims: [Int]) {
        self.batch = batch
        count = full.reduce(1, *)
        var extents: [Int] = []
        var kept: [Bool] = []
        for (d, a) in zip(full, keptDims) where d > 1 {
            let keeps = a == d
            if kept.last == keeps {
                extents[extents.count - 1] *= d
            } else {
                (extents, kept) = (extents + [d], kept + [keeps])
            }
        }
        (self.extents, self.kept) = (extents.isEmpty ? [1] : extents, kept.isEmpty ? [true] : kept)
    }

    /// The kept tensor's index of per-sample element e.
    public func keptIndex(_ e: Int) -> Int {
        var (rest, index, stride) = (e, 0, 1)
        for k in extents.indices.reversed() {
            let digit = rest % extents[k]
            rest /= extents[k]
            if kept[k] {
                index += digit * stride
                stride *= extents[k]
            }
        }
        return index
    }
}

/// The algorithms of the fast convolution kernels (`ConvolutionShape.method`).
public enum ConvolutionMethod: String, Sendable {
    case pointwise = "gemm", implicitGEMM = "implicit gemm", direct = "direct"
}

/// The loss functions, as the loss kernels compute them (per row, then averaged over the batch).
public enum LossFunction: Sendable, Equatable {
    case meanSquaredError
    case sumOfSquares
    /// Binary cross-entropy per output, from probabilities or logits; smoothing pulls targets to 0.5.
    case binaryCrossEntropy(fromLogits: Bool, smoothing: Double)
    /// −Σ t·log p over a row of probabilities: soft targets, or class ids when `sparse`.
    case categoricalCrossEntropy(sparse: Bool, smoothing: Double)
    /// Softmax and cross-entropy in one stable kernel, on logits: the targets are class ids
    /// (`sparse`) or probability rows.
    case softmaxCrossEntropy(sparse: Bool, smoothing: Double)
}

/// An optimizer and its hyperparameters (the learning rate comes with each step).
public enum OptimizerRule: Sendable, Equatable {
    /// With `dampeningFromMomentum` the dampening is each step's momentum μ (a scheduled one
    /// included): v = μ·v + (1 − μ)·g, Hinton et al. 2012's Δw = μ·Δw − (1 − μ)·ε·g.
    case sgd(momentum: Double, dampening: Double, nesterov: Bool, dampeningFromMomentum: Bool)
    case adagrad(initialAccumulator: Double, epsilon: Double)
    case rmsprop(rho: Double, momentum: Double, epsilon: Double, centered: Bool)
    case adadelta(rho: Double, epsilon: Double)
    case adam(beta1: Double, beta2: Double, epsilon: Double, amsgrad: Bool, weightDecay: Double)

    /// Names of the state tensors kept per parameter, in operand order.
    public var stateNames: [String] {
        switch self {
        case .sgd(let momentum, _, _, _): momentum > 0 ? ["velocity"] : []
        case .adagrad: ["accumulator"]
        case .rmsprop(_, let momentum, _, let centered):
            ["mean_square"] + (centered ? ["mean_gradient"] : []) + (momentum > 0 ? ["momentum"] : [])
        case .adadelta: ["mean_square_gradient", "mean_square_update"]
        case .adam(_, _, _, let amsgrad, _): ["m", "v"] + (amsgrad ? ["v_max"] : [])
        }
    }

    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adagrad: "adagrad"
        case .rmsprop: "rmsprop"
        case .adadelta: "adadelta"
        case .adam(_, _, _, _, let decay): decay > 0 ? "adamw" : "adam"
        }
    }
}

/// The elementwise merge layers other than `add`, over inputs of one shape.
public enum ElementwiseMerge: String, Sendable, Equatable {
    /// y = x₁ − x₂ (exactly two inputs).
    case subtract
    /// y = x₁ · x₂ · … · xₙ; ∂y/∂x_i is the product of the other inputs.
    case multiply
    /// y = (x₁ + … + xₙ) / n; ∂y/∂x_i = 1/n.
    case average
    /// y = max(x₁, …, xₙ); ∂y reaches only the largest input, on a tie the first listed.
    case maximum

    /// True when an input's gradient needs the inputs' values, not just ∂y.
    public var backwardReadsInputs: Bool {
        switch self {
        case .subtract, .average: false
        case .multiply, .maximum: true
        }
    }

    /// True when input `index`'s gradient is ∂y itself, shared rather than computed.
    public func passesGradientUnchanged(to index: Int) -> Bool {
        switch self {
        case .subtract: index == 0
        case .multiply, .average, .maximum: false
        }
    }
}

/// What an instruction computes. Operands are listed outputs first, in the order given
/// with each case; `?` marks an operand present only when the flag says so.
public enum Kernel: Sendable, Equatable {
    /// y[rows×units] = f(x·W + b): [y out, x in, W in, b in?, W packed in?]. The bias and
    /// activation are the GEMM's epilogue; inference plans pass W pre-packed into panels.
    case dense(rows: Int, inputs: Int, units: Int, bias: Bool, activation: ActivationFunction, packed: Bool)
    /// dx = dy·Wᵀ: [dx out, dy in, W in].
    case denseBackwardData(rows: Int, inputs: Int, units: Int)
    /// dW = xᵀ·dy, db = Σ rows dy: [dW out, db out?, x in, dy in].
    case denseBackwardWeights(rows: Int, inputs: Int, units: Int, bias: Bool)
    /// y = f(conv(x, W) + b) by the shape's `method`: [y out, x in, W in, b in?, padded x scratch].
    case convolution(ConvolutionShape, bias: Bool, activation: ActivationFunction)
    /// dx = col2im(dy·Wᵀ), each patch's share added in place: [dx out, dy in, W in, padded dx scratch].
    case convolutionBackwardData(ConvolutionShape)
    /// dW = patchesᵀ·dy, db = Σ dy: [dW out, db out?, x in, dy in, padded x scratch].
    case convolutionBackwardWeights(ConvolutionShape, bias: Bool)
    /// y = maxpool(f(conv(x, W) + b)) for a max pool whose windows tile the convolution's
    /// output, which is never stored; the argmax (training) indexes it, as the pool's own would:
    /// [y out, argmax out?, x in, W in, b in?, padded x scratch].
    case convolutionMaxPool(
        ConvolutionShape, bias: Bool, activation: ActivationFunction, pool: WindowGeometry, saveArgmax: Bool)
    /// y = f(x + b) over rows of x[rows][columns], b per column (a transposed convolution's
    /// bias and activation): [y out, x in, b in]; may run in place.
    case biasActivation(rows: Int, columns: Int, activation: ActivationFunction)
    /// db = Σ rows dy (a bias's gradient): [db out, dy in].
    case columnSums(rows: Int, columns: Int)
    /// [y out, argmax out?, x in]; the argmax (int32) is kept for backward when training.
    case maxPool(WindowGeometry, saveArgmax: Bool)
    /// [dx out, dy in, argmax in].
    case maxPoolBackward(WindowGeometry)
    /// [y out, x in].
    case averagePool(WindowGeometry, countPadding: Bool)
    /// [dx out, dy in].
    case averagePoolBackward(WindowGeometry, countPadding: Bool)
    /// Mean over the middle axis of x[batch][positions][channels]: [y out, x in].
    case globalAveragePool(batch: Int, positions: Int, channels: Int)
    /// [dx out, dy in].
    case globalAveragePoolBackward(batch: Int, positions: Int, channels: Int)
    /// y = f(x): [y out, x in]; may run in place.
    case activation(ActivationFunction, count: Int)
    /// dx = dy·f′: [dx out, dy in, y in] when the derivative reads the output, else [dx out, dy in, x in].
    case activationBackward(ActivationFunction, count: Int, fromOutput: Bool)
    /// Row softmax: [y out, x in].
    case softmax(rows: Int, columns: Int)
    /// dx = y·(dy − Σ dy·y): [dx out, dy in, y in].
    case softmaxBackward(rows: Int, columns: Int)
    /// Inverted dropout with a mask hashed from (step seed, salt, index), recomputed in backward: [y out, x in].
    case dropout(rate: Double, count: Int, salt: UInt64)
    /// [dx out, dy in].
    case dropoutBackward(rate: Double, count: Int, salt: UInt64)
    /// alpha_dropout (`Dropout.alphaScale`, `alphaShift`) with dropout's mask: [y out, x in].
    case alphaDropout(rate: Double, count: Int, salt: UInt64)
    /// dx = a·keep·dy: [dx out, dy in].
    case alphaDropoutBackward(rate: Double, count: Int, salt: UInt64)
    /// y = x > 0 ? x : α·x: [y out, x in, α in].
    case prelu(BroadcastShape)
    /// dx = dy·(x > 0 ? 1 : α), dα = Σ dy·x over the elements with x ≤ 0 sharing each α:
    /// [dx out?, dα out?, dy in, x in, α in].
    case preluBackward(BroadcastShape, inputGradient: Bool, alphaGradient: Bool)
    /// A merge operand repeated along the axes it has size 1 on, to the merge's output shape
    /// (Keras's broadcasting): [y out (full), x in (kept)].
    case broadcast(BroadcastShape)
    /// Its gradient: each kept element gets the sum of the full gradient over its repeats:
    /// [dx out (kept), dy in (full)].
    case broadcastBackward(BroadcastShape)
    /// Training batchnorm over x[rows][channels]:
    /// [y out, mean out, invStd out, runningMean inout, runningVariance inout, x in, γ in?, β in?].
    case batchNormTraining(rows: Int, channels: Int, momentum: Double, epsilon: Double, scale: Bool, center: Bool)
    /// Inference batchnorm on the running statistics: [y out, x in, runningMean in, runningVariance in, γ in?, β in?].
    case batchNormInference(rows: Int, channels: Int, epsilon: Double, scale: Bool, center: Bool)
    /// [dx out, dγ out?, dβ out?, dy in, x in, mean in, invStd in, γ in?].
    case batchNormBackward(rows: Int, channels: Int, scale: Bool, center: Bool)
    /// Packs W[inputs×units] into the GEMM's panels once (in `prepare`): [W packed out, W in].
    case packWeights(inputs: Int, units: Int)
    /// Folds inference batchnorm into the preceding layer's weights (run once, in `prepare`):
    /// W′ = W·s, b′ = (b − μ)·s + β with s = γ/√(σ² + ε) per output channel:
    /// [W′ out, b′ out, W in, b in?, runningMean in, runningVariance in, γ in?, β in?].
    case foldBatchNorm(weights: Int, channels: Int, epsilon: Double, bias: Bool, scale: Bool, center: Bool)
    /// Per-row normalization over the last axis: [y out, mean out, invStd out, x in, γ in?, β in?].
    case layerNorm(rows: Int, features: Int, epsilon: Double, scale: Bool, center: Bool)
    /// [dx out, dγ out?, dβ out?, dy in, x in, mean in, invStd in, γ in?].
    case layerNormBackward(rows: Int, features: Int, scale: Bool, center: Bool)
    /// Per sample and group of channels over every position of x[batch][positions][channels]:
    /// [y out, mean out, invStd out (batch·groups each), x in, γ in?, β in?].
    case groupNorm(batch: Int, positions: Int, channels: Int, groups: Int, epsilon: Double, scale: Bool, center: Bool)
    /// [dx out, dγ out?, dβ out?, dy in, x in, mean in, invStd in, γ in?].
    case groupNormBackward(batch: Int, positions: Int, channels: Int, groups: Int, scale: Bool, center: Bool)
    /// y = √(mean of x² over the window's cells inside x): [y out, x in].
    case l2Pool(WindowGeometry)
    /// dx = Σ over windows dy·x/(n·y), 0 where y = 0: [dx out, dy in, x in, y in].
    case l2PoolBackward(WindowGeometry)
    /// y = Σ inputs: [y out, x₁ in, …, xₙ in].
    case add(count: Int, inputs: Int)
    /// y += x: [y inout, x in] (gradients of a value read by several layers).
    case accumulate(count: Int)
    /// Joins rows along the last axis: [y out, x₁ in, …] with x_i [outer][widths[i]].
    case concat(outer: Int, widths: [Int])
    /// Takes input `index`'s columns of dy: [dx out, dy in].
    case concatBackward(outer: Int, widths: [Int], index: Int)
    /// y[rows][dim] = table[ids[rows]]: [y out, ids in, table in].
    case embedding(rows: Int, vocabulary: Int, dimension: Int, paddingIndex: Int?)
    /// dTable = Σ scatter of dy by id (the padding row stays zero): [dTable out, ids in, dy in].
    case embeddingBackward(rows: Int, vocabulary: Int, dimension: Int, paddingIndex: Int?)
    /// Per-row losses and their gradient (scaled by 1/rows, the batch mean) in one pass:
    /// [loss out, dy out?, y in, targets in]; inference evaluation omits dy.
    case loss(LossFunction, rows: Int, columns: Int, gradient: Bool)
    /// One optimizer step of one parameter tensor: [w inout, g in, state… inout].
    case update(OptimizerRule, count: Int)

    // MARK: Regularization, gradient clipping, weight decay and constraints (training plans)
    // A parameter's step runs: gradient, penalty gradient, clip, decay, update, constraint,
    // Keras's order (`BaseOptimizer.apply`), lowered by `UpdateLowering`. See `Regularization.swift` for the formulas.

    /// The step's regularization penalty Σₖ l1ₖ·Σ|wₖ| + l2ₖ·Σwₖ², part of the reported loss:
    /// [penalty out (1 float), w₁ in, …, wₙ in], one term per operand.
    case penalty([PenaltyTerm])
    /// ∂penalty/∂w into a parameter's gradient: g += l1·sign(w) + 2·l2·w: [g inout, w in].
    case penaltyGradient(PenaltyTerm)
    /// g ← clip(g, −limit, limit) per element (Keras's clipvalue): [g inout].
    case clipByValue(limit: Double, count: Int)
    /// norm = √(Σᵢ Σ gᵢ²) over every parameter gradient, then gᵢ ← gᵢ·c/max(norm, c)
    /// (Keras's global_clipnorm, PyTorch's clip_grad_norm_): [norm out (1 float), g₁ inout, …].
    case clipByGlobalNorm(maxNorm: Double, counts: [Int])
    /// Decoupled weight decay before the optimizer step: w ← w − lr·λ·w: [w inout].
    case weightDecay(rate: Double, count: Int)
    /// A constraint after the optimizer step, w seen as [rows][units]: [w inout].
    case constrain(WeightConstraint, rows: Int, units: Int)

    // MARK: Learnable activation parameters

    /// Swish with a learned β: y = x·σ(β·x): [y out, x in, β in (1 float)].
    case swishLearnable(count: Int)
    /// dx = dy·(σ + βx·σ(1 − σ)), dβ = Σ dy·x²·σ(1 − σ) with σ = σ(βx):
    /// [dx out?, dβ out?, dy in, x in, β in].
    case swishLearnableBackward(count: Int, inputGradient: Bool, betaGradient: Bool)

    // MARK: Recurrent layers (lowered in Lowerer+Recurrent.swift, run by Executor+Recurrent.swift)

    /// Every timestep of one recurrent direction: per step one GEMM s·U (two for GRU reset
    /// before; one more, xₜ·W + b, with `fusedProjection`) and one fused gate kernel, the batch split over the threads (rows are
    /// independent, so no step waits for another thread). Operands per `RecurrentShape.ForwardSlot`.
    case recurrent(RecurrentShape)
    /// Backpropagation through time: per step (last to first) one fused gate-gradient kernel
    /// and one GEMM dz·Uᵀ. Operands per `RecurrentShape.BackwardSlot`.
    case recurrentBackward(RecurrentShape)
    /// dU = Σₜ sₜᵀ·dzₜ as one GEMM over batch·steps rows (GRU reset before: one per column
    /// block, the second over r⊙s), and the recurrent bias row db_r = Σ dzₜ:
    /// [dU out, db inout?, states in, product gradient in, r⊙s in?]; with LSTM peepholes also
    /// [dP out, cells in]: dP = Σ dz_{i,f}⊙cₜ₋₁ and Σ dz_o⊙cₜ.
    case recurrentWeightsGradient(RecurrentShape)
    /// U in GEMM panels, one block per product of the step: [U packed out, U in]; or
    /// `transposed`, Uᵀ and its panels for backward: [Uᵀ out, Uᵀ packed out, U in].
    case packRecurrentWeights(RecurrentShape, transposed: Bool)
    /// m[rows×columns] ∈ {0, 1/(1 − rate)} from the counter hash of (step seed, salt, index):
    /// one dropout mask a recurrent layer keeps for every timestep: [m out].
    case dropoutMask(rate: Double, rows: Int, columns: Int, salt: UInt64)
    /// y[b][t][f] = x[b][t][f]·m[b][f] (dropout on a sequence; also its own backward): [y out, x in, m in].
    case scaleSteps(batch: Int, steps: Int, features: Int)
    /// m[i] = 1 where ids[i] ≠ the padding id, else 0: [m out, ids in].
    case sequenceMask(count: Int, paddingIndex: Int)
    /// A bidirectional layer's two directions merged: [y out, a in, b in].
    case merge(MergeMode, count: Int)
    /// [da out, db out, dy in, a in?, b in?] (mul reads both directions' outputs).
    case mergeBackward(MergeMode, count: Int)
    /// zero_padding2d, cropping2d and their gradients (`Reframe`): [y out, x in].
    case reframe(Reframe)
    /// upsampling2d: [y out, x in].
    case upsample(Upsample)
    /// Each output's gradient added back to the input pixels it read: [dx out, dy in].
    case upsampleBackward(Upsample)
    /// y = the inputs merged element by element (`ElementwiseMerge`): [y out, x₁ in, …, xₙ in].
    case combine(ElementwiseMerge, count: Int, inputs: Int)
    /// The gradient of input `index` of a `combine`: [dx out, dy in, x₁ in?, …, xₙ in?] (the
    /// inputs only when `ElementwiseMerge.backwardReadsInputs`).
    case combineBackward(ElementwiseMerge, count: Int, inputs: Int, index: Int)

    // MARK: Multi-head attention (lowered in Lowerer+Attention.swift)

    /// C_bh = scale·op(A_bh)·op(B_bh) for every sample and head: [C out, A in, B in].
    case headProduct(HeadProduct)
    /// Masked pairs set to `fill`: the scores to `AttentionMask.maskedScore` before the
    /// softmax, the weights and their gradient to 0 after it: [S inout, query mask in?, key mask in?].
    case attentionMask(AttentionMask, fill: Double)
    /// y[b][t][f] = x[b][t][f] + p[t][f], p a learned table's first rows or the sinusoidal
    /// encoding: [y out, x in, table in?].
    case addPositions(PositionShape)
    /// dTable[t][f] = Σ_b dy[b][t][f], rows past the steps 0: [dTable out, dy in].
    case addPositionsBackward(PositionShape)

    // MARK: Tree-LSTM (lowered in Lowerer+Tree.swift, run by Executor+Tree.swift)

    /// Every tree of the batch from the leaves up, the nodes of one height across the batch
    /// at once: [y out, tape out, structure out (int32), scratch out, trees in, embeddings in,
    /// kernel in, recurrent kernel in, bias in?].
    case treeLSTM(TreeShape)
    /// Back from the roots to the leaves, one height at a time: [dEmbeddings out, dKernel out,
    /// dRecurrent out, dBias out?, structure out (int32), scratch out, dy in, tape in, trees in,
    /// kernel in, recurrent kernel in, embeddings in, bias in?].
    case treeLSTMBackward(TreeShape)

    /// The short name `nnc plan` prints.
    public var name: String {
        switch self {
        case .dense(_, _, _, let bias, let act, let packed):
            "gemm" + (packed ? "(packed W)" : "") + (bias ? "+bias" : "") + (act.kind == .linear ? "" : "+\(act)")
        case .packWeights: "pack weights into GEMM panels"
        case .denseBackwardData: "gemm dx=dy·Wᵀ"
        case .denseBackwardWeights(_, _, _, let bias): "gemm dW=xᵀ·dy" + (bias ? " +db" : "")
        case .convolution(let s, let bias, let act):
            "conv\(s.window.h == 1 && s.window.kh == 1 ? "1d" : "2d") \(s.method.rawValue)" + (bias ? "+bias" : "")
                + (act.kind == .linear ? "" : "+\(act)")
        case .convolutionMaxPool(let s, let bias, let act, _, let save):
            Kernel.convolution(s, bias: bias, activation: act).name + "+maxpool" + (save ? "+argmax" : "")
        case .convolutionBackwardData(let s):
            s.isPointwise ? "conv dx=dy·Wᵀ (gemm)" : "conv dx=col2im(dy·Wᵀ) (in place)"
        case .convolutionBackwardWeights(let s, let bias):
            "conv dW=patchesᵀ·dy" + (s.isPointwise ? " (gemm)" : "") + (bias ? " +db" : "")
        case .biasActivation(_, _, let act): "bias" + (act.kind == .linear ? "" : "+\(act)")
        case .columnSums: "bias gradient db=Σ dy"
        case .maxPool(_, let save): save ? "maxpool+argmax" : "maxpool"
        case .maxPoolBackward: "maxpool backward"
        case .averagePool: "avgpool"
        case .averagePoolBackward: "avgpool backward"
        case .globalAveragePool: "global avgpool"
        case .globalAveragePoolBackward: "global avgpool backward"
        case .activation(let f, _): "\(f)"
        case .activationBackward(let f, _, let fromOutput): "\(f) backward (from \(fromOutput ? "y" : "x"))"
        case .softmax: "softmax"
        case .softmaxBackward: "softmax backward"
        case .dropout(let rate, _, _): "dropout(\(rate))"
        case .dropoutBackward: "dropout backward (mask recomputed)"
        case .alphaDropout(let rate, _, _): "alpha dropout(\(rate))"
        case .alphaDropoutBackward: "alpha dropout backward (mask recomputed)"
        case .prelu(let s): "prelu (\(s.keptCount) α)"
        case .broadcast(let s): "broadcast \(s.keptCount) → \(s.count) per sample"
        case .broadcastBackward(let s): "broadcast backward: sum \(s.count) → \(s.keptCount) per sample"
        case .preluBackward(_, let dx, let dAlpha): "prelu backward" + (dx ? " dx" : "") + (dAlpha ? " dα" : "")
        case .batchNormTraining: "batchnorm (batch statistics)"
        case .batchNormInference: "batchnorm (running statistics)"
        case .batchNormBackward: "batchnorm backward"
        case .foldBatchNorm: "fold batchnorm into weights"
        case .layerNorm: "layernorm"
        case .layerNormBackward: "layernorm backward"
        case .groupNorm(_, _, _, let groups, _, _, _): "groupnorm (\(groups) groups)"
        case .groupNormBackward: "groupnorm backward"
        case .l2Pool: "l2pool"
        case .l2PoolBackward: "l2pool backward"
        case .add(_, let n): "add ×\(n)"
        case .accumulate: "accumulate"
        case .concat: "concat"
        case .concatBackward(_, _, let i): "concat backward (input \(i))"
        case .embedding: "embedding gather"
        case .embeddingBackward: "embedding scatter-add"
        case .loss(let f, _, _, let gradient):
            "\(f.name)" + (gradient ? " + gradient" : "")
        case .update(let rule, _): "\(rule.name) update"
        case .penalty(let terms): "l1/l2 penalty ×\(terms.count)"
        case .penaltyGradient(let t):
            "penalty gradient" + (t.l1 > 0 ? " +l1·sign(w)" : "") + (t.l2 > 0 ? " +2·l2·w" : "")
        case .clipByValue(let limit, _): "clip gradient to ±\(limit)"
        case .clipByGlobalNorm(let c, let counts): "clip \(counts.count) gradients to global norm \(c)"
        case .weightDecay(let rate, _): "weight decay (λ = \(rate))"
        case .constrain(let constraint, _, _): "constraint \(constraint.name)"
        case .swishLearnable: "swish (learned β)"
        case .swishLearnableBackward(_, let dx, let dBeta):
            "swish backward (learned β)" + (dx ? " dx" : "") + (dBeta ? " dβ" : "")
        case .recurrent(let s): "\(s.description) forward"
        case .recurrentBackward(let s): "\(s.description) backward through time"
        case .recurrentWeightsGradient(let s):
            "gemm dU=Σ sₜᵀ·dzₜ" + (s.recurrentBias ? " +db_r" : "") + (s.peephole ? " +dP=Σ dz⊙c" : "")
        case .packRecurrentWeights(_, let transposed):
            transposed ? "pack Uᵀ into GEMM panels" : "pack U into GEMM panels"
        case .dropoutMask(let rate, _, _, _): "dropout mask(\(rate))"
        case .scaleSteps: "scale every step by a mask"
        case .sequenceMask(_, let padding): "sequence mask (padding id \(padding))"
        case .merge(let mode, _): "merge \(mode.rawValue)"
        case .mergeBackward(let mode, _): "merge \(mode.rawValue) backward"
        case .combine(let operation, _, let n): "\(operation.rawValue) ×\(n)"
        case .combineBackward(let operation, _, _, let i): "\(operation.rawValue) backward (input \(i))"
        case .headProduct(let p):
            "gemm per head \(p.transposeA ? "Aᵀ" : "A")·\(p.transposeB ? "Bᵀ" : "B")"
                + (p.scale == 1 ? "" : " ×\(String(format: "%.4g", p.scale))")
        case .attentionMask(let m, let fill):
            "attention mask" + (m.causal ? " causal" : "") + (m.queryMask || m.keyMask ? " padding" : "")
                + (fill == 0 ? " (zero)" : "")
        case .addPositions(let s): s.maxWavelength == nil ? "add learned positions" : "add sinusoidal positions"
        case .addPositionsBackward: "position table gradient (sum over the batch)"
        case .treeLSTM(let s): "tree-lstm \(s.childSum ? "child-sum" : "\(s.children)-ary") forward by level"
        case .treeLSTMBackward(let s): "tree-lstm \(s.childSum ? "child-sum" : "\(s.children)-ary") backward by level"
        case .upsample(let u): "upsample \(u.sh)×\(u.sw) \(u.interpolation.rawValue)"
        case .upsampleBackward(let u): "upsample \(u.interpolation.rawValue) backward"
        case .reframe(let r):
            r.oh >= r.h && r.ow >= r.w ? "zero pad" : r.oh <= r.h && r.ow <= r.w ? "crop" : "crop and zero pad"
        }
    }

    /// True when the kernel may write its first operand over its second (elementwise ops).
    public var canRunInPlace: Bool {
        switch self {
        case .activation, .dropout, .dropoutBackward, .activationBackward, .scaleSteps, .biasActivation, .alphaDropout,
            .alphaDropoutBackward:
            true
        case .dense, .denseBackwardData, .denseBackwardWeights, .convolution, .convolutionBackwardData,
            .convolutionBackwardWeights, .convolutionMaxPool, .columnSums, .maxPool, .maxPoolBackward, .averagePool,
            .averagePoolBackward, .globalAveragePool, .globalAveragePoolBackward, .softmax, .softmaxBackward,
            .batchNormTraining, .batchNormInference, .batchNormBackward, .packWeights, .foldBatchNorm,
            .layerNorm, .layerNormBackward, .add, .accumulate, .concat, .concatBackward, .embedding,
            .embeddingBackward, .loss, .update, .penalty, .penaltyGradient, .clipByValue, .clipByGlobalNorm,
            .weightDecay, .constrain, .swishLearnable, .swishLearnableBackward, .recurrent,
            .recurrentBackward, .recurrentWeightsGradient, .packRecurrentWeights, .dropoutMask, .sequenceMask,
            .merge, .mergeBackward, .combine, .combineBackward, .headProduct, .attentionMask, .addPositions,
            .addPositionsBackward, .reframe, .upsample, .upsampleBackward, .prelu, .preluBackward, .broadcast,
            .broadcastBackward, .groupNorm, .groupNormBackward, .l2Pool, .l2PoolBackward, .treeLSTM, .treeLSTMBackward:
            false
        }
    }
}

extension LossFunction {
    public var name: String {
        switch self {
        case .meanSquaredError: "mse"
        case .sumOfSquares: "sum_of_squares"
        case .binaryCrossEntropy(let logits, _): logits ? "sigmoid+binary_crossentropy (fused)" : "binary_crossentropy"
        case .categoricalCrossEntropy: "categorical_crossentropy"
        case .softmaxCrossEntropy: "softmax+crossentropy (fused)"
        }
    }
}
