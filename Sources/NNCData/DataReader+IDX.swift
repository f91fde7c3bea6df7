/// IDX, the MNIST format: two zero bytes, a type byte, the number of dimensions N, N
/// big-endian u32 sizes, then the values in C order (big-endian when wider than a byte).
extension DataReader {
    static func readIDX(images: String, labels: String, mode: LabelMode) throws(DataError) -> RawDataset {
        let inputs = try idxArray(DataFile.load(images))
        let labelArray = mode == .none ? nil : try idxArray(DataFile.load(labels))
        return try pair(inputs, labelArray, mode: mode)
    }

    /// The array in an IDX file, its size checked against its header.
    static func idxArray(_ file: DataFile) throws(DataError) -> NumericArray {
        let b = file.bytes
        let types: [UInt8: NumericArray.Element] = [
            0x08: .uint8, 0x09: .int8, 0x0B: .int16(bigEndian: true), 0x0C: .int32(bigEndian: true),
            0x0D: .float32(bigEndian: true), 0x0E: .float64(bigEndian: true),
        ]
        guard b.count >= 4, b[0] == 0, b[1] == 0, let element = types[b[2]], b[3] > 0 else {
            let start = b.prefix(4).map { hex($0) }.joined(separator: " ")
            throw DataError(.corruptData, "IDX files start with two zero bytes, a type byte and the number of dimensions; '\(file.path)' starts with \(start.isEmpty ? "nothing (it is empty)" : start)",
                            file: file.path,
                            notes: ["type bytes: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64; MNIST images start 00 00 08 03, labels 00 00 08 01"]
                                + (file.wasCompressed ? ["the file was gzip-compressed; these are its first decompressed bytes"] : []))
        }
        let rank = Int(b[3])
        let header = 4 + 4 * rank
        guard b.count >= header else {
            throw DataError(.corruptData, "an IDX header holds a size for each dimension; '\(file.path)' declares \(rank) dimensions (a \(header)-byte header) but has only \(b.count) bytes",
                            file: file.path, help: "the file is truncated: download or copy it again")
        }
        let shape = (0..<rank).map { d in
            let at = 4 + 4 * d
            return Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
        }
        let array = NumericArray(path: file.path, bytes: b, element: element, shape: shape, dataOffset: header)
        try array.checkSize(format: "IDX")
        return array
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// Inputs and labels from two binary arrays (IDX or NPY): one record of labels per input.
    static func pair(_ inputs: NumericArray, _ labels: NumericArray?, mode: LabelMode) throws(DataError) -> RawDataset {
        let sampleShape = inputs.shape.count == 1 ? [1] : Array(inputs.shape.dropFirst())
        let origin: DataOrigin
        let targets: Targets
        if let labels {
            guard labels.count == inputs.count else {
                throw DataError(.dataSizeMismatch, "inputs and labels come in pairs; '\(inputs.path)' holds \(inputs.count) samples but '\(labels.path)' holds \(labels.count) labels",
                                file: labels.path, help: "the two files must come from the same data set and split")
            }
            origin = DataOrigin(.binary(path: labels.path, headerSize: labels.dataOffset, recordSize: labels.element.size))
            targets = try binaryTargets(labels, mode: mode, origin: origin)
        } else {
            origin = DataOrigin(.binary(path: inputs.path, headerSize: inputs.dataOffset, recordSize: inputs.element.size * inputs.recordWidth))
            targets = .none
        }
        return RawDataset(name: labels?.path ?? inputs.path, sampleShape: sampleShape, features: inputs.floats(),
                          targets: targets, origin: origin, count: inputs.count)
    }

    private static func binaryTargets(_ labels: NumericArray, mode: LabelMode, origin: DataOrigin) throws(DataError) -> Targets {
        let width = labels.recordWidth
        switch mode {
        case .none:
            return .none
        case .values:
            return .values(labels.floats(), width: width)
        case .classes:
            var classes = [Int32](repeating: 0, count: labels.elementCount)
            for i in 0..<labels.elementCount {
                let value = labels.value(i)
                if value < 0 || value > Double(Int32.max) || value != value.rounded() {
                    let (location, record) = origin.label(of: i / width, element: i % width, perSample: width)
                    let shown = labels.element.isInteger ? String(Int64(value)) : String(value)
                    throw value == value.rounded()
                        ? DataError(.labelOutOfRange, "class labels are whole numbers ≥ 0; \(record) of '\(labels.path)' holds \(shown)", at: location)
                        : DataError(.malformedRecord, "class labels are whole numbers ≥ 0; \(record) of '\(labels.path)' holds \(shown)", at: location,
                                    help: "for real-valued targets use a regression loss (mse, mae)")
                }
                classes[i] = Int32(value)
            }
            return .classes(classes, perSample: width)
        }
    }
}
