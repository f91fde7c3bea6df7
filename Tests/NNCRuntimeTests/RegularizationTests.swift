import Foundation
import NNCDriver
import NNCPlan
import NNCRuntime
import Testing

/// Regularization in training plans: one step of a tiny dense layer on both executors
/// against the formula computed here (fast executor within 1e-6, reference within 1e-12),
/// the plan's choice of what is penalized and constrained, frozen layers, and several steps
/// of the fast executor following the reference.
@Suite struct RegularizationTests {
    /// A plan with both executors set to the same parameters and one sample.
    struct Fixture {
        let plan: ExecutionPlan
        let fast: Executor
        let reference: ReferenceExecutor

        init(_ yaml: String, parameters: [String: [Double]], input: [Double], target: [Double], updates: Bool = true)
            throws
        {
            plan = try compile(yaml, LoweringOptions(mode: .training, batch: 1, updates: updates))
            #expect(plan.verify() == [])
            fast = Executor(plan: plan, threads: 1)
            reference = ReferenceExecutor(plan: plan)
            fast.initializeParameters(seed: 1)
            reference.initializeParameters(seed: 1)
            for (name, values) in parameters {
                let p = plan.parameters.first { "\($0.layer).\($0.name)" == name }!
                fast.write(p.buffer, values.map(Float.init))
                reference.write(p.buffer, values)
            }
            fast.write(plan.input, numbers: input)
            reference.write(plan.input, input)
            fast.write(plan.target!, numbers: target)
            reference.write(plan.target!, target)
        }

        func step(learningRate: Double) {
            fast.run(learningRate: Float(learningRate))
            reference.run(learningRate: learningRate)
        }

