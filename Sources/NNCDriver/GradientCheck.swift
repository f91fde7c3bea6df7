import Foundation
import NNCGraph
import NNCPlan
import NNCRuntime

/// Gradient checks: every parameter's analytic gradient from the double-precision
/// reference executor against central finite differences of the same plan's loss (the data
/// loss plus any L1/L2 penalty, so the penalty gradients are checked too), then the fast
/// float executor's gradients against the reference's.
public enum GradientCheck {
    /// One parameter tensor's result.
    public struct Entry: Sendable {
        public var layer: String
        public var parameter: String
        /// Elements compared with finite differences.
        public var checked: Int
        /// max |analytic − numeric| / max(|analytic|, |numeric|, 10⁻⁴ × the model's largest gradient)
        /// over the checked elements.
        public var worstRelativeError: Double
        /// Largest |analytic gradient| of the tensor.
        public var largestGradient: Double
        /// max |float − double| / max(largest |double gradient| of the tensor, 10⁻³ × the model's
        /// largest): the fast kernels' error.
        public var floatRelativeError: Double
        /// Elements whose ±h step crossed a kink (a ReLU-like unit changing sign, a max pool
        /// changing its winner) and were checked with a smaller step instead.
        public var kinksAvoided = 0
        /// Elements left unchecked because a kink lies closer than the smallest step tried:
        /// there the loss has no derivative a difference could measure. Other elements of
        /// the tensor are checked in their place.
        public var skipped = 0
    }

    public struct Report: Sendable {
        public var entries: [Entry]
        public var loss: Double
        public var batch: Int
        /// The finite-difference step used.
        public var step: Double
        /// True when every gradient of the model is exactly zero: the check would prove nothing.
        public var allGradientsZero: Bool { entries.allSatisfy { $0.largestGradient == 0 } }
        public var worstRelativeError: Double { entries.map(\.worstRelativeError).max() ?? 0 }
        public var worstFloatError: Double { entries.map(\.floatRelativeError).max() ?? 0 }
        /// The seed of the point where the float kernels were compared: the check's own, or a
        /// nearby one when float round-off put `floatFlips` units of the check's point on the
        /// other side of a kink than double precision (then the two take different branches
        /// and their gradients differ by a whole unit's contribution, which is no kernel error).
        public var floatSeed: UInt64 = 0
        public var floatFlips = 0
        public var kinksAvoided: Int { entries.reduce(0) { $0 + $1.kinksAvoided } }
        public var skipped: Int { entries.reduce(0) { $0 + $1.skipped } }
    }

    /// Random inputs and targets for a plan: inputs uniform in [−1, 1] (token ids uniform
    /// over the vocabulary; a Tree-LSTM's input random trees, `randomTrees`), targets valid
    /// for the loss (class ids, one-hot rows, 0/1, or normal values).
    public static func randomData(for plan: ExecutionPlan, seed: UInt64) -> (input: [Double], target: [Double]?) {
        var rng = SplitMix64(seed: seed)
        let input = plan[plan.input]
        let vocabulary = plan.instructions.compactMap {
            if case .embedding(_, let v, _, _) = $0.kernel { v } else { nil }
        }.min()
        let trees = plan.instructions.lazy.compactMap { if case .treeLSTM(let s) = $0.kernel { s } else { nil } }.first
        let x: [Double] =
            trees.map { randomTrees($0, &rng) }
            ?? (0..<input.elements).map { _ in
                if let vocabulary { return Double(Int(rng.next() % UInt64(vocabulary))) }
                return rng.unit() * 2 - 1
            }
        guard let target = plan.target, let lossKernel = plan.instructions.first(where: { $0.phase == .loss })?.kernel,
            case .loss(let function, let rows, let columns, _) = lossKernel
        else { return (x, nil) }
        var t = [Double](repeating: 0, count: plan[target].elements)
        switch function {
        case .softmaxCrossEntropy(let sparse, _), .categoricalCrossEntropy(let sparse, _):
            for r in 0..<rows {
                let label = Int(rng.next() % UInt64(columns))
                if sparse { t[r] = Double(label) } else { t[r * columns + label] = 1 }
            }
        case .binaryCrossEntropy:
            for i in t.indices { t[i] = Double(rng.next() % 2) }
        case .meanSquaredError, .sumOfSquares:
            for i in t.indices { t[i] = rng.normal() }
        }
        return (x, t)
    }

