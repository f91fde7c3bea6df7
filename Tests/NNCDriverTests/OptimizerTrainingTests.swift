import Foundation
import NNCDriver
import NNCTestSupport
import Testing

/// Whole training runs on a problem small enough to follow by hand: a linear unit
/// y = w·x + b on five samples, batches of 3 then 2 (no shuffling), mean squared error,
/// six steps over three epochs. The final weights must equal the optimizer's formula
/// stepped in double precision with the schedule's rate and momentum at each step.
@Suite struct OptimizerTrainingTests {
    static let rows: [(t: Double, x: [Double])] = [
        (1.0, [0.5, -1.0]), (-0.5, [1.5, 0.25]), (2.0, [-0.75, 2.0]), (0.25, [1.0, 1.0]), (-1.5, [-2.0, 0.5]),
    ]

    func train(_ optimizer: String, schedule: String = "constant", momentumSchedule: String = "constant") throws
        -> [Float]
    {
        let s = try Scratch()
        let csv = try s.write("d.csv", Self.rows.map { "\($0.t),\($0.x[0]),\($0.x[1])" }.joined(separator: "\n") + "\n")
        let spec = try s.spec(
            "m.yaml",
            """
            input: [2]
            layers:
              - dense: {units: 1, init: {constant: 0.5}, bias_init: zeros}
            loss: mse
            optimizer: \(optimizer)
            schedule: \(schedule)
            momentum_schedule: \(momentumSchedule)
            train: {epochs: 3, batch_size: 3, shuffle: false}
            data: {train: {path: \(csv)}}
            """)
        let result = try Training.run(spec, out: s.path("run"))
        let t = try Training.tensors(result.weightsPath)
        return try #require(t["dense.kernel"]) + (try #require(t["dense.bias"]))
    }

    /// The steps' gradients of mean squared error at `p` = [w₁, w₂, b], batch by batch.
    func gradient(_ p: [Double], batch: Range<Int>) -> [Double] {
        var g = [0.0, 0.0, 0.0]
        for r in batch {
            let (t, x) = Self.rows[r]
            let e = p[0] * x[0] + p[1] * x[1] + p[2] - t
            g[0] += 2 * e * x[0] / Double(batch.count)
            g[1] += 2 * e * x[1] / Double(batch.count)
            g[2] += 2 * e / Double(batch.count)
        }
        return g
    }

    /// Steps `update(parameters, gradient, step, epoch)` over the run's six batches.
    func expected(_ update: (inout [Double], [Double], Int, Int) -> Void) -> [Double] {
        var p = [0.5, 0.5, 0.0]
        var step = 0
        for epoch in 0..<3 {
            for batch in [0..<3, 3..<5] {
                update(&p, gradient(p, batch: batch), step, epoch)
                step += 1
            }
        }
        return p
    }

    /// Trained weights against the formula's, to float rounding over a few steps.
    func expectWeights(_ a: [Float], _ b: [Double], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        expectClose(a, b, relative: 2e-5, "weights", sourceLocation: sourceLocation)
    }

    /// SGD with a momentum ramp and a step schedule: rate 0.1, halved each epoch; μ from 0.5
    /// to 0.9 over 4 steps.
    @Test func sgdFollowsItsRateAndMomentumSchedules() throws {
        let weights = try train(
            "{sgd: {learning_rate: 0.1, momentum: 0.5}}", schedule: "{step: {every: 1, factor: 0.5, unit: epochs}}",
            momentumSchedule: "{linear: {from: 0.5, to: 0.9, duration: 4, unit: steps}}")
        var v = [0.0, 0.0, 0.0]
        expectWeights(
            weights,
            expected { p, g, step, epoch in
                let rate = 0.1 * pow(0.5, Double(epoch))
                let mu = 0.5 + 0.4 * Double(min(step, 4)) / 4
                for i in 0..<3 {
                    v[i] = mu * v[i] + g[i]
                    p[i] -= rate * v[i]
                }
            })
    }

