import NNCDiagnostics

/// IDX, the MNIST format: two zero bytes, a type byte, the number of dimensions N, N
/// big-endian u32 sizes, then the values in C order (big-endian when wider than a byte).
extension DataReader {
    static func readIDX(images: String, labels: String, mode: LabelMode) throws(DataError) -> RawDataset {
        let inputs = try array(images, .idx)
        let labelArray = mode == .none ? nil : try array(labels, .idx)
        return try pair(inputs, labelArray, mode: mode)
    }

    /// The binary array formats.
    enum ArrayFormat: Sendable { case idx, npy }

    /// The array in the IDX or NPY file at `path`: its header is read and checked first,
    /// then at most the bytes it declares (a gzip file inflates no further).
    static func array(_ path: String, _ format: ArrayFormat) throws(DataError) -> NumericArray {
        let header = try header(path, format)
        return try NumericArray(header, DataFile.load(path, limit: header.totalBytes!))
    }

    /// The header of the IDX or NPY file at `path`, read from its first bytes only, with
    /// its declared size checked against the file (exactly for a plain file, against the
    /// most a gzip file of its size can hold for a compressed one).
    static func header(_ path: String, _ format: ArrayFormat) throws(DataError) -> ArrayHeader {
        var prefix = try DataFile.prefix(path, count: 4096)
        let header: ArrayHeader
        switch format {
        case .idx:
            header = try idxHeader(prefix)
        case .npy:
            if let length = npyHeaderSize(prefix.bytes), length > prefix.bytes.count, prefix.isCut {
                prefix = try DataFile.prefix(path, count: length)
            }
            header = try npyHeader(prefix)
        }
        try header.checkDeclaredSize(storedSize: prefix.storedSize)
        if !prefix.wasCompressed {
            try header.checkSize(available: max(prefix.storedSize - header.dataOffset, 0), isCut: false)
        }
        return header
    }

    /// The array in an IDX file already in memory, its size checked against its header.
    static func idxArray(_ file: DataFile) throws(DataError) -> NumericArray {
        let header = try idxHeader(file)
        try header.checkDeclaredSize(storedSize: file.storedSize)
        return try NumericArray(header, file)
    }

