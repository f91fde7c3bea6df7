import NNCDiagnostics

/// CSV: one record per line, values separated by one delimiter character, the label in
/// one column (negative: counted from the end). Every record holds as many values as the
/// first (or the header); every feature must be a finite number.
extension DataReader {
    static func readCSV(_ options: CSVOptions, mode: LabelMode) throws(DataError) -> RawDataset {
        try readCSV(DataFile.loadText(options.path), options, mode: mode)
    }

    static func readCSV(_ file: DataFile, _ options: CSVOptions, mode: LabelMode) throws(DataError) -> RawDataset {
        let text = TextFile(path: options.path, bytes: file.bytes)
        guard let delimiter = options.delimiter.asciiValue else {
            throw DataError(
                .malformedRecord, "a CSV delimiter is one ASCII character; got '\(options.delimiter)'",
                file: options.path)
        }
        var scanner = TextScanner(text)
        var columns: Int?
        if options.header, let line = scanner.next() {
            columns = fields(line, delimiter, in: scanner).count
        }
        var layout: CSVLayout?
        var features: [Float] = []
        var labels: [Double] = []
        var labelOffsets: [Int] = []
        var recordOffsets: [Int] = []
        var records = 0
        var fieldRanges: [Range<Int>] = []
        var reference = "the header (line 1)"
        while let line = scanner.next() {
            fields(line, delimiter, in: scanner, into: &fieldRanges)
            let expected = columns ?? fieldRanges.count
            if columns == nil {
                columns = expected
                reference = "the first record (line \(scanner.line))"
            }
            guard fieldRanges.count == expected else {
                let short = fieldRanges.count < expected
                let at = short ? line.upperBound : fieldRanges[expected].lowerBound
                throw DataError(
                    .malformedRecord,
                    "CSV records hold \(expected) values each, as \(reference) does; line \(scanner.line) holds \(fieldRanges.count)",
                    at: scanner.location(at),
                    label: short ? "\(expected - fieldRanges.count) missing" : "extra values start here",
                    help: scanner.text(line).isEmpty ? "remove the blank line" : nil)
            }
            if layout == nil {
                layout = try CSVLayout(options, columns: expected, mode: mode, scanner: scanner, line: line)
            }
            let layout = layout!
            let base = features.count
            features.append(contentsOf: repeatElement(0, count: layout.featureCount))
            for (column, range) in fieldRanges.enumerated() {
                let field = scanner.trimmed(range, keepTabs: delimiter == UInt8(ascii: "\t"))
                if column == layout.label {
                    labels.append(try scanner.label(field, mode: mode, what: "CSV"))
                    labelOffsets.append(field.lowerBound)
                }
                let slot = layout.slots[column]
                guard slot >= 0 else { continue }
                guard let value = scanner.float(field) else {
                    let shown = scanner.text(field)
                    if let reading = scanner.nonFinite(field) {
                        throw DataError(
                            .nonFiniteData, "CSV feature values are finite decimal numbers; '\(shown)' is \(reading)",
                            at: scanner.location(field.lowerBound), label: "not finite",
                            help:
                                "replace or drop the missing values before training (fill them with the column's mean, or remove the record)"
                        )
                    }
                    throw DataError(
                        .malformedRecord, "CSV feature values are finite decimal numbers; '\(shown)' is not",
                        at: scanner.location(field.lowerBound),
                        label: shown.isEmpty ? "empty value" : "not a number",
                        help: Self.hexadecimal(shown).map { "write the value in decimal digits: \(shown) is \($0)" })
                }
                features[base + slot] = value
            }
            records += 1
            recordOffsets.append(line.lowerBound)
            guard records < ArrayHeader.maxRecords else {
                throw DataError(
                    .dataSizeMismatch,
                    "a data file holds at most \(ArrayHeader.maxRecords.grouped) records; '\(options.path)' holds more",
                    at: scanner.location(line.lowerBound), help: "split the data into several files")
            }
        }
        guard records > 0, let layout else {
            throw DataError(
                .dataSizeMismatch, "a data file holds at least one record; '\(options.path)' has none",
                file: options.path)
        }
        let origin = DataOrigin(.text(text, labelOffsets: labelOffsets))
        let targets: Targets =
            switch mode {
            case .classes: .classes(labels.map { Int32($0) }, perSample: 1)
            case .values: .values(labels.map { Float($0) }, width: 1)
            case .none: .none
            }
        return RawDataset(
            name: options.path, sampleShape: [layout.featureCount], features: features, targets: targets,
            origin: origin, count: records, inputOrigin: DataOrigin(.text(text, labelOffsets: recordOffsets)))
    }

