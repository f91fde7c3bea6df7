import Foundation
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
    }

    /// Random inputs and targets for a plan: inputs uniform in [−1, 1] (token ids uniform
    /// over the vocabulary), targets valid for the loss (class ids, one-hot rows, 0/1, or normal values).
    public static func randomData(for plan: ExecutionPlan, seed: UInt64) -> (input: [Double], target: [Double]?) {
        var rng = SplitMix64(seed: seed)
        let input = plan[plan.input]
        let vocabulary = plan.instructions.compactMap { if case .embedding(_, let v, _, _) = $0.kernel { v } else { nil } }.min()
        let x: [Double] = (0..<input.elements).map { _ in
            if let vocabulary { return Double(Int(rng.next() % UInt64(vocabulary))) }
            return rng.unit() * 2 - 1
        }
        guard let target = plan.target, let lossKernel = plan.instructions.first(where: { $0.phase == .loss })?.kernel,
              case .loss(let function, let rows, let columns, _) = lossKernel else { return (x, nil) }
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

    /// The default step: 10⁻⁵ for a smooth loss, 10⁻⁶ when an activation or max pooling has
    /// a kink a wider step could straddle. Round-off of the loss difference is about ε·L/h, so
    /// a smooth model's small gradients (long sequences: ≈ 10⁻⁶) are checked ten times more
    /// precisely with the wider step, while central differences' truncation error, O(h²·f‴),
    /// stays near 10⁻¹⁰ (at 10⁻⁴ it reaches 10⁻⁵ of a tanh recurrence's gradients).
    public static func defaultStep(_ plan: ExecutionPlan) -> Double {
        func kinked(_ f: ActivationFunction) -> Bool { [.relu, .leakyRelu, .elu, .selu].contains(f.kind) }
        let kinks = plan.instructions.contains { instruction in
            switch instruction.kernel {
            case .dense(_, _, _, _, let f, _), .convolution(_, _, let f), .activation(let f, _): kinked(f)
            case .recurrent(let s): kinked(s.activation) || kinked(s.recurrentActivation)
            case .maxPool: true
            default: false
            }
        }
        return kinks ? 1e-6 : 1e-5
    }

    /// Checks up to `perTensor` elements of every trainable parameter (spread over the
    /// tensor) with step `h` (by default `defaultStep`). `plan` must be a training plan
    /// compiled without updates.
    public static func run(_ plan: ExecutionPlan, seed: UInt64 = 1, perTensor: Int = 6, h step: Double? = nil, threads: Int = 1) -> Report {
        precondition(plan.options.mode == .training && !plan.options.updates, "gradient checks need a training plan without updates")
        let h = step ?? defaultStep(plan)
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
        func loss() -> Double {
            reference.steps = 0
            reference.run()
            return reference.loss
        }
        let baseLoss = loss()
        // Analytic gradients first (the finite-difference runs overwrite the gradient buffers).
        let trainable = plan.parameters.filter { $0.gradient != nil }
        let analytic = trainable.map { reference.read($0.gradient!) }

        // The fast executor on the same parameters and data.
        let fast = Executor(plan: plan, threads: threads)
        for p in plan.parameters { fast.write(p.buffer, reference.read(p.buffer).map(Float.init)) }
        for (id, value) in plan.initialValues where plan[id].role == .statistic { fast.fill(id, with: Float(value)) }
        fast.write(plan.input, numbers: data.input)
        if let target = plan.target, let t = data.target { fast.write(target, numbers: t) }
        fast.run()

        // Errors of gradients far below the model's largest are round-off around a true zero
        // (a bias before batchnorm): both comparisons use a floor relative to that largest gradient.
        let modelLargest = analytic.map { $0.map(abs).max() ?? 0 }.max() ?? 0
        let floor = max(1e-4 * modelLargest, 1e-12), floatFloor = max(1e-3 * modelLargest, 1e-12)
        var entries: [Entry] = []
        for (k, p) in trainable.enumerated() {
            let gradient = analytic[k]
            let n = gradient.count
            let picks = n <= perTensor ? Array(0..<n) : (0..<perTensor).map { $0 * (n - 1) / max(1, perTensor - 1) }
            var worst = 0.0
            let w = reference.pointer(p.buffer)
            for i in picks {
                let saved = w[i]
                w[i] = saved + h
                let plus = loss()
                w[i] = saved - h
                let minus = loss()
                w[i] = saved
                let numeric = (plus - minus) / (2 * h)
                let error = abs(gradient[i] - numeric) / max(abs(gradient[i]), abs(numeric), floor)
                worst = max(worst, error)
            }
            let largest = gradient.map(abs).max() ?? 0
            let floatGradient = fast.read(p.gradient!)
            var floatError = 0.0
            for i in 0..<n { floatError = max(floatError, abs(Double(floatGradient[i]) - gradient[i])) }
            entries.append(Entry(layer: p.layer, parameter: p.name, checked: picks.count, worstRelativeError: worst,
                                 largestGradient: largest, floatRelativeError: floatError / max(largest, floatFloor)))
        }
        return Report(entries: entries, loss: baseLoss, batch: plan.options.batch, step: h)
    }
}
