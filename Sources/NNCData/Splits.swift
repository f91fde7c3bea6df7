/// The training file divided into training, validation and test samples, seeded and
/// deterministic: the same seed always holds out the same samples.
///
/// Each fraction is of the whole file: ⌈fraction × count⌉ samples (as scikit-learn's
/// train_test_split counts its test set). With class labels the split is stratified: every
/// class is held out in proportion to its size (largest remainders decide the rounding),
/// each class's held-out samples chosen at random. Keras instead holds out the *last*
/// fraction of the file, which on a file sorted by class (iris, wine, breast cancer as
/// bundled) would validate on one class only. Regression targets and per-step labels are
/// split plainly at random. Every part keeps file order; shuffling is `EpochOrder`'s job.
public struct Splits: Sendable {
    public var train: RawDataset
    /// Nil when the fraction is 0.
    public var validation: RawDataset?
    public var test: RawDataset?

    public init(_ data: RawDataset, validation: Double, test: Double, seed: UInt64) throws(DataError) {
        precondition((0..<1).contains(validation) && (0..<1).contains(test), "split fractions must lie in [0, 1)")
        let n = data.count
        let testCount = Self.heldOut(test, of: n)
        let validationCount = Self.heldOut(validation, of: n)
        guard testCount + validationCount < n else {
            throw DataError(
                .dataSizeMismatch,
                "splits must leave training samples; '\(data.name)' has \(n) samples, and holding out \(testCount) for test and \(validationCount) for validation leaves none",
                file: data.name, help: "lower validation_split or test_split, or use more data")
        }
        var groups: [[Int]]
        if case .classes(let labels, 1) = data.targets {
            var byClass: [Int32: [Int]] = [:]
            for (i, label) in labels.enumerated() { byClass[label, default: []].append(i) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        } else {
            groups = [Array(0..<n)]
        }
        // Shuffle each group, then take test, validation, train from its front, in that order.
        for g in groups.indices {
            var random = CounterRandom(seed: seed, stream: .split, counter: UInt64(g))
            random.shuffle(&groups[g])
        }
        let sizes = groups.map(\.count)
        let testShare = Self.allocate(testCount, fraction: test, sizes: sizes, capacity: sizes)
        let validationShare = Self.allocate(
            validationCount, fraction: validation, sizes: sizes,
            capacity: zip(sizes, testShare).map { $0 - $1 })
        var parts: [[Int]] = [[], [], []]
        for (g, group) in groups.enumerated() {
            parts[2] += group[..<testShare[g]]
            parts[1] += group[testShare[g]..<(testShare[g] + validationShare[g])]
            parts[0] += group[(testShare[g] + validationShare[g])...]
        }
        train = data.subset(parts[0].sorted())
        self.validation = validationCount > 0 ? data.subset(parts[1].sorted()) : nil
        self.test = testCount > 0 ? data.subset(parts[2].sorted()) : nil
    }

    /// ⌈fraction × n⌉, computed so that exact products (0.2 × 150) are not rounded up.
    static func heldOut(_ fraction: Double, of n: Int) -> Int {
        guard fraction > 0 else { return 0 }
        let exact = fraction * Double(n)
        return Int((exact - 1e-9).rounded(.up))
    }

    /// Splits `total` across groups in proportion to their sizes: each gets the floor of
    /// its share, then the largest remainders (ties to the earlier group) one more each,
    /// never more than its capacity.
    static func allocate(_ total: Int, fraction: Double, sizes: [Int], capacity: [Int]) -> [Int] {
        let shares = sizes.map { Double($0) * fraction }
        var result = zip(shares, capacity).map { min(Int($0.0), $0.1) }
        var left = total - result.reduce(0, +)
        while left > 0 {
            // Largest remainder first; equal remainders in group order.
            let order = result.indices.filter { result[$0] < capacity[$0] }.sorted { a, b in
                let ra = shares[a] - Double(result[a])
                let rb = shares[b] - Double(result[b])
                return ra != rb ? ra > rb : a < b
            }
            guard !order.isEmpty else { break }
            for g in order.prefix(left) { result[g] += 1 }
            left = total - result.reduce(0, +)
        }
        return result
    }
}
