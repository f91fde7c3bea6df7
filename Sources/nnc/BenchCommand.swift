import ArgumentParser
import Foundation
import NNCDriver
import NNCKernels

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of nnc's kernels.",
        subcommands: [BenchGEMMCommand.self, BenchPlannerCommand.self])
}

struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GEMM GFLOP/s on the shapes the models use (median of timed batches).",
        discussion: "Scripts/bench-gemm.sh runs this interleaved with numpy's OpenBLAS on the same shapes.")

    @Option(help: "Threads splitting each multiply.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() throws {
        let results = GEMMBenchmark.shapes.map { GEMMBenchmark.run($0, threads: threads) }
        if format == .json {
            let rows = results.map { ["shape": $0.shape.name, "m": $0.shape.m, "n": $0.shape.n, "k": $0.shape.k,
                                      "threads": $0.threads, "gflops": ($0.gflops * 10).rounded() / 10] as [String: Any] }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("GEMM, \(threads) thread\(threads == 1 ? "" : "s"), microkernel \(GEMM.activeISA.rawValue)")
        for r in results {
            let bandwidth = r.shape.m == 1 ? String(format: "   %5.1f GB/s of weights", r.weightGBps) : ""
            print("  \(r.shape.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", r.gflops)) GFLOP/s\(bandwidth)")
        }
    }
}

struct BenchPlannerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "planner",
        abstract: "Time the greedy memory planner on random training-step-like lifetimes.")

    @Option(help: "Buffer counts to plan.")
    var counts: [Int] = [100, 1000, 5000]

    func run() throws {
        print("greedy planner, median of 7 runs")
        for count in counts {
            let r = PlannerBenchmark.run(count: count)
            let ratio = Double(r.arenaBytes) / Double(max(1, r.lowerBoundBytes))
            print(String(format: "  %6d buffers  %8.2f ms   arena %.3f× lower bound   naive %.1f× lower bound",
                         r.buffers, r.milliseconds, ratio, Double(r.naiveBytes) / Double(max(1, r.lowerBoundBytes))))
        }
    }
}
