import ArgumentParser
import Foundation
import NNCDriver
import NNCKernels
import NNCPlan

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Benchmarks: a model's compiled plan (the default), GEMM kernels, the cores' peak, the memory planner.",
        subcommands: [
            BenchModelCommand.self, BenchGEMMCommand.self, BenchPeakCommand.self, BenchPlannerCommand.self,
            BenchAllReduceCommand.self,
        ],
        defaultSubcommand: BenchModelCommand.self)
}

struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time one step of a model's compiled plan on random data: samples per second.",
        discussion: """
            `nnc bench FILE --inference --batch 1` times the inference plan (forward only, weights pre-packed \
            where the plan allows, batchnorm folded); without --inference, one training step (forward, loss, \
            backward, optimizer update). The figure is the median of 7 timed batches of steps after a warm-up, \
            inside one process; Scripts/bench.py compares whole processes against ONNX Runtime and PyTorch.
            """)

    @OptionGroup var options: ModelOptions
    @OptionGroup var plan: PlanOptions

    @Option(help: "Threads (default: all cores, at most 256).")
    var threads: Int?

    @Option(help: "Seconds of timed steps (at most 3600).")
    var seconds = 1.5

    @Flag(help: "Also time every instruction (median) and list the slowest.")
    var profile = false

    func validate() throws {
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
        try OptionChecks.checkPositive(seconds, "seconds", atMost: 3600)
    }

    func run() throws {
        let result = options.compile(mode: plan.mode, batch: plan.batch)
        if options.format == .text { options.report(result.diagnostics) }
        guard let compiled = result.plan else { throw ExitCode(1) }
        if let spec = result.check.spec, let graph = result.check.graph,
            let refusal = MemoryBudget.refusal(
                needing: compiled.totalBytes, what: "the \(compiled.options.mode.rawValue) plan",
                mode: compiled.options.mode, batch: compiled.options.batch, graph: graph, spec: spec,
                at: spec.inputLocation)
        {
            options.report([refusal])
            throw ExitCode(1)
        }
        let r = ModelBenchmark.run(compiled, threads: OptionChecks.threads(threads), seconds: seconds, profile: profile)
        if options.format == .json {
            var report: [String: Any] = [
                "model": r.model, "mode": r.mode.rawValue, "batch": r.batch, "threads": r.threads,
                "seconds_per_step": r.secondsPerStep, "samples_per_second": r.samplesPerSecond,
                "gflops": r.gflops, "multiply_adds": r.multiplyAdds,
                "arena_bytes": r.arenaBytes, "persistent_bytes": r.persistentBytes,
                "workspace_bytes": r.workspaceBytes,
            ]
            if let peak = r.peakGFLOPS {
                report["peak_gflops"] = peak
                report["instructions"] = compiled.instructions.indices.map { i -> [String: Any] in
                    let instruction = compiled.instructions[i]
                    return [
                        "index": i, "kernel": instruction.kernel.name, "layer": instruction.layer,
                        "seconds": r.instructionSeconds[i], "multiply_adds": instruction.kernel.multiplyAdds,
                    ]
                }
            }
            try printJSON(report)
        } else {
            let what = r.mode == .inference ? "inference" : "training step"
            print(
                "\(r.model): \(what), batch \(r.batch), \(r.threads) thread\(r.threads == 1 ? "" : "s"), microkernel \(GEMM.activeISA.rawValue)"
            )
            print(
                String(
                    format: "  %.1f µs per step   %.0f samples/s   %.1f GFLOP/s in matrix products   (median of 7)",
                    r.secondsPerStep * 1e6, r.samplesPerSecond, r.gflops))
            print(
                "  memory: arena \(SummaryTable.bytes(r.arenaBytes)), persistent \(SummaryTable.bytes(r.persistentBytes)), GEMM workspace \(SummaryTable.bytes(r.workspaceBytes))"
            )
            if profile, let peak = r.peakGFLOPS { printProfile(r, compiled, peak: peak) }
        }
    }

    /// The slowest instructions: median time, share of the step, and for matrix products their
    /// GFLOP/s and fraction of the measured peak of the threads the step runs on.
    func printProfile(_ r: ModelBenchmark.Result, _ compiled: ExecutionPlan, peak: Double) {
        let total = r.instructionSeconds.reduce(0, +)
        print(
            String(
                format: "  peak of %d thread%@: %.1f GFLOP/s (FMA probe); matrix products over the step: %.0f%% of it",
                r.threads, r.threads == 1 ? "" : "s", peak, 100 * r.gflops / peak))
        print("  instructions by time:     µs   share   GFLOP/s  of peak")
        for i in r.instructionSeconds.indices.sorted(by: { r.instructionSeconds[$0] > r.instructionSeconds[$1] })
            .prefix(15)
        {
            let instruction = compiled.instructions[i]
            let seconds = r.instructionSeconds[i]
            let macs = instruction.kernel.multiplyAdds
            let rate = macs > 0 && seconds > 0 ? 2 * Double(macs) / seconds / 1e9 : nil
            let columns =
                rate.map { String(format: "  %8.1f  %6.0f%%", $0, 100 * $0 / peak) }
                ?? String(repeating: " ", count: 18)
            print(
                String(format: "  %4d  %16.1f  %5.1f%%", i, seconds * 1e6, 100 * seconds / max(total, 1e-12)) + columns
                    + "  \(instruction.kernel.name) [\(instruction.layer)]")
        }
    }
}

struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GEMM GFLOP/s on the shapes the models use (median of timed batches).",
        discussion: "`Scripts/bench.py --suites gemm` runs this interleaved with numpy's OpenBLAS on the same shapes.")

    @Option(help: "Threads splitting each multiply (default: all cores, at most 256).")
    var threads: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "List the shapes without timing them.")
    var list = false

    func validate() throws {
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
    }

    func run() throws {
        if list {
            let rows = GEMMBenchmark.shapes.map {
                ["shape": $0.name, "m": $0.m, "n": $0.n, "k": $0.k] as [String: Any]
            }
            if format == .json { return try printJSON(rows) }
            for s in GEMMBenchmark.shapes { print("\(s.name)   m \(s.m), n \(s.n), k \(s.k)") }
            return
        }
        let threads = OptionChecks.threads(threads)
        let results = GEMMBenchmark.shapes.map { GEMMBenchmark.run($0, threads: threads) }
        if format == .json {
            let rows = results.map {
                [
                    "shape": $0.shape.name, "m": $0.shape.m, "n": $0.shape.n, "k": $0.shape.k,
                    "threads": $0.threads, "gflops": ($0.gflops * 10).rounded() / 10,
                ] as [String: Any]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("GEMM, \(threads) thread\(threads == 1 ? "" : "s"), microkernel \(GEMM.activeISA.rawValue)")
        for r in results {
            let bandwidth = r.shape.m == 1 ? String(format: "   %5.1f GB/s of weights", r.weightGBps) : ""
            print(
                "  \(r.shape.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", r.gflops)) GFLOP/s\(bandwidth)"
            )
        }
    }
}

struct BenchPeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "The cores' single-precision FMA peak, measured: the yardstick of every kernel's GFLOP/s.",
        discussion: """
            Twelve independent chains of vector FMAs per thread, all threads at once, the best of five \
            probes per thread. Clocks differ between machines of the same name, so measure the peak \
            where the kernels run rather than trusting a quoted figure.
            """)

    @Option(help: "Threads (cores) probed at once (default: all cores, at most 256).")
    var threads: Int?

    @Option(help: "Seconds of probing per thread (at most 60).")
    var seconds = 0.1

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
        try OptionChecks.checkPositive(seconds, "seconds", atMost: 60)
    }

    func run() throws {
        let threads = OptionChecks.threads(threads)
        let gflops = MachinePeak.measure(pool: ThreadPool(threads: threads), seconds: seconds)
        if format == .json {
            return try printJSON(["gflops": gflops, "threads": threads, "isa": GEMM.activeISA.rawValue])
        }
        print(
            String(
                format: "FMA peak, %d thread%@ (%@): %.1f GFLOP/s", threads, threads == 1 ? "" : "s",
                GEMM.activeISA.rawValue, gflops))
    }
}

struct BenchPlannerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "planner",
        abstract: "Time the greedy memory planner on random training-step-like lifetimes.")

    @Option(help: "Buffer counts to plan (each 1 to 100,000).")
    var counts: [Int] = [100, 1000, 5000]

    func validate() throws {
        for count in counts { try OptionChecks.check(count, "counts", in: 1...100_000) }
    }

    func run() throws {
        print("greedy planner, median of 7 runs")
        for count in counts {
            let r = PlannerBenchmark.run(count: count)
            let ratio = Double(r.arenaBytes) / Double(max(1, r.lowerBoundBytes))
            print(
                String(
                    format: "  %6d buffers  %8.2f ms   arena %.3f× lower bound   naive %.1f× lower bound",
                    r.buffers, r.milliseconds, ratio, Double(r.naiveBytes) / Double(max(1, r.lowerBoundBytes))))
        }
    }
}
