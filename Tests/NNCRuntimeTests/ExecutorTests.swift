import CAllocationCounter
import NNCDriver
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCTestSupport
import Testing

/// The fast executor against the reference executor, across planners and thread counts,
/// and its allocation behaviour.
@Suite(.serialized) struct ExecutorTests {
    func plan(_ model: String, _ options: LoweringOptions, planner: MemoryPlanner = GreedyPlanner()) throws
        -> ExecutionPlan
    {
        try #require(try Driver.compile(path: modelPath(model), options: options, planner: planner).plan)
    }

    /// Random data written into an executor (float or token inputs, valid targets).
    func feed(_ executor: Executor, seed: UInt64) {
        let data = GradientCheck.randomData(for: executor.plan, seed: seed)
        executor.write(executor.plan.input, numbers: data.input)
        if let target = executor.plan.target, let t = data.target { executor.write(target, numbers: t) }
    }

    func parameters(_ executor: Executor) -> [[Float]] { executor.plan.parameters.map { executor.read($0.buffer) } }

    /// Training steps with the real planner and with the linear one (every buffer its own
    /// bytes) give bit-identical parameters: the arena reuse changes nothing.
    @Test func plannersGiveIdenticalResults() throws {
        var results: [[[Float]]] = []
        for planner in [GreedyPlanner(), LinearPlanner()] as [MemoryPlanner] {
            let executor = Executor(
                plan: try plan("lenet5.yaml", LoweringOptions(mode: .training, batch: 8), planner: planner), threads: 2)
            executor.initializeParameters(seed: 5)
            for step in 0..<3 {
                feed(executor, seed: UInt64(step))
                executor.run(learningRate: 0.01)
            }
            results.append(parameters(executor))
        }
        let differing = zip(results[0].joined(), results[1].joined()).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) parameters differ between the planners")
    }

    /// Same seed and thread count: bit-identical. One thread and two agree to float rounding.
    @Test func sameSeedAndThreadsAreBitIdentical() throws {
        func train(threads: Int) throws -> [[Float]] {
            let executor = Executor(
                plan: try plan("resnet_block.yaml", LoweringOptions(mode: .training, batch: 4)), threads: threads)
            executor.initializeParameters(seed: 9)
            for step in 0..<2 {
                feed(executor, seed: UInt64(step))
                executor.run(learningRate: 0.05)
            }
            return parameters(executor)
        }
        let a = try train(threads: 2)
        let b = try train(threads: 2)
        let c = try train(threads: 1)
        #expect(zip(a.joined(), b.joined()).allSatisfy { $0 == $1 })
        var worst: Float = 0
        for (x, y) in zip(a.joined(), c.joined()) { worst = max(worst, abs(x - y)) }
        #expect(worst < 1e-4)
    }

    /// Updates: a few fast Adam and SGD-momentum steps follow the reference executor's double-precision steps.
    @Test(arguments: [
        "{adam: 0.01}", "{sgd: {learning_rate: 0.1, momentum: 0.9, nesterov: true}}",
        "{rmsprop: {learning_rate: 0.01, centered: true, momentum: 0.5}}", "{adagrad: 0.1}", "{adadelta: 1.0}",
        "{adamw: {learning_rate: 0.01, amsgrad: true}}",
    ])
    func updatesFollowTheReference(optimizer: String) throws {
        let yaml = """
            input: [6]
            layers:
              - dense: {units: 5, activation: tanh}
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            optimizer: \(optimizer)
            """
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 4))
        let fast = Executor(plan: plan, threads: 1)
        let reference = ReferenceExecutor(plan: plan)
        fast.initializeParameters(seed: 2)
        reference.initializeParameters(seed: 2)
        let lr = Double(optimizer.contains("adadelta") ? 1.0 : 0.01)
        var losses: [Double] = []
        for step in 0..<4 {
            let data = GradientCheck.randomData(for: plan, seed: 40)
            feed(fast, seed: 40)
            reference.write(plan.input, data.input)
            reference.write(plan.target!, data.target!)
            fast.run(learningRate: Float(lr))
            reference.run(learningRate: lr)
            losses.append(reference.loss)
            #expect(abs(fast.loss - reference.loss) < 1e-5, "step \(step)")
        }
        for p in plan.parameters {
            let a = fast.read(p.buffer)
            let b = reference.read(p.buffer)
            let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(p.layer).\(p.name): \(worst)")
        }
        #expect(losses.last! < losses.first!, "repeating one batch must lower its loss: \(losses)")
    }

    /// Inference with batchnorm folded into the convolutions equals the reference run of the
    /// unfolded plan (batchnorm on running statistics as its own instruction); in the
    /// MobileNet-style model, folded into depthwise kernels too.
    @Test(arguments: ["resnet_block.yaml", "mobilenet_block.yaml"])
    func foldedInferenceMatchesUnfolded(model: String) throws {
        let folded = try plan(model, LoweringOptions(mode: .inference, batch: 2))
        let plain = try plan(model, LoweringOptions(mode: .inference, batch: 2, optimize: false))
        let fast = Executor(plan: folded, threads: 2)
        let reference = ReferenceExecutor(plan: plain)
        // Non-trivial statistics so folding matters.
        var rng = SplitMix64(seed: 4)
        var values: [[Double]] = []
        for p in plain.parameters {
            var v = ParameterInitializer.values(for: p, rng: &rng)
            if p.name == "moving_variance" { v = v.map { _ in 0.5 + rng.unit() } }
            if p.name == "moving_mean" || p.name == "beta" { v = v.map { _ in rng.normal() * 0.3 } }
            values.append(v)
        }
        for (p, v) in zip(plain.parameters, values) { reference.write(p.buffer, v) }
        for (p, v) in zip(folded.parameters, values) { fast.write(p.buffer, v.map(Float.init)) }
        fast.prepare()
        reference.prepare()
        let input = (0..<folded[folded.input].elements).map { _ in rng.unit() * 2 - 1 }
        fast.write(folded.input, input.map(Float.init))
        reference.write(plain.input, input)
        fast.run()
        reference.run()
        let a = fast.read(folded.output)
        let b = reference.read(plain.output)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 1
        #expect(worst < 1e-5, "folded vs unfolded: \(worst)")
    }

    /// After warm-up, a training step (and an inference step) makes no heap allocation.
    @Test(arguments: [
        "lenet5.yaml", "resnet_block.yaml", "hinton_dropout_mlp.yaml", "lstm_classifier.yaml", "gru_classifier.yaml",
        "imdb_embedding_bilstm.yaml", "mobilenet_block.yaml", "snn_mlp.yaml", "se_cnn.yaml", "unet_small.yaml",
        "imdb_text_cnn.yaml",
    ])
    func stepsAllocateNothing(model: String) throws {
        try expectNoAllocations(model) { try plan(model, $0) }
    }

    /// A Tree-LSTM step (both variants, trees read and ordered by height each step) allocates nothing.
    @Test(arguments: TreeLSTMTests.models)
    func treeStepsAllocateNothing(yaml: String) throws {
        try expectNoAllocations("tree_lstm") { try compile(yaml, $0) }
    }

    /// Every regularization instruction and a learned swish β allocate nothing either.
    @Test func regularizedStepsAllocateNothing() throws {
        let yaml = """
            input: [8]
            layers:
              - dense: {units: 16, activation: {swish: {learnable: true}}, bias_regularizer: {l1: 0.01}}
              - activation: {swish: {learnable: true}}
              - dense: {units: 4, activation: softmax, constraint: unit_norm}
            loss: categorical_crossentropy
            regularization: {l1: 0.0001, l2: 0.001, weight_decay: 0.001, max_norm: 3.0, clip_norm: 1.0}
            """
        try expectNoAllocations("regularized MLP") { try compile(yaml, $0) }
    }

    /// A text CNN's global max pools (1-D and 2-D, argmax saved for backward) allocate nothing.
    @Test func globalMaxPoolStepsAllocateNothing() throws {
        let yaml = """
            input: [40]
            layers:
              - embedding: {input_dim: 50, output_dim: 8}
              - conv1d: {filters: 6, kernel: 3, activation: relu, name: c}
              - global_max_pooling1d: {name: p1}
              - reshape: {shape: [19, 2, 6], inputs: [c]}
              - global_maxpool2d: {keepdims: true}
              - flatten: {name: p2}
              - concat: {inputs: [p1, p2]}
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("text CNN with global max pooling") { try compile(yaml, $0) }
    }

    /// The elementwise merges (their n-ary kernels take their input pointers from one array
    /// made when the executor is) allocate nothing either.
    @Test func mergeStepsAllocateNothing() throws {
        let yaml = """
            input: [8]
            layers:
              - dense: {units: 6, activation: tanh, name: a}
              - dense: {units: 6, name: b, inputs: [input]}
              - subtract: {inputs: [a, b], name: difference}
              - multiply: {inputs: [a, b, difference], name: product}
              - average: {inputs: [product, a], name: mean}
              - maximum: {inputs: [mean, b, difference], name: largest}
              - dense: {units: 4, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("merges") { try compile(yaml, $0) }
    }

    /// A MobileNet-style block's depthwise and separable convolutions (the grouped kernels and
    /// the separable one's intermediate) allocate nothing.
    @Test func depthwiseStepsAllocateNothing() throws {
        let yaml = """
            input: [12, 12, 3]
            layers:
              - conv2d: {filters: 8, kernel: 3, padding: same, activation: relu}
              - depthwise_conv2d: {kernel: 3, padding: same, use_bias: false}
              - batchnorm: {}
              - activation: relu
              - depthwise_conv2d: {kernel: 3, stride: 2, depth_multiplier: 2, activation: relu}
              - separable_conv2d: {filters: 12, kernel: 3, padding: same, activation: relu}
              - global_avgpool
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("depthwise and separable convolutions") { try compile(yaml, $0) }
    }

    /// A decoder's transposed convolutions (backward-data, bias pass and column sums) allocate nothing.
    @Test func transposedConvolutionStepsAllocateNothing() throws {
        let yaml = """
            input: [6, 6, 4]
            layers:
              - conv2d_transpose: {filters: 8, kernel: 3, stride: 2, padding: same, activation: relu}
              - conv2d_transpose: {filters: 4, kernel: 2, stride: 2, use_bias: false}
              - conv2d_transpose: {filters: 2, kernel: 3, output_padding: 0}
              - global_avgpool
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("transposed convolutions") { try compile(yaml, $0) }
    }

    /// Position embeddings and multi-head attention with padding and causal masks and dropout, its per-head products
    /// large enough to split over the pool's threads, allocates nothing either.
    @Test func attentionStepsAllocateNothing() throws {
        let yaml = """
            input: [32]
            layers:
              - embedding: {input_dim: 20, output_dim: 32, padding_index: 0}
              - position_embedding: 40
              - sinusoidal_position_embedding
              - multi_head_attention: {num_heads: 4, key_dim: 16, dropout: 0.1, use_causal_mask: true}
              - global_avgpool
              - dense: {units: 4, activation: softmax}
            loss: sparse_categorical_crossentropy
            """
        try expectNoAllocations("multi-head attention") { try compile(yaml, $0) }
    }

    /// The image layers that move pixels (zero padding, cropping) allocate nothing.
    @Test func imageLayerStepsAllocateNothing() throws {
        let yaml = """
            input: [8, 8, 2]
            layers:
              - zero_padding2d: [[1, 2], [0, 1]]
              - conv2d: {filters: 4, kernel: 3, activation: relu}
              - cropping2d: 1
              - upsampling2d: 2
              - upsampling2d: {size: [1, 2], interpolation: bilinear}
              - flatten
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("image layers") { try compile(yaml, $0) }
    }

    /// The self-normalizing pieces: prelu (its α index runs read from the plan's arrays) and
    /// alpha dropout allocate nothing.
    @Test func preluAndAlphaDropoutStepsAllocateNothing() throws {
        let yaml = """
            input: [6, 5, 2]
            layers:
              - conv2d: {filters: 4, kernel: 3}
              - prelu: {shared_axes: [1, 2]}
              - alpha_dropout: 0.1
              - flatten
              - dense: {units: 8, activation: selu, init: lecun_normal}
              - prelu
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("prelu and alpha dropout") { try compile(yaml, $0) }
    }

    /// Group normalization and L2 pooling allocate nothing.
    @Test func groupNormAndL2PoolStepsAllocateNothing() throws {
        let yaml = """
            input: [8, 8, 3]
            layers:
              - conv2d: {filters: 8, kernel: 3, padding: same}
              - groupnorm: {groups: 4}
              - l2pool2d: 2
              - flatten
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """
        try expectNoAllocations("groupnorm and l2 pooling") { try compile(yaml, $0) }
    }

    func expectNoAllocations(_ name: String, _ compile: (LoweringOptions) throws -> ExecutionPlan) throws {
        guard allocationCounterIsActive() else { return }
        for mode in [LoweringOptions.Mode.training, .inference] {
            let executor = Executor(plan: try compile(LoweringOptions(mode: mode, batch: 16)), threads: 2)
            executor.initializeParameters(seed: 1)
            feed(executor, seed: 1)
            executor.run(learningRate: 0.01)
            executor.run(learningRate: 0.01)
            track(executor.pool)
            nnc_allocation_counter_start()
            for _ in 0..<5 { executor.run(learningRate: 0.01) }
            let allocations = nnc_allocation_counter_stop()
            untrack(executor.pool)
            #expect(allocations == 0, "\(name) \(mode): \(allocations) allocations in 5 steps")
        }
    }

    /// Marks this thread and every worker of `pool` as tracked: each part of the job waits
    /// until all parts are taken, so every thread takes exactly one.
    func track(_ pool: ThreadPool, _ on: Int32 = 1) {
        var state = (claimed: Int32(0), threads: Int32(pool.threads), on: on)
        pool.run(parts: pool.threads, &state) { context, _ in
            let s = context!.assumingMemoryBound(to: (claimed: Int32, threads: Int32, on: Int32).self)
            nnc_allocation_counter_track_at_barrier(&s.pointee.claimed, s.pointee.threads, s.pointee.on)
        }
        nnc_allocation_counter_track_this_thread(on)
    }

    func untrack(_ pool: ThreadPool) { track(pool, 0) }

    /// Inputs and targets written once stay valid for every later step (the arena never
    /// reuses their bytes): with a zero learning rate every step gives the same loss.
    @Test func inputsWrittenOnceStayValid() throws {
        let executor = Executor(
            plan: try plan("iris_mlp.yaml", LoweringOptions(mode: .training, batch: 16)), threads: 2)
        executor.initializeParameters(seed: 3)
        feed(executor, seed: 3)
        var losses: [Double] = []
        for _ in 0..<3 {
            executor.run(learningRate: 0)
            losses.append(executor.loss)
        }
        #expect(losses[0].isFinite && losses[0] > 0)
        #expect(losses.allSatisfy { $0 == losses[0] }, "\(losses)")
    }

    /// The counter itself counts (a check that cannot fail proves nothing).
    @Test func allocationCounterCounts() {
        nnc_allocation_counter_track_this_thread(1)
        defer { nnc_allocation_counter_track_this_thread(0) }
        nnc_allocation_counter_start()
        let array = [Int](repeating: 7, count: 10_000)
        let allocations = nnc_allocation_counter_stop()
        #expect(array.count == 10_000)
        #expect(allocations >= 1)
    }
}
