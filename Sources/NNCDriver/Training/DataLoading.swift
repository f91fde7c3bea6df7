import Foundation
import NNCData
import NNCGraph
import NNCSpec

/// The graph's typed `data` settings mapped onto NNCData: where each split comes from, how labels
/// are read (class numbers for cross-entropy, values for regression and binary
/// cross-entropy), the validation and test splits, and the preprocessing fitted on the
/// training split only. Every split is compared with the model (`DataContract`) as soon as
/// it is read, before anything is prepared or a batch filled.
public enum DataLoading {
    /// What the data is needed for, as the message for a spec without data says.
    public enum Purpose: String, Sendable { case training, evaluation, prediction }

    public static func load(
        _ spec: ModelSpec, graph: Graph, seed: UInt64, fitted: Preprocessing? = nil,
        purpose: Purpose = .training
    ) throws(TrainingFailure) -> TrainingData {
        let data = graph.training.data
        guard let train = data.train else { throw missingData(spec, purpose: purpose) }
        let mode = labelMode(graph.training.loss)
        let contract = contract(spec, graph: graph)
        let runSeed = UInt64(graph.training.train.seed)
        var vocabulary: CharacterVocabulary?
        var classNames: [String]?
        func read(_ split: DataConfiguration.Split?, name: String) throws(TrainingFailure) -> RawDataset? {
            guard let split else { return nil }
            var raw: RawDataset
            let source = source(
                split.source, spec, graph: graph, split: name, seed: runSeed, vocabulary: vocabulary,
                classNames: classNames)
            do throws(DataError) {
                raw = try DataReader.read(source, labels: mode)
                if let ids = contract.vocabulary { raw = try raw.asTokenIDs(vocabulary: ids) }
            } catch {
                throw TrainingFailure([DataCheck.relocated(error.diagnostic, source: source, split: split)])
            }
            let problems = contract.problems(
                with: raw.summary, inputsAt: split.inputsLocation, labelsAt: split.labelsLocation)
            guard problems.isEmpty else { throw TrainingFailure(problems) }
            // Text splits after the first use the training file's characters, image folders its classes.
            if name == "train" {
                vocabulary = raw.vocabulary
                classNames = raw.classNames
            }
            return raw
        }
        let raw = try read(train, name: "train")!
        let explicitValidation = try read(data.validation, name: "validation")
        let explicitTest = try read(data.test, name: "test")
        do throws(DataError) {
            let validationFraction = explicitValidation == nil ? graph.training.train.validationSplit : 0
            let testFraction = explicitTest == nil ? data.testSplit : 0
            let splits = try Splits(raw, validation: validationFraction, test: testFraction, seed: seed)
            var preprocessing = preprocessingSpec(spec, graph: graph)
            if let fitted { preprocessing = fitted } else { preprocessing = try preprocessing.fit(on: splits.train) }
            func prepare(_ raw: RawDataset?) throws(DataError) -> Dataset? {
                guard let raw else { return nil }
                return try preprocessing.apply(to: raw)
            }
            return TrainingData(
                train: try preprocessing.apply(to: splits.train),
                validation: try prepare(explicitValidation ?? splits.validation),
                test: try prepare(explicitTest ?? splits.test),
                preprocessing: preprocessing, augmentation: augmentation(data.augment))
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
        let location =
            spec.data?.location ?? spec.train?.location ?? SourceLocation(file: spec.file, line: 0, column: 0)
        let example =
            "add the files to read, relative to the model file, e.g. `data: {train: {path: data/train.csv, label_column: 0}}` (CSV), or `{images: FILE, labels: FILE}` (IDX, NPY)"
        let help =
            switch purpose {
            case .training: example
            case .evaluation: "evaluation measures the weights on the spec's data: " + example
            case .prediction:
                "name a file of inputs: nnc predict \(spec.file?.path ?? "MODEL") --input FILE; or " + example
            }
        return TrainingFailure([
            Diagnostic.error(
                .missingKey, "\(purpose.rawValue) needs data, and \(what)", at: location,
                label: spec.data == nil && spec.train != nil && purpose == .training
                    ? "training settings, but nothing to train on" : "",
                notes: ["check, summary and plan need no data; train, eval and predict without --input do"],
                help: help)
        ])
    }

    /// Optimizer steps per epoch of the run `options` describes (reads the training data).
    public static func stepsPerEpoch(_ spec: ModelSpec, graph: Graph, options: TrainingOptions) throws(TrainingFailure)
        -> Int
    {
        stepsPerEpoch(samples: try trainingSamples(spec, graph: graph, options: options), options: options)
    }

    /// Optimizer steps of the first epoch over `samples` training samples.
    public static func stepsPerEpoch(samples: Int, options: TrainingOptions) -> Int {
        EpochOrder(sampleCount: samples, batchSize: options.batchSize, dropLast: options.dropLast, seed: options.seed)
            .batchCount
    }

    /// Training samples of the run `options` describes (after validation_split; reads the data).
    public static func trainingSamples(_ spec: ModelSpec, graph: Graph, options: TrainingOptions)
        throws(TrainingFailure) -> Int
    {
        try load(spec, graph: graph, seed: options.seed).train.count
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
        let targets: DataContract.TargetKind =
            switch graph.training.loss {
            case nil: .none
            case .sparseCategoricalCrossEntropy?: .classNumbers
            case .categoricalCrossEntropy?: .oneHot
            case .binaryCrossEntropy?: .probabilities
            case .meanSquaredError?, .sumOfSquares?: .values
            }
        return DataContract(
            input: spec.input ?? [], sampleShape: graph.training.data.preprocess.reshape,
            vocabulary: embeddingVocabulary(graph), output: output.shape!.dims, outputName: output.name,
            targets: targets, lossName: graph.training.loss?.phrase ?? "no loss")
    }

    /// The `input_dim` of the embedding that reads the model's input, if one does.
    static func embeddingVocabulary(_ graph: Graph) -> Int? {
        guard graph.nodes.first?.isInteger == true else { return nil }
        let reader = graph.nodes.first { $0.op.kind == .embedding && $0.inputs.contains(graph.nodes[0].id) }
        guard case .embedding(let embedding)? = reader?.op else { return nil }
        return embedding.inputDim
    }

    /// The input_dim of the tree_lstm reading the input (the smallest, when several do).
    static func treeVocabulary(_ graph: Graph) -> Int? {
        graph.nodes.compactMap { node -> Int? in
            guard case .treeLSTM(let t) = node.op, node.inputs.contains(graph.nodes[0].id) else { return nil }
            return t.inputDim
        }.min()
    }

    /// How targets are written for the loss, and the preprocessing the spec declares.
    static func preprocessingSpec(_ spec: ModelSpec, graph: Graph) -> Preprocessing {
        let pre = graph.training.data.preprocess
        // Without `classes`, one class per output unit.
        let classes = pre.classes ?? graph[graph.output!].shape!.channels
        let targets: TargetEncoding =
            switch graph.training.loss {
            case .categoricalCrossEntropy?: .oneHot(classes: classes)
            case .sparseCategoricalCrossEntropy?: .sparse(classes: classes)
            case nil: .none
            case .meanSquaredError?, .sumOfSquares?, .binaryCrossEntropy?: .values
            }
        // Without `reshape`, samples keep the model's input shape.
        return Preprocessing(
            scale: pre.scale.map(Float.init), standardize: pre.standardize,
            inputShape: pre.reshape ?? spec.input ?? [], targets: targets)
    }

    /// The spec's augmentation as the batch filler's.
    static func augmentation(_ augment: DataConfiguration.Augment) -> Augmentation {
        let flip: Augmentation.Flip =
            switch augment.flip {
            case .none: .none
            case .horizontal: .horizontal
            case .vertical: .vertical
            case .both: .both
            }
        return Augmentation(shift: augment.shift, flip: flip)
    }

    /// A split's source, with paths resolved against the model file's folder. Sequence
    /// files take their length from the model's input and their id range from the embedding
    /// reading the input (every embedding does; or, for one-hot input [T, V], from V); tree
    /// files their rows and children from the input [N, 1 + K] and their id range from the
    /// tree_lstm reading it; a generated task's seed is its own or the run's, mixed with the split. Image folders are
    /// read at the model's input [height, width, channels], numbered by `classNames` when given
    /// (the training folder's).
    static func source(
        _ source: DataConfiguration.Source, _ spec: ModelSpec, graph: Graph, split: String, seed: UInt64,
        vocabulary: CharacterVocabulary?, classNames: [String]? = nil
    ) -> DatasetSource {
        let base = spec.file.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        func resolved(_ path: String) -> String {
            path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
        }
        func sequences(_ layout: DataConfiguration.SequenceLayout) -> SequenceOptions {
            let oneHot = spec.input.flatMap { $0.count == 2 ? $0[1] : nil }
            return SequenceOptions(
                timesteps: spec.input?.first ?? 1,
                vocabularySize: embeddingVocabulary(graph) ?? oneHot ?? Int(Int32.max),
                paddingID: Int32(clamping: layout.paddingID), padding: end(layout.padding),
                truncating: end(layout.truncating), vocabulary: vocabulary)
        }
        switch source {
        case .generated(let task):
            let taskSeed = task.seed.map(UInt64.init) ?? SequenceTask.seed(run: seed, split: split)
            let generated: SequenceTask =
                switch task.kind {
                case .adding: SequenceTask(.adding, length: task.length, samples: task.samples, seed: taskSeed)
                case .copy(let symbols, let remember):
                    SequenceTask(
                        .copy, length: task.length, samples: task.samples, seed: taskSeed, symbols: symbols,
                        remember: remember)
                case .reverse(let symbols):
                    SequenceTask(.reverse, length: task.length, samples: task.samples, seed: taskSeed, symbols: symbols)
                }
            return .generated(generated)
        case .csv(let path, let layout):
            // One ASCII character: the checker refuses any other delimiter.
            return .csv(
                CSVOptions(
                    path: resolved(path), labelColumn: layout.labelColumn, header: layout.header,
                    delimiter: Character(layout.delimiter), featureColumns: layout.featureColumns))
        case .npy(let images, let labels):
            return .npy(images: resolved(images), labels: resolved(labels))
        case .tokens(let path, let layout):
            return .tokens(path: resolved(path), sequences(layout))
        case .text(let path, let layout):
            return .text(path: resolved(path), sequences(layout))
        case .trees(let path):
            // The checker requires an input of [nodes, 1 + max children] for trees.
            let input = spec.input ?? []
            return .trees(
                path: resolved(path),
                TreeOptions(
                    nodes: input.first ?? 1, maxChildren: (input.count == 2 ? input[1] : 1) - 1,
                    vocabularySize: treeVocabulary(graph) ?? Int(Int32.max)))
        case .idx(let images, let labels):
            return .idx(images: resolved(images), labels: resolved(labels))
        case .imageFolder(let path, let resize):
            // The checker requires an input of [height, width, 1, 3 or 4] for image folders.
            let input = spec.input ?? []
            let shape = input.count == 3 ? input : [input.first ?? 1, 1, 1]
            return .imageFolder(
                ImageFolderOptions(
                    path: resolved(path), height: shape[0], width: shape[1], channels: shape[2],
                    resize: imageResize(resize), classNames: classNames))
        case .cifar(let path, let fineLabels):
            return .cifar(
                CIFAROptions(path: resolved(path), variant: fineLabels.map { .hundred(fine: $0) } ?? .ten))
        }
    }

    /// The spec's resizing as the reader's.
    static func imageResize(_ resize: DataConfiguration.ImageResize) -> ImageResize {
        switch resize {
        case .bilinear: .bilinear
        case .nearest: .nearest
        case .none: .none
        }
    }

    /// The spec's end of a sequence as the reader's.
    static func end(_ end: DataConfiguration.End) -> SequenceOptions.End {
        switch end {
        case .pre: .pre
        case .post: .post
        }
    }
}
