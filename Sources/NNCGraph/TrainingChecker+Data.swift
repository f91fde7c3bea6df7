import Foundation
import NNCSpec

/// The format of one data split: explicit, or inferred from its file names.
public enum DataFormat {
    public static func of(_ set: RecordValue) -> String? {
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
        checkLabelEncoding(data)
    }

    static func format(of set: RecordValue) -> String? { DataFormat.of(set) }

    private mutating func checkDataset(_ set: RecordValue, split: String) {
        guard let format = Self.format(of: set) else {
            diagnostics.error(.missingKey, "data.\(split) needs its files: 'images' and 'labels' (IDX or NPY) or 'path' (CSV)",
                              at: set.location, help: "e.g. `\(split): {path: data/iris.csv}`")
            return
        }
        let needed = format == "csv" ? ["path"] : ["images", "labels"]
        let foreign = format == "csv" ? ["images", "labels"] : ["path", "label_column", "header", "delimiter"]
        for key in needed where !set.has(key) {
            diagnostics.error(.missingKey, "data.\(split) in \(format) format needs '\(key)'", at: set.location,
                              help: format == "csv" ? "add `path: FILE.csv`" : "add `images: FILE` and `labels: FILE`")
        }
        for key in foreign where set.isExplicit(key) {
            diagnostics.error(.conflictingKeys, "'\(key)' does not apply to \(format) data", at: set.valueLocation(key) ?? set.location,
                              help: format == "csv" ? "CSV data is one file: use 'path' and 'label_column'" : "set `format: csv` for a CSV file")
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

    private mutating func checkFilesExist(_ set: RecordValue, keys: [String]) {
        guard let file = spec.file else { return }
        let base = (file.path as NSString).deletingLastPathComponent
        for key in keys {
            guard let path = set.string(key) else { continue }
            let full = path.hasPrefix("/") || base.isEmpty ? path : base + "/" + path
            if !FileManager.default.fileExists(atPath: full) {
                diagnostics.warning(.missingDataFile, "data files must exist to train; '\(path)' was not found",
                                    at: set.valueLocation(key) ?? set.location,
                                    notes: ["paths are relative to the model file: looked for \(full)"])
            }
        }
    }
}
