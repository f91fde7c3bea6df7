import NNCPlan

/// Where a training plan's gradient all-reduces go (the plan compiled with
/// `LoweringOptions.defersUpdates`, so every update follows the whole backward pass): the
/// gradients, in the order backward completes them, grouped into buckets of at least
/// `bucketBytes`; a bucket starts after the instruction that completes its last gradient and
/// is waited for just before the first instruction that reads one of its gradients in the
/// update phase. The rest of backward runs while it travels.
public struct GradientBuckets: Sendable {
    public struct Bucket: Sendable {
        public var gradients: [BufferID]
        public var elements: Int
        /// The instruction after which every gradient of the bucket is final.
        public var startsAfter: Int
        /// The first instruction that needs the bucket reduced.
        public var waitedBefore: Int
    }

    public var buckets: [Bucket]
    /// The default bucket size, 1 MiB (`--mpi-bucket-bytes`).
    public static let defaultBytes = 1 << 20

    public init(plan: ExecutionPlan, bucketBytes: Int) {
        let instructions = plan.instructions
        let firstUpdate = instructions.firstIndex { $0.phase == .update } ?? instructions.count
        var seen = Set<BufferID>()
        let gradients = plan.parameters.compactMap(\.gradient).filter { seen.insert($0).inserted }
        let final = gradients.map { g in
            let root = plan.root(g)
            let last = instructions[..<firstUpdate].lastIndex { $0.writes.contains { plan.root($0) == root } }
            return (gradient: g, after: last ?? firstUpdate - 1)
        }.enumerated().sorted { ($0.element.after, $0.offset) < ($1.element.after, $1.offset) }.map(\.element)
        var buckets: [Bucket] = []
        var current: Bucket?
        for (gradient, after) in final {
            var bucket = current ?? Bucket(gradients: [], elements: 0, startsAfter: after, waitedBefore: 0)
            bucket.gradients.append(gradient)
            bucket.elements += plan[gradient].elements
            bucket.startsAfter = after
            if bucket.elements * 4 >= bucketBytes {
                buckets.append(bucket)
                current = nil
            } else {
                current = bucket
            }
        }
        if let current { buckets.append(current) }
        for b in buckets.indices {
            let roots = Set(buckets[b].gradients.map { plan.root($0) })
            buckets[b].waitedBefore =
                instructions.indices.dropFirst(firstUpdate).first { i in
                    instructions[i].reads.contains { roots.contains(plan.root($0)) }
                } ?? instructions.count
        }
        self.buckets = buckets
    }
}

extension GradientBuckets {
    /// `nnc plan --ranks N`: each all-reduce, where it starts and where the step waits for it,
    /// in the instruction numbers of the plan listing above it.
    public func text(_ plan: ExecutionPlan, ranks: Int, bucketBytes: Int) -> String {
        func at(_ i: Int) -> String {
            guard i >= 0 && i < plan.instructions.count else { return "the end of the step" }
            let instruction = plan.instructions[i]
            return "\(i) (\(instruction.kernel.name) [\(instruction.layer)])"
        }
        let totalBytes = buckets.reduce(0) { $0 + $1.elements * 4 }
        var lines = [
            "",
            "Gradient all-reduces over \(ranks) ranks (\(buckets.count.counted("bucket")) of at least \(bucketBytes.grouped) bytes, \(totalBytes.grouped) bytes in all; each rank's plan is compiled for its share, \(plan.options.batch) samples here):",
        ]
        for (k, bucket) in buckets.enumerated() {
            let names = bucket.gradients.map { plan[$0].name }.joined(separator: ", ")
            lines.append("  all-reduce \(k + 1): \((bucket.elements * 4).grouped) bytes: \(names)")
            lines.append("      starts after instruction \(at(bucket.startsAfter))")
            lines.append("      waited for before instruction \(at(bucket.waitedBefore))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
