/// How a global batch of B samples is split over N ranks: contiguous shares in rank order,
/// the first B mod N ranks taking one sample more than B / N. Rank r's gradient is the mean
/// over its share, so the average weighted by share / B is the mean over the global batch.
public enum BatchShare {
    /// The samples rank `rank` of `ranks` trains on out of `batch` (positions of the epoch order).
    public static func range(_ batch: Range<Int>, rank: Int, ranks: Int) -> Range<Int> {
        let base = batch.count / ranks
        let extra = batch.count % ranks
        let start = batch.lowerBound + rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// How many samples of a batch of `batch` rank `rank` takes.
    public static func count(_ batch: Int, rank: Int, ranks: Int) -> Int {
        range(0..<batch, rank: rank, ranks: ranks).count
    }
}
