import NNCProtobuf

/// A tensor's values as TensorBoard's `HistogramProto`: `buckets` equal-width buckets from
/// the smallest value to the largest (30, as `tf.summary.histogram` uses), each counting
/// the values in [left, right) and the last also its right edge. `bucket_limit` holds each
/// bucket's right edge, as TensorFlow's histograms do (TensorBoard draws bucket i from
/// limit i − 1, the first from `min`); a tensor of one value is one bucket.
enum WeightHistogram {
    static let buckets = 30

    static func proto(_ values: [Float], buckets: Int = buckets) -> Tensorboard_HistogramProto {
        var proto = Tensorboard_HistogramProto()
        guard let low = values.min(), let high = values.max() else { return proto }
        var sum = 0.0
        var squares = 0.0
        for v in values {
            sum += Double(v)
            squares += Double(v) * Double(v)
        }
        proto.min = Double(low)
        proto.max = Double(high)
        proto.num = Double(values.count)
        proto.sum = sum
        proto.sumSquares = squares
        let count = high > low ? buckets : 1
        let width = (Double(high) - Double(low)) / Double(count)
        var counts = [Double](repeating: 0, count: count)
        for v in values {
            let index = width > 0 ? Int((Double(v) - Double(low)) / width) : 0
            counts[min(max(index, 0), count - 1)] += 1
        }
        proto.bucketLimit = (1...count).map { $0 == count ? Double(high) : Double(low) + Double($0) * width }
        proto.bucket = counts
        return proto
    }
}
