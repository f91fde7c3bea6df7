import NNCGraph
import NNCPlan
import NNCRuntime

/// Kinks: where the loss has no derivative (a ReLU-like unit at 0, a max pool whose two
/// largest cells tie), a central difference straddling one measures an average of two
/// slopes, and float and double passes on either side of one take different branches.
/// Neither is a wrong gradient, so the check notices them and steps around them.
extension GradientCheck {
    /// The smaller steps tried, in turn, when a ±h step crosses a kink: a kink at distance t
    /// from the point spoils every step above t, and one below 10⁻³·h would drown in round-off.
    static let kinkSteps: [Double] = [0.1, 0.01, 0.001]

    /// Relative round-off of a computed loss: a few ε = 2.2·10⁻¹⁶, grown over the sums of a
    /// forward pass. A central difference with step s may be off by this times |L|/s, which
    /// at the smaller steps above is no longer far below the tolerance.
    static let lossRoundOff = 1e-15

    /// A reference executor at the check's point for `seed`: initialized parameters (with a
    /// little noise on constant tensors), prepared, with random inputs and targets written.
    static func point(_ plan: ExecutionPlan, seed: UInt64) -> (ReferenceExecutor, (input: [Double], target: [Double]?))
    {
        let reference = ReferenceExecutor(plan: plan)
        reference.initializeParameters(seed: seed)
        // Constant-initialized tensors (zero biases, unit γ) would put units exactly on the
        // kinks of relu or max pooling, where one-sided slopes differ; a little noise
        // moves the check to a generic point. Gradients are checked wherever they are taken.
        var noise = SplitMix64(seed: seed &+ 2)
        for p in plan.parameters where p.trainable && Set(reference.read(p.buffer)).count == 1 {
            reference.write(p.buffer, reference.read(p.buffer).map { $0 + 0.1 * noise.normal() })
        }
        reference.prepare()
        let data = randomData(for: plan, seed: seed &+ 1)
        reference.write(plan.input, data.input)
        if let target = plan.target, let t = data.target { reference.write(target, t) }
        return (reference, data)
    }

    /// Which side of every kink of the forward pass the model is on: the sign of each output
    /// of a ReLU-like activation (y > 0 exactly when its input is, for relu, leaky_relu, elu
    /// and selu), and each max pool's winning cell. Two points with the same pattern lie on
    /// one smooth piece of the loss, where a central difference measures the derivative.
    struct KinkPattern {
        var signs: [BufferID] = []
        /// Max pools' argmax buffers, with their outputs (to tell a tie from a wrong kernel).
        var winners: [(argmax: BufferID, output: BufferID)] = []
        /// The inputs of each `maximum` layer: which one wins each element. (Only the finite
        /// differences read these; the float comparison does not look for ties there.)
        var choices: [[BufferID]] = []

        init(_ plan: ExecutionPlan) {
            func kinked(_ f: ActivationFunction) -> Bool { f.kind.hasKink }
            for instruction in plan.instructions where instruction.phase == .forward {
                let outputs = instruction.operands.filter { $0.access != .read }.map(\.buffer)
                switch instruction.kernel {
                case .dense(_, _, _, _, let f, _), .convolution(_, _, let f), .activation(let f, _),
                    .biasActivation(_, _, let f):
                    if kinked(f), let y = outputs.first { signs.append(y) }
                case .recurrent(let shape):
                    if kinked(shape.activation) || kinked(shape.recurrentActivation) {
                        signs += outputs.filter { plan[$0].type == .float32 }
                    }
                case .maxPool(_, let saved):
                    if saved, outputs.count > 1 { winners.append((outputs[1], outputs[0])) }
                case .prelu:
                    // The kink is at x = 0 whatever α is: the input's signs.
                    if let x = instruction.operands.first(where: { $0.access == .read }) { signs.append(x.buffer) }
                case .combine(.maximum, _, _):
                    choices.append(instruction.operands.filter { $0.access == .read }.map(\.buffer))
                case .convolutionMaxPool(_, _, let f, _, let saved):
                    if kinked(f), let y = outputs.first { signs.append(y) }
                    if saved, outputs.count > 1 { winners.append((outputs[1], outputs[0])) }
                case .columnSums, .denseBackwardData, .denseBackwardWeights, .convolutionBackwardData, .treeLSTM,
                    .treeLSTMBackward,
                    .convolutionBackwardWeights, .maxPoolBackward, .averagePool, .averagePoolBackward,
                    .globalAveragePool, .globalAveragePoolBackward, .activationBackward, .softmax,
                    .softmaxBackward, .dropout, .dropoutBackward, .batchNormTraining, .batchNormInference,
                    .batchNormBackward, .packWeights, .foldBatchNorm, .layerNorm, .layerNormBackward, .add,
                    .accumulate, .concat, .concatBackward, .embedding, .embeddingBackward, .loss, .update,
                    .penalty, .penaltyGradient, .clipByValue, .clipByGlobalNorm, .weightDecay, .constrain,
                    .swishLearnable, .swishLearnableBackward, .recurrentBackward, .recurrentWeightsGradient,
                    .packRecurrentWeights, .dropoutMask, .scaleSteps, .sequenceMask, .merge, .mergeBackward, .combine,
                    .combineBackward, .headProduct, .attentionMask, .addPositions, .addPositionsBackward, .reframe,
                    .upsample, .upsampleBackward, .alphaDropout, .alphaDropoutBackward, .preluBackward, .broadcast,
                    .broadcastBackward, .groupNorm,
                    .groupNormBackward, .l2Pool, .l2PoolBackward:
                    break
                }
            }
        }

