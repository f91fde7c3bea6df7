/// The order samples are visited in each epoch, and its batches.
///
/// Epoch e's order is a permutation computed from (seed, e) alone, from scratch, so a run
/// resumed at epoch e, batch i visits exactly the samples an uninterrupted run would have;
/// `shuffle: false` keeps file order. Batches are consecutive runs of `batchSize`
/// positions; the last, shorter batch is kept unless `dropLast` (then `batchCount` full
/// batches only). A partial last batch needs a plan for its size: `lastBatchSize` says
/// which.
public struct EpochOrder: Sendable, Equatable {
    public let sampleCount: Int
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let seed: UInt64

    public init(sampleCount: Int, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64) {
        precondition(sampleCount >= 0 && batchSize >= 1, "an epoch needs a batch size ≥ 1")
        self.sampleCount = sampleCount
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
    }

    /// Batches per epoch (0 when `dropLast` and fewer samples than one batch).
    public var batchCount: Int {
        dropLast ? sampleCount / batchSize : (sampleCount + batchSize - 1) / batchSize
    }

    /// The size of the last batch: `batchSize`, or the remainder when it is partial.
    public var lastBatchSize: Int {
        guard batchCount > 0 else { return 0 }
        return dropLast || sampleCount % batchSize == 0 ? batchSize : sampleCount % batchSize
    }

    /// Positions (indices into an epoch's order) of batch `batch`.
    public func batch(_ batch: Int) -> Range<Int> {
        precondition((0..<batchCount).contains(batch), "batch \(batch) outside 0..<\(batchCount)")
        return (batch * batchSize)..<min((batch + 1) * batchSize, sampleCount)
    }

    /// Epoch `epoch`'s order: sample indices, each once.
    public func order(epoch: Int) -> [Int32] {
        var order: [Int32] = []
        fill(&order, epoch: epoch)
        return order
    }

    /// Writes epoch `epoch`'s order into `order`, reusing its storage (no allocation once
    /// it has held an order before).
    public func fill(_ order: inout [Int32], epoch: Int) {
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: 0..<Int32(sampleCount))
        guard shuffle else { return }
        var random = CounterRandom(seed: seed, stream: .shuffle, counter: UInt64(epoch))
        random.shuffle(&order)
    }
}
