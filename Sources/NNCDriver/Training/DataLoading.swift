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
        guard let data = spec.data, data.record("train") != nil else {
            throw TrainingFailure([Diagnostic.error(.missingKey, "training needs data: a 'data' section with a 'train' split",
                                                    at: spec.data?.location ?? spec.inputLocation,
                                                    help: "e.g. `data: {train: {path: data/iris.csv}}` (paths are relative to the model file)")])
        }
        let mode = labelMode(spec)
        let runSeed = UInt64(spec.train?.int("seed") ?? 0)
        var vocabulary: CharacterVocabulary?
        func read(_ split: String) throws(DataError) -> RawDataset? {
            guard let set = data.record(split) else { return nil }
            let raw = try DataReader.read(source(set, spec, split: split, seed: runSeed, vocabulary: vocabulary), labels: mode)
            // Text splits after the first use the training file's characters.
            if split == "train" { vocabulary = raw.vocabulary }
            return raw
        }
        do throws(DataError) {
            let raw = try read("train")!
            let explicitValidation = try read("validation")
            let explicitTest = try read("test")
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

    /// A split's source, with paths resolved against the model file's folder. Sequence
    /// files take their length from the model's input and their id range from a first
    /// embedding layer; a generated task's seed is its own or the run's, mixed with the split.
    static func source(_ set: RecordValue, _ spec: ModelSpec, split: String, seed: UInt64, vocabulary: CharacterVocabulary?) -> DatasetSource {
        let base = spec.file.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        func path(_ key: String) -> String {
            let p = set.string(key) ?? ""
            return p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p
        }
        func sequences() -> SequenceOptions {
            let embedding = spec.layers.first { $0.kind.name == "embedding" }?.component
            return SequenceOptions(timesteps: spec.input?.first ?? 1, vocabularySize: embedding?.int("input_dim") ?? Int(Int32.max),
                                   paddingID: Int32(set.int("pad_id") ?? 0),
                                   padding: SequenceOptions.End(rawValue: set.string("padding") ?? "pre") ?? .pre,
                                   truncating: SequenceOptions.End(rawValue: set.string("truncating") ?? "pre") ?? .pre,
                                   vocabulary: vocabulary)
        }
        switch DataFormat.of(set) {
        case "generate":
            let task = set.component("generate")!
            let kind = SequenceTask.Kind(rawValue: task.kind.name) ?? .adding
            let taskSeed = task.int("seed").map(UInt64.init) ?? SequenceTask.seed(run: seed, split: split)
            return .generated(SequenceTask(kind, length: task.int("length") ?? 50, samples: task.int("samples") ?? 10_000, seed: taskSeed,
                                           symbols: task.int("symbols") ?? 8, remember: task.int("remember") ?? 10))
        case "csv":
            let delimiter = set.string("delimiter")?.first ?? ","
            let columns = set.list("feature_columns")?.compactMap { v -> Int? in if case .int(let i) = v.value { i } else { nil } }
            return .csv(CSVOptions(path: path("path"), labelColumn: set.int("label_column") ?? 0, header: set.bool("header") ?? false,
                                   delimiter: delimiter, featureColumns: columns))
        case "npy":
            return .npy(images: path("images"), labels: path("labels"))
        case "tokens":
            return .tokens(path: path("path"), sequences())
        case "text":
            return .text(path: path("path"), sequences())
        default:
            return .idx(images: path("images"), labels: path("labels"))
        }
    }
}