    /// Rows [token, child slots…] of a batch of random trees: each of 1…nodes nodes, node j
    /// hung under a random earlier node with a free child position (so shapes of every kind,
    /// slots not in pre-order), random tokens; unused slots −1.
    static func randomTrees(_ s: TreeShape, _ rng: inout SplitMix64) -> [Double] {
        let width = 1 + s.children
        var x = [Double](repeating: -1, count: s.slots * width)
        for b in 0..<s.batch {
            let row = b * s.nodes * width
            let count = 1 + Int(rng.next() % UInt64(s.nodes))
            for j in 0..<count {
                x[row + j * width] = Double(rng.next() % UInt64(s.vocabulary))
                guard j > 0 else { continue }
                let free = (0..<j).flatMap { p in
                    (0..<s.children).filter { x[row + p * width + 1 + $0] < 0 }.map { (p, $0) }
                }
                guard !free.isEmpty else { break }
                let (parent, position) = free[Int(rng.next() % UInt64(free.count))]
                x[row + parent * width + 1 + position] = Double(j)
            }
        }
        return x
    }

    /// The default step: 10⁻⁵ for a smooth loss, 10⁻⁶ when an activation or max pooling has
    /// a kink a wider step could straddle. Round-off of the loss difference is about ε·L/h, so
    /// a smooth model's small gradients (long sequences: ≈ 10⁻⁶) are checked ten times more
    /// precisely with the wider step, while central differences' truncation error, O(h²·f‴),
    /// stays near 10⁻¹⁰ (at 10⁻⁴ it reaches 10⁻⁵ of a tanh recurrence's gradients).
    public static func defaultStep(_ plan: ExecutionPlan) -> Double {
        func kinked(_ f: ActivationFunction) -> Bool { f.kind.hasKink }
        let kinks = plan.instructions.contains { instruction in
            switch instruction.kernel {
            case .dense(_, _, _, _, let f, _), .convolution(_, _, let f), .activation(let f, _),
                .biasActivation(_, _, let f):
                kinked(f)
            case .recurrent(let s): kinked(s.activation) || kinked(s.recurrentActivation)
            case .maxPool, .combine(.maximum, _, _), .prelu: true
            case .columnSums, .denseBackwardData, .denseBackwardWeights, .convolutionBackwardData,
                .convolutionBackwardWeights, .convolutionMaxPool, .treeLSTM, .treeLSTMBackward, .maxPoolBackward,
                .averagePool,
                .averagePoolBackward, .globalAveragePool, .globalAveragePoolBackward, .activationBackward,
                .softmax, .softmaxBackward, .dropout, .dropoutBackward, .batchNormTraining,
                .batchNormInference, .batchNormBackward, .packWeights, .foldBatchNorm, .layerNorm,
                .layerNormBackward, .add, .accumulate, .concat, .concatBackward, .embedding,
                .embeddingBackward, .loss, .update, .penalty, .penaltyGradient, .clipByValue,
                .clipByGlobalNorm, .weightDecay, .constrain, .swishLearnable, .swishLearnableBackward,
                .recurrentBackward, .recurrentWeightsGradient, .packRecurrentWeights, .dropoutMask,
                .scaleSteps, .sequenceMask, .merge, .mergeBackward, .combine, .combineBackward, .headProduct,
                .attentionMask, .addPositions, .addPositionsBackward, .reframe, .upsample, .upsampleBackward,
                .alphaDropout, .alphaDropoutBackward, .preluBackward, .broadcast, .broadcastBackward, .groupNorm,
                .groupNormBackward, .l2Pool,
                .l2PoolBackward:
                false
            }
        }
        return kinks ? 1e-6 : 1e-5
    }

