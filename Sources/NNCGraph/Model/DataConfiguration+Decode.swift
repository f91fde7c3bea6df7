import NNCDiagnostics
import NNCSpec

extension DataConfiguration {
    /// The spec's `data:` section typed (a missing section or part reads as the registry's defaults).
    init(decoding data: RecordValue) {
        train = data.record("train").flatMap(Split.init(decoding:))
        validation = data.record("validation").flatMap(Split.init(decoding:))
        test = data.record("test").flatMap(Split.init(decoding:))
        testSplit = data.number("test_split")
        preprocess = Preprocess(decoding: data.record("preprocess") ?? .defaults(Registry.preprocessSection))
        augment = Augment(decoding: data.record("augment") ?? .defaults(Registry.augmentSection))
    }

    /// The format of a split as written: stated, inferred from its file names (`.csv`,
    /// `.npy`, else IDX), or `generate`; nil when the split names no files.
    enum Format: String {
        case idx, csv, npy, tokens, text, trees, generate
        case imageFolder = "image_folder"
        case cifar10, cifar100

        init?(of set: RecordValue) {
            if set.has("generate") {
                self = .generate
                return
            }
            if let stated = set.string("format").flatMap(Format.init(rawValue:)) {
                self = stated
                return
            }
            if let path = set.string("path"), path.hasSuffix(".csv") {
                self = .csv
                return
            }
            let files = [set.string("images"), set.string("labels")].compactMap { $0 }
            if files.contains(where: { $0.hasSuffix(".npy") }) {
                self = .npy
                return
            }
            if set.has("images"), !set.has("labels") {
                self = .imageFolder
                return
            }
            if !files.isEmpty {
                self = .idx
                return
            }
            guard set.has("path") else { return nil }
            self = .csv
        }

        /// The keys the format needs, and the keys that belong to other formats.
        var keys: (needed: [String], foreign: [String]) {
            let csv = ["label_column", "feature_columns", "header", "delimiter"]
            let sequences = ["padding", "truncating", "pad_id"]
            let images = ["resize", "label_mode"]
            return switch self {
            case .csv: (["path"], ["images", "labels"] + sequences + images)
            case .tokens: (["path"], ["images", "labels"] + csv + images)
            case .text: (["path"], ["images", "labels", "pad_id"] + csv + images)
            case .trees: (["path"], ["images", "labels"] + csv + sequences + images)
            case .generate: ([], ["format", "images", "labels", "path"] + csv + sequences + images)
            case .idx, .npy: (["images", "labels"], ["path"] + csv + sequences + images)
            case .imageFolder: (["images"], ["labels", "path", "label_mode"] + csv + sequences)
            case .cifar10: (["path"], ["images", "labels", "resize", "label_mode"] + csv + sequences)
            case .cifar100: (["path"], ["images", "labels", "resize"] + csv + sequences)
            }
        }
    }
}

extension DataConfiguration.Split {
    /// Nil when the split names no files, or lacks one its format needs (the checker reports both).
    init?(decoding set: RecordValue) {
        guard let source = DataConfiguration.Source(decoding: set) else { return nil }
        let task = set.valueLocation("generate")
        self.init(
            source: source,
            inputsLocation: set.valueLocation("images") ?? set.valueLocation("path") ?? task ?? set.location,
            labelsLocation: set.valueLocation("labels") ?? set.valueLocation("path") ?? task ?? set.location)
    }
}

extension DataConfiguration.Source {
    init?(decoding set: RecordValue) {
        guard let format = DataConfiguration.Format(of: set) else { return nil }
        switch format {
        case .idx, .npy:
            guard let images = set.string("images"), let labels = set.string("labels") else { return nil }
            self = format == .idx ? .idx(images: images, labels: labels) : .npy(images: images, labels: labels)
        case .csv:
            guard let path = set.string("path") else { return nil }
            let columns = set.list("feature_columns")?.compactMap { v -> Int? in
                if case .int(let i) = v.value { i } else { nil }
            }
            self = .csv(
                path: path,
                DataConfiguration.CSVLayout(
                    labelColumn: set.integer("label_column"), featureColumns: columns,
                    header: set.flag("header"), delimiter: set.text("delimiter")))
        case .tokens, .text:
            guard let path = set.string("path") else { return nil }
            let layout = DataConfiguration.SequenceLayout(
                padding: set.choice("padding"), truncating: set.choice("truncating"),
                paddingID: set.integer("pad_id"))
            self = format == .tokens ? .tokens(path: path, layout) : .text(path: path, layout)
        case .trees:
            guard let path = set.string("path") else { return nil }
            self = .trees(path: path)
        case .generate:
            guard let task = set.component("generate") else { return nil }
            self = .generated(DataConfiguration.GeneratedTask(decoding: task))
        case .imageFolder:
            guard let path = set.string("images") else { return nil }
            self = .imageFolder(path: path, resize: set.choice("resize"))
        case .cifar10, .cifar100:
            guard let path = set.string("path") else { return nil }
            self = .cifar(path: path, fineLabels: format == .cifar10 ? nil : set.string("label_mode") != "coarse")
        }
    }
}

extension DataConfiguration.GeneratedTask {
    init(decoding c: ComponentSpec) {
        let kind: Kind =
            switch c.kind.name {
            case "adding": .adding
            case "copy": .copy(symbols: c.integer("symbols"), remember: c.integer("remember"))
            case "reverse": .reverse(symbols: c.integer("symbols"))
            default: preconditionFailure("sequence task '\(c.kind.name)' has no case")
            }
        self.init(kind: kind, length: c.integer("length"), samples: c.integer("samples"), seed: c.int("seed"))
    }
}

extension DataConfiguration.Preprocess {
    init(decoding p: RecordValue) {
        self.init(
            scale: p.double("scale"), standardize: p.flag("standardize"), oneHot: p.flag("one_hot"),
            classes: p.int("classes"), reshape: p.ints("reshape"))
    }
}

extension DataConfiguration.Augment {
    init(decoding a: RecordValue) {
        self.init(shift: a.integer("shift"), flip: a.choice("flip"))
    }
}
