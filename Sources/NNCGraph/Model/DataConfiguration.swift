import NNCDiagnostics

/// The `data:` section, decoded once with the registry's defaults
/// (`DataConfiguration+Decode.swift`): where each split's samples come from and how they
/// are prepared. A spec without the section has no splits and the defaults. The driver
/// maps these values onto NNCData's readers, resolving paths against the model's folder.
public struct DataConfiguration: Sendable, Equatable {
    /// Nil when not given, or when the split lacks the files its format needs (reported).
    public var train: Split?
    public var validation: Split?
    public var test: Split?
    /// Fraction of the training file held out as test data when `test` is not given.
    public var testSplit: Double
    public var preprocess: Preprocess
    public var augment: Augment

    /// One split: its source, and where it names its inputs and labels (for messages about them).
    public struct Split: Sendable, Equatable {
        public var source: Source
        public var inputsLocation: SourceLocation
        public var labelsLocation: SourceLocation
    }

    /// Where a split's samples come from. Paths are as written (relative to the model file).
    public enum Source: Sendable, Equatable {
        case idx(images: String, labels: String)
        case npy(images: String, labels: String)
        case csv(path: String, CSVLayout)
        case tokens(path: String, SequenceLayout)
        case text(path: String, SequenceLayout)
        /// One tree per line, read into the model's input [nodes, 1 + max children].
        case trees(path: String)
        case generated(GeneratedTask)
        /// A folder of class subfolders of images, resized to the model's input as `resize` says.
        case imageFolder(path: String, resize: ImageResize)
        /// A CIFAR-10 (`fineLabels` nil) or CIFAR-100 binary batch file.
        case cifar(path: String, fineLabels: Bool?)
    }

    /// How images of another size than the model's input are resized.
    public enum ImageResize: String, Sendable { case bilinear, nearest, none }

    /// How a CSV file is laid out.
    public struct CSVLayout: Sendable, Equatable {
        /// 0 the first column, negative from the end.
        public var labelColumn: Int
        /// The feature columns in order; nil: every column but the label.
        public var featureColumns: [Int]?
        public var header: Bool
        /// The field separator as written (the checker requires one ASCII character).
        public var delimiter: String
    }

    /// How token and text sequences are cut or padded to the model's input length.
    public struct SequenceLayout: Sendable, Equatable {
        public var padding: End
        public var truncating: End
        /// The id padding is made of (token files).
        public var paddingID: Int
    }

    /// Which end of a sequence is padded or truncated.
    public enum End: String, Sendable { case pre, post }

    /// A synthetic sequence task (`generate:`).
    public struct GeneratedTask: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case adding
            case copy(symbols: Int, remember: Int)
            case reverse(symbols: Int)
        }

        public var kind: Kind
        public var length: Int
        public var samples: Int
        /// Nil: the run's seed mixed with the split's name.
        public var seed: Int?
    }

    /// `data.preprocess`.
    public struct Preprocess: Sendable, Equatable {
        public var scale: Double?
        public var standardize: Bool
        public var oneHot: Bool
        /// Nil: as many classes as the output has units.
        public var classes: Int?
        /// The shape samples are reshaped to; nil: the model's input shape.
        public var reshape: [Int]?
    }

    /// `data.augment`.
    public struct Augment: Sendable, Equatable {
        public enum Flip: String, Sendable { case none, horizontal, vertical, both }
        public var shift: Int
        public var flip: Flip
    }
}