        /// Expects the parameter `name` (layer.parameter) to equal `expected` in both executors.
        func expect(_ name: String, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
            let p = plan.parameters.first { "\($0.layer).\($0.name)" == name }!
            for (i, (f, r)) in zip(fast.read(p.buffer), reference.read(p.buffer)).enumerated() {
                #expect(
                    abs(Double(f) - expected[i]) <= 1e-6 * max(1, abs(expected[i])),
                    "fast \(name)[\(i)]: \(f) vs \(expected[i])",
                    sourceLocation: sourceLocation)
                #expect(
                    abs(r - expected[i]) <= 1e-12 * max(1, abs(expected[i])),
                    "reference \(name)[\(i)]: \(r) vs \(expected[i])",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// y = x·W + b for one sample and the mse gradients: dy = 2(y − t)/units, dW = xᵀ·dy, db = dy.
    static func denseMSE(w: [Double], b: [Double], x: [Double], t: [Double]) -> (
        dW: [Double], db: [Double], loss: Double
    ) {
        let units = t.count
        let y = (0..<units).map { u in b[u] + x.indices.reduce(0) { $0 + x[$1] * w[$1 * units + u] } }
        let dy = (0..<units).map { 2 * (y[$0] - t[$0]) / Double(units) }
        let dW = x.indices.flatMap { i in dy.map { x[i] * $0 } }
        let loss = (0..<units).reduce(0) { $0 + (y[$1] - t[$1]) * (y[$1] - t[$1]) } / Double(units)
        return (dW, dy, loss)
    }

    static func sign(_ v: Double) -> Double { v > 0 ? 1 : v < 0 ? -1 : 0 }

    static let w: [Double] = [0.2, -0.1, 0.4, 0.3, -0.5, 0.6], b: [Double] = [0.1, -0.2]
    static let x: [Double] = [1, -2, 0.5], t: [Double] = [0.3, -0.4]

    static func layer(_ extra: String, regularization: String = "{}", optimizer: String = "{sgd: 0.1}") -> String {
        """
        input: [3]
        layers:
          - dense: {units: 2\(extra)}
        loss: mse
        optimizer: \(optimizer)
        regularization: \(regularization)
        """
    }

    func fixture(_ yaml: String) throws -> Fixture {
        try Fixture(yaml, parameters: ["dense.kernel": Self.w, "dense.bias": Self.b], input: Self.x, target: Self.t)
    }

    /// g = ∂mse + l1·sign(W) + 2·l2·W on the kernel, + 2·l2ᵦ·b on the bias; the loss gains the penalty.
    @Test func penaltiesJoinTheGradientAndTheLoss() throws {
        let f = try fixture(Self.layer(", regularizer: {l1_l2: {l1: 0.05, l2: 0.1}}, bias_regularizer: {l2: 0.2}"))
        f.step(learningRate: 0.1)
        let (dW, db, data) = Self.denseMSE(w: Self.w, b: Self.b, x: Self.x, t: Self.t)
        f.expect(
            "dense.kernel",
            Self.w.indices.map { Self.w[$0] - 0.1 * (dW[$0] + 0.05 * Self.sign(Self.w[$0]) + 0.2 * Self.w[$0]) })
        f.expect("dense.bias", Self.b.indices.map { Self.b[$0] - 0.1 * (db[$0] + 0.4 * Self.b[$0]) })
        let penalty = Self.w.reduce(0) { $0 + 0.05 * abs($1) + 0.1 * $1 * $1 } + Self.b.reduce(0) { $0 + 0.2 * $1 * $1 }
        #expect(abs(f.reference.penalty - penalty) <= 1e-12 && abs(f.fast.penalty - penalty) <= 1e-6)
        #expect(abs(f.reference.dataLoss - data) <= 1e-12)
        #expect(abs(f.reference.loss - (data + penalty)) <= 1e-12 && abs(f.fast.loss - (data + penalty)) <= 1e-6)
    }

    /// w ← w − lr·λ·w − lr·g on every parameter, biases too (Keras's optimizer weight_decay).
    @Test func weightDecayIsDecoupled() throws {
        let f = try fixture(Self.layer("", regularization: "{weight_decay: 0.5}"))
        f.step(learningRate: 0.1)
        let (dW, db, _) = Self.denseMSE(w: Self.w, b: Self.b, x: Self.x, t: Self.t)
        f.expect("dense.kernel", Self.w.indices.map { Self.w[$0] - 0.1 * 0.5 * Self.w[$0] - 0.1 * dW[$0] })
        f.expect("dense.bias", Self.b.indices.map { Self.b[$0] - 0.1 * 0.5 * Self.b[$0] - 0.1 * db[$0] })
        #expect(f.fast.penalty == 0, "decay is not a penalty")
    }

    @Test func clipValueClipsEachElement() throws {
        let f = try fixture(Self.layer("", regularization: "{clip_value: 0.3}"))
        f.step(learningRate: 1)
        let (dW, db, _) = Self.denseMSE(w: Self.w, b: Self.b, x: Self.x, t: Self.t)
        #expect(dW.contains { abs($0) > 0.3 } && dW.contains { abs($0) < 0.3 }, "the case clips some elements, not all")
        f.expect("dense.kernel", Self.w.indices.map { Self.w[$0] - min(max(dW[$0], -0.3), 0.3) })
        f.expect("dense.bias", Self.b.indices.map { Self.b[$0] - min(max(db[$0], -0.3), 0.3) })
    }

    /// W = 0, x = (3, 4), t = 1: y = 0, dy = −2, dW = (−6, −8), so the global norm is 10.
    static let normCase =
        "input: [2]\nlayers:\n  - dense: {units: 1, use_bias: false}\nloss: mse\noptimizer: {sgd: 1.0}\n"

    @Test func clipNormRescalesByTheGlobalNorm() throws {
        for (c, scale) in [(1.0, 0.1), (20.0, 1.0)] {
            let f = try Fixture(
                Self.normCase + "regularization: {clip_norm: \(c)}", parameters: ["dense.kernel": [0, 0]],
                input: [3, 4], target: [1])
            f.step(learningRate: 1)
            #expect(f.reference.gradientNorm == 10)
            #expect(abs(f.fast.gradientNorm! - 10) <= 1e-6)
            f.expect("dense.kernel", [6 * scale, 8 * scale])
        }
        // Without clip_norm there is no norm buffer and no deferral.
        let plain = try compile(Self.normCase, LoweringOptions(mode: .training, batch: 1))
        #expect(plain.gradientNorm == nil)
    }

    /// The vector (3, 4) has norm 5: max_norm 2 leaves (1.2, 1.6)·5/(5 + 1e-7), norm 2 to float rounding.
    @Test func constraintsAfterTheUpdate() throws {
        let cases: [(String, [Double])] = [
            ("{max_norm: 2.0}", [3 * 2 / (5 + 1e-7), 4 * 2 / (5 + 1e-7)]),
            ("unit_norm", [3 / (5 + 1e-7), 4 / (5 + 1e-7)]),
            ("non_neg", [3, 0]),
        ]
        for (constraint, expected) in cases {
            let start: [Double] = constraint == "non_neg" ? [3, -4] : [3, 4]
            let f = try Fixture(
                Self.normCase.replacingOccurrences(
                    of: "use_bias: false", with: "use_bias: false, constraint: \(constraint)"),
                parameters: ["dense.kernel": start], input: [0, 0], target: [0])
            f.step(learningRate: 0)
            f.expect("dense.kernel", expected)
        }
        // After a real step: (0, 0) − 1·(−6, −8) = (6, 8), norm 10, capped at the model-wide 0.5.
        let f = try Fixture(
            Self.normCase + "regularization: {max_norm: 0.5}", parameters: ["dense.kernel": [0, 0]], input: [3, 4],
            target: [1])
        f.step(learningRate: 1)
        f.expect("dense.kernel", [6 * 0.5 / (10 + 1e-7), 8 * 0.5 / (10 + 1e-7)])
        let w = f.fast.read(f.plan.parameters[0].buffer)
        #expect(abs((w[0] * w[0] + w[1] * w[1]).squareRoot() - 0.5) <= 1e-6)
    }

    /// Which tensors get which penalty and constraint: model-wide l2 and max_norm on every
    /// weight matrix (embedding tables too), a layer's own regularizer or constraint instead,
    /// bias_regularizer on biases, nothing on frozen layers.
    @Test func penaltiesAndConstraintsFollowTheSpec() throws {
        let plan = try compile(
            """
            input: [4]
            layers:
              - embedding: {input_dim: 5, output_dim: 3}
              - flatten
              - dense: {units: 3, regularizer: {l1: 0.02}, constraint: non_neg}
              - dense: {units: 2, bias_regularizer: {l1: 0.5}}
              - dense: {units: 2, trainable: false}
            loss: mse
            regularization: {l2: 0.001, max_norm: 3.0}
            """, LoweringOptions(mode: .training, batch: 2))
        #expect(plan.verify() == [])
        let penalty = try #require(plan.instructions.first { if case .penalty = $0.kernel { true } else { false } })
        guard case .penalty(let terms) = penalty.kernel else { return }
        let named = zip(penalty.operands.dropFirst().map { plan[$0.buffer].name }, terms.map { [$0.l1, $0.l2] })
        #expect(named.map(\.0) == ["embedding.embeddings", "dense.kernel", "dense_1.kernel", "dense_1.bias"])
        #expect(named.map(\.1) == [[0, 0.001], [0.02, 0], [0, 0.001], [0.5, 0]])
        #expect(plan.instructions.filter { if case .penaltyGradient = $0.kernel { true } else { false } }.count == 4)
        let constraints = plan.instructions.compactMap { i -> String? in
            if case .constrain(let c, _, _) = i.kernel { "\(plan[i.operands[0].buffer].name) \(c.name)" } else { nil }
        }
        #expect(
            constraints == [
                "dense_1.kernel max_norm(3.0)", "dense.kernel non_neg", "embedding.embeddings max_norm(3.0)",
            ])
        #expect(!plan.instructions.contains { $0.layer == "dense_2" && $0.phase == .update })
    }

