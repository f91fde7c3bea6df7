/// `train.batch_schedule`: the batch size grows (or changes) by epoch, the lecture notes'
/// alternative to decaying the learning rate. After `epochs[i]` epochs (from 0-based epoch
/// `epochs[i]` on) batches hold `sizes[i]` samples; before the first change,
/// `train.batch_size` (or `--batch-size`).
public struct BatchSchedule: Sendable, Equatable {
    /// Increasing 0-based epochs (as a piecewise schedule's boundaries in epochs).
    public var epochs: [Int]
    public var sizes: [Int]

    public init(epochs: [Int], sizes: [Int]) {
        self.epochs = epochs
        self.sizes = sizes
    }

    /// The batch size of 0-based `epoch`, with `initial` before the first change.
    public func size(epoch: Int, initial: Int) -> Int {
        var size = initial
        for (start, s) in zip(epochs, sizes) where start <= epoch { size = s }
        return size
    }

    /// Every batch size a run of `epochs` epochs uses, in order of first use.
    public func sizes(initial: Int, epochs count: Int) -> [Int] {
        var used: [Int] = []
        for epoch in [0] + epochs.filter({ $0 < count }) {
            let s = size(epoch: epoch, initial: initial)
            if !used.contains(s) { used.append(s) }
        }
        return used
    }
}
