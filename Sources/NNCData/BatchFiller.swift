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
        let shape = dataset.imageShape
        image = shape.count >= 2 ? (shape[0], shape[1], shape.dropFirst(2).reduce(1, *)) : (0, 0, 0)
        try Self.checkIndices(dataset)
        guard !augmentation.isNone else { return }
        let described = "[\(shape.map(String.init).joined(separator: ", "))]"
        guard dataset.input == .real, shape.count == 2 || shape.count == 3 else {
            throw DataError(
                .dataSizeMismatch,
                "augmentation shifts and flips images, [H, W] or [H, W, C]; the samples of '\(dataset.inputName)' are \(dataset.input == .real ? described : "token ids \(described)")",
                file: dataset.inputName,
                help: dataset.input == .real
                    ? "give the model an image input such as [28, 28, 1], or read images from a file that stores them as [H, W]"
                    : "remove data.augment")
        }
        guard augmentation.shift < min(shape[0], shape[1]) else {
            throw DataError(
                .dataSizeMismatch,
                "a shift moves an image by less than its size; \(augmentation.shift) pixels would empty the \(shape[0])×\(shape[1]) samples of '\(dataset.inputName)'",
                file: dataset.inputName)
        }
    }

    /// The values filling writes at computed positions (a one-hot label's class, a one-hot
    /// token's id) must lie inside their vectors; `Preprocessing.apply` checks them, and
    /// this checks again so no dataset can make a fill write outside its row.
    private static func checkIndices(_ dataset: Dataset) throws(DataError) {
        if case .oneHot(let classes) = dataset.encoding, case .classes(let labels, _) = dataset.targets,
            let bad = labels.first(where: { $0 < 0 || Int($0) >= classes })
        {
            throw DataError(
                .labelOutOfRange,
                "class labels must lie in 0..<\(classes) (the model has \(classes) classes); '\(dataset.name)' has label \(bad)",
                file: dataset.name)
        }
        if case .oneHotTokens(let vocabulary) = dataset.input,
            let bad = dataset.features.first(where: { !($0 >= 0 && Int($0) < vocabulary) })
        {
            throw DataError(
                .labelOutOfRange,
                "token ids must lie below the vocabulary size \(vocabulary); '\(dataset.inputName)' has \(bad)",
                file: dataset.inputName)
        }
    }

    /// Refuses a fill whose destination does not hold `rows` samples of exactly `width`
    /// values, or whose positions are not rows of the order.
    private func checkDestination(
        count: Int, rows: Int, width: Int, what: String, order: [Int32], positions: Range<Int>
    ) throws(DataError) {
        let (needed, overflow) = rows.multipliedReportingOverflow(by: width)
        guard !overflow, needed == count, positions.count <= rows else {
            let file = what == "input" ? dataset.inputName : dataset.name
            throw DataError(
                .dataSizeMismatch,
                "a batch fills the model's \(what) buffer with whole samples; '\(file)' has \(width) \(what) values per sample, and the buffer holds \(count) values for \(rows) samples",
                file: file, help: "the data does not fit the model: run `nnc check` on the model for the details")
        }
        guard order.count == dataset.count, positions.lowerBound >= 0, positions.upperBound <= order.count else {
            throw DataError(
                .dataSizeMismatch,
                "a batch takes positions of its epoch's order; positions \(positions) lie outside an order of \(order.count) for \(dataset.count) samples",
                file: dataset.name)
        }
    }

    /// Writes the inputs of the batch into `out`, which holds `rows` samples of
    /// `dataset.inputWidth` floats: real values, or one-hot vectors for `.oneHotTokens`.
    public func fillInputs(
        _ out: UnsafeMutableBufferPointer<Float>, rows: Int, order: [Int32], positions: Range<Int>,
        epoch: Int, augment: Bool
    ) throws(DataError) {
        let width = dataset.inputWidth
        let stored = dataset.storedWidth
        try checkDestination(
            count: out.count, rows: rows, width: width, what: "input", order: order, positions: positions)
        if case .tokenIDs = dataset.input {
            throw DataError(
                .dataSizeMismatch, "token ids fill an embedding's integer input; the model's input reads real values",
                file: dataset.inputName,
                help: "start the model with an embedding layer, or give it one-hot input [T, vocabulary]")
        }
        guard let out = out.baseAddress else { return }
        dataset.features.withUnsafeBufferPointer { features in
            for (row, p) in positions.enumerated() {
                let source = features.baseAddress! + Int(order[p]) * stored
                let target = out + row * width
                switch dataset.input {
                case .real:
                    if augment && !augmentation.isNone {
                        Augmentation.apply(
                            augmentation.choice(seed: seed, epoch: epoch, position: p), target, source,
                            height: image.height, width: image.width, channels: image.channels)
                    } else {
                        target.update(from: source, count: width)
                    }
                case .oneHotTokens(let vocabulary):
                    target.update(repeating: 0, count: width)
                    for t in 0..<stored { target[t * vocabulary + Int(source[t])] = 1 }
                case .tokenIDs:
                    break
                }
            }
        }
    }

    /// Writes token-id inputs into `out`, which holds `rows` samples of `dataset.inputWidth` int32s.
    public func fillInputs(_ out: UnsafeMutableBufferPointer<Int32>, rows: Int, order: [Int32], positions: Range<Int>)
        throws(DataError)
    {
        let width = dataset.inputWidth
        try checkDestination(
            count: out.count, rows: rows, width: width, what: "input", order: order, positions: positions)
        guard case .tokenIDs = dataset.input else {
            throw DataError(
                .dataSizeMismatch,
                "an embedding reads token ids; the samples of '\(dataset.inputName)' are real values",
                file: dataset.inputName,
                help: "give the embedding token ids (format: tokens or text), or remove it")
        }
        guard let out = out.baseAddress else { return }
        dataset.features.withUnsafeBufferPointer { features in
            for (row, p) in positions.enumerated() {
                let source = features.baseAddress! + Int(order[p]) * width
                for t in 0..<width { out[row * width + t] = Int32(source[t]) }
            }
        }
    }

    /// Writes float targets into `out`, which holds `rows` samples of `dataset.targetWidth`
    /// floats: one-hot vectors (one per step for per-step labels) or regression values.
    public func fillTargets(_ out: UnsafeMutableBufferPointer<Float>, rows: Int, order: [Int32], positions: Range<Int>)
        throws(DataError)
    {
        let width = dataset.targetWidth
        try checkDestination(
            count: out.count, rows: rows, width: width, what: "target", order: order, positions: positions)
        guard let out = out.baseAddress else { return }
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
        case (.sparse, _), (.oneHot, _), (.values, _), (.none, _):
            throw DataError(
                .labelMismatch,
                "the loss compares the output with \(dataset.encoding.name); the labels of '\(dataset.name)' are \(dataset.targets.kindName)",
                file: dataset.name,
                help: "the data does not fit the model: run `nnc check` on the model for the details")
        }
    }

    /// Writes class ids into `out`, which holds `rows` samples of `dataset.targetWidth`
    /// int32s, for sparse losses.
    public func fillTargets(_ out: UnsafeMutableBufferPointer<Int32>, rows: Int, order: [Int32], positions: Range<Int>)
        throws(DataError)
    {
        try checkDestination(
            count: out.count, rows: rows, width: dataset.targetWidth, what: "target", order: order, positions: positions
        )
        guard case .sparse = dataset.encoding, case .classes(let labels, let perSample) = dataset.targets else {
            throw DataError(
                .labelMismatch,
                "the loss compares the output with class numbers; the labels of '\(dataset.name)' are \(dataset.targets.kindName) for \(dataset.encoding.name)",
                file: dataset.name,
                help: "the data does not fit the model: run `nnc check` on the model for the details")
        }
        guard let out = out.baseAddress else { return }
        labels.withUnsafeBufferPointer { labels in
            for (row, p) in positions.enumerated() {
                (out + row * perSample).update(from: labels.baseAddress! + Int(order[p]) * perSample, count: perSample)
            }
        }
    }
}
