import Foundation
import NNCGraph
import NNCPlan
import NNCSpec

/// Exact memory from compiled plans, for `nnc summary`: what a training step and an
/// inference pass take at a batch size, and the largest batch that fits a budget.
public enum MemoryReport {
    /// Tensor bytes of one plan: the arena plus the persistent segment (GEMM workspace,
    /// which depends on the thread count, is extra and small).
    public static func bytes(_ graph: Graph, _ spec: ModelSpec, mode: LoweringOptions.Mode, batch: Int)
        -> ExecutionPlan?
    {
        try? ExecutionPlan.compile(graph, options: LoweringOptions(mode: mode, batch: batch))
    }

    /// The batch `nnc summary` reports: the spec's `train.batch_size` (else 32), or the
    /// largest size its `batch_schedule` reaches (the plan a run allocates for all sizes).
    public static func defaultBatch(_ graph: Graph) -> Int { graph.training.train.largestBatch }

    /// Lines for the summary: training and inference memory at `batch`.
    public static func lines(_ graph: Graph, _ spec: ModelSpec, batch: Int) -> String {
        guard let inference = bytes(graph, spec, mode: .inference, batch: batch) else {
            return "Plan memory: not available, the model has layers that cannot be compiled yet (nnc explain E0402)\n"
        }
        var out = "Plan memory at batch \(batch) (exact, from the compiled plans; nnc plan shows every buffer):\n"
        if graph.training.loss != nil, let training = bytes(graph, spec, mode: .training, batch: batch) {
            out +=
                "  training step: \(SummaryTable.bytes(training.totalBytes)) (arena \(SummaryTable.bytes(training.arenaBytes)), "
                + "parameters and optimizer state \(SummaryTable.bytes(training.persistentBytes)))\n"
        }
        out +=
            "  inference:     \(SummaryTable.bytes(inference.totalBytes)) (arena \(SummaryTable.bytes(inference.arenaBytes)), "
            + "parameters and weights packed or folded for inference \(SummaryTable.bytes(inference.persistentBytes)))\n"
        return out
    }

    /// The largest batch whose plan fits in `budget` bytes (0 when even batch 1 does not),
    /// by doubling then bisection; at most about 2·log₂(batch) compilations.
    public static func largestBatch(
        _ graph: Graph, _ spec: ModelSpec, mode: LoweringOptions.Mode, budget: Int,
        limit: Int = 1 << 20
    ) -> Int {
        func fits(_ batch: Int) -> Bool { (bytes(graph, spec, mode: mode, batch: batch)?.totalBytes ?? .max) <= budget }
        guard fits(1) else { return 0 }
        var lo = 1
        var hi = 2
        while hi <= limit, fits(hi) {
            lo = hi
            hi *= 2
        }
        if hi > limit { return lo }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if fits(mid) { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Parses `2GiB`, `512MiB`, `1.5GB`, `300000` (bytes): binary units are powers of 1024,
    /// decimal ones of 1000.
    public static func parseBytes(_ text: String) -> Int? {
        let kibi = 1024.0
        let units: [(String, Double)] = [
            ("KiB", kibi), ("MiB", kibi * kibi), ("GiB", kibi * kibi * kibi), ("TiB", kibi * kibi * kibi * kibi),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", kibi), ("M", kibi * kibi),
            ("G", kibi * kibi * kibi), ("B", 1),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where trimmed.lowercased().hasSuffix(suffix.lowercased()) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value * scale >= 1, value * scale < 9e18 else { return nil }
            return Int(value * scale)
        }
        guard let value = Int(trimmed), value > 0 else { return nil }
        return value
    }
}