    /// The value of a field written in hexadecimal (`0x10`: 16), which C's strtod would
    /// have read silently, for the help of its error.
    static func hexadecimal(_ text: String) -> String? {
        let sign = text.hasPrefix("-") ? "-" : ""
        let unsigned = text.drop { $0 == "-" || $0 == "+" }.lowercased()
        guard unsigned.hasPrefix("0x"), let value = UInt64(unsigned.dropFirst(2), radix: 16) else { return nil }
        return sign + String(value)
    }

    /// The field ranges of `line`, split at every delimiter.
    static func fields(_ line: Range<Int>, _ delimiter: UInt8, in scanner: TextScanner) -> [Range<Int>] {
        var result: [Range<Int>] = []
        fields(line, delimiter, in: scanner, into: &result)
        return result
    }

    static func fields(_ line: Range<Int>, _ delimiter: UInt8, in scanner: TextScanner, into result: inout [Range<Int>])
    {
        result.removeAll(keepingCapacity: true)
        var start = line.lowerBound
        for i in line where scanner.bytes[i] == delimiter {
            result.append(start..<i)
            start = i + 1
        }
        result.append(start..<line.upperBound)
    }

    /// Which column holds the label and where each feature column goes in a sample.
    struct CSVLayout {
        var label: Int
        /// slots[column]: the feature index the column fills, or -1 when it is not a feature.
        var slots: [Int]
        var featureCount: Int

        init(_ options: CSVOptions, columns: Int, mode: LabelMode, scanner: TextScanner, line: Range<Int>)
            throws(DataError)
        {
            let at = scanner.location(line.lowerBound)
            func resolve(_ column: Int, _ what: String) throws(DataError) -> Int {
                let resolved = column < 0 ? columns + column : column
                guard (0..<columns).contains(resolved) else {
                    throw DataError(
                        .dataSizeMismatch,
                        "\(what) \(column) must name one of the file's \(columns) columns (0 to \(columns - 1), or -1 to -\(columns) from the end)",
                        at: at, label: "\(columns) columns")
                }
                return resolved
            }
            label = mode == .none ? -1 : try resolve(options.labelColumn, "the label column")
            slots = [Int](repeating: -1, count: columns)
            if let chosen = options.featureColumns {
                for (slot, column) in chosen.enumerated() {
                    let resolved = try resolve(column, "feature column")
                    guard resolved != label, slots[resolved] < 0 else {
                        throw DataError(
                            .dataSizeMismatch,
                            "feature columns are distinct and differ from the label column; column \(column) is \(resolved == label ? "the label" : "listed twice")",
                            at: at, label: "\(columns) columns")
                    }
                    slots[resolved] = slot
                }
                featureCount = chosen.count
            } else {
                var next = 0
                for column in 0..<columns where column != label {
                    slots[column] = next
                    next += 1
                }
                featureCount = next
            }
            guard featureCount > 0 else {
                throw DataError(
                    .dataSizeMismatch,
                    "a CSV record holds at least one feature besides the label; '\(options.path)' has \(columns) column\(columns == 1 ? "" : "s")",
                    at: at)
            }
        }
    }
}
