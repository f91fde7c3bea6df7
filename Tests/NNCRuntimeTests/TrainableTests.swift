import NNCDriver
import NNCPlan
import NNCRuntime
import Testing

/// What trains and what does not: frozen layers stay bit-identical while gradients flow
/// through them, a learnable swish β trains like any parameter, and the fast executor
/// follows the reference over several regularized steps.
@Suite struct TrainableTests {
    func feed(_ fast: Executor, _ reference: ReferenceExecutor, seed: UInt64) {
        let data = GradientCheck.randomData(for: fast.plan, seed: seed)
        fast.write(fast.plan.input, numbers: data.input)
        fast.write(fast.plan.target!, numbers: data.target!)
        reference.write(reference.plan.input, data.input)
        reference.write(reference.plan.target!, data.target!)
    }

    /// A frozen middle layer under every regularization that could touch it: no gradient
    /// buffers, no instruction writes it, it is unchanged after steps, and the layer before it
    /// still trains (its gradient flows through the frozen one).
    @Test func frozenLayersStayFixedWhileGradientsFlowThroughThem() throws {
        let plan = try compile(
            """
            input: [4]
            layers:
              - dense: {units: 5, activation: tanh}
              - dense: {units: 5, activation: tanh, trainable: false, regularizer: {l2: 0.1}, constraint: unit_norm}
              - dense: 2
            loss: mse
            optimizer: {sgd: {learning_rate: 0.1, momentum: 0.9}}
            regularization: {l1: 0.01, weight_decay: 0.1, max_norm: 0.5, clip_value: 1.0}
            """, LoweringOptions(mode: .training, batch: 3))
        #expect(plan.verify() == [])
        let frozen = plan.parameters.filter { $0.layer == "dense_1" }
        #expect(frozen.count == 2 && frozen.allSatisfy { !$0.trainable && $0.gradient == nil })
        let frozenBuffers = Set(frozen.map(\.buffer))
        #expect(!plan.instructions.contains { $0.writes.contains { frozenBuffers.contains($0) } })
        #expect(
            !plan.buffers.contains { $0.name.hasPrefix("dense_1.kernel.") || $0.name.hasPrefix("dense_1.bias.") },
            "no optimizer state")

        let fast = Executor(plan: plan, threads: 1)
        let reference = ReferenceExecutor(plan: plan)
        fast.initializeParameters(seed: 4)
        reference.initializeParameters(seed: 4)
        let before = plan.parameters.map { fast.read($0.buffer) }
        let referenceBefore = plan.parameters.map { reference.read($0.buffer) }
        for step in 0..<3 {
            feed(fast, reference, seed: UInt64(step))
            fast.run(learningRate: 0.1)
            reference.run(learningRate: 0.1)
        }
        for (k, p) in plan.parameters.enumerated() {
            let now = fast.read(p.buffer)
            let old = before[k]
            if p.layer == "dense_1" {
                #expect(now == old, "\(p.layer).\(p.name) is frozen")
                #expect(reference.read(p.buffer) == referenceBefore[k])
            } else {
                #expect(now != old, "\(p.layer).\(p.name) trains")
            }
        }
    }

    /// Four steps with every regularization at once (but one clipping and one decay): the fast
    /// executor's parameters, losses and gradient norms follow the double-precision reference.
    @Test(arguments: [
        "{l1: 0.001, l2: 0.01, weight_decay: 0.05, max_norm: 1.0, clip_norm: 0.5}",
        "{l2: 0.02, clip_value: 0.05}",
    ])
    func regularizedStepsFollowTheReference(regularization: String) throws {
        let plan = try compile(
            """
            input: [6]
            layers:
              - dense: {units: 5, activation: {swish: {learnable: true}}, bias_regularizer: {l1_l2: {l1: 0.01, l2: 0.01}}}
              - dense: {units: 4, activation: tanh, constraint: unit_norm}
              - dense: {units: 3, activation: softmax, constraint: non_neg}
            loss: categorical_crossentropy
            optimizer: {adam: 0.01}
            regularization: \(regularization)
            """, LoweringOptions(mode: .training, batch: 4))
        #expect(plan.verify() == [])
        let fast = Executor(plan: plan, threads: 1)
        let reference = ReferenceExecutor(plan: plan)
        fast.initializeParameters(seed: 2)
        reference.initializeParameters(seed: 2)
        var losses: [Double] = []
        for step in 0..<4 {
            feed(fast, reference, seed: 40)
            fast.run(learningRate: 0.01)
            reference.run(learningRate: 0.01)
            losses.append(reference.loss)
            #expect(reference.penalty > 0)
            #expect(abs(fast.loss - reference.loss) < 1e-5, "step \(step)")
            #expect(abs(fast.penalty - reference.penalty) < 1e-5 * max(1, reference.penalty), "step \(step)")
            if let norm = reference.gradientNorm { #expect(abs(fast.gradientNorm! - norm) < 1e-5 * max(1, norm)) }
        }
        #expect(regularization.contains("clip_norm") == (plan.gradientNorm != nil))
        for p in plan.parameters {
            let worst = zip(fast.read(p.buffer), reference.read(p.buffer)).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(p.layer).\(p.name): \(worst)")
        }
        #expect(losses.last! < losses.first!, "repeating one batch must lower its loss: \(losses)")
    }

    /// β starts at the declared beta and moves with training; inference reads the trained β.
    @Test func learnableSwishBetaTrains() throws {
        let yaml = """
            input: [3]
            layers:
              - dense: {units: 4, activation: {swish: {beta: 0.5, learnable: true}}}
              - dense: 2
            loss: mse
            optimizer: {sgd: 0.5}
            """
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 4))
        let beta = try #require(plan.parameters.first { $0.name == "swish_beta" })
        #expect(beta.trainable && beta.gradient != nil && beta.shape == [1])
        let fast = Executor(plan: plan, threads: 1)
        let reference = ReferenceExecutor(plan: plan)
        fast.initializeParameters(seed: 3)
        reference.initializeParameters(seed: 3)
        #expect(fast.read(beta.buffer) == [0.5])
        feed(fast, reference, seed: 5)
        fast.run(learningRate: 0.5)
        reference.run(learningRate: 0.5)
        let trained = fast.read(beta.buffer)[0]
        #expect(trained != 0.5)
        #expect(abs(Double(trained) - reference.read(beta.buffer)[0]) < 1e-6)

        // The inference plan keeps swish a separate instruction reading β (no fused epilogue).
        let inference = try compile(yaml, LoweringOptions(mode: .inference, batch: 1))
        #expect(inference.instructions.contains { if case .swishLearnable = $0.kernel { true } else { false } })
        let infer = Executor(plan: inference, threads: 1)
        infer.initializeParameters(seed: 3)
        infer.write(inference.input, [Float(1), -1, 2])
        infer.run()
        let atHalf = infer.read(inference.output)
        infer.write(inference.parameters.first { $0.name == "swish_beta" }!.buffer, [trained])
        infer.run()
        #expect(infer.read(inference.output) != atHalf, "the output depends on the β in the parameter")
    }
}
