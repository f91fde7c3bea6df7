/// An n-dimensional array of numbers inside a binary file (the body of an IDX or NPY
/// file), read in place: `shape[0]` records of `shape[1...]` elements, C order.
struct NumericArray: Sendable {
    /// How one element is stored.
    enum Element: Sendable {
        case uint8, int8
        case int16(bigEndian: Bool), int32(bigEndian: Bool), int64(bigEndian: Bool)
        case float32(bigEndian: Bool), float64(bigEndian: Bool)

        var size: Int {
            switch self {
            case .uint8, .int8: 1
            case .int16: 2
            case .int32, .float32: 4
            case .int64, .float64: 8
            }
        }

        var isInteger: Bool {
            switch self {
            case .uint8, .int8, .int16, .int32, .int64: true
            case .float32, .float64: false
            }
        }

        /// "u8", "f32", as messages name them.
        var name: String {
            switch self {
            case .uint8: "u8"
            case .int8: "i8"
            case .int16: "i16"
            case .int32: "i32"
            case .int64: "i64"
            case .float32: "f32"
            case .float64: "f64"
            }
        }
    }

    let path: String
    let bytes: [UInt8]
    let element: Element
    let shape: [Int]
    /// Byte offset of the first element (the header's size).
    let dataOffset: Int

    var count: Int { shape.first ?? 0 }
    /// Elements per record.
    var recordWidth: Int { shape.dropFirst().reduce(1, *) }
    var elementCount: Int { shape.reduce(1, *) }

    /// Element `index` (over the whole array) as a Double: exact for every integer type but
    /// the largest int64s, and for both float widths.
    func value(_ index: Int) -> Double {
        let at = dataOffset + index * element.size
        switch element {
        case .uint8: return Double(bytes[at])
        case .int8: return Double(Int8(bitPattern: bytes[at]))
        case .int16(let big): return Double(Int16(bitPattern: UInt16(truncatingIfNeeded: load(at, 2, big))))
        case .int32(let big): return Double(Int32(bitPattern: UInt32(truncatingIfNeeded: load(at, 4, big))))
        case .int64(let big): return Double(Int64(bitPattern: load(at, 8, big)))
        case .float32(let big): return Double(Float(bitPattern: UInt32(truncatingIfNeeded: load(at, 4, big))))
        case .float64(let big): return Double(bitPattern: load(at, 8, big))
        }
    }

    /// Every element as a Float (the features), with a fast path for bytes.
    func floats() -> [Float] {
        if case .uint8 = element {
            return bytes[dataOffset..<(dataOffset + elementCount)].map { Float($0) }
        }
        return (0..<elementCount).map { Float(value($0)) }
    }

    private func load(_ at: Int, _ size: Int, _ bigEndian: Bool) -> UInt64 {
        var result: UInt64 = 0
        for i in 0..<size {
            let byte = UInt64(bytes[at + (bigEndian ? i : size - 1 - i)])
            result = result << 8 | byte
        }
        return result
    }

    /// The byte offset of record `record`.
    func offset(ofRecord record: Int) -> Int { dataOffset + record * recordWidth * element.size }

    /// Checks the file holds exactly the elements its header declares; `format` names the
    /// format in messages ("IDX", "NPY").
    func checkSize(format: String) throws(DataError) {
        let declared = shape.map(String.init).joined(separator: "×")
        let bytesNeeded = Self.product(shape, element.size)
        let available = bytes.count - dataOffset
        guard let needed = bytesNeeded, needed <= available else {
            var notes: [String] = []
            if let recordBytes = Self.product(shape.dropFirst(), element.size), recordBytes > 0 {
                let record = available / recordBytes
                notes = ["the data stops inside record \(record) (byte offset \(dataOffset + record * recordBytes))"]
            }
            throw DataError(.corruptData, "\(format) files hold exactly the values their header declares; '\(path)' declares \(declared) \(element.name) values (\(bytesNeeded.map { "\($0) bytes after the \(dataOffset)-byte header" } ?? "more than fit in memory")) but has \(available) bytes",
                            file: path, notes: notes, help: "the file is truncated: download or copy it again")
        }
        if needed < available {
            throw DataError(.corruptData, "\(format) files hold exactly the values their header declares; '\(path)' declares \(declared) \(element.name) values (\(needed) bytes after the \(dataOffset)-byte header) but has \(available - needed) bytes more",
                            file: path, notes: ["the extra bytes start at byte offset \(dataOffset + needed)"])
        }
        if shape.isEmpty || count == 0 || recordWidth == 0 {
            throw DataError(.dataSizeMismatch, "a data file holds at least one record of at least one value; '\(path)' declares \(shape.isEmpty ? "a single value" : declared)", file: path)
        }
    }

    /// `factor` times the product of `dims`, or nil when it overflows.
    static func product(_ dims: some Sequence<Int>, _ factor: Int) -> Int? {
        var total = factor
        for n in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            if overflow { return nil }
            total = product
        }
        return total
    }
}
