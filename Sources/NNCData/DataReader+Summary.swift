/// What a data source holds, learned as cheaply as possible for `nnc check`: the headers
/// of IDX and NPY files (their declared sizes checked against the files), the first record
/// of a large CSV file, and the whole of files small enough to read at once (label files,
/// small CSV, sequence and tree files), so their labels can be checked too.
extension DataReader {
    /// The summary of `source`, its labels read as `mode` asks. Files of at most `budget`
    /// bytes are read whole; larger ones only as far as their header or first record.
    public static func summary(_ source: DatasetSource, labels mode: LabelMode, budget: Int = 4 << 20) throws(DataError)
        -> DataSummary
    {
        switch source {
        case .idx(let images, let labels): return try binarySummary(images, labels, .idx, mode: mode, budget: budget)
        case .npy(let images, let labels): return try binarySummary(images, labels, .npy, mode: mode, budget: budget)
        case .csv(let options):
            let head = try DataFile.prefix(options.path, count: budget + 1)
            if !head.isCut { return try readCSV(head, options, mode: mode).summary }
            return try csvSummary(head, options, mode: mode)
        case .tokens(let path, let options):
            let head = try DataFile.prefix(path, count: budget + 1)
            if !head.isCut { return try read(source, labels: mode).summary }
            return DataSummary(
                inputFile: path, labelFile: path, sampleShape: [options.timesteps],
                inputKind: .tokens(vocabulary: options.vocabularySize), labelShape: mode == .none ? nil : [])
        case .trees(let path, let options):
            let head = try DataFile.prefix(path, count: budget + 1)
            if !head.isCut { return try read(source, labels: mode).summary }
            return DataSummary(
                inputFile: path, labelFile: path, sampleShape: [options.nodes, options.maxChildren + 1],
                labelShape: mode == .none ? nil : [])
        case .text(let path, var options):
            // A text file's ids come from the training file's characters, which a check of
            // another split does not know: its labels are read, its vocabulary left to training.
            let head = try DataFile.prefix(path, count: budget + 1)
            var summary = DataSummary(
                inputFile: path, labelFile: path, sampleShape: nil, labelShape: mode == .none ? nil : [])
            if !head.isCut {
                options.vocabulary = options.vocabulary ?? CharacterVocabulary([])
                summary = try read(.text(path: path, options), labels: mode).summary
                summary.sampleShape = nil
            }
            return summary
        case .generated(let task):
            try task.checkSizes()
            try task.checkLabels(mode)
            var summary = task.summary
            if mode == .none { summary.labelShape = nil }
            return summary
        case .imageFolder(let options):
            // The folder names every label; images are decoded (and their sizes met) when read.
            let (_, files) = try imageFiles(options)
            var summary = DataSummary(
                inputFile: options.path, labelFile: options.path,
                sampleShape: [options.height, options.width, options.channels], labelShape: mode == .none ? nil : [])
            if mode != .none {
                summary.targets = .classes(files.map { Int32($0.label) }, perSample: 1)
                summary.origin = DataOrigin(.files(files.map(\.path)))
                summary.records = (0..<Int32(files.count)).map { $0 }
            }
            return summary
        case .cifar(let options):
            let head = try DataFile.prefix(options.path, count: budget + 1)
            if !head.isCut { return try read(source, labels: mode).summary }
            if !head.wasCompressed { _ = try cifarRecordCount(head.storedSize, options) }
            return DataSummary(
                inputFile: options.path, labelFile: options.path, sampleShape: [32, 32, 3],
                labelShape: mode == .none ? nil : [])
        }
    }

    /// Inputs from the header of `images`; labels from the header of `labels`, or all of
    /// them when the file is small.
    private static func binarySummary(
        _ images: String, _ labels: String, _ format: ArrayFormat, mode: LabelMode, budget: Int
    ) throws(DataError) -> DataSummary {
        let inputs = try header(images, format)
        let sampleShape = inputs.shape.count == 1 ? [1] : Array(inputs.shape.dropFirst())
        var summary = DataSummary(inputFile: images, labelFile: labels, sampleShape: sampleShape, labelShape: nil)
        guard mode != .none else { return summary }
        let labelHeader = try header(labels, format)
        let count = inputs.shape.first ?? 0
        let labelCount = labelHeader.shape.first ?? 0
        guard labelCount == count else {
            throw DataError(
                .dataSizeMismatch,
                "inputs and labels come in pairs; '\(images)' holds \(count) samples but '\(labels)' holds \(labelCount) labels",
                file: labels, help: "the two files must come from the same data set and split")
        }
        summary.labelShape = Array(labelHeader.shape.dropFirst())
        if let total = labelHeader.totalBytes, total <= budget {
            let array = try NumericArray(labelHeader, DataFile.load(labels, limit: total))
            let origin = DataOrigin(.binary(path: labels, headerSize: array.dataOffset, recordSize: array.element.size))
            summary.targets = try binaryTargets(array, mode: mode, origin: origin)
            summary.origin = origin
        }
        return summary
    }

    /// The shape of a large CSV file's samples, from its header line and first record.
    private static func csvSummary(_ head: DataFile, _ options: CSVOptions, mode: LabelMode) throws(DataError)
        -> DataSummary
    {
        let text = TextFile(path: options.path, bytes: head.bytes)
        guard let delimiter = options.delimiter.asciiValue else {
            throw DataError(
                .malformedRecord, "a CSV delimiter is one ASCII character; got '\(options.delimiter)'",
                file: options.path)
        }
        var scanner = TextScanner(text)
        var columns: Int?
        if options.header, let line = scanner.next() { columns = fields(line, delimiter, in: scanner).count }
        // The prefix may end inside a line: only a line followed by a line break is whole.
        guard let line = scanner.next(), line.upperBound < head.bytes.count else {
            return DataSummary(
                inputFile: options.path, labelFile: options.path, sampleShape: nil, labelShape: mode == .none ? nil : []
            )
        }
        let count = columns ?? fields(line, delimiter, in: scanner).count
        let layout = try CSVLayout(options, columns: count, mode: mode, scanner: scanner, line: line)
        return DataSummary(
            inputFile: options.path, labelFile: options.path, sampleShape: [layout.featureCount],
            labelShape: mode == .none ? nil : [])
    }
}
