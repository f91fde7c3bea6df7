import Foundation
import NNCSpec

/// The format of one data split: explicit, inferred from its file names, or `generate`.
public enum DataFormat {
    public static func of(_ set: RecordValue) -> String? {
        if set.has("generate") { return "generate" }
        if let format = set.string("format") { return format }
        if let path = set.string("path"), path.hasSuffix(".csv") { return "csv" }
        let files = [set.string("images"), set.string("labels")].compactMap { $0 }
        if files.contains(where: { $0.hasSuffix(".npy") }) { return "npy" }
        if !files.isEmpty { return "idx" }
        return set.has("path") ? "csv" : nil
    }
}

/// Checks of the `data` section: each split names the files its format needs, the
/// validation data is given once, labels are encoded as the loss expects, and files exist.
extension TrainingChecker {
    mutating func checkData() {
        guard let data = spec.data else { return }
        for split in ["train", "validation", "test"] {
            if let set = data.record(split) { checkDataset(set, split: split) }
        }
        if let validation = data.record("validation"), let fraction = spec.train?.double("validation_split"), fraction > 0 {
            diagnostics.error(.conflictingKeys, "validation data is given once: either 'data.validation' or 'train.validation_split'",
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
        guard let pre = data.record("preprocess"), let shape = pre.ints("reshape"), let input = spec.input,
              let location = pre.valueLocation("reshape") else { return }
        let have = TensorShape.checkedProduct(shape), want = TensorShape.checkedProduct(input)
        guard have != want else { return }
        diagnostics.error(.reshapeSize, "data.preprocess.reshape must keep the model's input size; \(TensorShape(shape).perSample) holds \(have.map { $0.grouped } ?? "too many") values and the input \(TensorShape(input).perSample) \(want.map { $0.grouped } ?? "too many")",
                          at: location, labels: [DiagnosticLabel(spec.inputLocation, "input \(TensorShape(input).perSample)")],
                          help: "reshape to a shape of \(want.map { $0.grouped } ?? "the input's") values, or remove reshape")
    }

    /// Token ids (token and text files, the copy task) are not scaled, standardized or
    /// shifted: those act on real values and images.
    private mutating func checkTokenPreprocessing(_ data: RecordValue) {
        guard let train = data.record("train") else { return }
        let format = Self.format(of: train)
        guard format == "tokens" || format == "text" || train.component("generate")?.kind.name == "copy" else { return }
        let given = [("preprocess", ["scale", "standardize"]), ("augment", ["shift", "flip"])].flatMap { section, keys in
            keys.compactMap { key in data.record(section).flatMap { $0.isExplicit(key) ? ($0, key) : nil } }
        }
        for (section, key) in given {
            diagnostics.error(.conflictingKeys, "'\(key)' applies to real-valued inputs and images, not to token ids", at: section.valueLocation(key) ?? section.location,
                              labels: [DiagnosticLabel(train.location, "the training data are token ids")], help: "remove '\(key)'")
        }
    }

    /// `test_split` holds test data out of the training file, so it excludes `data.test`,
    /// and together with `validation_split` it must leave training data.
    private mutating func checkTestSplit(_ data: RecordValue) {
        guard let fraction = data.double("test_split"), fraction > 0, let location = data.valueLocation("test_split") else { return }
        if let test = data.record("test") {
            diagnostics.error(.conflictingKeys, "test data is given once: either 'data.test' or 'data.test_split'", at: location,
                              labels: [DiagnosticLabel(test.location, "test data given here")],
                              help: "remove test_split, or remove data.test")
        } else if let validation = spec.train?.double("validation_split"), validation + fraction >= 1 {
            diagnostics.error(.outOfRange, "validation_split and test_split together must stay below 1 to leave training data; they add up to \(validation + fraction)",
                              at: location, labels: spec.train?.valueLocation("validation_split").map { [DiagnosticLabel($0, "validation_split")] } ?? [])
        }
    }

    static func format(of set: RecordValue) -> String? { DataFormat.of(set) }

    /// The keys each format needs, and the keys that belong to other formats.
    static func keys(of format: String) -> (needed: [String], foreign: [String]) {
        let csv = ["label_column", "feature_columns", "header", "delimiter"], sequences = ["padding", "truncating", "pad_id"]
        switch format {
        case "csv": return (["path"], ["images", "labels"] + sequences)
        case "tokens": return (["path"], ["images", "labels"] + csv)
        case "text": return (["path"], ["images", "labels", "pad_id"] + csv)
        case "generate": return ([], ["format", "images", "labels", "path"] + csv + sequences)
        default: return (["images", "labels"], ["path"] + csv + sequences)
        }
    }

    private mutating func checkDataset(_ set: RecordValue, split: String) {
        guard let format = Self.format(of: set) else {
            // A file or task given but invalid was reported where it stands.
            guard set.rejected.isDisjoint(with: ["format", "images", "labels", "path", "generate"]) else { return }
            diagnostics.error(.missingKey, "data.\(split) needs its files: 'images' and 'labels' (IDX or NPY), 'path' (CSV, tokens, text), or 'generate'",
                              at: set.location, help: "e.g. `\(split): {path: data/iris.csv}`")
            return
        }
        let (needed, foreign) = Self.keys(of: format)
        for key in needed where !set.has(key) {
            diagnostics.error(.missingKey, "data.\(split) in \(format) format needs '\(key)'", at: set.location,
                              help: needed == ["path"] ? "add `path: FILE`" : "add `images: FILE` and `labels: FILE`")
        }
        for key in foreign where set.isExplicit(key) {
            diagnostics.error(.conflictingKeys, format == "generate" ? "'\(key)' does not apply to generated data" : "'\(key)' does not apply to \(format) data",
                              at: set.valueLocation(key) ?? set.location,
                              help: format == "csv" ? "CSV data is one file: use 'path' and 'label_column'"
                                  : format == "generate" ? "generated data reads no file: remove '\(key)'"
                                  : ["idx", "npy"].contains(format) ? "set `format: csv` for a CSV file, or `format: tokens` or `text` for sequences"
                                  : "sequence files are `label<TAB>sequence` lines: remove '\(key)'")
        }
        if let delimiter = set.string("delimiter"), set.isExplicit("delimiter"), delimiter.count != 1 || !delimiter.first!.isASCII {
            diagnostics.error(.outOfRange, "a CSV delimiter is one ASCII character; got '\(delimiter)'", at: set.valueLocation("delimiter") ?? set.location,
                              help: "for tab-separated values write `delimiter: \"\\t\"`")
        }
        checkFilesExist(set, keys: needed)
    }

    /// Categorical cross-entropy compares with one-hot vectors; the sparse loss with integer
    /// labels. Data files hold integer labels, so `one_hot` must agree with the loss.
    private mutating func checkLabelEncoding(_ data: RecordValue) {
        guard let loss = spec.loss, data.record("train") != nil else { return }
        let oneHot = data.record("preprocess")?.bool("one_hot") ?? false
        let location = data.record("preprocess")?.valueLocation("one_hot")
        switch loss.kind.name {
        case "categorical_crossentropy" where !oneHot:
            diagnostics.error(.lossMismatch, "categorical cross-entropy compares with one-hot targets, but the data's labels are class numbers",
                              at: loss.location, help: "add `preprocess: {one_hot: true}` under data, or use sparse_categorical_crossentropy")
        case "sparse_categorical_crossentropy" where oneHot:
            diagnostics.error(.lossMismatch, "sparse categorical cross-entropy takes class numbers, but one_hot: true turns them into vectors",
                              at: location ?? loss.location, help: "remove one_hot, or use categorical_crossentropy")
        default:
            break
        }
    }

    /// `transfer:` names layers of this model and a weights file that exists (its tensors
    /// are matched when training starts).
    mutating func checkTransfer() {
        guard let transfer = spec.sections.record("transfer") else { return }
        let names = graph.nodes.dropFirst().map(\.name)
        for layer in transfer.names("layers") ?? [] where !names.contains(layer.name) {
            diagnostics.error(.unknownLayerName, "transfer initializes layers of this model; '\(layer.name)' is not one", at: layer.location,
                              help: Suggestions.closest(to: layer.name, in: names).map { "did you mean '\($0)'?" })
        }
        checkFilesExist(transfer, keys: ["weights"], what: "transfer weights")
    }

    private mutating func checkFilesExist(_ set: RecordValue, keys: [String], what: String = "data files") {
        guard let file = spec.file else { return }
        let base = (file.path as NSString).deletingLastPathComponent
        for key in keys {
            guard let path = set.string(key) else { continue }
            let full = path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
            if !FileManager.default.fileExists(atPath: full) {
                diagnostics.warning(.missingDataFile, "\(what) must exist to train; '\(path)' was not found",
                                    at: set.valueLocation(key) ?? set.location,
                                    notes: ["paths are relative to the model file: looked for \(full)"])
            }
        }
    }
}
