/// The CIFAR-10 and CIFAR-100 binary formats (Krizhevsky's `*.bin` batches): records of label
/// bytes and a 32×32 colour image stored channel by channel (1,024 red, then green, then
/// blue bytes, each row-major). nnc's samples are channels-last, [32, 32, 3], as Keras's
/// `cifar10.load_data()` gives them.
public struct CIFAROptions: Sendable, Equatable {
    public enum Variant: Sendable, Equatable {
        /// One label byte per record, 0–9.
        case ten
        /// A coarse (0–19) and a fine (0–99) label byte per record; `fine` picks which is read.
        case hundred(fine: Bool)
    }

    public var path: String
    public var variant: Variant

    public init(path: String, variant: Variant) {
        self.path = path
        self.variant = variant
    }

    var labelBytes: Int {
        switch variant {
        case .ten: 1
        case .hundred: 2
        }
    }

    var recordSize: Int { labelBytes + CIFAROptions.imageBytes }
    static let imageBytes = 32 * 32 * 3

    /// The byte of a record holding the label read.
    var labelOffset: Int {
        switch variant {
        case .ten, .hundred(fine: false): 0
        case .hundred(fine: true): 1
        }
    }

    var classCount: Int {
        switch variant {
        case .ten: 10
        case .hundred(let fine): fine ? 100 : 20
        }
    }
}

extension DataReader {
    static func readCIFAR(_ options: CIFAROptions, mode: LabelMode) throws(DataError) -> RawDataset {
        let file = try DataFile.load(options.path)
        let count = try cifarRecordCount(file.bytes.count, options)
        let bytes = file.bytes
        var features = [Float](repeating: 0, count: count * CIFAROptions.imageBytes)
        var labels = [Int32](repeating: 0, count: count)
        let plane = 32 * 32
        for record in 0..<count {
            let start = record * options.recordSize
            let label = Int(bytes[start + options.labelOffset])
            guard label < options.classCount else {
                throw DataError(
                    .labelOutOfRange,
                    "CIFAR-\(options.classCount == 10 ? 10 : 100) labels are 0–\(options.classCount - 1); record \(record) (byte offset \(start + options.labelOffset)) of '\(options.path)' holds \(label)",
                    file: options.path, help: "check the file's format: `format: cifar10` or `cifar100`")
            }
            labels[record] = Int32(label)
            let image = start + options.labelBytes
            let out = record * CIFAROptions.imageBytes
            for pixel in 0..<plane {
                for channel in 0..<3 {
                    features[out + pixel * 3 + channel] = Float(bytes[image + channel * plane + pixel])
                }
            }
        }
        return RawDataset(
            name: options.path, sampleShape: [32, 32, 3], features: features,
            targets: mode == .none ? .none : .classes(labels, perSample: 1),
            origin: DataOrigin(
                .binary(path: options.path, headerSize: options.labelOffset, recordSize: options.recordSize)),
            count: count)
    }

    /// The number of whole records in a file of `size` bytes; a partial record is an error.
    static func cifarRecordCount(_ size: Int, _ options: CIFAROptions) throws(DataError) -> Int {
        guard size > 0, size % options.recordSize == 0 else {
            throw DataError(
                .dataSizeMismatch,
                "a CIFAR-\(options.classCount == 10 ? 10 : 100) file is whole records of \(options.recordSize) bytes; '\(options.path)' holds \(size) bytes (\(size / options.recordSize) records and \(size % options.recordSize) bytes over)",
                file: options.path,
                help: options.labelBytes == 1
                    ? "is it a CIFAR-100 file? say `format: cifar100`" : "is it a CIFAR-10 file? say `format: cifar10`")
        }
        return size / options.recordSize
    }
}
