import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

/// `mpirun -np N nnc bench allreduce`: nnc's rank-ordered all-reduce timed at sizes from 4
/// bytes to --max-bytes; rank 0 prints the median time and the bandwidth per size.
struct BenchAllReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Under mpirun: time nnc's gradient all-reduce at sizes from 4 bytes up (latency and bandwidth).")

    @Option(help: "The largest message, in bytes (default 64 MiB).")
    var maxBytes = 64 << 20

    @Option(help: "Timed repetitions per size (the median is reported).")
    var repetitions = 20

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(name: .customLong("mpi-timeout"), help: "Seconds to wait for a peer (default 120).")
    var mpiTimeout = MPIWorld.defaultTimeout

    func validate() throws {
        try OptionChecks.check(maxBytes, "max-bytes", in: 4...(1 << 30))
        try OptionChecks.check(repetitions, "repetitions", in: 1...10_000)
        if MPIWorld.launchedSize == nil {
            throw ValidationError("run it under mpirun with at least 2 ranks: mpirun -np 2 nnc bench allreduce")
        }
    }

    func run() throws {
        do throws(TrainingFailure) {
            guard
                let world = try MPIWorld.start(
                    timeout: mpiTimeout, bucketBytes: GradientBuckets.defaultBytes,
                    at: SourceLocation(file: SourceFile(path: "allreduce", text: ""), line: 0, column: 0))
            else { return }
            var rows: [[String: Double]] = []
            var bytes = 4
            while bytes <= maxBytes {
                let times = try world.timeAllReduce(floats: bytes / 4, repetitions: repetitions).sorted()
                let median = times[times.count / 2]
                rows.append(["bytes": Double(bytes), "seconds": median, "bytes_per_second": Double(bytes) / median])
                bytes *= 4
            }
            world.finish()
            guard world.rank == 0 else { return }
            if format == .json {
                let data = try? JSONSerialization.data(withJSONObject: ["ranks": world.size, "sizes": rows])
                print(String(decoding: data ?? Data(), as: UTF8.self))
            } else {
                print("all-reduce over \(world.size) ranks (median of \(repetitions)):")
                for row in rows {
                    print(
                        String(
                            format: "%12.0f bytes  %10.1f µs  %8.3f GB/s", row["bytes"]!, row["seconds"]! * 1e6,
                            row["bytes_per_second"]! / 1e9))
                }
            }
        } catch {
            Terminal.printError(DiagnosticRenderer(useColor: false).render(error.diagnostics))
            throw ExitCode(1)
        }
    }
}
