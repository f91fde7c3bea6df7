import Foundation
import NNCDiagnostics

/// What the header of a binary array file (IDX or NPY) declares: the element type, the
/// shape (`shape[0]` records of `shape[1...]` elements, C order) and where the values start.
/// Every size is checked before anything is allocated from it: products that overflow,
/// sizes the file cannot hold, and sizes beyond the machine's memory are refused.
struct ArrayHeader: Sendable {
    /// "IDX" or "NPY", as messages name the format.
    let format: String
    let path: String
    let element: NumericArray.Element
    let shape: [Int]
    /// Byte offset of the first element (the header's size).
    let dataOffset: Int
    let wasCompressed: Bool

    /// "60000×28×28".
    var declared: String { shape.map(String.init).joined(separator: "×") }

    /// Bytes of values the header declares, nil when the product overflows.
    var valueBytes: Int? { NumericArray.product(shape, element.size) }

    /// The whole file's declared size: header and values, nil when it overflows.
    var totalBytes: Int? {
        valueBytes.flatMap { $0.addingReportingOverflow(dataOffset).overflow ? nil : $0 + dataOffset }
    }

    /// The largest number of records a data set holds (sample indices are 32-bit).
    static let maxRecords = Int(Int32.max)

    /// Refuses, from the header alone, a declared size that cannot be right: one whose
    /// product overflows, more records than nnc indexes, more than a gzip file of
    /// `storedSize` bytes can inflate to, or values that as 32-bit floats would not fit in
    /// this machine's memory.
    func checkDeclaredSize(storedSize: Int) throws(DataError) {
        guard let total = totalBytes, let elements = NumericArray.product(shape, 1) else {
            throw DataError(
                .corruptData,
                "\(format) headers declare sizes a file can hold; '\(path)' declares \(declared) \(element.name) values, a number too large to address",
                file: path, help: "the header is damaged: download or copy the file again")
        }
        if let count = shape.first, count > Self.maxRecords {
            throw DataError(
                .dataSizeMismatch,
                "a data file holds at most \(Self.maxRecords.grouped) records; '\(path)' declares \(count.grouped)",
                file: path, help: "split the data into several files")
        }
        if wasCompressed, total / Gzip.maxRatio > storedSize {
            throw DataError(
                .corruptData,
                "\(format) files hold exactly the values their header declares; '\(path)' declares \(declared) \(element.name) values (\(total.grouped) bytes with the header), but a gzip file of \(storedSize.grouped) bytes inflates to at most \(storedSize.multipliedReportingOverflow(by: Gzip.maxRatio).partialValue.grouped)",
                file: path, help: "the header is damaged or the file truncated: download or copy it again")
        }
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if elements > memory / MemoryLayout<Float>.size {
            throw DataError(
                .dataSizeMismatch,
                "data must fit in memory as 32-bit floats; '\(path)' declares \(declared) values, \(Self.bytes(elements, times: 4)) as floats, and this machine has \(Self.bytes(memory, times: 1))",
                file: path, help: "use a smaller file, or a machine with more memory")
        }
    }

    /// Checks that the file holds exactly the values its header declares: `available`
    /// bytes follow the header (for a file cut at a limit, `isCut`: more than that).
    func checkSize(available: Int, isCut: Bool) throws(DataError) {
        guard let needed = valueBytes, needed <= available else {
            var notes: [String] = []
            if let recordBytes = NumericArray.product(shape.dropFirst(), element.size), recordBytes > 0 {
                let record = available / recordBytes
                notes = ["the data stops inside record \(record) (byte offset \(dataOffset + record * recordBytes))"]
            }
            throw DataError(
                .corruptData,
                "\(format) files hold exactly the values their header declares; '\(path)' declares \(declared) \(element.name) values (\(valueBytes.map { "\($0) bytes after the \(dataOffset)-byte header" } ?? "more than fit in memory")) but has \(available) bytes",
                file: path, notes: notes, help: "the file is truncated: download or copy it again")
        }
        if isCut {
            throw DataError(
                .corruptData,
                "\(format) files hold exactly the values their header declares; '\(path)' declares \(declared) \(element.name) values (\(needed) bytes after the \(dataOffset)-byte header) but holds more",
                file: path,
                notes: [
                    "decompression stopped after \(dataOffset + available) bytes, past the declared \(dataOffset + needed)"
                ],
                help: "the header does not describe the file: download or copy it again")
        }
        if needed < available {
            throw DataError(
                .corruptData,
                "\(format) files hold exactly the values their header declares; '\(path)' declares \(declared) \(element.name) values (\(needed) bytes after the \(dataOffset)-byte header) but has \(available - needed) bytes more",
                file: path, notes: ["the extra bytes start at byte offset \(dataOffset + needed)"])
        }
        if shape.isEmpty || shape.contains(0) {
            throw DataError(
                .dataSizeMismatch,
                "a data file holds at least one record of at least one value; '\(path)' declares \(shape.isEmpty ? "a single value" : declared)",
                file: path)
        }
    }

