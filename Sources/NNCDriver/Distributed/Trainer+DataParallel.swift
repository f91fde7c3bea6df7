import Foundation
import NNCData
import NNCPlan
import NNCRuntime
import NNCSpec

/// Data-parallel training under mpirun: each rank runs the same plan on its share of every
/// batch; before a weight's update its gradient is replaced by the ranks' average (weighted by
/// their shares, summed in rank order), so every rank applies the same update to the same
/// weights. Batch-norm running statistics are averaged the same way after the step.
extension Trainer {
    /// E0701: a batch of the run (a full one, a schedule's, or the short last one) that would
    /// give some rank no sample.
    static func batchWithoutShare(_ held: Set<Int>, world: MPIWorld, spec: ModelSpec, options: TrainingOptions)
        -> Diagnostic?
    {
        guard let smallest = held.min(), smallest < world.size else { return nil }
        let written = spec.train.flatMap { $0.isExplicit("batch_size") ? $0.valueLocation("batch_size") : nil }
        let given = options.overridden.contains("batch_size") ? " (--batch-size)" : ""
        return Diagnostic.error(
            .batchSmallerThanRanks,
            "every batch must give each of the \(world.size) ranks at least one sample; a batch of \(smallest.counted("sample"))\(given) leaves \((world.size - smallest).counted("rank")) without",
            at: given.isEmpty ? written ?? spec.inputLocation : spec.inputLocation,
            help:
                "raise batch_size to at least \(world.size) (and set drop_last: true if the last batch is the short one), or launch at most \(smallest.counted("rank"))"
        )
    }

    /// The part of `positions` (a global batch) this process trains on.
    func share(_ positions: Range<Int>) -> Range<Int> {
        guard let world else { return positions }
        world.setShares({ BatchShare.count(positions.count, rank: $0, ranks: world.size) }, of: positions.count)
        return BatchShare.range(positions, rank: world.rank, ranks: world.size)
    }

    /// Backward and the updates (deferred after backward in a data-parallel plan): each
    /// gradient bucket is handed to the communication thread after the instruction that
    /// completes it and waited for before the first update that reads it.
    func reducingBackward(_ run: Executor, learningRate: Double, world: MPIWorld) throws(TrainingFailure) {
        guard let reducer, let schedule = schedules[run.plan.options.batch] else { return }
        run.runBackward(learningRate: Float(learningRate)) { (i: Int) in
            for b in schedule.startsBefore[i] { reducer.start(schedule.buckets[b]) }
            for b in schedule.waitsBefore[i] { reducer.wait(schedule.buckets[b]) }
        }
        let end = run.plan.instructions.count
        for b in schedule.startsBefore[end] { reducer.start(schedule.buckets[b]) }
        for b in schedule.waitsBefore[end] { reducer.wait(schedule.buckets[b]) }
        if let failure = reducer.failure { throw world.unresponsive(failure) }
        for buffer in weightBuffers where buffer.role == .statistic {
            if let failure = world.allReduce(executor.pointer(buffer.id), count: buffer.elements) {
                throw world.unresponsive(failure)
            }
        }
    }

    /// Makes room for the largest buffer any step reduces.
    func reserveReductions() {
        guard let world else { return }
        let largest = schedules.values.flatMap { $0.buckets.map(\.elements) }.max() ?? 0
        world.reserve(floats: max(largest, weightBuffers.map(\.elements).max() ?? 0))
    }

    /// Sums of every rank's training or evaluation metrics, in rank order: the numbers one
    /// process computes over the whole split (to the rounding of the sums' order).
    func reduced(_ sums: MetricAccumulator) throws(TrainingFailure) -> MetricAccumulator {
        guard let world else { return sums }
        let mine = sums.partial(seconds: 0)
        let all = try world.allGather(
            [Double(mine.samples), mine.lossSum] + mine.metricSums + mine.metricCounts.map(Double.init))
        let m = mine.metricSums.count
        var total = [Double](repeating: 0, count: 2 + 2 * m)
        for values in all { for i in total.indices { total[i] += values[i] } }
        var result = MetricAccumulator(metrics: sums.metrics, layout: sums.layout)
        result.resume(
            TrainingState.PartialEpoch(
                samples: Int(total[0]), lossSum: total[1], metricSums: Array(total[2..<(2 + m)]),
                metricCounts: total[(2 + m)...].map { Int($0) }, seconds: 0))
        return result
    }

