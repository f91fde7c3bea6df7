import Foundation
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
    /// Image folders: the training folder's class names (class i is `classNames[i]`), so
    /// predictions name their classes.
    public private(set) var classNames: [String]?
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
        fitted.classNames = training.classNames
        fitted.isFitted = true
        guard standardize else { return fitted }
        try checkReal(training)
        let width = training.featureCount
        let n = training.count
        let factor = Double(scale ?? 1)
        func x(_ i: Int, _ j: Int) -> Double { Double(training.features[i * width + j]) * factor }
        // Two passes (mean, then squared deviations) so a constant feature's deviation is exactly 0.
        var mean = [Double](repeating: 0, count: width)
        var squares = [Double](repeating: 0, count: width)
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

    /// This preprocessing ready to apply without fitting, for preprocessing that computes no
    /// statistics: prediction on a file when no training data is at hand. Standardization
    /// needs the training split's statistics, so with `standardize` it stays unfitted (and
    /// `apply` refuses it).
    public func withoutStatistics() -> Preprocessing {
        var ready = self
        ready.isFitted = !standardize
        return ready
    }

    /// `raw` prepared for the model: transformed, reshaped, labels checked. Values that
    /// scaling pushes past a float's range are refused (E0506), naming their record.
    public func apply(to raw: RawDataset) throws(DataError) -> Dataset {
        guard isFitted else {
            throw DataError(
                .invalidPreprocessing,
                "preprocessing is fitted on the training split before it is applied; this one never was", file: raw.name
            )
        }
        let input = try inputEncoding(raw)
        var features = raw.features
        if scale != nil || standardize { try checkReal(raw) }
        if let scale { for i in features.indices { features[i] *= scale } }
        if standardize {
            let width = raw.featureCount
            guard mean.count == width, standardDeviation.count == width else {
                throw DataError(
                    .invalidPreprocessing,
                    "standardization holds a mean and a deviation per feature; it was fitted on \(mean.count) features and '\(raw.inputName)' has \(width)",
                    file: raw.inputName, help: "prepare data with the preprocessing of the run that trained on it")
            }
            for i in 0..<raw.count {
                for j in 0..<width {
                    features[i * width + j] = (features[i * width + j] - mean[j]) / standardDeviation[j]
                }
            }
        }
        if scale != nil || standardize, let bad = features.firstIndex(where: { !$0.isFinite }) {
            let width = raw.featureCount
            let (location, record) = raw.inputOrigin.label(
                of: Int(raw.records[bad / width]), element: bad % width, perSample: width)
            throw DataError(
                .nonFiniteData,
                "prepared values must be finite numbers; \(record) of '\(raw.inputName)' holds \(raw.features[bad]), which preprocessing turns into \(features[bad])",
                at: location, label: "this record",
                help: "lower data.preprocess.scale, or rescale the data before training")
        }
        try checkTargets(raw)
        return Dataset(
            name: raw.name, inputName: raw.inputName, sampleShape: inputShape, storedShape: raw.sampleShape,
            features: features, input: input,
            targets: raw.targets, encoding: targets)
    }

    /// The preprocessing a training run saved as JSON (a weights file's `nnc.preprocessing`),
    /// read as it was written (non-finite numbers as "nan", "inf", "-inf"); not yet
    /// validated (see `validate`).
    public static func decode(_ json: String, file: String) throws(DataError) -> Preprocessing {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(Preprocessing.self, from: Data(json.utf8))
        } catch {
            throw DataError(
                .invalidPreprocessing,
                "the preprocessing saved in '\(file)' must be the JSON a training run writes; it cannot be read (\(Self.reason(error)))",
                file: file, help: "train again, or use the weights file the training run wrote")
        }
    }

    /// What a JSON decoding error says, in a few words.
    private static func reason(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? context.debugDescription
                : "at '\(context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "."))': \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// Checks preprocessing saved in `file` (a weights file) before it is applied: it
    /// fits `contract` (the model's input and classes) and every value can be applied —
    /// finite scale and means, positive finite deviations. nnc's fit never saves a deviation
    /// of 0 (a constant feature is divided by 1, as scikit-learn's StandardScaler does), so
    /// a 0 is refused, not clamped to an epsilon as Keras's Normalization layer does, which
    /// would multiply the feature by millions.
    public func validate(against contract: DataContract, file: String) throws(DataError) {
        func refuse(_ message: String) -> DataError {
            DataError(
                .invalidPreprocessing, "the preprocessing saved in '\(file)' \(message)", file: file,
                help: "train again, or use the weights file the training run wrote")
        }
        guard isFitted else { throw refuse("was never fitted") }
        let elements = NumericArray.product(inputShape, 1)
        guard elements == NumericArray.product(contract.sampleShape, 1) else {
            throw refuse(
                "reshapes samples to \(DataContract.shape(inputShape)), and the model's input is \(DataContract.shape(contract.input))"
            )
        }
        switch (targets, contract.targets) {
        case (.sparse(let classes), .classNumbers), (.oneHot(let classes), .oneHot):
            guard classes == contract.classes else {
                throw refuse(
                    "encodes \(classes) classes, and the model's output '\(contract.outputName)' has \(contract.classes)"
                )
            }
        case (.values, .values), (.values, .probabilities), (_, .none), (.none, _):
            break
        case (.sparse, _), (.oneHot, _), (.values, _):
            throw refuse(
                "encodes targets as \(targets.name), and the model's loss, \(contract.lossName), wants \(contract.targets == .classNumbers ? "class numbers" : contract.targets == .oneHot ? "one-hot vectors" : "values")"
            )
        }
        if let scale, !scale.isFinite || scale == 0 { throw refuse("scales inputs by \(scale)") }
        guard standardize else { return }
        let width = elements ?? 0
        guard mean.count == width, standardDeviation.count == width else {
            throw refuse(
                "holds \(mean.count) means and \(standardDeviation.count) deviations for an input of \(width) values")
        }
        if let j = mean.firstIndex(where: { !$0.isFinite }) {
            throw refuse("has a mean of \(mean[j]) for feature \(j)")
        }
        if let j = standardDeviation.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw refuse(
                "has a standard deviation of \(standardDeviation[j]) for feature \(j); deviations are positive (a constant feature is saved as 1)"
            )
        }
    }

    private func inputEncoding(_ raw: RawDataset) throws(DataError) -> InputEncoding {
        let elements = NumericArray.product(inputShape, 1)
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
        throw DataError(
            .dataSizeMismatch,
            "samples must hold as many values as the model's input \(target) (\(elements.map(String.init) ?? "too many")); the samples of '\(raw.inputName)' are \(shape) (\(raw.featureCount) values)",
            file: raw.inputName, notes: notes, help: "set the model's input to \(shape), or reshape inside the model")
    }

    private func checkReal(_ raw: RawDataset) throws(DataError) {
        guard case .tokens = raw.inputKind else { return }
        throw DataError(
            .dataSizeMismatch, "scale and standardize apply to real-valued inputs; '\(raw.inputName)' holds token ids",
            file: raw.inputName,
            help: "remove scale and standardize from data.preprocess")
    }

    private func checkTargets(_ raw: RawDataset) throws(DataError) {
        switch (targets, raw.targets) {
        case (.sparse(let classes), .classes(let labels, _)), (.oneHot(let classes), .classes(let labels, _)):
            let problem = DataContract.classRangeProblem(
                labels, perSample: raw.targets.width, classes: classes, name: raw.name
            ) { index, perSample in
                raw.origin.label(
                    of: Int(raw.records[index / perSample]), element: index % perSample, perSample: perSample)
            }
            if let problem { throw DataError(problem) }
        case (.values, .values), (_, .none), (.none, _):
            return
        case (.sparse, .values), (.oneHot, .values), (.values, .classes):
            throw DataError(
                .labelMismatch,
                "the loss compares the output with \(targets.name); the labels of '\(raw.name)' were read as \(raw.targets.kindName)",
                file: raw.name, help: "prepare data with the preprocessing of the run that trained on it")
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

    /// "class numbers", as messages name the encoding.
    var name: String {
        switch self {
        case .sparse: "class numbers"
        case .oneHot: "one-hot vectors"
        case .values: "values"
        case .none: "no targets"
        }
    }
}
