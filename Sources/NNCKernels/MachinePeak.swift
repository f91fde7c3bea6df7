import CNNCKernels
import Dispatch
import Synchronization

/// The single-precision FMA peak of this machine's cores, measured rather than assumed
/// (clocks and turbo differ between machines of the same name): the yardstick that says how
/// far a kernel runs from what the core allows.
public enum MachinePeak {
    /// GFLOP/s of `pool.threads` cores running the FMA probe at the same moment (each part
    /// waits for the others before it starts, so the cores really run side by side). Each
    /// core's figure is the best of five probes of `seconds` / 5: interference only lowers a
    /// probe, so the best is the closest to the peak.
    public static func measure(pool: ThreadPool, seconds: Double = 0.1) -> Double {
        let parts = pool.threads
        let job = Probe(parts: parts, seconds: seconds)
        var pointer = Unmanaged.passUnretained(job)
        pool.run(parts: parts, &pointer) { context, p in
            let probe = context!.assumingMemoryBound(to: Unmanaged<Probe>.self).pointee.takeUnretainedValue()
            probe.run(part: p)
        }
        return job.total
    }

    /// One measurement: the parts meet at a barrier (for at most a second; a part whose
    /// thread never came is measured alone), then each runs the probe.
    final class Probe: @unchecked Sendable {
        let parts: Int
        let seconds: Double
        let arrived = Atomic<Int>(0)
        let results: UnsafeMutablePointer<Double>

        init(parts: Int, seconds: Double) {
            self.parts = parts
            self.seconds = seconds
            results = .allocate(capacity: parts)
            results.initialize(repeating: 0, count: parts)
        }

        deinit { results.deallocate() }

        func run(part: Int) {
            arrived.add(1, ordering: .sequentiallyConsistent)
            let deadline = DispatchTime.now().uptimeNanoseconds + 1_000_000_000
            while arrived.load(ordering: .sequentiallyConsistent) < parts
                && DispatchTime.now().uptimeNanoseconds < deadline
            {}
            results[part] = (0..<5).map { _ in nnc_fma_peak_gflops(seconds / 5) }.max()!
        }

        var total: Double { (0..<parts).reduce(0) { $0 + results[$1] } }
    }
}
