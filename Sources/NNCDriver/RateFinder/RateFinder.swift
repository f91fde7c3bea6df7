import Foundation
import NNCData
import NNCDiagnostics
import NNCGraph
import NNCKernels
import NNCRuntime
import NNCSpec

/// `nnc lr-find`: the learning-rate range test (Smith 2017, as fastai runs it). A copy of the
/// untrained model trains with the spec's optimizer, batch size and data (or a subset), the
/// rate growing exponentially from `start` to `end` over `steps` steps; the loss, smoothed by
/// an exponential moving average with bias correction (β = 0.98), is recorded, and the test
/// stops once it exceeds four times its lowest value (or is not finite). Two suggestions come
/// from the curve: the rate where the smoothed loss falls fastest per decade (the steepest
/// descent), and a tenth of the rate at its minimum. The test writes no weights: the model
/// trains from its initial weights afterwards exactly as before.
/// Cost: at most `steps` training steps at the spec's batch size.
public enum RateFinder {
    public struct Settings: Sendable {
        public var start: Double
        public var end: Double
        public var steps: Int
        /// Training samples to cycle through (nil: all of them).
        public var subset: Int?
        /// Batch size, seed and threads instead of the spec's.
        public var overrides: TrainingOptions.Overrides
        public init(
            start: Double = 1e-7, end: Double = 10, steps: Int = 200, subset: Int? = nil,
            overrides: TrainingOptions.Overrides = .init()
        ) {
            self.start = start
            self.end = end
            self.steps = steps
            self.subset = subset
            self.overrides = overrides
        }
    }

    /// One step of the test.
    public struct Point: Sendable {
        public var learningRate: Double
        public var loss: Double
        public var smoothed: Double
    }

    public struct Result: Sendable {
        public var model: String
        public var optimizer: String
        public var batchSize: Int
        public var samples: Int
        /// The spec's own learning rate, for comparison.
        public var specRate: Double
        public var points: [Point]
        /// Why the test ended before `steps` (nil when it ran them all).
        public var stoppedBecause: String?
        /// The rate of the steepest fall of the smoothed loss per decade.
        public var steepest: Double?
        /// A tenth of the rate at the lowest smoothed loss.
        public var minimumTenth: Double?
        public var lowest: Point?
    }

    /// The smoothing of the loss: an exponential moving average with this β.
    static let smoothing = 0.98
    /// The test stops once the smoothed loss passes this many times its lowest.
    static let explosion = 4.0

    public static func run(_ source: SourceFile, settings: Settings) throws(TrainingFailure) -> Result {
        let (spec, graph, options, data) = try TrainingSession.copyOfRun(source, overrides: settings.overrides)
        var train = data.train
        if let subset = settings.subset, subset < train.count { train = train.subset(Array(0..<subset)) }
        let batch = min(options.batchSize, train.count)
        let run = try Trainer.freshExecutor(
            graph, spec, batch: batch, options: options, pool: ThreadPool(threads: options.threads))
        let filler: BatchFiller
        do throws(DataError) {
            filler = try BatchFiller(train, augmentation: data.augmentation, seed: options.seed)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
        let order = EpochOrder(
            sampleCount: train.count, batchSize: batch, shuffle: options.shuffle, dropLast: true, seed: options.seed)
        var epochOrder: [Int32] = []
        var points: [Point] = []
        var average = 0.0
        var stopped: String?
        let ratio = settings.end / settings.start
        for step in 0..<settings.steps {
            let epoch = step / order.batchCount
            if step % order.batchCount == 0 { order.fill(&epochOrder, epoch: epoch) }
            do throws(DataError) {
                try filler.fill(
                    run, order: epochOrder, positions: order.batch(step % order.batchCount), epoch: epoch,
                    augment: true)
            } catch {
                throw TrainingFailure([error.diagnostic])
            }
            let rate = settings.start * pow(ratio, Double(step) / Double(max(settings.steps - 1, 1)))
            run.steps = step
            run.runForward()
            let loss = run.loss
            guard loss.isFinite else {
                stopped = "the loss is not finite at learning rate \(format(rate))"
                break
            }
            average = smoothing * average + (1 - smoothing) * loss
            let smoothed = average / (1 - pow(smoothing, Double(step + 1)))
            points.append(Point(learningRate: rate, loss: loss, smoothed: smoothed))
            let best = points.map(\.smoothed).min()!
            if step > 0, smoothed > explosion * best {
                stopped =
                    "the smoothed loss passed \(format(explosion)) times its lowest at learning rate \(format(rate))"
                break
            }
            run.runBackward(learningRate: Float(rate))
        }
        let lowest = points.min { $0.smoothed < $1.smoothed }
        return Result(
            model: graph.name, optimizer: graph.training.optimizer.name, batchSize: batch, samples: train.count,
            specRate: options.baseLearningRate, points: points, stoppedBecause: stopped,
            steepest: steepestDescent(points), minimumTenth: lowest.map { $0.learningRate / 10 }, lowest: lowest)
    }

    /// The rate where the smoothed loss falls fastest against log₁₀ of the rate, measured over
    /// a window of a tenth of the points (at least 2 steps) up to the lowest loss.
    static func steepestDescent(_ points: [Point]) -> Double? {
        guard let lowest = points.indices.min(by: { points[$0].smoothed < points[$1].smoothed }) else { return nil }
        let span = max(2, points.count / 10)
        var best: (slope: Double, index: Int)?
        for i in 0..<max(0, lowest - span + 1) {
            let a = points[i]
            let b = points[i + span]
            let slope = (b.smoothed - a.smoothed) / (log10(b.learningRate) - log10(a.learningRate))
            if slope < (best?.slope ?? 0) { best = (slope, i + span / 2) }
        }
        return best.map { points[$0.index].learningRate }
    }

    static func format(_ v: Double) -> String { String(format: "%.3g", v) }
}
