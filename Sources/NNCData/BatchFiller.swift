/// Writes batches of a `Dataset` into buffers the caller owns (the plan's input and target
/// buffers in the arena). Filling allocates nothing: it only reads the dataset and the
/// order and writes through the pointers, so a training step stays allocation-free.
///
/// A batch is given as an epoch's order (from `EpochOrder`) and a range of positions in
/// it; sample `order[p]` goes to row `p − positions.lowerBound`. Training batches pass
/// `augment: true` to apply the augmentation, whose random choices depend on
/// (seed, epoch, p) only.
public struct BatchFiller: Sendable {
    public let dataset: Dataset
    public let augmentation: Augmentation
    public let seed: UInt64
    private let image: (height: Int, width: Int, channels: Int)

    public init(_ dataset: Dataset, augmentation: Augmentation = .none, seed: UInt64 = 0) throws(DataError) {
        self.dataset = dataset
        self.augmentation = augmentation
        self.seed = seed
        let shape = dataset.sampleShape
        image = shape.count >= 2 ? (shape[0], shape[1], shape.dropFirst(2).reduce(1, *)) : (0, 0, 0)
        guard !augmentation.isNone else { return }
        let described = "[\(shape.map(String.init).joined(separator: ", "))]"
        guard dataset.input == .real, shape.count == 2 || shape.count == 3 else {
            throw DataError(.dataSizeMismatch, "augmentation shifts and flips images, [H, W] or [H, W, C]; the samples of '\(dataset.name)' are \(dataset.input == .real ? described : "token ids \(described)")",
                            file: dataset.name, help: dataset.input == .real ? "give the model an image input such as [28, 28, 1]" : "remove data.augment")
        }
        guard augmentation.shift < min(shape[0], shape[1]) else {
            throw DataError(.dataSizeMismatch, "a shift moves an image by less than its size; \(augmentation.shift) pixels would empty the \(shape[0])×\(shape[1]) samples of '\(dataset.name)'",
                            file: dataset.name)
        }
    }

    /// Writes the inputs of the batch (`positions.count × dataset.inputWidth` floats): real
    /// values, or one-hot vectors for `.oneHotTokens`.
    public func fillInputs(_ out: UnsafeMutablePointer<Float>, order: [Int32], positions: Range<Int>, epoch: Int, augment: Bool) {
        let width = dataset.inputWidth, stored = dataset.storedWidth
        dataset.features.withUnsafeBufferPointer { features in
            for (row, p) in positions.enumerated() {
                let source = features.baseAddress! + Int(order[p]) * stored
                let target = out + row * width
                switch dataset.input {
                case .real:
                    if augment && !augmentation.isNone {
                        Augmentation.apply(augmentation.choice(seed: seed, epoch: epoch, position: p), target, source,
                                           height: image.height, width: image.width, channels: image.channels)
                    } else {
                        target.update(from: source, count: width)
                    }
                case .oneHotTokens(let vocabulary):
                    target.update(repeating: 0, count: width)
                    for t in 0..<stored { target[t * vocabulary + Int(source[t])] = 1 }
                case .tokenIDs:
                    preconditionFailure("token-id inputs are int32: use fillInputs with an Int32 buffer")
                }
            }
        }
    }

    /// Writes token-id inputs (`positions.count × dataset.inputWidth` int32s).
    public func fillInputs(_ out: UnsafeMutablePointer<Int32>, order: [Int32], positions: Range<Int>) {
        guard case .tokenIDs = dataset.input else { preconditionFailure("only token-id inputs are int32") }
        let width = dataset.inputWidth
        dataset.features.withUnsafeBufferPointer { features in
            for (row, p) in positions.enumerated() {
                let source = features.baseAddress! + Int(order[p]) * width
                for t in 0..<width { out[row * width + t] = Int32(source[t]) }
            }
        }
    }

    /// Writes float targets (`positions.count × dataset.targetWidth`): one-hot vectors
    /// (one per step for per-step labels) or regression values.
    public func fillTargets(_ out: UnsafeMutablePointer<Float>, order: [Int32], positions: Range<Int>) {
        let width = dataset.targetWidth
        switch (dataset.encoding, dataset.targets) {
        case (.oneHot(let classes), .classes(let labels, let perSample)):
            out.update(repeating: 0, count: positions.count * width)
            for (row, p) in positions.enumerated() {
                let first = Int(order[p]) * perSample
                for step in 0..<perSample { out[row * width + step * classes + Int(labels[first + step])] = 1 }
            }
        case (.values, .values(let values, _)):
            values.withUnsafeBufferPointer { values in
                for (row, p) in positions.enumerated() {
                    (out + row * width).update(from: values.baseAddress! + Int(order[p]) * width, count: width)
                }
            }
        default:
            preconditionFailure("float targets are one-hot classes or values; this dataset's are \(dataset.encoding)")
        }
    }

    /// Writes class ids (`positions.count × dataset.targetWidth` int32s), for sparse losses.
    public func fillTargets(_ out: UnsafeMutablePointer<Int32>, order: [Int32], positions: Range<Int>) {
        guard case .sparse = dataset.encoding, case .classes(let labels, let perSample) = dataset.targets else {
            preconditionFailure("int32 targets are sparse class ids; this dataset's are \(dataset.encoding)")
        }
        labels.withUnsafeBufferPointer { labels in
            for (row, p) in positions.enumerated() {
                (out + row * perSample).update(from: labels.baseAddress! + Int(order[p]) * perSample, count: perSample)
            }
        }
    }
}
