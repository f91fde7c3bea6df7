import NNCDriver
import NNCPlan
import NNCRuntime
import NNCTestSupport
import Testing

/// The Tree-LSTM's fast kernels (nodes batched by height across the batch) against the
/// double-precision twin (one node at a time), at 1–3 threads, and its reading of hostile
/// rows. Gradient checks through the recursion are in GradientTests.
@Suite struct TreeLSTMTests {
    static let models = [
        """
        input: [11, 4]
        layers:
          - tree_lstm: {units: 7, input_dim: 9, embedding_dim: 5}
          - dense: {units: 3, activation: softmax}
        loss: sparse_categorical_crossentropy
        """,
        """
        input: [10, 4]
        layers:
          - tree_lstm: {units: 6, input_dim: 8, variant: n_ary, use_bias: false}
          - dense: 2
        loss: mse
        """,
    ]

    /// Output and every parameter gradient of a training step on random trees (odd sizes,
    /// up to 3 children, slots not in pre-order) agree with the twin at 1, 2 and 3 threads.
    @Test(arguments: [0, 1])
    func fastKernelsMatchTheTwinAtEveryThreadCount(model: Int) throws {
        let plan = try compile(Self.models[model], LoweringOptions(mode: .training, batch: 5, updates: false))
        var rng = SplitMix64(seed: 11)
        let parameters = plan.parameters.map { p in (0..<p.shape.reduce(1, *)).map { _ in rng.normal() * 0.4 } }
        let data = GradientCheck.randomData(for: plan, seed: 12)
        for threads in 1...3 {
            let (fast, reference) = runBothExecutors(
                plan, parameters: parameters, input: data.input, target: data.target, threads: threads)
            expectClose(
                fast.read(plan.output), reference.read(plan.output), relative: 1e-5, "output, \(threads) threads")
            for p in plan.parameters {
                let g = try #require(p.gradient)
                let expected = reference.read(g)
                #expect(expected.contains { $0 != 0 }, "\(p.name): an all-zero gradient checks nothing")
                expectClose(fast.read(g), expected, relative: 1e-4, "∂\(p.name), \(threads) threads")
            }
        }
    }

    /// Levels wide enough to split their gate rows over the pool (64 trees, 64 units: a level
    /// of ≥ 103 nodes passes the split's threshold) agree with the twin at 2 and 3 threads,
    /// and a rerun at the same thread count is bit-identical.
    @Test(arguments: ["child_sum", "n_ary"])
    func splitLevelsMatchTheTwin(variant: String) throws {
        let yaml = """
            input: [11, 3]
            layers:
              - tree_lstm: {units: 64, input_dim: 12, embedding_dim: 16, variant: \(variant)}
              - dense: 2
            loss: mse
            """
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 64, updates: false))
        var rng = SplitMix64(seed: 21)
        let parameters = plan.parameters.map { p in (0..<p.shape.reduce(1, *)).map { _ in rng.normal() * 0.2 } }
        let data = GradientCheck.randomData(for: plan, seed: 22)
        let gradients = plan.parameters.compactMap(\.gradient)
        for threads in 2...3 {
            let (fast, reference) = runBothExecutors(
                plan, parameters: parameters, input: data.input, target: data.target, threads: threads)
            expectClose(
                fast.read(plan.output), reference.read(plan.output), relative: 1e-5, "output, \(threads) threads")
            for g in gradients {
                expectClose(fast.read(g), reference.read(g), relative: 1e-4, "\(plan[g].name), \(threads) threads")
            }
            let (again, _) = runBothExecutors(
                plan, parameters: parameters, input: data.input, target: data.target, threads: threads)
            #expect(gradients.allSatisfy { fast.read($0) == again.read($0) }, "\(threads) threads: a rerun differs")
        }
    }

    /// Rows no reader would produce make a forest, never an out-of-bounds read: a bad token
    /// drops its node, a child slot that is not after its parent, out of range, fractional or
    /// already claimed is ignored, and everything not reachable from the root is absent.
    @Test func hostileRowsMakeAValidForest() {
        let s = TreeShape(
            batch: 1, nodes: 6, children: 2, vocabulary: 5, features: 1, units: 1, childSum: true, bias: true)
        let rows: [Float] = [
            3, 1, 2,  // root: children 1 and 2
            1, 0, 3,  // child 0 points back at the root (ignored); 3 is fine
            4, 3, 5.5,  // 3 was claimed by node 1; 5.5 is not a whole number
            2, 9, -1,  // 9 is out of range
            0, -1, -1,  // never claimed: absent
            .nan, -1, -1,
        ]
        var tokens = [Int32](repeating: 7, count: 6)
        var children = [Int32](repeating: 7, count: 12)
        rows.withUnsafeBufferPointer { input in
            s.parse(input.baseAddress!, sample: 0, tokens: &tokens, children: &children)
        }
        #expect(tokens == [3, 1, 4, 2, -1, -1])
        #expect(children == [1, 2, /**/ -1, 3, /**/ -1, -1, /**/ -1, -1, /**/ -1, -1, /**/ -1, -1])
        let badRoot: [Float] = [.infinity, 1, 2] + [Float](repeating: 1, count: 15)
        badRoot.withUnsafeBufferPointer { s.parse($0.baseAddress!, sample: 0, tokens: &tokens, children: &children) }
        #expect(tokens.allSatisfy { $0 == -1 } && children.allSatisfy { $0 == -1 })
    }

    /// Uniform random numbers, NaN and huge values as input: both executors read the same
    /// forest and agree; the output is finite.
    @Test func randomNumbersRunAsAForest() throws {
        let plan = try compile(Self.models[0], LoweringOptions(mode: .training, batch: 4, updates: false))
        var rng = SplitMix64(seed: 5)
        let specials: [Double] = [.nan, .infinity, -1e30, 3.5, 0, 1, 2, 10]
        let input = (0..<plan[plan.input].elements).map { i in
            i % 3 == 0 ? specials[Int(rng.next() % 8)] : Double(Int(rng.next() % 14)) - 2
        }
        let parameters = plan.parameters.map { p in (0..<p.shape.reduce(1, *)).map { _ in rng.normal() * 0.4 } }
        let target = GradientCheck.randomData(for: plan, seed: 1).target
        let (fast, reference) = runBothExecutors(
            plan, parameters: parameters, input: input, target: target, threads: 2)
        let y = fast.read(plan.output)
        #expect(y.allSatisfy { $0.isFinite })
        expectClose(y, reference.read(plan.output), relative: 1e-5, "output")
    }
}
