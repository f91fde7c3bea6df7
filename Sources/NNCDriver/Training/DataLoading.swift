import Foundation
import NNCData
import NNCGraph
import NNCSpec

/// The spec's `data` section mapped onto NNCData: where each split comes from, how labels
/// are read (class numbers for cross-entropy, values for regression and binary
/// cross-entropy), the validation and test splits, and the preprocessing fitted on the
/// training split only. Every split is compared with the model (`DataContract`) as soon as
/// it is read, before anything is prepared or a batch filled.
public enum DataLoading {
    /// What the data is needed for, as the message for a spec without data says.
    public enum Purpose: String, Sendable { case training, evaluation, prediction }

    public static func load(_ spec: ModelSpec, graph: Graph, seed: UInt64, fitted: Preprocessing? = nil,
                            purpose: Purpose = .training) throws(TrainingFailure) -> TrainingData {
        guard let data = spec.data, data.record("train") != nil else { throw missingData(spec, purpose: purpose) }
        let mode = labelMode(graph.training.loss)
        let contract = contract(spec, graph: graph)
        let runSeed = UInt64(graph.training.train.seed)
        var vocabulary: CharacterVocabulary?
        func read(_ split: String) throws(TrainingFailure) -> RawDataset? {
            guard let set = data.record(split) else { return nil }
            var raw: RawDataset
            let source = source(set, spec, split: split, seed: runSeed, vocabulary: vocabulary)
            do throws(DataError) {
                raw = try DataReader.read(source, labels: mode)
                if let ids = contract.vocabulary { raw = try raw.asTokenIDs(vocabulary: ids) }
            } catch {
                throw TrainingFailure([DataCheck.relocated(error.diagnostic, source: source, set: set)])
            }
            let problems = contract.problems(with: raw.summary, inputsAt: inputsLocation(set), labelsAt: labelsLocation(set))
            guard problems.isEmpty else { throw TrainingFailure(problems) }
            // Text splits after the first use the training file's characters.
            if split == "train" { vocabulary = raw.vocabulary }
            return raw
        }
        let raw = try read("train")!
        let explicitValidation = try read("validation")
        let explicitTest = try read("test")
        do throws(DataError) {
            let validationFraction = explicitValidation == nil ? graph.training.train.validationSplit : 0
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

    /// The error for a spec without a `data` section (or without its `train` split), which
    /// only training, evaluation and prediction on the spec's data need. It points at the
    /// `data` section when there is one, else at the `train` settings, else at the file.
    static func missingData(_ spec: ModelSpec, purpose: Purpose) -> TrainingFailure {
        let file = spec.file.map { "'\($0.path)'" } ?? "the model"
        let what = spec.data == nil ? "\(file) has no 'data' section" : "its 'data' section has no 'train' split"
        let location = spec.data?.location ?? spec.train?.location ?? SourceLocation(file: spec.file, line: 0, column: 0)
        let example = "add the files to read, relative to the model file, e.g. `data: {train: {path: data/train.csv, label_column: 0}}` (CSV), or `{images: FILE, labels: FILE}` (IDX, NPY)"
        let help = switch purpose {
        case .training: example
        case .evaluation: "evaluation measures the weights on the spec's data: " + example
        case .prediction: "name a file of inputs: nnc predict \(spec.file?.path ?? "MODEL") --input FILE; or " + example
        }
        return TrainingFailure([Diagnostic.error(.missingKey, "\(purpose.rawValue) needs data, and \(what)", at: location,
                                                 label: spec.data == nil && spec.train != nil && purpose == .training ? "training settings, but nothing to train on" : "",
                                                 notes: ["check, summary and plan need no data; train, eval and predict without --input do"],
                                                 help: help)])
    }

    /// Where a split names its inputs and its labels, for messages about them.
    static func inputsLocation(_ set: RecordValue) -> SourceLocation {
        set.valueLocation("images") ?? set.valueLocation("path") ?? set.valueLocation("generate") ?? set.location
    }

    static func labelsLocation(_ set: RecordValue) -> SourceLocation {
        set.valueLocation("labels") ?? set.valueLocation("path") ?? set.valueLocation("generate") ?? set.location
    }

    /// Optimizer steps per epoch of the run `options` describes (reads the training data).
    public static func stepsPerEpoch(_ spec: ModelSpec, graph: Graph, options: TrainingOptions) throws(TrainingFailure) -> Int {
        let data = try load(spec, graph: graph, seed: options.seed)
        return EpochOrder(sampleCount: data.train.count, batchSize: options.batchSize, dropLast: options.dropLast, seed: options.seed).batchCount
    }

    /// Regression losses and binary cross-entropy compare with values; the categorical
    /// losses with class numbers.
    static func labelMode(_ loss: Loss?) -> LabelMode {
        switch loss {
        case .categoricalCrossEntropy?, .sparseCategoricalCrossEntropy?: .classes
        case .meanSquaredError?, .sumOfSquares?, .binaryCrossEntropy?, nil: .values
        }
    }

    /// What the checked model needs of its data: its input (and the reshape samples get),
    /// the vocabulary of an embedding reading the input, its output and how its loss reads
    /// targets.
    public static func contract(_ spec: ModelSpec, graph: Graph) -> DataContract {
        let output = graph[graph.output!]
        let targets: DataContract.TargetKind = switch graph.training.loss {
        case nil: .none
        case .sparseCategoricalCrossEntropy?: .classNumbers
        case .categoricalCrossEntropy?: .oneHot
        case .binaryCrossEntropy?: .probabilities
        case .meanSquaredError?, .sumOfSquares?: .values
        }
        let lossName = (graph.training.loss?.name ?? "no loss").replacingOccurrences(of: "_crossentropy", with: " cross-entropy")
            .replacingOccurrences(of: "_", with: " ")
        return DataContract(input: spec.input ?? [], sampleShape: spec.data?.record("preprocess")?.ints("reshape"),
                            vocabulary: embeddingVocabulary(spec, graph: graph), output: output.shape!.dims, outputName: output.name,
                            targets: targets, lossName: lossName)
    }

    /// The `input_dim` of the embedding that reads the model's input, if one does.
    static func embeddingVocabulary(_ spec: ModelSpec, graph: Graph) -> Int? {
        guard graph.nodes.first?.isInteger == true else { return nil }
        let reader = graph.nodes.first { $0.op.kind == .embedding && $0.inputs.contains(graph.nodes[0].id) }
        guard case .embedding(let embedding)? = reader?.op else { return nil }
        return embedding.inputDim
    }

    /// How targets are written for the loss, and the preprocessing the spec declares.
    static func preprocessingSpec(_ spec: ModelSpec, graph: Graph) -> Preprocessing {
        let pre = spec.data?.record("preprocess")
        let units = graph[graph.output!].shape!.channels
        let classes = pre?.int("classes") ?? units
        let targets: TargetEncoding = switch graph.training.loss {
        case .categoricalCrossEntropy?: .oneHot(classes: classes)
        case .sparseCategoricalCrossEntropy?: .sparse(classes: classes)
        case nil: .none
        case .meanSquaredError?, .sumOfSquares?, .binaryCrossEntropy?: .values
        }
        return Preprocessing(scale: pre?.double("scale").map(Float.init), standardize: pre?.bool("standardize") ?? false,
                             inputShape: pre?.ints("reshape") ?? spec.input ?? [], targets: targets)
    }

    static func augmentation(_ data: RecordValue) -> Augmentation {
        guard let a = data.record("augment") else { return .none }
        return Augmentation(shift: a.int("shift") ?? 0, flip: Augmentation.Flip(rawValue: a.string("flip") ?? "none") ?? .none)
    }

    /// A split's source, with paths resolved against the model file's folder. Sequence
    /// files take their length from the model's input and their id range from the embedding
    /// reading the input (or, for one-hot input [T, V], from V); a generated task's seed is
    /// its own or the run's, mixed with the split.
    static func source(_ set: RecordValue, _ spec: ModelSpec, split: String, seed: UInt64, vocabulary: CharacterVocabulary?) -> DatasetSource {
        let base = spec.file.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        func path(_ key: String) -> String {
            let p = set.string(key) ?? ""
            return p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p
        }
        func sequences() -> SequenceOptions {
            let embedding = spec.layers.first { $0.kind.name == "embedding" }?.component
            let oneHot = spec.input.flatMap { $0.count == 2 ? $0[1] : nil }
            return SequenceOptions(timesteps: spec.input?.first ?? 1, vocabularySize: embedding?.int("input_dim") ?? oneHot ?? Int(Int32.max),
                                   paddingID: Int32(clamping: set.int("pad_id") ?? 0),
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
