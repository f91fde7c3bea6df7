/// Where one split's samples come from, as plain values (the driver maps a spec's
/// `data.train` etc. onto these; NNCData knows nothing of the spec language). Paths are
/// used as given: the caller resolves them against the model file's folder.
public enum DatasetSource: Sendable, Equatable {
    /// IDX images and labels (the MNIST format), each plain or gzip-compressed.
    case idx(images: String, labels: String)
    /// One CSV file holding the features and the label.
    case csv(CSVOptions)
    /// NPY arrays of inputs and labels (`<f4`, `<f8`, `|u1`, `<i4`, `<i8`, C order).
    case npy(images: String, labels: String)
    /// One token-id sequence per line: `label<TAB>id id id …` (see `SequenceOptions`).
    case tokens(path: String, SequenceOptions)
    /// One text per line: `label<TAB>text`, read character by character (see `CharacterVocabulary`).
    case text(path: String, SequenceOptions)
    /// One tree per line: `label<TAB>(id child …)` (see `TreeOptions`, `DataReader+Trees.swift`).
    case trees(path: String, TreeOptions)
    /// A synthetic sequence task, generated from its seed.
    case generated(SequenceTask)
    /// A folder of class subfolders of PNG images (`DataReader+ImageFolder.swift`).
    case imageFolder(ImageFolderOptions)
    /// A CIFAR-10 or CIFAR-100 binary batch file.
    case cifar(CIFAROptions)

    /// The file the labels come from (or the task's name), for messages.
    public var name: String {
        switch self {
        case .idx(_, let labels), .npy(_, let labels): labels
        case .csv(let options): options.path
        case .tokens(let path, _), .text(let path, _), .trees(let path, _): path
        case .generated(let task): "\(task.kind.rawValue) task"
        case .imageFolder(let options): options.path
        case .cifar(let options): options.path
        }
    }
}

/// How a CSV file is laid out. Every record must hold the same number of values; blank
/// lines are records too (and so errors), except after the last record.
public struct CSVOptions: Sendable, Equatable {
    public var path: String
    /// The label's column: 0 the first, negative counts from the end (-1: the last).
    public var labelColumn: Int
    /// The first line holds column names, not values.
    public var header: Bool
    /// The field separator: one ASCII character.
    public var delimiter: Character
    /// The feature columns, in this order (negative from the end); nil: every column but the label.
    public var featureColumns: [Int]?

    public init(
        path: String, labelColumn: Int = 0, header: Bool = false, delimiter: Character = ",",
        featureColumns: [Int]? = nil
    ) {
        self.path = path
        self.labelColumn = labelColumn
        self.header = header
        self.delimiter = delimiter
        self.featureColumns = featureColumns
    }
}

/// How token and text sequences become fixed-length samples of `timesteps` ids.
public struct SequenceOptions: Sendable, Equatable {
    /// Which end of a short sequence gets the padding, or of a long one loses ids.
    public enum End: String, Sendable, Codable, CaseIterable { case pre, post }

    /// Ids per sample (the model's input length T).
    public var timesteps: Int
    /// Token files: every id must be below this (the embedding's input size). Text files:
    /// ignored (the vocabulary decides).
    public var vocabularySize: Int
    /// The id short sequences are filled with (token files; text uses `CharacterVocabulary.padding`).
    public var paddingID: Int32
    /// `pre` (Keras's default): padding goes before the sequence, so it ends at the last step.
    public var padding: End
    /// `pre` (Keras's default): a long sequence keeps its last `timesteps` ids.
    public var truncating: End
    /// Text files: the character-to-id map of the training file; nil builds it from this file
    /// (do that for the training split only, then pass `Preprocessing.vocabulary`).
    public var vocabulary: CharacterVocabulary?

    public init(
        timesteps: Int, vocabularySize: Int = Int(Int32.max), paddingID: Int32 = 0, padding: End = .pre,
        truncating: End = .pre, vocabulary: CharacterVocabulary? = nil
    ) {
        self.timesteps = timesteps
        self.vocabularySize = vocabularySize
        self.paddingID = paddingID
        self.padding = padding
        self.truncating = truncating
        self.vocabulary = vocabulary
    }
}

/// How trees become samples of `nodes` rows of 1 + `maxChildren` values each (a
/// tree_lstm's input [N, 1 + K]): per node its token id, then its children's rows.
public struct TreeOptions: Sendable, Equatable {
    /// Node slots per sample (N): a larger tree is refused, a smaller one padded with −1 rows.
    public var nodes: Int
    /// Children a node may have (K); missing ones are −1.
    public var maxChildren: Int
    /// Every token id must be below this (the tree_lstm's `input_dim`).
    public var vocabularySize: Int

    public init(nodes: Int, maxChildren: Int, vocabularySize: Int = Int(Int32.max)) {
        self.nodes = nodes
        self.maxChildren = maxChildren
        self.vocabularySize = vocabularySize
    }
}

/// What the labels are read as.
public enum LabelMode: Sendable, Equatable {
    /// Class numbers (integers ≥ 0), for classification losses.
    case classes
    /// Real-valued targets, for regression losses.
    case values
    /// No labels (prediction): a CSV's every selected column is a feature, label files are not read.
    case none
}
