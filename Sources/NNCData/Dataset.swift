/// Samples prepared for a model (see `Preprocessing.apply`): every sample has the model's
/// input shape, and targets are checked against the encoding the loss wants. Batches are
/// written from it by `BatchFiller`.
public struct Dataset: Sendable {
    /// The file the samples come from (the labels file for pairs), for messages.
    public let name: String
    /// The file the inputs come from (the images file for pairs), for messages about inputs.
    public let inputName: String
    /// The model's per-sample input shape.
    public let sampleShape: [Int]
    /// The geometry augmentation shifts and flips: the model's input shape, or the samples'
    /// shape in the file when the model reshapes images ([28, 28] in an IDX file) into a flat
    /// input ([784]), as the deformed-MNIST MLPs do: the image is shifted, then read flat.
    public let imageShape: [Int]
    /// Prepared values, `count × storedWidth` (token ids as exact small integers).
    public let features: [Float]
    public let input: InputEncoding
    public let targets: Targets
    public let encoding: TargetEncoding

    public var count: Int { features.count / max(storedWidth, 1) }

    /// Values stored per sample (T for one-hot tokens, which expand when filled).
    var storedWidth: Int {
        if case .oneHotTokens(let vocabulary) = input { return sampleShape.reduce(1, *) / vocabulary }
        return sampleShape.reduce(1, *)
    }

    /// Elements per sample in an input buffer: the product of `sampleShape`.
    public var inputWidth: Int { sampleShape.reduce(1, *) }

    /// Elements per sample in a target buffer: classes × steps for one-hot, steps for sparse
    /// class ids, the value width for regression, 0 without targets.
    public var targetWidth: Int {
        switch encoding {
        case .oneHot(let classes): classes * targets.width
        case .sparse, .values, .none: targets.width
        }
    }

    init(
        name: String, inputName: String, sampleShape: [Int], storedShape: [Int]? = nil, features: [Float],
        input: InputEncoding,
        targets: Targets, encoding: TargetEncoding
    ) {
        self.name = name
        self.inputName = inputName
        self.sampleShape = sampleShape
        let stored = storedShape ?? sampleShape
        let flat = sampleShape.count < 2 && stored.count >= 2 && stored.reduce(1, *) == sampleShape.reduce(1, *)
        imageShape = flat ? stored : sampleShape
        self.features = features
        self.input = input
        self.targets = targets
        self.encoding = encoding
    }
}

/// How a sample's values go into the model's input buffer.
public enum InputEncoding: Sendable, Equatable {
    /// Real values, as floats.
    case real
    /// Token ids (an embedding's input), as int32.
    case tokenIDs(vocabulary: Int)
    /// Token ids expanded to one-hot float vectors: input [T, vocabulary].
    case oneHotTokens(vocabulary: Int)
}

extension Dataset {
    /// The samples at `indices`, in that order, prepared as they are (`nnc doctor`'s tiny batch).
    public func subset(_ indices: [Int]) -> Dataset {
        let width = storedWidth
        var values: [Float] = []
        values.reserveCapacity(indices.count * width)
        for i in indices { values += features[(i * width)..<((i + 1) * width)] }
        return Dataset(
            name: name, inputName: inputName, sampleShape: sampleShape,
            storedShape: imageShape == sampleShape ? nil : imageShape, features: values, input: input,
            targets: targets.subset(indices), encoding: encoding)
    }

    /// Sample `i`'s stored values (token ids for token inputs).
    public func sample(_ i: Int) -> ArraySlice<Float> { features[(i * storedWidth)..<((i + 1) * storedWidth)] }
}

extension Dataset {
    /// A bootstrap sample: `count` samples drawn uniformly with replacement (about 63% of them
    /// distinct), from `seed` alone (bagging: each ensemble member its own sample).
    public func bootstrap(seed: UInt64) -> Dataset {
        var random = CounterRandom(seed: seed, stream: .bootstrap, counter: 0)
        return subset((0..<count).map { _ in random.below(count) })
    }
}
