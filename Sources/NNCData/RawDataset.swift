/// Samples as read from their files, before preprocessing: features row-major
/// (`count × featureCount`), each sample of `sampleShape` as the file has it ([28, 28] for
/// IDX MNIST, [64] for the digits CSV, [T] for token ids, [T, 2] for the adding task).
public struct RawDataset: Sendable {
    /// The file the samples come from (the labels file for pairs), for messages.
    public var name: String
    /// The file the inputs come from (the images file for pairs), for messages about inputs.
    public var inputName: String
    public var sampleShape: [Int]
    public var features: [Float]
    public var inputKind: InputKind
    public var targets: Targets
    /// Text files: the character ids the features were encoded with.
    public var vocabulary: CharacterVocabulary?
    /// Image folders: class i's name (its subfolder's), so predictions can name classes.
    public var classNames: [String]?
    /// Each sample's labels as the file shapes them (NPY labels [N, 28] → [28]; [] for one
    /// label per sample), for messages.
    public var labelShape: [Int]
    /// Where each sample's label record lies in its file (kept through splits), for messages.
    var origin: DataOrigin
    /// Where each sample's input record lies (the images file for pairs).
    var inputOrigin: DataOrigin
    /// Sample i is record `records[i]` of `origin`.
    var records: [Int32]

    public var count: Int { records.count }
    public var featureCount: Int { sampleShape.reduce(1, *) }

    init(
        name: String, sampleShape: [Int], features: [Float], inputKind: InputKind = .real, targets: Targets,
        vocabulary: CharacterVocabulary? = nil, origin: DataOrigin, count: Int,
        inputName: String? = nil, inputOrigin: DataOrigin? = nil, labelShape: [Int]? = nil
    ) {
        self.name = name
        self.inputName = inputName ?? name
        self.sampleShape = sampleShape
        self.features = features
        self.inputKind = inputKind
        self.targets = targets
        self.vocabulary = vocabulary
        self.origin = origin
        self.inputOrigin = inputOrigin ?? origin
        self.labelShape = labelShape ?? (targets.width == 1 ? [] : [targets.width])
        self.records = (0..<Int32(count)).map { $0 }
        precondition(features.count == count * featureCount, "features do not match the sample count")
    }

    /// Samples made in memory (tests, data from elsewhere): `features` holds
    /// `count × sampleShape` values; messages name samples by index under `name`.
    public init(name: String, sampleShape: [Int], features: [Float], inputKind: InputKind = .real, targets: Targets) {
        let width = sampleShape.reduce(1, *)
        precondition(width > 0 && features.count % width == 0, "features must hold whole samples of \(sampleShape)")
        self.init(
            name: name, sampleShape: sampleShape, features: features, inputKind: inputKind, targets: targets,
            origin: DataOrigin(.generated(name: name)), count: features.count / width)
    }

    /// These samples as token ids below `vocabulary`, for a model whose input feeds an
    /// embedding: every value must be a whole number in 0..<vocabulary (E0503, naming its
    /// record). Samples already read as token ids are returned as they are.
    public func asTokenIDs(vocabulary: Int) throws(DataError) -> RawDataset {
        guard case .real = inputKind else { return self }
        let bound = min(vocabulary, DataReader.maxTokenID + 1)
        if let bad = features.firstIndex(where: { !($0 >= 0 && $0 == $0.rounded() && Double($0) < Double(bound)) }) {
            let width = featureCount
            let (location, record) = inputOrigin.label(
                of: Int(records[bad / width]), element: bad % width, perSample: width)
            throw DataError(
                .labelOutOfRange,
                "an embedding reads token ids, whole numbers in 0..<\(bound) (\(bound < vocabulary ? "the largest vocabulary nnc reads" : "its input_dim")); \(record) of '\(inputName)' holds \(features[bad])",
                at: location,
                help: features[bad] >= 0 && features[bad] == features[bad].rounded()
                    ? "raise the embedding's input_dim above \(Int(features[bad])), or map rare ids to an <unk> id"
                    : "give the embedding token ids, or remove it for real-valued inputs")
        }
        var result = self
        result.inputKind = .tokens(vocabulary: vocabulary)
        return result
    }

    /// The samples at `indices`, in that order (their records still name the original lines).
    public func subset(_ indices: [Int]) -> RawDataset {
        var result = self
        let width = featureCount
        result.features = []
        result.features.reserveCapacity(indices.count * width)
        for i in indices { result.features.append(contentsOf: features[(i * width)..<((i + 1) * width)]) }
        result.targets = targets.subset(indices)
        result.records = indices.map { records[$0] }
        return result
    }
}

/// What the numbers of a sample are.
public enum InputKind: Sendable, Equatable, Codable {
    /// Real values (pixels, measurements).
    case real
    /// Token ids below `vocabulary`, stored as exact small integers in the features.
    case tokens(vocabulary: Int)
}

/// The labels of every sample.
public enum Targets: Sendable, Equatable {
    /// `perSample` class numbers per sample (1 for classification, T for per-step tasks
    /// like the copy task), `count × perSample` in all.
    case classes([Int32], perSample: Int)
    /// `width` real values per sample (regression).
    case values([Float], width: Int)
    /// No labels (prediction).
    case none

    /// Labels per sample.
    public var width: Int {
        switch self {
        case .classes(_, let perSample): perSample
        case .values(_, let width): width
        case .none: 0
        }
    }

    /// "class numbers", "values" or "absent", for messages.
    var kindName: String {
        switch self {
        case .classes: "class numbers"
        case .values: "values"
        case .none: "absent"
        }
    }

    func subset(_ indices: [Int]) -> Targets {
        switch self {
        case .classes(let labels, let perSample):
            return .classes(indices.flatMap { labels[($0 * perSample)..<(($0 + 1) * perSample)] }, perSample: perSample)
        case .values(let values, let width):
            return .values(indices.flatMap { values[($0 * width)..<(($0 + 1) * width)] }, width: width)
        case .none:
            return .none
        }
    }
}
