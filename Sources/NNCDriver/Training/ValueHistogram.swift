/// Values counted in equal-width buckets from the smallest to the largest, for
/// `nnc train --monitor`'s activation histograms in monitor.jsonl: `edges` has one more entry
/// than `counts`; bucket i counts the values in [edges[i], edges[i + 1]), the last also its
/// right edge. Values all equal (or none) make one bucket (none: no buckets).
public struct ValueHistogram: Sendable, Equatable, Encodable {
    public var edges: [Double]
    public var counts: [Int]

    /// Buckets per histogram.
    public static let buckets = 20

    public init(_ values: [Float], buckets: Int = buckets) {
        guard let low = values.min().map(Double.init), let high = values.max().map(Double.init) else {
            edges = []
            counts = []
            return
        }
        let count = high > low ? buckets : 1
        let width = (high - low) / Double(count)
        edges = (0...count).map { $0 == count ? high : low + Double($0) * width }
        counts = [Int](repeating: 0, count: count)
        for v in values {
            let index = width > 0 ? Int((Double(v) - low) / width) : 0
            counts[min(max(index, 0), count - 1)] += 1
        }
    }
}