    /// Checks up to `perTensor` elements of every trainable parameter (spread over the
    /// tensor) with step `h` (by default `defaultStep`). `plan` must be a training plan
    /// compiled without updates.
    public static func run(
        _ plan: ExecutionPlan, seed: UInt64 = 1, perTensor: Int = 6, h step: Double? = nil, threads: Int = 1
    ) -> Report {
        precondition(
            plan.options.mode == .training && !plan.options.updates,
            "gradient checks need a training plan without updates")
        let h = step ?? defaultStep(plan)
        let (reference, data) = point(plan, seed: seed)
        func loss() -> Double {
            reference.steps = 0
            reference.run()
            return reference.loss
        }
        let kinks = KinkPattern(plan)
        let absolutePenalty = plan.instructions.contains {
            if case .penalty(let terms) = $0.kernel { terms.contains { $0.l1 > 0 } } else { false }
        }
        let baseLoss = loss()
        let basePattern = kinks.read(reference)
        // Analytic gradients first (the finite-difference runs overwrite the gradient buffers).
        let trainable = plan.parameters.filter { $0.gradient != nil }
        let analytic = trainable.map { reference.read($0.gradient!) }

        // The fast executor on the same parameters and data; at another point when float
        // round-off puts a unit on the other side of a kink than double precision does.
        var float = compareFloat(plan, reference, data, kinks: kinks, threads: threads)
        var floatSeed = seed
        let floatFlips = float.flips
        if float.flips > 0, float.roundOffOnly {
            for attempt in UInt64(1)...3 {
                let moved = seed &+ attempt &* 0x9E37_79B9
                let (other, otherData) = point(plan, seed: moved)
                other.steps = 0
                other.run()
                let comparison = compareFloat(plan, other, otherData, kinks: kinks, threads: threads)
                if comparison.flips == 0 {
                    float = comparison
                    floatSeed = moved
                    break
                }
            }
        }

        // Errors of gradients far below the model's largest are round-off around a true zero
        // (a bias before batchnorm): both comparisons use a floor relative to that largest gradient.
        let modelLargest = analytic.map { $0.map(abs).max() ?? 0 }.max() ?? 0
        let floor = max(1e-4 * modelLargest, 1e-12)
        let floatLargest = float.double.map { $0.map(abs).max() ?? 0 }.max() ?? 0
        let floatFloor = max(1e-3 * floatLargest, 1e-12)
        var entries: [Entry] = []
        for (k, p) in trainable.enumerated() {
            let gradient = analytic[k]
            let n = gradient.count
            let picks = n <= perTensor ? Array(0..<n) : (0..<perTensor).map { $0 * (n - 1) / max(1, perTensor - 1) }
            // An element skipped at a kink is replaced by the next one not yet picked.
            let picked = Set(picks)
            var spares = (0..<n).lazy.filter { !picked.contains($0) }.makeIterator()
            var queue = picks[...]
            var worst = 0.0
            var checked = 0
            var avoided = 0
            var skipped = 0
            let w = reference.pointer(p.buffer)
            /// The central difference at element i with step `step`, and the round-off it may
            /// carry (the loss's last bits over 2·step); nil when its points straddle a kink.
            func difference(_ i: Int, _ step: Double) -> (value: Double, roundOff: Double)? {
                let saved = w[i]
                defer { w[i] = saved }
                w[i] = saved + step
                let plus = loss()
                let plusSide = kinks.isEmpty || kinks.read(reference) == basePattern
                w[i] = saved - step
                let minus = loss()
                let minusSide = kinks.isEmpty || kinks.read(reference) == basePattern
                // The weight's own sign, under an L1 penalty: |w| has a kink at 0.
                let ownSide =
                    !absolutePenalty || ((saved + step > 0) == (saved > 0) && (saved - step > 0) == (saved > 0))
                guard plusSide, minusSide, ownSide else { return nil }
                return ((plus - minus) / (2 * step), Self.lossRoundOff * max(abs(plus), abs(minus)) / (2 * step))
            }
            while let i = queue.popFirst() {
                var found = difference(i, h)
                var slack = 0.0
                if found == nil {
                    found = Self.kinkSteps.lazy.compactMap { difference(i, h * $0) }.first
                    // A smaller step's larger round-off is no error of the gradient.
                    slack = found?.roundOff ?? 0
                    if found != nil { avoided += 1 }
                }
                guard let found else {
                    skipped += 1
                    if skipped <= perTensor, let spare = spares.next() { queue.append(spare) }
                    continue
                }
                checked += 1
                let numeric = found.value
                let error = max(abs(gradient[i] - numeric) - slack, 0) / max(abs(gradient[i]), abs(numeric), floor)
                worst = max(worst, error)
            }
            let largest = gradient.map(abs).max() ?? 0
            let double = float.double[k]
            let single = float.single[k]
            var floatError = 0.0
            for i in 0..<n { floatError = max(floatError, abs(Double(single[i]) - double[i])) }
            let floatLargest = double.map(abs).max() ?? 0
            entries.append(
                Entry(
                    layer: p.layer, parameter: p.name, checked: checked, worstRelativeError: worst,
                    largestGradient: largest, floatRelativeError: floatError / max(floatLargest, floatFloor),
                    kinksAvoided: avoided, skipped: skipped))
        }
        return Report(
            entries: entries, loss: baseLoss, batch: plan.options.batch, step: h, floatSeed: floatSeed,
            floatFlips: floatFlips)
    }
}
