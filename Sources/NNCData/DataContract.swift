import NNCDiagnostics

/// What a model needs of its data: the input every sample fills and the targets its loss
/// compares with the output, taken from the checked graph and the loss (the driver builds
/// it; NNCData knows nothing of specs). Every data set is compared with it before a batch
/// is filled (`problems(with:)`), from what the files' headers declare for `nnc check` and
/// from what was read for `train`, `eval` and `predict`: a mismatch is a located error,
/// never a write past a buffer or training on misaligned targets.
public struct DataContract: Sendable, Equatable {
    /// How the loss reads its targets.
    public enum TargetKind: Sendable, Equatable {
        /// Class numbers in 0..<classes, one per output row (sparse categorical cross-entropy).
        case classNumbers
        /// Class numbers written as one-hot vectors, one per output row (categorical
        /// cross-entropy with `one_hot: true`).
        case oneHot
        /// Probabilities in [0, 1], one per output value (binary cross-entropy).
        case probabilities
        /// Real values, one per output value (regression losses).
        case values
        /// No targets (prediction).
        case none
    }

    /// The model's per-sample input shape.
    public var input: [Int]
    /// The shape each sample is reshaped to before it fills the input (`data.preprocess.reshape`).
    public var sampleShape: [Int]
    /// Token ids below this feed the input (its first layer is an embedding); nil: real values.
    public var vocabulary: Int?
    /// The output's per-sample shape and name.
    public var output: [Int]
    public var outputName: String
    public var targets: TargetKind
    /// The loss as messages name it ("sparse categorical cross-entropy", "mse").
    public var lossName: String

    public init(
        input: [Int], sampleShape: [Int]? = nil, vocabulary: Int? = nil, output: [Int], outputName: String,
        targets: TargetKind, lossName: String
    ) {
        self.input = input
        self.sampleShape = sampleShape ?? input
        self.vocabulary = vocabulary
        self.output = output
        self.outputName = outputName
        self.targets = targets
        self.lossName = lossName
    }

    /// The output's classes: its last axis.
    public var classes: Int { output.last ?? 1 }
    /// Output rows per sample: one class number each for the class losses ([T, classes]: T).
    public var rows: Int { output.dropLast().reduce(1, *) }
    /// Labels per sample the loss compares with the output.
    public var labelsPerSample: Int {
        switch targets {
        case .classNumbers, .oneHot: rows
        case .probabilities, .values: output.reduce(1, *)
        case .none: 0
        }
    }

    /// Elements per sample of the plan's target buffer.
    public var targetWidth: Int {
        switch targets {
        case .classNumbers: rows
        case .oneHot, .probabilities, .values: output.reduce(1, *)
        case .none: 0
        }
    }

    /// "[B, 28, 10]".
    var outputShape: String { "[" + (["B"] + output.map(String.init)).joined(separator: ", ") + "]" }
    static func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
}

/// A data set as far as it is known: from a file's header (`nnc check`) or from what was
/// read. Labels themselves are known when they were read (always after reading; for
/// `check`, when the label file is small).
public struct DataSummary: Sendable {
    /// The files the inputs and labels come from.
    public var inputFile: String
    public var labelFile: String
    /// One sample's shape as the file has it ([28, 28] for IDX MNIST, [64] for a CSV of
    /// 64 features); nil when the header does not say.
    public var sampleShape: [Int]?
    public var inputKind: InputKind
    /// One sample's labels as the file shapes them ([] for one label per sample); nil
    /// when there are no labels or the header does not say.
    public var labelShape: [Int]?
    /// The labels, when read.
    var targets: Targets?
    var origin: DataOrigin?
    var records: [Int32] = []

    public init(
        inputFile: String, labelFile: String, sampleShape: [Int]?, inputKind: InputKind = .real, labelShape: [Int]?
    ) {
        self.inputFile = inputFile
        self.labelFile = labelFile
        self.sampleShape = sampleShape
        self.inputKind = inputKind
        self.labelShape = labelShape
    }
}

extension RawDataset {
    /// Everything known about these samples, for `DataContract.problems(with:)`.
    public var summary: DataSummary {
        var summary = DataSummary(
            inputFile: inputName, labelFile: name, sampleShape: sampleShape, inputKind: inputKind,
            labelShape: targets == .none ? nil : labelShape)
        summary.targets = targets == .none ? nil : targets
        summary.origin = origin
        summary.records = records
        return summary
    }
}