    /// A validation or test evaluation: under mpirun each rank evaluates its share of the
    /// split and the sums are reduced.
    func evaluateShared(_ evaluator: Evaluator, _ filler: BatchFiller) throws(TrainingFailure) -> SplitResult {
        let all = 0..<filler.dataset.count
        let positions = world.map { BatchShare.range(all, rank: $0.rank, ranks: $0.size) } ?? all
        let sums: MetricAccumulator
        do throws(DataError) {
            sums = try evaluator.sums(filler, positions: positions)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
        let total = try reduced(sums)
        return SplitResult(
            samples: total.samples, loss: total.loss ?? .nan, metrics: Dictionary(uniqueKeysWithValues: total.values))
    }

    /// E0702: before the first step every rank compares, with rank 0's, hashes of its
    /// resolved spec, training data, weights with optimizer state, and step.
    func verifyRanksAgree() throws(TrainingFailure) {
        guard let world else { return }
        let mine = [
            UInt64(specHash, radix: 16) ?? 0, Self.dataHash(data.train), weightsHash(), UInt64(state.step),
        ]
        let all = try world.allGather(mine.map { Double(bitPattern: $0) }).map { $0.map(\.bitPattern) }
        let names = ["resolved spec", "training data", "weights and optimizer state", "step"]
        for (rank, theirs) in all.enumerated() where theirs != all[0] {
            let what = names.indices.filter { theirs[$0] != all[0][$0] }.map { names[$0] }
            throw TrainingFailure([
                Diagnostic.error(
                    .ranksDisagree,
                    "every rank must train the same spec and data from the same weights; rank \(rank)'s \(what.joined(separator: ", ")) differ\(what.count == 1 ? "s" : "") from rank 0's",
                    at: SourceLocation(file: spec.file, line: 0, column: 0),
                    notes: what.map {
                        "rank 0 \($0) hash \(String(all[0][names.firstIndex(of: $0)!], radix: 16)), rank \(rank)'s \(String(theirs[names.firstIndex(of: $0)!], radix: 16))"
                    },
                    help: "launch every rank with the same model file, data and options (one command line for mpirun)")
            ])
        }
    }

    /// FNV-1a over the features' and targets' bits.
    static func dataHash(_ dataset: Dataset) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt32) { h = (h ^ UInt64(word)) &* 0x100_0000_01b3 }
        for value in dataset.features { mix(value.bitPattern) }
        switch dataset.targets {
        case .classes(let labels, let perSample):
            mix(UInt32(perSample))
            for label in labels { mix(UInt32(bitPattern: label)) }
        case .values(let values, let width):
            mix(UInt32(width))
            for value in values { mix(value.bitPattern) }
        case .none:
            mix(0xFFFF_FFFF)
        }
        return h
    }

    /// FNV-1a over the bits of the parameters, statistics and optimizer state.
    func weightsHash() -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for buffer in weightBuffers + optimizerBuffers {
            let values = UnsafeBufferPointer(start: executor.pointer(buffer.id), count: buffer.elements)
            for value in values { h = (h ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        }
        return h
    }

    /// `nnc train --mpi-report`: per step, this rank's mean time, the time the training thread
    /// waited for all-reduces, and the time the communication thread spent on them (the part
    /// not waited for was hidden behind backward). Nil outside mpirun.
    public func collectiveReport(steps: Int, seconds: Double) -> String? {
        guard let world, let reducer, steps > 0 else { return nil }
        let perStep = 1e3 / Double(steps)
        let waited = Double(reducer.waitedNanoseconds) / 1e6 / Double(steps)
        let busy = Double(reducer.busyNanoseconds) / 1e6 / Double(steps)
        let hidden = busy > 0 ? max(0, 1 - waited / busy) * 100 : 0
        return String(
            format:
                "mpi rank %d of %d: %d steps, %.3f ms per step, %.3f ms waiting for all-reduces, %.3f ms all-reducing on the communication thread (%.0f%% hidden behind backward); gradient buckets of %d bytes",
            world.rank, world.size, steps, seconds * perStep, waited, busy, hidden, world.bucketBytes)
    }

    /// Whether this process writes the run folder: rank 0 of a world, or a single process.
    var writesRunFolder: Bool { (world?.rank ?? 0) == 0 }
}
