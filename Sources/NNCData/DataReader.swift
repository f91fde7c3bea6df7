/// Reads one split's samples from its source. Every problem is a `DataError` whose
/// diagnostic names the file and the record (line:column for text formats, record and byte
/// offset for binary ones) and states what was expected: never a crash, never a skipped row.
public enum DataReader {
    /// The samples of `source`, with labels read as `labels` asks (class numbers for
    /// classification losses, values for regression, none for prediction).
    public static func read(_ source: DatasetSource, labels: LabelMode) throws(DataError) -> RawDataset {
        switch source {
        case .idx(let images, let labelPath): try readIDX(images: images, labels: labelPath, mode: labels)
        case .csv(let options): try readCSV(options, mode: labels)
        case .npy(let images, let labelPath): try readNPY(images: images, labels: labelPath, mode: labels)
        case .tokens(let path, let options): try readSequences(path: path, options, format: .tokens, mode: labels)
        case .text(let path, let options): try readSequences(path: path, options, format: .text, mode: labels)
        case .trees(let path, let options): try readTrees(path: path, options, mode: labels)
        case .generated(let task): try task.generate(mode: labels)
        case .imageFolder(let options): try readImageFolder(options, mode: labels)
        case .cifar(let options): try readCIFAR(options, mode: labels)
        }
    }
}
