import Foundation
import NNCKernels
import NNCPlan
import NNCRuntime

/// `nnc bench FILE`: the time of one step of a compiled plan on random data, as the
/// median of several timed batches of steps after a warm-up.
public enum ModelBenchmark {
    public struct Result: Sendable {
        public var model: String
        public var mode: LoweringOptions.Mode
        public var batch: Int
        public var threads: Int
        /// Median seconds per step.
        public var secondsPerStep: Double
        public var samplesPerSecond: Double { Double(batch) / secondsPerStep }
        public var arenaBytes: Int
        public var persistentBytes: Int
        public var workspaceBytes: Int
        /// Median seconds of each instruction (with `profile`).
        public var instructionSeconds: [Double] = []
        /// The FMA peak of the executor's threads, measured before the profile (GFLOP/s).
        public var peakGFLOPS: Double?
        /// Multiply-adds of the whole step (its matrix products).
        public var multiplyAdds: Int
        /// GFLOP/s of the step's matrix products over the whole step.
        public var gflops: Double { 2 * Double(multiplyAdds) / secondsPerStep / 1e9 }
    }

    /// Runs `plan` with random parameters and inputs: warm-up, then `samples` timed batches
    /// of steps lasting about `seconds` / `samples` each.
    public static func run(
        _ plan: ExecutionPlan, threads: Int, samples: Int = 7, seconds: Double = 1.5, profile: Bool = false
    ) -> Result {
        let executor = Executor(plan: plan, threads: threads)
        executor.initializeParameters(seed: 1)
        let data = GradientCheck.randomData(for: plan, seed: 2)
        executor.write(plan.input, numbers: data.input)
        if let target = plan.target, let t = data.target { executor.write(target, numbers: t) }
        // Training steps use a tiny learning rate so the weights stay where they are.
        let rate: Float = 1e-6
        func steps(_ n: Int) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n { executor.run(learningRate: rate) }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        _ = steps(3)
        let once = max(1e-7, steps(3) / 3)
        let perSample = max(1, Int(seconds / Double(samples) / once))
        var times: [Double] = []
        for _ in 0..<samples { times.append(steps(perSample) / Double(perSample)) }
        times.sort()
        var result = Result(
            model: plan.model, mode: plan.options.mode, batch: plan.options.batch, threads: executor.pool.threads,
            secondsPerStep: times[times.count / 2], arenaBytes: plan.arenaBytes, persistentBytes: plan.persistentBytes,
            workspaceBytes: executor.arena.workspaceBytes,
            multiplyAdds: plan.instructions.reduce(0) { $0 + $1.kernel.multiplyAdds })
        if profile {
            result.peakGFLOPS = MachinePeak.measure(pool: executor.pool)
            let runs = (0..<max(3, min(25, perSample))).map { _ in executor.profile(learningRate: rate) }
            result.instructionSeconds = plan.instructions.indices.map { i in runs.map { $0[i] }.sorted()[runs.count / 2]
            }
        }
        return result
    }
}
