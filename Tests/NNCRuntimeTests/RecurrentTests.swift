import Foundation
import NNCDriver
import NNCGraph
import NNCKernels
import NNCPlan
import NNCSpec
import Testing

@testable import NNCRuntime

/// Recurrent layers beyond single gradient checks: padding invariance, the fast kernels
/// against the reference on odd sizes and thread counts, long sequences, the PyTorch bias
/// convention, initialization, dropout determinism and where masks reach.
@Suite struct RecurrentTests {
    /// Runs one training step (no updates) of `plan` with the given parameters and input on
    /// both executors; returns (fast, reference) of the loss rows, the output and every gradient.
    func run(_ plan: ExecutionPlan, parameters: [[Double]], input: [Double], target: [Double], threads: Int = 1)
        -> (fast: [[Double]], reference: [[Double]])
    {
        let (fast, reference) = runBothExecutors(
            plan, parameters: parameters, input: input, target: target, threads: threads)
        let ids = [plan.loss!, plan.output] + plan.parameters.compactMap(\.gradient)
        return (ids.map { fast.read($0).map(Double.init) }, ids.map { reference.read($0) })
    }

    /// max |a − b| over max |b| (or 1e-12), per tensor; the worst.
    func worstRelative(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).map { x, y in
            (zip(x, y).map { abs($0 - $1) }.max() ?? 0) / max(y.map(abs).max() ?? 0, 1e-12)
        }.max() ?? 0
    }

    static let paddedModel = """
        layers:
          - embedding: {input_dim: 9, output_dim: 4, padding_index: 0}
          - bidirectional: {layer: {lstm: {units: 5, return_sequences: true}}}
          - gru: {units: 4, return_sequences: true}
          - bidirectional: {layer: {gru: {units: 3, reset_after: false, return_sequences: true}}, merge_mode: mul}
          - simple_rnn: 3
          - dense: {units: 2, activation: softmax}
        loss: categorical_crossentropy
        """

    /// The same two sequences unpadded (5 steps) and padded to 8 and 12 steps at the end,
    /// the start and both ends give the same losses, outputs and gradients: exactly in
    /// double precision (padded steps only add zeros), to float rounding in the fast kernels.
    /// A padded step leaking into the fast kernels moves a result by a whole step's share, far
    /// above rounding.
    @Test func paddingChangesNothing() throws {
        let sequences = [[3, 1, 4, 1, 5], [2, 7, 1, 8, 2]]
        let layouts: [(steps: Int, before: Int)] = [(5, 0), (8, 0), (8, 3), (12, 4)]
        var baseline: (fast: [[Double]], reference: [[Double]])?
        var parameters: [[Double]] = []
        for layout in layouts {
            let plan = try compile(
                "input: [\(layout.steps)]\n" + Self.paddedModel,
                LoweringOptions(mode: .training, batch: 2, updates: false))
            if parameters.isEmpty { parameters = ParameterInitializer.values(for: plan, seed: 5) }
            var ids: [Double] = []
            for s in sequences {
                let padded = Array(repeating: 0, count: layout.before) + s
                ids += (padded + Array(repeating: 0, count: layout.steps - padded.count)).map(Double.init)
            }
            let result = run(plan, parameters: parameters, input: ids, target: [1, 0, 0, 1])
            guard let first = baseline else {
                baseline = result
                #expect(
                    result.reference.dropFirst(2).allSatisfy { $0.contains { $0 != 0 } }, "every gradient is nonzero")
                continue
            }
            #expect(
                result.reference == first.reference,
                "padded to \(layout.steps) (\(layout.before) before): double results differ")
            // Float sums over more (zero) rows round differently; where a gradient's terms cancel
            // (a bias summed over steps) that rounding is large relative to the result, so each
            // tensor may move by its own measured float error (unpadded fast vs double) besides 1e-6.
            for k in first.fast.indices {
                let moved = zip(result.fast[k], first.fast[k]).map { abs($0 - $1) }.max() ?? 0
                let rounding = zip(first.fast[k], first.reference[k]).map { abs($0 - $1) }.max() ?? 0
                let scale = first.reference[k].map(abs).max() ?? 0
                #expect(
                    moved <= 1e-6 * scale + 4 * rounding,
                    "padded to \(layout.steps): float tensor \(k) moved by \(moved)")
            }
        }
    }

    /// Each cell's layer with `UNITS` and `SEQUENCES` to fill in.
    static let cells: [(name: String, layer: String)] = [
        ("simple_rnn", "simple_rnn: {units: UNITS, return_sequences: SEQUENCES}"),
        ("lstm", "lstm: {units: UNITS, return_sequences: SEQUENCES}"),
        ("gru", "gru: {units: UNITS, return_sequences: SEQUENCES}"),
        ("gru reset before", "gru: {units: UNITS, reset_after: false, return_sequences: SEQUENCES}"),
        (
            "bidirectional lstm",
            "bidirectional: {layer: {lstm: {units: UNITS, return_sequences: SEQUENCES}}, merge_mode: ave}"
        ),
        ("lstm peephole", "lstm: {units: UNITS, peephole: true, return_sequences: SEQUENCES}"),
        (
            "bidirectional lstm peephole",
            "bidirectional: {layer: {lstm: {units: UNITS, peephole: true, return_sequences: SEQUENCES}}}"
        ),
    ]

    static func layer(_ cell: String, units: Int, sequences: Bool) -> String {
        cells.first { $0.name == cell }!.layer.replacingOccurrences(of: "UNITS", with: "\(units)")
            .replacingOccurrences(of: "SEQUENCES", with: "\(sequences)")
    }

    /// The fast kernels (AVX2 or portable, whichever this machine runs; kernel tests cover
    /// both) against the double reference on sizes no unroll divides, with one and two threads.
    @Test(arguments: cells.map(\.name))
    func fastKernelsMatchTheReferenceOnOddSizes(cell: String) throws {
        let yaml =
            "input: [7, 3]\nlayers:\n  - \(Self.layer(cell, units: 13, sequences: true))\n  - \(Self.layer(cell, units: 5, sequences: false))\n"
            + "  - dense: 2\nloss: mse\n"
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 5, updates: false))
        let data = GradientCheck.randomData(for: plan, seed: 3)
        for threads in [1, 2] {
            let (fast, reference) = run(
                plan, parameters: ParameterInitializer.values(for: plan, seed: 4), input: data.input,
                target: data.target!, threads: threads)
            #expect(worstRelative(fast, reference) < 1e-5, "\(cell), \(threads) threads")
        }
    }

    /// Inference plans project each step's rows inside the loop (no buffer of every step's
    /// projection): the fast kernels with one and two threads against the double reference,
    /// and against an unoptimized inference plan, which projects all steps first. The padded
    /// model checks that masked steps still skip their projected rows.
    @Test(arguments: cells.map(\.name) + ["padded"])
    func inferenceProjectsEachStepLikeTraining(cell: String) throws {
        let padded = cell == "padded"
        let yaml =
            padded
            ? "input: [6]\n" + Self.paddedModel
            : "input: [7, 3]\nlayers:\n  - \(Self.layer(cell, units: 13, sequences: true))\n  - \(Self.layer(cell, units: 5, sequences: false))\n"
                + "  - dense: 2\nloss: mse\n"
        let fused = try compile(yaml, LoweringOptions(mode: .inference, batch: 5))
        let unfused = try compile(yaml, LoweringOptions(mode: .inference, batch: 5, optimize: false))
        func recurrent(_ plan: ExecutionPlan) -> [RecurrentShape] {
            plan.instructions.compactMap { if case .recurrent(let s) = $0.kernel { s } else { nil } }
        }
        #expect(!recurrent(fused).isEmpty && recurrent(fused).allSatisfy(\.fusedProjection))
        #expect(recurrent(unfused).allSatisfy { !$0.fusedProjection })
        #expect(!fused.buffers.contains { $0.name.hasSuffix("gates") && $0.shape.count == 3 })
        // Biases start at zero: move every parameter a little so a dropped bias shows.
        let parameters = ParameterInitializer.values(for: fused, seed: 4).enumerated().map { i, values in
            values.enumerated().map { j, v in v + 0.1 * sin(Double(131 * i + j)) }
        }
        // Five sequences of six ids below the embedding's 9, zeros for padding.
        let input =
            padded
            ? [3, 1, 4, 0, 0, 0, 0, 2, 7, 1, 8, 0, 5, 8, 2, 6, 5, 3, 0, 0, 0, 0, 0, 1, 4, 4, 4, 0, 0, 0].map(
                Double.init)
            : GradientCheck.randomData(for: fused, seed: 3).input
        func outputs(_ plan: ExecutionPlan, threads: Int) -> (fast: [Double], reference: [Double]) {
            let (fast, reference) = runBothExecutors(
                plan, parameters: parameters, input: input, target: nil, threads: threads)
            return (fast.read(plan.output).map(Double.init), reference.read(plan.output))
        }
        let stepsFirst = outputs(unfused, threads: 1)
        for threads in [1, 2] {
            let (fast, reference) = outputs(fused, threads: threads)
            #expect(worstRelative([fast], [reference]) < 1e-5, "\(cell), \(threads) threads")
            #expect(worstRelative([fast], [stepsFirst.fast]) < 1e-5, "\(cell), \(threads) threads: projected first")
            #expect(worstRelative([reference], [stepsFirst.reference]) < 1e-12, "\(cell): double references")
        }
    }

    /// At batch 1, inference splits each step's units between the threads (Executor.unitParts):
    /// two and three threads give one thread's bits for every cell it splits, over two to four
    /// 16-unit panels, output sequences or the last step, under every instruction set this
    /// machine has; the cells and sizes it leaves on one thread are named, so a split that
    /// stopped happening shows.
    @Test func batchOneStepsSplitByUnitsGiveOneThreadsBits() throws {
        for (cell, units, splits) in [
            ("lstm", 32, true), ("lstm", 48, true), ("gru", 32, true), ("simple_rnn", 64, true), ("lstm", 40, false),
            ("gru reset before", 32, false), ("lstm peephole", 32, false),
        ] {
            for sequences in [true, false] {
                let yaml =
                    "input: [7, 3]\nlayers:\n  - \(Self.layer(cell, units: units, sequences: sequences))\n  - dense: 2\nloss: mse\n"
                let plan = try compile(yaml, LoweringOptions(mode: .inference, batch: 1))
                let shapes = plan.instructions.compactMap { if case .recurrent(let s) = $0.kernel { s } else { nil } }
                #expect(
                    shapes.count == 1 && shapes.allSatisfy { (Executor.unitParts($0, threads: 2) > 1) == splits },
                    "\(cell) \(units)")
                let parameters = ParameterInitializer.values(for: plan, seed: 5).enumerated().map { i, values in
                    values.enumerated().map { j, v in v + 0.1 * sin(Double(37 * i + j)) }
                }
                let input = GradientCheck.randomData(for: plan, seed: 6).input
                func output(threads: Int) -> (fast: [Float], reference: [Double]) {
                    let (fast, reference) = runBothExecutors(
                        plan, parameters: parameters, input: input, target: nil, threads: threads)
                    return (fast.read(plan.output), reference.read(plan.output))
                }
                let one = output(threads: 1)
                #expect(worstRelative([one.fast.map(Double.init)], [one.reference]) < 1e-5, "\(cell) \(units)")
                for isa in GEMM.ISA.available {
                    GEMM.useISA(isa)
                    defer { GEMM.useISA(nil) }
                    let unsplit = output(threads: 1).fast
                    for threads in [2, 3] {
                        #expect(
                            output(threads: threads).fast == unsplit,
                            "\(cell) \(units) sequences \(sequences), \(isa), \(threads) threads")
                    }
                }
            }
        }
    }

    /// 100 steps: the check stays meaningful (errors relative to the model's largest gradient,
    /// inputs in [−1, 1], Keras's default initializers) and nothing vanishes or explodes.
    @Test(arguments: cells.map(\.name))
    func longSequencesCheckOut(cell: String) throws {
        let yaml =
            "input: [100, 3]\nlayers:\n  - \(Self.layer(cell, units: 6, sequences: true))\n  - global_avgpool\n  - dense: 2\nloss: mse\n"
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 2, updates: false))
        let report = GradientCheck.run(plan, seed: 11, perTensor: 5)
        #expect(!report.allGradientsZero)
        for e in report.entries {
            #expect(e.largestGradient > 0 && e.largestGradient.isFinite, "\(cell): \(e.parameter)")
            #expect(
                e.worstRelativeError <= 1e-5,
                "\(cell): \(e.layer).\(e.parameter) relative error \(e.worstRelativeError)")
            #expect(
                e.floatRelativeError <= 1e-4, "\(cell): \(e.layer).\(e.parameter) float error \(e.floatRelativeError)")
        }
    }

    /// Graphs built with PyTorch's convention (two bias rows per gate) compile and check too.
    @Test(arguments: cells.map(\.name))
    func pytorchConventionCompiles(cell: String) throws {
        let yaml =
            "input: [6, 3]\nlayers:\n  - \(Self.layer(cell, units: 4, sequences: false))\n  - dense: 2\nloss: mse\n"
        let plan = try Self.pytorchPlan(yaml)
        #expect(
            plan.parameters.filter { $0.name.hasSuffix("bias") && $0.layer != "dense" }.allSatisfy {
                $0.shape == [2, $0.shape[1]]
            })
        let report = GradientCheck.run(plan, seed: 2, perTensor: 5)
        #expect(!report.allGradientsZero)
        #expect(
            report.worstRelativeError <= 1e-5 && report.worstFloatError <= 1e-4,
            "\(report.worstRelativeError) \(report.worstFloatError)")
    }

    static func pytorchPlan(_ yaml: String) throws -> ExecutionPlan {
        let spec = try #require(Driver.check(SourceFile(path: "t.yaml", text: yaml)).spec)
        var builder = GraphBuilder(spec: spec, convention: .pytorch)
        return try ExecutionPlan.compile(
            builder.build(), options: LoweringOptions(mode: .training, batch: 2, updates: false))
    }

    /// An LSTM's two PyTorch bias rows act as their sum: the Keras plan with b = b_ih + b_hh agrees.
    @Test func pytorchBiasRowsAddUp() throws {
        let yaml = "input: [6, 3]\nlayers:\n  - lstm: 4\n  - dense: 2\nloss: mse\n"
        let torch = try Self.pytorchPlan(yaml)
        let keras = try compile(yaml, LoweringOptions(mode: .training, batch: 2, updates: false))
        var rng = SplitMix64(seed: 8)
        let values = torch.parameters.map { p in (0..<p.shape.reduce(1, *)).map { _ in rng.normal() * 0.4 } }
        let summed = zip(torch.parameters, values).map { p, v in
            p.layer == "lstm" && p.name == "bias" ? (0..<16).map { v[$0] + v[16 + $0] } : v
        }
        let data = GradientCheck.randomData(for: keras, seed: 1)
        let a = run(torch, parameters: values, input: data.input, target: data.target!).reference
        let b = run(keras, parameters: summed, input: data.input, target: data.target!).reference
        #expect(zip(a[1], b[1]).allSatisfy { abs($0 - $1) < 1e-12 }, "outputs differ")
    }

    /// Keras's unit_forget_bias: the LSTM forget gate's bias starts at 1, the rest from bias_init.
    @Test func unitForgetBiasStartsTheForgetGateAtOne() throws {
        let plan = try compile(
            "input: [4, 2]\nlayers:\n  - bidirectional: {lstm: 3}\n  - lstm: {units: 2, inputs: [input], unit_forget_bias: false, name: plain}\n  - concat: {inputs: [bidirectional, plain]}\nloss: mse\n",
            LoweringOptions(mode: .inference, batch: 1))
        let values = ParameterInitializer.values(for: plan, seed: 1)
        for (p, v) in zip(plan.parameters, values) where p.name.hasSuffix("bias") {
            let expected: [Double] =
                p.layer == "plain" ? Array(repeating: 0, count: 8) : [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
            #expect(v == expected, "\(p.layer).\(p.name): \(v)")
        }
        let recurrent = try #require(zip(plan.parameters, values).first { $0.0.name == "forward_recurrent_kernel" }?.1)
        // Orthogonal [3, 12]: orthonormal rows.
        for i in 0..<3 {
            for j in 0..<3 {
                let dot = (0..<12).reduce(0.0) { $0 + recurrent[i * 12 + $1] * recurrent[j * 12 + $1] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-9)
            }
        }
    }

    /// Input and recurrent dropout masks: the same seed and thread count give identical
    /// results, masks change from step to step, and inference has none.
    @Test func dropoutMasksAreDeterministic() throws {
        let yaml =
            "input: [6, 3]\nlayers:\n  - gru: {units: 8, dropout: 0.3, recurrent_dropout: 0.3, return_sequences: true}\n"
            + "  - lstm: {units: 8, recurrent_dropout: 0.5}\n  - dense: 2\nloss: mse\noptimizer: {sgd: 0.1}\n"
        let plan = try compile(yaml, LoweringOptions(mode: .training, batch: 16))
        func train(threads: Int, rate: Float) -> ([Double], [Float]) {
            let executor = Executor(plan: plan, threads: threads)
            executor.initializeParameters(seed: 3)
            let data = GradientCheck.randomData(for: plan, seed: 4)
            executor.write(plan.input, numbers: data.input)
            executor.write(plan.target!, numbers: data.target!)
            var losses: [Double] = []
            for _ in 0..<3 {
                executor.run(learningRate: rate)
                losses.append(executor.loss)
            }
            return (losses, plan.parameters.flatMap { executor.read($0.buffer) })
        }
        let a = train(threads: 2, rate: 0.1)
        let b = train(threads: 2, rate: 0.1)
        let c = train(threads: 1, rate: 0.1)
        #expect(a.0 == b.0 && a.1 == b.1)
        #expect(zip(a.1, c.1).allSatisfy { abs($0 - $1) < 1e-4 })
        // Unchanged weights and data: only the masks make the losses differ.
        let frozen = train(threads: 2, rate: 0)
        #expect(Set(frozen.0).count == 3, "losses \(frozen.0)")
        let inference = try compile(yaml, LoweringOptions(mode: .inference, batch: 4))
        #expect(!inference.instructions.contains { if case .dropoutMask = $0.kernel { true } else { false } })
    }

    /// The mask of real steps passes per-step layers and stops at layers that mix timesteps.
    @Test func masksReachRecurrentLayersThroughPerStepLayers() throws {
        func masked(_ between: String, padding: String = ", padding_index: 0") throws -> Bool {
            let plan = try compile(
                "input: [10]\nlayers:\n  - embedding: {input_dim: 6, output_dim: 4\(padding)}\n\(between)  - lstm: 3\nloss: mse\n",
                LoweringOptions(mode: .inference, batch: 2))
            return plan.instructions.contains { if case .recurrent(let s) = $0.kernel { s.masked } else { false } }
        }
        #expect(try masked(""))
        #expect(
            try masked(
                "  - dense: 5\n  - dropout: 0.5\n  - layernorm: {}\n  - gru: {units: 4, return_sequences: true}\n"))
        #expect(try !masked("  - conv1d: {filters: 4, kernel: 3}\n"))
        #expect(try !masked("", padding: ""))
    }
}