        var isEmpty: Bool { signs.isEmpty && winners.isEmpty && choices.isEmpty }

        /// The pattern of the reference executor's last forward pass.
        func read(_ reference: ReferenceExecutor) -> [Double] {
            var pattern: [Double] = []
            for id in signs { pattern += reference.read(id).map { $0 > 0 ? 1 : 0 } }
            for w in winners { pattern += reference.read(w.argmax) }
            for inputs in choices {
                let x = inputs.map { reference.read($0) }
                pattern += x[0].indices.map { i in Double(ReferenceExecutor.winner(x.map { $0[i] })) }
            }
            return pattern
        }

        /// Units on which a float forward pass took the other branch than the reference, and
        /// whether every such unit sits within round-off of its kink (both outputs near 0 for
        /// a sign, near-equal outputs for a max pool's winner) rather than being a wrong value.
        func flips(_ fast: Executor, _ plan: ExecutionPlan, _ reference: ReferenceExecutor) -> (
            count: Int, roundOffOnly: Bool
        ) {
            var count = 0
            var roundOff = true
            func near(_ scale: Double) -> Double { 1e-4 * max(scale, 1e-30) }
            for id in signs {
                let double = reference.read(id)
                let single = fast.read(id)
                let scale = double.map(abs).max() ?? 0
                for (d, f) in zip(double, single) where (d > 0) != (f > 0) {
                    count += 1
                    if max(abs(d), abs(Double(f))) > near(scale) { roundOff = false }
                }
            }
            for w in winners where plan[w.argmax].type == .int32 {
                let double = reference.read(w.argmax)
                let output = reference.read(w.output)
                let single = fast.read(w.output)
                let scale = output.map(abs).max() ?? 0
                let index = fast.int32Pointer(w.argmax)
                for i in double.indices where Int(double[i]) != Int(index[i]) {
                    count += 1
                    if abs(output[i] - Double(single[i])) > near(scale) { roundOff = false }
                }
            }
            return (count, roundOff)
        }
    }

    /// The fast float kernels' gradients beside the reference's at the reference's point
    /// (its last run), with the kink branches the two passes disagree on.
    struct FloatComparison {
        var double: [[Double]]
        var single: [[Float]]
        var flips: Int
        var roundOffOnly: Bool
    }

    static func compareFloat(
        _ plan: ExecutionPlan, _ reference: ReferenceExecutor, _ data: (input: [Double], target: [Double]?),
        kinks: KinkPattern, threads: Int
    ) -> FloatComparison {
        let trainable = plan.parameters.filter { $0.gradient != nil }
        let fast = Executor(plan: plan, threads: threads)
        for p in plan.parameters { fast.write(p.buffer, reference.read(p.buffer).map(Float.init)) }
        for (id, value) in plan.initialValues where plan[id].role == .statistic { fast.fill(id, with: Float(value)) }
        fast.write(plan.input, numbers: data.input)
        if let target = plan.target, let t = data.target { fast.write(target, numbers: t) }
        // The pattern is read between the halves: after backward, the arena may reuse its buffers.
        fast.runForward()
        let (flips, roundOffOnly) = kinks.flips(fast, plan, reference)
        fast.runBackward(learningRate: 0)
        return FloatComparison(
            double: trainable.map { reference.read($0.gradient!) }, single: trainable.map { fast.read($0.gradient!) },
            flips: flips, roundOffOnly: roundOffOnly)
    }
}