extension DataContract {
    /// Every way `data` does not fit the model, as located errors: the samples' size
    /// against the input, the labels' shape against the output and loss (E0508), and the
    /// labels' values against the loss's range (E0503). `inputsAt` and `labelsAt` are where
    /// the spec names the files (its `data:` lines): shape problems point there, naming the
    /// file; without them (a file given on the command line) they point at the file. A bad
    /// label points at its record in a text file.
    public func problems(with data: DataSummary, inputsAt: SourceLocation? = nil, labelsAt: SourceLocation? = nil)
        -> [Diagnostic]
    {
        var found: [Diagnostic] = []
        if let problem = inputProblem(data, inputsAt) { found.append(problem) }
        guard targets != .none, let labelShape = data.labelShape else { return found }
        let perSample = NumericArray.product(labelShape, 1) ?? Int.max
        if perSample != labelsPerSample {
            found.append(labelShapeProblem(data, perSample: perSample, labelsAt))
        } else if let labels = data.targets, let problem = labelValueProblem(labels, data, labelsAt) {
            found.append(problem)
        }
        return found
    }

    /// The problem with a prepared data set whose layout differs from what the model's
    /// buffers hold (another input size or kind, another target width or number of
    /// classes), or nil. Data sets prepared from checked data always fit; this guards data
    /// sets made another way before a trainer or evaluator fills a batch from them.
    public func problem(with dataset: Dataset) -> Diagnostic? {
        let inputFits =
            switch dataset.input {
            case .tokenIDs: vocabulary != nil
            case .real, .oneHotTokens: vocabulary == nil
            }
        let classesFit =
            switch (dataset.encoding, targets) {
            case (.sparse(let n), .classNumbers), (.oneHot(let n), .oneHot): n == classes
            case (.values, .values), (.values, .probabilities), (_, .none): true
            case (.none, _), (.sparse, _), (.oneHot, _), (.values, _): dataset.targetWidth == 0
            }
        let targetsFit = targets == .none || dataset.targetWidth == 0 || dataset.targetWidth == targetWidth
        guard !(inputFits && classesFit && targetsFit && dataset.inputWidth == input.reduce(1, *)) else { return nil }
        return .error(
            .dataSizeMismatch,
            "prepared samples fill the model's buffers exactly; '\(dataset.name)' has \(dataset.inputWidth) input values (\(dataset.input)) and \(dataset.targetWidth) target values (\(dataset.encoding)) per sample, and the model takes \(input.reduce(1, *)) input values\(vocabulary.map { " (token ids below \($0))" } ?? "") and \(targetWidth) target values (\(lossName) on \(outputShape))",
            at: .file(dataset.name),
            help: "prepare the data for this model (its data section and preprocessing), or run `nnc check` on it")
    }

    /// The location of a data problem: the spec's data line, or the file.
    private func location(_ declaredAt: SourceLocation?, file: String) -> SourceLocation {
        declaredAt ?? .file(file)
    }

    private func inputProblem(_ data: DataSummary, _ declaredAt: SourceLocation?) -> Diagnostic? {
        guard let shape = data.sampleShape else { return nil }
        let have = NumericArray.product(shape, 1)
        let want = sampleShape.reduce(1, *)
        let target = Self.shape(sampleShape)
        let described = Self.shape(shape)
        let at = location(declaredAt, file: data.inputFile)
        if case .tokens(let ids) = data.inputKind {
            if vocabulary != nil, have == want { return nil }
            if vocabulary == nil, sampleShape == shape + [ids] { return nil }
            if vocabulary == nil {
                return .error(
                    .dataSizeMismatch,
                    "token ids feed an embedding layer (input [T]) or one-hot vectors (input [T, \(ids)]); the model's input \(target) reads real values and '\(data.inputFile)' holds token ids \(described)",
                    at: at,
                    help:
                        "start the model with an embedding layer (input_dim: \(ids)), or set the input to \(Self.shape(shape + [ids]))"
                )
            }
        } else if have == want {
            return nil
        }
        return .error(
            .dataSizeMismatch,
            "samples must hold as many values as the model's input \(target) (\(want)); the samples of '\(data.inputFile)' are \(described) (\(have.map { String($0) } ?? "too many") values)",
            at: at, help: "set the model's input to \(described), or reshape inside the model")
    }

