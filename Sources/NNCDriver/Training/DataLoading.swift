import Foundation
import NNCData
import NNCGraph
import NNCSpec

/// The spec's `data` section mapped onto NNCData: where each split comes from, how labels
/// are read (class numbers for cross-entropy, values for regression and binary
/// cross-entropy), the validation and test splits, and the preprocessing fitted on the
/// training split only.
public enum DataLoading {
    public static func load(_ spec: ModelSpec, graph: Graph, seed: UInt64, fitted: Preprocessing? = nil) throws(TrainingFailure) -> TrainingData {
        guard let data = spec.data, let trainSet = data.record("train") else {
            throw TrainingFailure([Diagnostic.error(.missingKey, "training needs data: a 'data' section with a 'train' split",
                                                    at: spec.data?.location ?? spec.inputLocation,
                                                    help: "e.g. `data: {train: {path: data/iris.csv}}` (paths are relative to the model file)")])
        }
        let mode = labelMode(spec)
        func read(_ set: RecordValue?) throws(DataError) -> RawDataset? {
            guard let set else { return nil }
            return try DataReader.read(source(set, spec), labels: mode)
        }
        do throws(DataError) {
            let raw = try read(trainSet)!
            let explicitValidation = try read(data.record("validation"))
            let explicitTest = try read(data.record("test"))
            let validationFraction = explicitValidation == nil ? (spec.train?.double("validation_split") ?? 0) : 0
            let testFraction = explicitTest == nil ? (data.double("test_split") ?? 0) : 0
            let splits = try Splits(raw, validation: validationFraction, test: testFraction, seed: seed)
            var preprocessing = preprocessingSpec(spec, graph: graph)
            if let fitted { preprocessing = fitted } else { preprocessing = try preprocessing.fit(on: splits.train) }
            func prepare(_ raw: RawDataset?) throws(DataError) -> Dataset? {
                guard let raw else { return nil }
                return try preprocessing.apply(to: raw)
            }
            return TrainingData(train: try preprocessing.apply(to: splits.train),
                                validation: try prepare(explicitValidation ?? splits.validation),
                                test: try prepare(explicitTest ?? splits.test),
                                preprocessing: preprocessing, augmentation: augmentation(data))
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
    }

    /// Optimizer steps per epoch of the run `options` describes (reads the training data).
    public static func stepsPerEpoch(_ spec: ModelSpec, graph: Graph, options: TrainingOptions) throws(TrainingFailure) -> Int {
        let data = try load(spec, graph: graph, seed: options.seed)
        return EpochOrder(sampleCount: data.train.count, batchSize: options.batchSize, dropLast: options.dropLast, seed: options.seed).batchCount
    }

    /// Regression losses and binary cross-entropy compare with values; the categorical
    /// losses with class numbers.
    static func labelMode(_ spec: ModelSpec) -> LabelMode {
        switch spec.loss?.kind.name {
        case "categorical_crossentropy", "sparse_categorical_crossentropy": .classes
        default: .values
        }
    }

    /// How targets are written for the loss, and the preprocessing the spec declares.
    static func preprocessingSpec(_ spec: ModelSpec, graph: Graph) -> Preprocessing {
        let pre = spec.data?.record("preprocess")
        let units = graph[graph.output!].shape!.channels
        let classes = pre?.int("classes") ?? units
        let targets: TargetEncoding = switch spec.loss?.kind.name {
        case "categorical_crossentropy": .oneHot(classes: classes)
        case "sparse_categorical_crossentropy": .sparse(classes: classes)
        default: .values
        }
        return Preprocessing(scale: pre?.double("scale").map(Float.init), standardize: pre?.bool("standardize") ?? false,
                             inputShape: pre?.ints("reshape") ?? spec.input ?? [], targets: targets)
    }

    static func augmentation(_ data: RecordValue) -> Augmentation {
        guard let a = data.record("augment") else { return .none }
        return Augmentation(shift: a.int("shift") ?? 0, flip: Augmentation.Flip(rawValue: a.string("flip") ?? "none") ?? .none)
    }

    /// A split's source, with paths resolved against the model file's folder.
    static func source(_ set: RecordValue, _ spec: ModelSpec) -> DatasetSource {
        let base = spec.file.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        func path(_ key: String) -> String {
            let p = set.string(key) ?? ""
            return p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p
        }
        switch DataFormat.of(set) {
        case "csv":
            let delimiter = set.string("delimiter")?.first ?? ","
            return .csv(CSVOptions(path: path("path"), labelColumn: set.int("label_column") ?? 0, header: set.bool("header") ?? false,
                                   delimiter: delimiter, featureColumns: set.ints("feature_columns")))
        case "npy":
            return .npy(images: path("images"), labels: path("labels"))
        default:
            return .idx(images: path("images"), labels: path("labels"))
        }
    }
}
