import Foundation
import NNCSpec

/// `mpirun -np N nnc tune`: rank 0 runs the search (its log, cuts and best spec); each rung's
/// trials are spread over the ranks, trial i of the rung's list to rank i mod N, and the
/// reports gathered by rank 0 in the list's order. The other ranks serve until rank 0 says
/// the search is over.
extension Tuner {
    /// What rank 0 sends each rank for a rung: the work and the search's resolved settings.
    struct RankJob: Codable {
        var work: [TrialWork]
        var seed: UInt64
        var folder: String
        var metric: String?
        var done: Bool
    }

    /// Rank 0's `Settings.workers`: trains its own share of `work` and gathers the others'.
    public static func spreadOverRanks(
        _ file: SourceFile, settings: Settings, world: MPIWorld, interrupted: @escaping () -> Bool
    ) -> ([TrialWork], Workers) throws(TrainingFailure) -> [TrialReport] {
        { work, search throws(TrainingFailure) in
            let job = RankJob(work: work, seed: search.seed, folder: search.folder, metric: search.metric, done: false)
            _ = try world.exchange(encode(job))
            let mine = try trainShare(file, settings: settings, job: job, world: world, interrupted: interrupted)
            var reports = [TrialReport?](repeating: nil, count: work.count)
            for data in try world.exchange(encode(mine)) {
                let theirs = (try? JSONDecoder().decode([Int: TrialReport].self, from: data)) ?? [:]
                for (index, report) in theirs where index < reports.count { reports[index] = report }
            }
            return reports.map { $0 ?? TrialReport(failed: "a rank sent no report for this trial") }
        }
    }

    /// Rank 0, after the search: tells the other ranks to stop serving.
    public static func endRanks(_ world: MPIWorld) throws(TrainingFailure) {
        _ = try world.exchange(encode(RankJob(work: [], seed: 0, folder: "", metric: nil, done: true)))
    }

    /// Ranks 1…N−1: trains its share of each rung rank 0 sends until the search is over.
    public static func serveRank(
        _ file: SourceFile, settings: Settings, world: MPIWorld, interrupted: @escaping () -> Bool
    ) throws(TrainingFailure) {
        while true {
            let sent = try world.exchange(Data())[0]
            guard let job = try? JSONDecoder().decode(RankJob.self, from: sent), !job.done else { return }
            let mine = try trainShare(file, settings: settings, job: job, world: world, interrupted: interrupted)
            _ = try world.exchange(encode(mine))
        }
    }

    /// This rank's trials of a rung (index i mod N == rank), each a failure report when it fails.
    static func trainShare(
        _ file: SourceFile, settings: Settings, job: RankJob, world: MPIWorld, interrupted: @escaping () -> Bool
    ) throws(TrainingFailure) -> [Int: TrialReport] {
        var trial = settings
        trial.seed = job.seed
        trial.outputDirectory = job.folder
        trial.metric = job.metric
        var reports: [Int: TrialReport] = [:]
        for (index, task) in job.work.enumerated() where index % world.size == world.rank {
            do {
                reports[index] = try work(file, settings: trial, task: task, interrupted: interrupted)
            } catch {
                reports[index] = TrialReport(failed: error.diagnostics.first?.message ?? "the trial failed")
            }
        }
        return reports
    }

    static func encode<T: Encodable>(_ value: T) -> Data { (try? JSONEncoder().encode(value)) ?? Data() }
}