    /// Nothing declared, nothing emitted: the plan has none of the regularization kernels.
    @Test func unregularizedPlansAreUnchanged() throws {
        let plan = try #require(
            try Driver.compile(path: modelPath("lenet5.yaml"), options: LoweringOptions(mode: .training, batch: 4)).plan
        )
        #expect(plan.penalty == nil && plan.gradientNorm == nil)
        for i in plan.instructions {
            switch i.kernel {
            case .penalty, .penaltyGradient, .clipByValue, .clipByGlobalNorm, .weightDecay, .constrain:
                Issue.record("unexpected \(i.kernel.name)")
            default: break
            }
        }
    }

    /// With clip_norm every update waits for the last gradient: one norm instruction, then
    /// the updates; the gradients stay live until them and the plan still verifies.
    @Test func clipNormDefersEveryUpdate() throws {
        let yaml =
            try String(contentsOfFile: modelPath("lenet5.yaml"), encoding: .utf8)
            + "\nregularization: {clip_norm: 1.0}\n"
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 8))
        #expect(plan.verify() == [])
        let clip = try #require(
            plan.instructions.firstIndex { if case .clipByGlobalNorm = $0.kernel { true } else { false } })
        #expect(plan.instructions[..<clip].allSatisfy { $0.phase != .update })
        #expect(plan.instructions[clip...].allSatisfy { $0.phase == .update })
        let gradients = plan.parameters.compactMap(\.gradient)
        #expect(plan.instructions[clip].operands.map(\.buffer).dropFirst().sorted() == gradients.sorted())
        for g in gradients {
            let life = try #require(plan.layout.buffers.first { $0.id == plan.root(g) })
            #expect(life.last > clip, "\(plan[g].name) lives until its update")
        }
        #expect(Double(plan.arenaBytes) <= 1.02 * Double(plan.layout.lowerBoundBytes))
    }
}
