import Foundation
import NNCPlan
import NNCRuntime

/// Measures the greedy memory planner on random lifetimes, for `nnc bench planner`.
public enum PlannerBenchmark {
    public struct Result: Sendable {
        public var buffers: Int
        /// Median milliseconds to plan.
        public var milliseconds: Double
        public var arenaBytes: Int
        public var lowerBoundBytes: Int
        public var naiveBytes: Int
    }

    /// Lifetimes shaped like a training step: most buffers short-lived, some spanning the
    /// step (activations kept for backward), sizes from 64 bytes to 4 MB. Seeded.
    public static func lifetimes(count: Int, seed: UInt64) -> [BufferLifetime] {
        var rng = SplitMix64(seed: seed)
        let steps = count * 2
        return (0..<count).map { i in
            let first = rng.int(0...steps - 1)
            let long = rng.int(0...4) == 0
            let last = min(steps - 1, first + (long ? rng.int(0...steps / 2) : rng.int(0...6)))
            let bytes = 1 << rng.int(6...22)
            return BufferLifetime(id: BufferID(i), bytes: bytes + rng.int(0...bytes / 2), first: first, last: last)
        }
    }

    public static func run(count: Int, seed: UInt64 = 1, samples: Int = 7) -> Result {
        let buffers = lifetimes(count: count, seed: seed)
        var times: [Double] = []
        var layout: ArenaLayout?
        for _ in 0..<samples {
            let start = DispatchTime.now().uptimeNanoseconds
            layout = GreedyPlanner().plan(buffers)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let l = layout!
        return Result(
            buffers: count, milliseconds: times.sorted()[times.count / 2], arenaBytes: l.arenaBytes,
            lowerBoundBytes: l.lowerBoundBytes, naiveBytes: l.naiveBytes)
    }
}
