import Foundation
import NNCSpec

/// Checks of the `data` section: each split names the files its format needs, the
/// validation data is given once, labels are encoded as the loss expects, and files exist.
/// Which keys a split gives is read from the spec as written; the values from the typed
/// `DataConfiguration`.
extension TrainingChecker {
    mutating func checkData() {
        guard let data = spec.data else { return }
        for split in ["train", "validation", "test"] {
            if let set = data.record(split) { checkDataset(set, split: split) }
        }
        if let validation = data.record("validation"), graph.training.train.validationSplit > 0 {
            diagnostics.error(
                .conflictingKeys, "validation data is given once: either 'data.validation' or 'train.validation_split'",
                at: spec.train?.valueLocation("validation_split") ?? validation.location,
                labels: [DiagnosticLabel(validation.location, "validation data given here")],
                help: "remove validation_split, or remove data.validation")
        }
        checkTestSplit(data)
        checkTokenPreprocessing(data)
        checkLabelEncoding(data)
        checkReshape(data)
    }

    /// `preprocess.reshape` gives samples the shape they fill the input with, so it must hold
    /// as many values as the model's input (a batch row is exactly one input).
    private mutating func checkReshape(_ data: RecordValue) {
        guard let shape = graph.training.data.preprocess.reshape, let input = spec.input,
            let location = data.record("preprocess")?.valueLocation("reshape")
        else { return }
        let have = TensorShape.checkedProduct(shape)
        let want = TensorShape.checkedProduct(input)
        guard have != want else { return }
        diagnostics.error(
            .reshapeSize,
            "data.preprocess.reshape must keep the model's input size; \(TensorShape(shape).perSample) holds \(have.map { $0.grouped } ?? "too many") values and the input \(TensorShape(input).perSample) \(want.map { $0.grouped } ?? "too many")",
            at: location, labels: [DiagnosticLabel(spec.inputLocation, "input \(TensorShape(input).perSample)")],
            help: "reshape to a shape of \(want.map { $0.grouped } ?? "the input's") values, or remove reshape")
    }

    /// Token ids (token and text files, the copy task) and tree rows (ids and child rows)
    /// are not scaled, standardized or shifted: those act on real values and images.
    private mutating func checkTokenPreprocessing(_ data: RecordValue) {
        guard let train = data.record("train"), let format = DataConfiguration.Format(of: train) else { return }
        let tokenIDs = graph.training.data.train?.source.isTokenIDs == true
        let what: String? =
            switch format {
            case .tokens, .text: "token ids"
            case .trees: "tree rows"
            case .generate: tokenIDs ? "token ids" : nil
            case .idx, .csv, .npy, .imageFolder, .cifar10, .cifar100: nil
            }
        guard let what else { return }
        let given = [("preprocess", ["scale", "standardize"]), ("augment", ["shift", "flip"])].flatMap {
            section, keys in
            keys.compactMap { key in data.record(section).flatMap { $0.isExplicit(key) ? ($0, key) : nil } }
        }
        for (section, key) in given {
            diagnostics.error(
                .conflictingKeys, "'\(key)' applies to real-valued inputs and images, not to \(what)",
                at: section.valueLocation(key) ?? section.location,
                labels: [DiagnosticLabel(train.location, "the training data are \(what)")], help: "remove '\(key)'")
        }
    }

    /// `test_split` holds test data out of the training file, so it excludes `data.test`,
    /// and together with `validation_split` it must leave training data.
    private mutating func checkTestSplit(_ data: RecordValue) {
        let fraction = graph.training.data.testSplit
        guard fraction > 0, let location = data.valueLocation("test_split") else { return }
        let validation = graph.training.train.validationSplit
        if let test = data.record("test") {
            diagnostics.error(
                .conflictingKeys, "test data is given once: either 'data.test' or 'data.test_split'", at: location,
                labels: [DiagnosticLabel(test.location, "test data given here")],
                help: "remove test_split, or remove data.test")
        } else if validation + fraction >= 1 {
            diagnostics.error(
                .outOfRange,
                "validation_split and test_split together must stay below 1 to leave training data; they add up to \(validation + fraction)",
                at: location,
                labels: spec.train?.valueLocation("validation_split").map { [DiagnosticLabel($0, "validation_split")] }
                    ?? [])
        }
    }

    private mutating func checkDataset(_ set: RecordValue, split: String) {
        guard let format = DataConfiguration.Format(of: set) else {
            // A file or task given but invalid was reported where it stands.
            guard set.rejected.isDisjoint(with: ["format", "images", "labels", "path", "generate"]) else { return }
            diagnostics.error(
                .missingKey,
                "data.\(split) needs its files: 'images' and 'labels' (IDX or NPY), 'path' (CSV, tokens, text, trees), or 'generate'",
                at: set.location, help: "e.g. `\(split): {path: data/iris.csv}`")
            return
        }
        let (needed, foreign) = format.keys
        for key in needed where !set.has(key) {
            diagnostics.error(
                .missingKey, "data.\(split) in \(format.rawValue) format needs '\(key)'", at: set.location,
                help: needed == ["path"]
                    ? "add `path: FILE`"
                    : needed == ["images"] ? "add `images: FOLDER`" : "add `images: FILE` and `labels: FILE`")
        }
        for key in foreign where set.isExplicit(key) {
            let help =
                switch format {
                case .csv: "CSV data is one file: use 'path' and 'label_column'"
                case .generate: "generated data reads no file: remove '\(key)'"
                case .idx, .npy: "set `format: csv` for a CSV file, or `format: tokens` or `text` for sequences"
                case .tokens, .text: "sequence files are `label<TAB>sequence` lines: remove '\(key)'"
                case .trees: "tree files are `label<TAB>tree` lines: remove '\(key)'"
                case .imageFolder: "an image folder's labels are its subfolders: remove '\(key)'"
                case .cifar10, .cifar100: "a CIFAR file holds images and labels: give it as 'path'"
                }
            diagnostics.error(
                .conflictingKeys,
                format == .generate
                    ? "'\(key)' does not apply to generated data"
                    : "'\(key)' does not apply to \(format.rawValue) data",
                at: set.valueLocation(key) ?? set.location, help: help)
        }
        // Any split may state a delimiter (a foreign key for all but CSV): it is read as written.
        if let delimiter = set.string("delimiter"), set.isExplicit("delimiter"),
            delimiter.count != 1 || !delimiter.first!.isASCII
        {
            diagnostics.error(
                .outOfRange, "a CSV delimiter is one ASCII character; got '\(delimiter)'",
                at: set.valueLocation("delimiter") ?? set.location,
                help: "for tab-separated values write `delimiter: \"\\t\"`")
        }
        if format == .imageFolder { checkImageInput(set) }
        if format == .trees { checkTreeInput(set) }
        checkFilesExist(set, keys: needed)
    }

    /// Images are read at the model's input size, so the input must be [height, width,
    /// channels] with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
    private mutating func checkImageInput(_ set: RecordValue) {
        guard let input = spec.input, input.count != 3 || ![1, 3, 4].contains(input[2]) else { return }
        diagnostics.error(
            .inputRank,
            "an image folder feeds a model whose input is [height, width, channels] with 1, 3 or 4 channels; the input is \(TensorShape(input).perSample)",
            at: set.valueLocation("images") ?? set.location,
            labels: [DiagnosticLabel(spec.inputLocation, "input \(TensorShape(input).perSample)")],
            help: "declare the input as the images are, e.g. `input: [28, 28, 1]`, and flatten inside the model")
    }

    /// Trees are read one node per row of [token id, child row …], so the input must be
    /// [nodes, 1 + max children] with room for at least one child.
    private mutating func checkTreeInput(_ set: RecordValue) {
        guard let input = spec.input, input.count != 2 || input[1] < 2 else { return }
        diagnostics.error(
            .inputRank,
            "trees feed a model whose input is [nodes, 1 + max children], the second size at least 2; the input is \(TensorShape(input).perSample)",
            at: set.valueLocation("path") ?? set.location,
            labels: [DiagnosticLabel(spec.inputLocation, "input \(TensorShape(input).perSample)")],
            help:
                "declare one row per node, each its token id and child rows, e.g. `input: [11, 3]` for binary trees of up to 11 nodes"
        )
    }

    /// Categorical cross-entropy compares with one-hot vectors; the sparse loss with integer
    /// labels. Data files hold integer labels, so `one_hot` must agree with the loss.
    private mutating func checkLabelEncoding(_ data: RecordValue) {
        guard let loss = graph.training.loss, let written = spec.loss, data.record("train") != nil else { return }
        let oneHot = graph.training.data.preprocess.oneHot
        switch loss {
        case .categoricalCrossEntropy where !oneHot:
            diagnostics.error(
                .lossMismatch,
                "categorical cross-entropy compares with one-hot targets, but the data's labels are class numbers",
                at: written.location,
                help: "add `preprocess: {one_hot: true}` under data, or use sparse_categorical_crossentropy")
        case .sparseCategoricalCrossEntropy where oneHot:
            diagnostics.error(
                .lossMismatch,
                "sparse categorical cross-entropy takes class numbers, but one_hot: true turns them into vectors",
                at: data.record("preprocess")?.valueLocation("one_hot") ?? written.location,
                help: "remove one_hot, or use categorical_crossentropy")
        case .categoricalCrossEntropy, .sparseCategoricalCrossEntropy, .meanSquaredError, .sumOfSquares,
            .binaryCrossEntropy:
            break
        }
    }

    /// `transfer:` names layers of this model and a weights file that exists (its tensors
    /// are matched when training starts).
    mutating func checkTransfer() {
        guard let transfer = graph.training.transfer else { return }
        let names = graph.nodes.dropFirst().map(\.name)
        for layer in transfer.layers ?? [] where !names.contains(layer.name) {
            diagnostics.error(
                .unknownLayerName, "transfer initializes layers of this model; '\(layer.name)' is not one",
                at: layer.location,
                help: Suggestions.closest(to: layer.name, in: names).map { "did you mean '\($0)'?" })
        }
        checkFileExists(transfer.weights, at: transfer.weightsLocation, what: "transfer weights")
    }

    private mutating func checkFilesExist(_ set: RecordValue, keys: [String], what: String = "data files") {
        for key in keys {
            guard let path = set.string(key) else { continue }
            checkFileExists(path, at: set.valueLocation(key) ?? set.location, what: what)
        }
    }

    /// A file a spec names, relative to the model file's folder.
    private mutating func checkFileExists(_ path: String, at location: SourceLocation, what: String) {
        guard let file = spec.file else { return }
        let base = (file.path as NSString).deletingLastPathComponent
        let full = path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
        if !FileManager.default.fileExists(atPath: full) {
            diagnostics.warning(
                .missingDataFile, "\(what) must exist to train; '\(path)' was not found", at: location,
                notes: ["paths are relative to the model file: looked for \(full)"])
        }
    }
}

extension DataConfiguration.Source {
    /// Token ids: token and text files, and the copy task.
    var isTokenIDs: Bool {
        switch self {
        case .tokens, .text: true
        case .generated(let task):
            switch task.kind {
            case .adding: false
            case .copy, .reverse: true
            }
        case .idx, .npy, .csv, .trees, .imageFolder, .cifar: false
        }
    }
}