    /// The header at the start of `file`'s bytes (which may be only the file's first bytes).
    static func idxHeader(_ file: DataFile) throws(DataError) -> ArrayHeader {
        let b = file.bytes
        let types: [UInt8: NumericArray.Element] = [
            0x08: .uint8, 0x09: .int8, 0x0B: .int16(bigEndian: true), 0x0C: .int32(bigEndian: true),
            0x0D: .float32(bigEndian: true), 0x0E: .float64(bigEndian: true),
        ]
        guard b.count >= 4, b[0] == 0, b[1] == 0, let element = types[b[2]], b[3] > 0 else {
            let start = b.prefix(4).map { hex($0) }.joined(separator: " ")
            throw DataError(
                .corruptData,
                "IDX files start with two zero bytes, a type byte and the number of dimensions; '\(file.path)' starts with \(start.isEmpty ? "nothing (it is empty)" : start)",
                file: file.path,
                notes: [
                    "type bytes: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64; MNIST images start 00 00 08 03, labels 00 00 08 01"
                ]
                    + (file.wasCompressed
                        ? ["the file was gzip-compressed; these are its first decompressed bytes"] : []))
        }
        let rank = Int(b[3])
        let header = 4 + 4 * rank
        guard b.count >= header else {
            throw DataError(
                .corruptData,
                "an IDX header holds a size for each dimension; '\(file.path)' declares \(rank) dimensions (a \(header)-byte header) but has only \(b.count) bytes",
                file: file.path, help: "the file is truncated: download or copy it again")
        }
        // Sizes are unsigned 32-bit, so each fits an Int; their product is checked later.
        let shape = (0..<rank).map { d in
            let at = 4 + 4 * d
            return Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
        }
        return ArrayHeader(
            format: "IDX", path: file.path, element: element, shape: shape, dataOffset: header,
            wasCompressed: file.wasCompressed)
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// Inputs and labels from two binary arrays (IDX or NPY): one record of labels per input.
    /// Float values must be finite (E0506, naming the record); class labels whole numbers
    /// in 0...Int32.max, compared exactly for integer files.
    static func pair(_ inputs: NumericArray, _ labels: NumericArray?, mode: LabelMode) throws(DataError) -> RawDataset {
        let sampleShape = inputs.shape.count == 1 ? [1] : Array(inputs.shape.dropFirst())
        let inputOrigin = DataOrigin(
            .binary(path: inputs.path, headerSize: inputs.dataOffset, recordSize: inputs.element.size))
        if let bad = inputs.firstNonFinite() {
            throw nonFinite(inputs, bad, origin: inputOrigin, what: "input")
        }
        let origin: DataOrigin
        let targets: Targets
        if let labels {
            guard labels.count == inputs.count else {
                throw DataError(
                    .dataSizeMismatch,
                    "inputs and labels come in pairs; '\(inputs.path)' holds \(inputs.count) samples but '\(labels.path)' holds \(labels.count) labels",
                    file: labels.path, help: "the two files must come from the same data set and split")
            }
            origin = DataOrigin(
                .binary(path: labels.path, headerSize: labels.dataOffset, recordSize: labels.element.size))
            targets = try binaryTargets(labels, mode: mode, origin: origin)
        } else {
            origin = DataOrigin(
                .binary(
                    path: inputs.path, headerSize: inputs.dataOffset,
                    recordSize: inputs.element.size * inputs.recordWidth))
            targets = .none
        }
        return RawDataset(
            name: labels?.path ?? inputs.path, sampleShape: sampleShape, features: inputs.floats(),
            targets: targets, origin: origin, count: inputs.count,
            inputName: inputs.path, inputOrigin: inputOrigin, labelShape: labels.map { Array($0.shape.dropFirst()) })
    }

    /// The error for element `index` of `array`, which is NaN or infinite.
    static func nonFinite(_ array: NumericArray, _ index: Int, origin: DataOrigin, what: String) -> DataError {
        let width = array.recordWidth
        let (location, record) = origin.label(of: index / width, element: index % width, perSample: width)
        let value = array.value(index)
        let shown =
            value.isNaN
            ? "NaN"
            : value.isInfinite
                ? (value > 0 ? "+infinity" : "-infinity") : "\(value), beyond the range of a 32-bit float"
        let element = width > 1 ? ", element \(index % width)," : ""
        return DataError(
            .nonFiniteData, "data values must be finite numbers; \(record)\(element) of '\(array.path)' holds \(shown)",
            at: location,
            notes: ["a NaN or infinite \(what) makes every loss and gradient it touches NaN"],
            help: "replace or drop the missing values before training (e.g. numpy.nan_to_num, or remove the record)")
    }

    static func binaryTargets(_ labels: NumericArray, mode: LabelMode, origin: DataOrigin) throws(DataError) -> Targets
    {
        let width = labels.recordWidth
        switch mode {
        case .none:
            return .none
        case .values:
            if let bad = labels.firstNonFinite() { throw nonFinite(labels, bad, origin: origin, what: "target") }
            return .values(labels.floats(), width: width)
        case .classes:
            var classes = [Int32](repeating: 0, count: labels.elementCount)
            for i in 0..<labels.elementCount {
                let exact = labels.integer(i)
                let value = labels.value(i)
                if let exact, let label = Int32(exactly: exact), label >= 0 {
                    classes[i] = label
                    continue
                }
                if exact == nil, value.isFinite, value >= 0, value <= Double(Int32.max), value == value.rounded() {
                    classes[i] = Int32(value)
                    continue
                }
                guard exact != nil || value.isFinite else { throw nonFinite(labels, i, origin: origin, what: "label") }
                let (location, record) = origin.label(of: i / width, element: i % width, perSample: width)
                let shown = exact.map { String($0) } ?? String(value)
                throw exact != nil || value == value.rounded()
                    ? DataError(
                        .labelOutOfRange,
                        "class labels are whole numbers \(value < 0 ? "≥ 0" : "from 0 to \(Int(Int32.max).grouped)"); \(record) of '\(labels.path)' holds \(shown)",
                        at: location)
                    : DataError(
                        .malformedRecord,
                        "class labels are whole numbers ≥ 0; \(record) of '\(labels.path)' holds \(shown)",
                        at: location,
                        help: "for real-valued targets use a regression loss (mse, mae)")
            }
            return .classes(classes, perSample: width)
        }
    }
}