    /// "1.5 GiB" for `count × size` bytes (saturating).
    static func bytes(_ count: Int, times size: Int) -> String {
        let total = Double(count) * Double(size)
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = total
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(total)) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}

/// An n-dimensional array of numbers inside a binary file (the body of an IDX or NPY
/// file), read in place: `shape[0]` records of `shape[1...]` elements, C order. Only made
/// from a header whose size was checked against the bytes, so its counts cannot overflow.
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
    let count: Int
    /// Elements per record.
    let recordWidth: Int
    let elementCount: Int

    /// The array `header` declares in `file`, checked to hold exactly that.
    init(_ header: ArrayHeader, _ file: DataFile) throws(DataError) {
        let held = max(file.bytes.count - header.dataOffset, 0)
        if file.wasCompressed {
            try header.checkSize(available: held, isCut: file.isCut)
        } else {
            // The file's size on disk first (a read stops at the declared size), then what was read.
            try header.checkSize(available: max(file.storedSize - header.dataOffset, 0), isCut: false)
            try header.checkSize(available: held, isCut: false)
        }
        path = header.path
        bytes = file.bytes
        element = header.element
        shape = header.shape
        dataOffset = header.dataOffset
        // checkSize proved the product fits (it is at most the file's size).
        count = shape[0]
        recordWidth = shape.dropFirst().reduce(1, *)
        elementCount = count * recordWidth
        if count > ArrayHeader.maxRecords {
            throw DataError(
                .dataSizeMismatch,
                "a data file holds at most \(ArrayHeader.maxRecords.grouped) records; '\(path)' holds \(count.grouped)",
                file: path, help: "split the data into several files")
        }
    }

    /// Element `index` (over the whole array) as a Double: exact for every integer type but
    /// the largest int64s, and for both float widths.
    func value(_ index: Int) -> Double {
        switch element {
        case .float32(let big): return Double(Float(bitPattern: UInt32(truncatingIfNeeded: load(index, big))))
        case .float64(let big): return Double(bitPattern: load(index, big))
        case .uint8, .int8, .int16, .int32, .int64: return Double(integer(index)!)
        }
    }

    /// Element `index` exactly, for integer element types (nil for floats).
    func integer(_ index: Int) -> Int64? {
        let at = dataOffset + index * element.size
        switch element {
        case .uint8: return Int64(bytes[at])
        case .int8: return Int64(Int8(bitPattern: bytes[at]))
        case .int16(let big): return Int64(Int16(bitPattern: UInt16(truncatingIfNeeded: load(index, big))))
        case .int32(let big): return Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: load(index, big))))
        case .int64(let big): return Int64(bitPattern: load(index, big))
        case .float32, .float64: return nil
        }
    }

    /// Every element as a Float (the features), with a fast path for bytes.
    func floats() -> [Float] {
        if case .uint8 = element {
            return bytes[dataOffset..<(dataOffset + elementCount)].map { Float($0) }
        }
        return (0..<elementCount).map { Float(value($0)) }
    }

    /// The first element that is NaN or infinite as a 32-bit float (a float64 beyond
    /// Float's range becomes infinite), or nil. Integers are always finite.
    func firstNonFinite() -> Int? {
        guard !element.isInteger else { return nil }
        return (0..<elementCount).first { !Float(value($0)).isFinite }
    }

    private func load(_ index: Int, _ bigEndian: Bool) -> UInt64 {
        let at = dataOffset + index * element.size
        let size = element.size
        var result: UInt64 = 0
        for i in 0..<size {
            let byte = UInt64(bytes[at + (bigEndian ? i : size - 1 - i)])
            result = result << 8 | byte
        }
        return result
    }

    /// The byte offset of record `record`.
    func offset(ofRecord record: Int) -> Int { dataOffset + record * recordWidth * element.size }

    /// `factor` times the product of `dims`, or nil when it overflows or a dimension is negative.
    static func product(_ dims: some Sequence<Int>, _ factor: Int) -> Int? {
        var total = factor
        for n in dims {
            guard n >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            if overflow { return nil }
            total = product
        }
        return total
    }
}