    /// The notes' linear 1cycle over the six steps, momentum mirrored: peak at step
    /// 0.45·6 − 1 = 1.7, back at the start rate at 3.4, annihilated at step 5; the optimizer's
    /// momentum 0 still gets a velocity.
    @Test func sgdFollowsTheLinearOneCycleWithMirroredMomentum() throws {
        let weights = try train(
            "sgd", schedule: "{linear_one_cycle: {max_learning_rate: 0.2, duration: 6, unit: steps}}",
            momentumSchedule: "{cycle: {max_momentum: 0.95, min_momentum: 0.85}}")
        let heights = [0, 1 / 1.7, 1 - 0.3 / 1.7, 1 - 1.3 / 1.7, 0, 0]
        let annihilated = [0, 0, 0, 0, 0.6 / 1.6, 1]
        var v = [0.0, 0.0, 0.0]
        expectWeights(
            weights,
            expected { p, g, step, _ in
                let rate =
                    annihilated[step] > 0
                    ? 0.02 + (0.0002 - 0.02) * annihilated[step] : 0.02 + (0.2 - 0.02) * heights[step]
                let mu = 0.95 - 0.1 * heights[step]
                for i in 0..<3 {
                    v[i] = mu * v[i] + g[i]
                    p[i] -= rate * v[i]
                }
            })
    }

    /// Adam's bias corrections count optimizer steps across epochs and the short batches.
    @Test func adamCountsEveryStep() throws {
        let weights = try train("{adam: {learning_rate: 0.05}}")
        var m = [0.0, 0.0, 0.0]
        var v = [0.0, 0.0, 0.0]
        expectWeights(
            weights,
            expected { p, g, step, _ in
                let t = Double(step + 1)
                for i in 0..<3 {
                    m[i] = 0.9 * m[i] + 0.1 * g[i]
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                    p[i] -= 0.05 * (m[i] / (1 - pow(0.9, t))) / ((v[i] / (1 - pow(0.999, t))).squareRoot() + 1e-7)
                }
            })
    }

    /// Centered RMSprop with momentum under a cosine decay counted in steps.
    @Test func rmspropWithACosineSchedule() throws {
        let weights = try train(
            "{rmsprop: {learning_rate: 0.01, centered: true, momentum: 0.5}}",
            schedule: "{cosine: {duration: 6, unit: steps}}")
        var ms = [0.0, 0.0, 0.0]
        var mg = [0.0, 0.0, 0.0]
        var mom = [0.0, 0.0, 0.0]
        expectWeights(
            weights,
            expected { p, g, step, _ in
                let rate = 0.01 * (1 + cos(.pi * Double(step) / 6)) / 2
                for i in 0..<3 {
                    ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i]
                    mg[i] = 0.9 * mg[i] + 0.1 * g[i]
                    mom[i] = 0.5 * mom[i] + rate * g[i] / (ms[i] - mg[i] * mg[i] + 1e-7).squareRoot()
                    p[i] -= mom[i]
                }
            })
    }

    /// Adagrad and Adadelta, whose state starts non-zero (accumulator 0.1) or has two moments.
    @Test func adagradAndAdadelta() throws {
        var acc = [0.1, 0.1, 0.1]
        expectWeights(
            try train("{adagrad: {learning_rate: 0.1}}"),
            expected { p, g, _, _ in
                for i in 0..<3 {
                    acc[i] += g[i] * g[i]
                    p[i] -= 0.1 * g[i] / (acc[i].squareRoot() + 1e-7)
                }
            })
        var eg = [0.0, 0.0, 0.0]
        var ed = [0.0, 0.0, 0.0]
        expectWeights(
            try train("{adadelta: {learning_rate: 1.0}}"),
            expected { p, g, _, _ in
                for i in 0..<3 {
                    eg[i] = 0.95 * eg[i] + 0.05 * g[i] * g[i]
                    let delta = (ed[i] + 1e-6).squareRoot() / (eg[i] + 1e-6).squareRoot() * g[i]
                    ed[i] = 0.95 * ed[i] + 0.05 * delta * delta
                    p[i] -= delta
                }
            })
    }
}
