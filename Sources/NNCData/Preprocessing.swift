import NNCDiagnostics

/// How samples are prepared for the model, fitted on the training split and saved beside
/// the weights (it is Codable) so `nnc eval` and `nnc predict` prepare data exactly as
/// training did.
///
/// In order: inputs are multiplied by `scale`; then, with `standardize`, each feature has
/// the training split's mean subtracted and is divided by the training split's standard
/// deviation (population, as scikit-learn's StandardScaler; a constant feature, whose
/// deviation is 0, is divided by 1 instead, so it stays finite: 0 on the training split); then each
/// sample is reshaped to `inputShape`, which must hold as many elements (E0504). Token ids
/// are never scaled; a token sample [T] meets an input shape [T, V] as one-hot vectors.
/// Class labels must lie in 0..<classes (E0503, naming the file and record).
public struct Preprocessing: Sendable, Equatable, Codable {
    public var scale: Float?
    public var standardize: Bool
    /// The model's per-sample input shape.
    public var inputShape: [Int]
    public var targets: TargetEncoding
    /// Fitted on the training split (empty until `fit`, and without `standardize`).
    public private(set) var mean: [Float] = []
    public private(set) var standardDeviation: [Float] = []
    /// Text data: the training file's characters, to encode other splits and predictions.
    public private(set) var vocabulary: CharacterVocabulary?
    public private(set) var isFitted = false

    public init(scale: Float? = nil, standardize: Bool = false, inputShape: [Int], targets: TargetEncoding) {
        self.scale = scale
        self.standardize = standardize
        self.inputShape = inputShape
        self.targets = targets
    }

    /// This preprocessing with its statistics computed on `training` (the training split
    /// only: validation and test data must not leak into them).
    public func fit(on training: RawDataset) throws(DataError) -> Preprocessing {
        var fitted = self
        fitted.vocabulary = training.vocabulary
        fitted.isFitted = true
        guard standardize else { return fitted }
        try checkReal(training)
        let width = training.featureCount, n = training.count
        let factor = Double(scale ?? 1)
        func x(_ i: Int, _ j: Int) -> Double { Double(training.features[i * width + j]) * factor }
        // Two passes (mean, then squared deviations) so a constant feature's deviation is exactly 0.
        var mean = [Double](repeating: 0, count: width), squares = [Double](repeating: 0, count: width)
        for i in 0..<n { for j in 0..<width { mean[j] += x(i, j) } }
        for j in 0..<width { mean[j] /= Double(n) }
        for i in 0..<n { for j in 0..<width { squares[j] += (x(i, j) - mean[j]) * (x(i, j) - mean[j]) } }
        fitted.mean = mean.map { Float($0) }
        // Constant: no deviation beyond the rounding of the mean (float inputs vary by at
        // least one part in 10⁷ when they vary at all).
        fitted.standardDeviation = (0..<width).map { j in
            let deviation = (squares[j] / Double(n)).squareRoot()
            return deviation > 1e-10 * abs(mean[j]) && Float(deviation) > 0 ? Float(deviation) : 1
        }
        return fitted
    }

    /// `raw` prepared for the model: transformed, reshaped, labels checked.
    public func apply(to raw: RawDataset) throws(DataError) -> Dataset {
        precondition(isFitted, "Preprocessing.apply before fit(on:)")
        let input = try inputEncoding(raw)
        var features = raw.features
        if scale != nil || standardize { try checkReal(raw) }
        if let scale { for i in features.indices { features[i] *= scale } }
        if standardize {
            let width = raw.featureCount
            precondition(mean.count == width, "fitted on \(mean.count) features, applied to \(width)")
            for i in 0..<raw.count {
                for j in 0..<width { features[i * width + j] = (features[i * width + j] - mean[j]) / standardDeviation[j] }
            }
        }
        try checkTargets(raw)
        return Dataset(name: raw.name, sampleShape: inputShape, features: features, input: input,
                       targets: raw.targets, encoding: targets)
    }

    private func inputEncoding(_ raw: RawDataset) throws(DataError) -> InputEncoding {
        let elements = inputShape.reduce(1, *)
        if case .tokens(let vocabulary) = raw.inputKind {
            if inputShape == raw.sampleShape + [vocabulary] { return .oneHotTokens(vocabulary: vocabulary) }
            if elements == raw.featureCount { return .tokenIDs(vocabulary: vocabulary) }
        } else if elements == raw.featureCount {
            return .real
        }
        let shape = "[\(raw.sampleShape.map(String.init).joined(separator: ", "))]"
        let target = "[\(inputShape.map(String.init).joined(separator: ", "))]"
        var notes: [String] = []
        if case .tokens(let vocabulary) = raw.inputKind {
            notes = ["token ids meet an input of [T] as ids or [T, \(vocabulary)] as one-hot vectors"]
        }
        throw DataError(.dataSizeMismatch, "samples must hold as many values as the model's input \(target) (\(elements)); the samples of '\(raw.name)' are \(shape) (\(raw.featureCount) values)",
                        file: raw.name, notes: notes, help: "set the model's input to \(shape), or reshape inside the model")
    }

    private func checkReal(_ raw: RawDataset) throws(DataError) {
        guard case .tokens = raw.inputKind else { return }
        throw DataError(.dataSizeMismatch, "scale and standardize apply to real-valued inputs; '\(raw.name)' holds token ids", file: raw.name,
                        help: "remove scale and standardize from data.preprocess")
    }

    private func checkTargets(_ raw: RawDataset) throws(DataError) {
        switch (targets, raw.targets) {
        case (.sparse(let classes), .classes(let labels, let perSample)), (.oneHot(let classes), .classes(let labels, let perSample)):
            guard let bad = labels.firstIndex(where: { $0 >= classes }) else { return }
            let (location, record) = raw.origin.label(of: Int(raw.records[bad / perSample]), element: bad % perSample, perSample: perSample)
            throw DataError(.labelOutOfRange, "class labels must lie in 0..<\(classes) (the model has \(classes) classes); \(record) of '\(raw.name)' has label \(labels[bad])",
                            at: location, label: location.isKnown ? "label \(labels[bad])" : "",
                            help: labels.contains(0) ? "give the model \(labels.max()! + 1) output units, or relabel the data" : "labels count from 0: subtract 1 from every label, or give the model one more output unit")
        case (.values, .values), (_, .none), (.none, _):
            return
        case (.sparse, .values), (.oneHot, .values), (.values, .classes):
            preconditionFailure("labels read as \(raw.targets.width == 0 ? "none" : "the wrong kind") for \(targets)")
        }
    }
}

/// How targets are written for the loss.
public enum TargetEncoding: Sendable, Equatable, Codable {
    /// Class ids as int32 (sparse categorical cross-entropy), labels in 0..<classes.
    case sparse(classes: Int)
    /// One-hot float vectors of `classes` (categorical cross-entropy).
    case oneHot(classes: Int)
    /// Real values (regression losses).
    case values
    /// No targets (prediction).
    case none
}