    private func labelShapeProblem(_ data: DataSummary, perSample: Int, _ declaredAt: SourceLocation?) -> Diagnostic {
        let at = location(declaredAt, file: data.labelFile)
        let file = "'\(data.labelFile)'"
        let holds =
            "\(file) holds \(perSample) label\(perSample == 1 ? "" : "s") per sample"
            + (data.labelShape!.count > 1 ? " (each \(Self.shape(data.labelShape!)))" : "")
        let described = "'\(outputName)' \(outputShape)"
        switch targets {
        case .classNumbers, .oneHot:
            let wants =
                rows == 1 ? "one class number per sample" : "one class number per output row (\(rows) per sample)"
            var help: String
            var notes: [String] = []
            if rows > 1 && perSample == 1 {
                help =
                    "for one class per sample the output must be [B, \(classes)]: add `- flatten` (or a global pooling layer) before the dense layers, which act on the last axis only, or end a recurrent stack with return_sequences: false"
                notes = [
                    "\(described) holds \(rows) rows of \(classes) scores: layers such as dense keep the leading axes of their input (the model's input is \(Self.shape(input)))"
                ]
            } else if perSample == classes {
                help =
                    "the labels look one-hot (\(classes) values per sample): save class numbers instead, e.g. numpy.save(path, y.argmax(axis=1))"
            } else {
                help =
                    "give the labels \(rows == 1 ? "one class number per sample" : "\(rows) class numbers per sample"), or change the output to \(perSample == 1 ? "[B, \(classes)]" : "[B, \(perSample), \(classes)]")"
            }
            return .error(
                .labelMismatch, "\(lossName) compares \(wants) with the output \(described); \(holds)", at: at,
                notes: notes, help: help)
        case .probabilities, .values:
            let values = labelsPerSample
            let help =
                perSample == 1 && values > 1 && output.count == 1
                ? "for one class number per sample use a softmax output with sparse_categorical_crossentropy; for one value per sample give '\(outputName)' 1 unit"
                : "give '\(outputName)' \(perSample) unit\(perSample == 1 ? "" : "s") (an output of \(perSample) value\(perSample == 1 ? "" : "s") per sample), or use labels of \(values) value\(values == 1 ? "" : "s") per sample"
            return .error(
                .labelMismatch,
                "\(lossName) compares one target with each output value, \(values) per sample for the output \(described); \(holds)",
                at: at, help: help)
        case .none:
            return .error(.labelMismatch, "a model without a loss compares no labels; \(holds)", at: at)
        }
    }

    private func labelValueProblem(_ labels: NNCData.Targets, _ data: DataSummary, _ declaredAt: SourceLocation?)
        -> Diagnostic?
    {
        guard let origin = data.origin else { return nil }
        func locate(_ index: Int, perSample: Int) -> (SourceLocation, String) {
            let record = data.records.isEmpty ? index / perSample : Int(data.records[index / perSample])
            let (location, name) = origin.label(of: record, element: index % perSample, perSample: perSample)
            return (location.isKnown ? location : (declaredAt ?? location), name)
        }
        switch (targets, labels) {
        case (.classNumbers, .classes(let values, let perSample)), (.oneHot, .classes(let values, let perSample)):
            return Self.classRangeProblem(
                values, perSample: perSample, classes: classes, name: data.labelFile, locate: locate)
        case (.probabilities, .values(let values, let width)):
            guard let bad = values.firstIndex(where: { !(0...1).contains($0) }) else { return nil }
            let (at, record) = locate(bad, perSample: width)
            let inFile = at.file?.path == data.labelFile
            let largest = values.max() ?? 0
            let whole = values.allSatisfy { $0 == $0.rounded() }
            let help =
                whole && largest >= 2 && largest < 1e6
                ? "the labels look like class numbers 0…\(Int(largest)): for \(Int(largest) + 1) classes use a softmax output of \(Int(largest) + 1) units with sparse_categorical_crossentropy"
                : "scale the targets into [0, 1], or use a regression loss (mse) for other values"
            return .error(
                .labelOutOfRange,
                "\(lossName) compares with probabilities in [0, 1]; \(record) of '\(data.labelFile)' holds \(Self.number(values[bad]))",
                at: at, label: inFile && at.isKnown ? "\(Self.number(values[bad]))" : "", help: help)
        case (.classNumbers, .values), (.oneHot, .values), (.probabilities, .classes), (.values, .classes):
            // Labels are read as the loss asks (class numbers for the class losses, values
            // otherwise), so these meet only through saved preprocessing of another loss.
            return .error(
                .labelMismatch,
                "\(lossName) needs \(targets == .classNumbers || targets == .oneHot ? "class numbers" : "real-valued targets"); the labels of '\(data.labelFile)' were read as \(targets == .classNumbers || targets == .oneHot ? "values" : "class numbers")",
                at: location(declaredAt, file: data.labelFile))
        case (_, .none), (.values, .values), (.none, _):
            return nil
        }
    }

    /// The error for the first class label of `labels` outside 0..<classes (nil: all fit).
    static func classRangeProblem(
        _ labels: [Int32], perSample: Int, classes: Int, name: String,
        locate: (Int, Int) -> (SourceLocation, String)
    ) -> Diagnostic? {
        guard let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) else { return nil }
        let (location, record) = locate(bad, perSample)
        let label = labels[bad]
        let largest = Int(labels.max() ?? 0)
        let help: String
        if labels.contains(0) {
            help =
                largest < 100_000
                ? "give the model \(largest + 1) output units, or relabel the data"
                : "class labels count the classes from 0; \(largest) is no class number of a \(classes)-class model: relabel the data"
        } else {
            help = "labels count from 0: subtract 1 from every label, or give the model one more output unit"
        }
        return .error(
            .labelOutOfRange,
            "class labels must lie in 0..<\(classes) (the model has \(classes) classes); \(record) of '\(name)' has label \(label)",
            at: location, label: location.isKnown && location.file?.path == name ? "label \(label)" : "", help: help)
    }

    /// 0.5, 9, 1e+30: a label as messages show it.
    static func number(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
