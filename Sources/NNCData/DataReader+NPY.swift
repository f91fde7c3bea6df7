import NNCDiagnostics

/// NPY, numpy's array file: the magic `\x93NUMPY`, a version, a little-endian header
/// length, a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, …), }`,
/// then the values. Numeric arrays in C order only: Fortran order and object arrays are
/// rejected with the numpy call that converts them.
extension DataReader {
    static func readNPY(images: String, labels: String, mode: LabelMode) throws(DataError) -> RawDataset {
        let inputs = try array(images, .npy)
        let labelArray = mode == .none ? nil : try array(labels, .npy)
        return try pair(inputs, labelArray, mode: mode)
    }

    static let npyTypes: [String: NumericArray.Element] = [
        "|u1": .uint8, "|i1": .int8, "<i2": .int16(bigEndian: false), "<i4": .int32(bigEndian: false),
        "<i8": .int64(bigEndian: false), "<f4": .float32(bigEndian: false), "<f8": .float64(bigEndian: false),
        ">i2": .int16(bigEndian: true), ">i4": .int32(bigEndian: true), ">i8": .int64(bigEndian: true),
        ">f4": .float32(bigEndian: true), ">f8": .float64(bigEndian: true),
    ]

    /// The longest NPY header read: numpy itself refuses headers over 10,000 bytes unless
    /// told otherwise, and a numeric array's header is about 128.
    static let maxNPYHeader = 1 << 16

    /// The array in an NPY file already in memory, its size checked against its header.
    static func npyArray(_ file: DataFile) throws(DataError) -> NumericArray {
        let header = try npyHeader(file)
        try header.checkDeclaredSize(storedSize: file.storedSize)
        return try NumericArray(header, file)
    }

    /// The bytes of an NPY file up to the end of its header (from the length field), or nil
    /// when `b` is too short to say.
    static func npyHeaderSize(_ b: [UInt8]) -> Int? {
        guard b.count >= 12, (1...3).contains(b[6]) else { return nil }
        let lengthBytes = b[6] == 1 ? 2 : 4
        let length = (0..<lengthBytes).reduce(0) { $0 | Int(b[8 + $1]) << (8 * $1) }
        return length <= maxNPYHeader ? 8 + lengthBytes + length : nil
    }

    /// The header at the start of `file`'s bytes (which may be only the file's first bytes).
    static func npyHeader(_ file: DataFile) throws(DataError) -> ArrayHeader {
        let b = file.bytes
        let path = file.path
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard b.count >= 10, Array(b[0..<6]) == magic else {
            throw DataError(
                .corruptData,
                "NPY files start with the bytes 93 'NUMPY'; '\(path)' starts with \(b.prefix(6).map { hex($0) }.joined(separator: " "))",
                file: path, help: "write the array with numpy.save")
        }
        let major = b[6]
        guard (1...3).contains(major) else {
            throw DataError(
                .corruptData, "NPY format versions 1 to 3 are known; '\(path)' is version \(major).\(b[7])", file: path)
        }
        let lengthBytes = major == 1 ? 2 : 4
        let start = 8 + lengthBytes
        guard b.count >= start else {
            throw DataError(
                .corruptData, "an NPY file holds its header length after the version; '\(path)' ends first", file: path)
        }
        let length = (0..<lengthBytes).reduce(0) { $0 | Int(b[8 + $1]) << (8 * $1) }
        guard length <= maxNPYHeader else {
            throw DataError(
                .corruptData,
                "an NPY header is at most \(maxNPYHeader.grouped) bytes (a numeric array's is about 128); '\(path)' declares \(length.grouped)",
                file: path, help: "the header is damaged: write the array again with numpy.save")
        }
        guard b.count >= start + length else {
            throw DataError(
                .corruptData,
                "an NPY header is as long as its length field says; '\(path)' declares \(length) bytes but has \(b.count - start)",
                file: path, help: "the file is truncated: download or copy it again")
        }
        let text = String(decoding: b[start..<(start + length)], as: UTF8.self)
        var parser = PythonLiteral(text)
        guard let header = parser.dictionary(), let descr = header["descr"]?.string,
            let fortran = header["fortran_order"]?.bool, let shape = header["shape"]?.tuple
        else {
            throw DataError(
                .corruptData,
                "an NPY header is a Python dict with 'descr', 'fortran_order' and 'shape'; '\(path)' has \(text.trimmingSpaces)",
                file: path)
        }
        guard let element = npyTypes[descr] else {
            let supported = "supported: |u1, |i1, <i2, <i4, <i8, <f4, <f8 (and big-endian >…)"
            if descr.contains("O") {
                throw DataError(
                    .corruptData, "NPY arrays must hold numbers; '\(path)' holds Python objects (dtype '\(descr)')",
                    file: path,
                    notes: [supported], help: "save a numeric array: numpy.save(path, a.astype(numpy.float32))")
            }
            throw DataError(
                .corruptData, "NPY arrays must have a numeric dtype nnc reads; '\(path)' has dtype '\(descr)'",
                file: path,
                notes: [supported], help: "convert it: numpy.save(path, a.astype(numpy.float32))")
        }
        guard !fortran else {
            throw DataError(
                .corruptData, "NPY arrays must be in C order; '\(path)' is in Fortran order", file: path,
                help: "save it in C order: numpy.save(path, numpy.ascontiguousarray(a))")
        }
        return ArrayHeader(
            format: "NPY", path: path, element: element, shape: shape, dataOffset: start + length,
            wasCompressed: file.wasCompressed)
    }
}

/// Just enough of Python's literal syntax for an NPY header: a dict of quoted-string keys
/// to quoted strings, True/False and tuples of non-negative integers.
struct PythonLiteral {
    enum Value {
        case string(String), bool(Bool), tuple([Int])
        var string: String? { if case .string(let s) = self { s } else { nil } }
        var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
        var tuple: [Int]? { if case .tuple(let t) = self { t } else { nil } }
    }

    private let characters: [Character]
    private var at = 0

    init(_ text: String) { characters = Array(text) }

    mutating func dictionary() -> [String: Value]? {
        guard take("{") else { return nil }
        var result: [String: Value] = [:]
        while !take("}") {
            guard let key = quoted(), take(":"), let value = value() else { return nil }
            result[key] = value
            if !take(",") { return take("}") ? result : nil }
        }
        return result
    }

    private mutating func value() -> Value? {
        skipSpaces()
        if let s = quoted() { return .string(s) }
        if word("True") { return .bool(true) }
        if word("False") { return .bool(false) }
        guard take("(") else { return nil }
        var items: [Int] = []
        while !take(")") {
            skipSpaces()
            var digits = ""
            while at < characters.count, characters[at].isASCII, characters[at].isNumber {
                digits.append(characters[at])
                at += 1
            }
            guard let n = Int(digits) else { return nil }
            items.append(n)
            if !take(",") { return take(")") ? .tuple(items) : nil }
        }
        return .tuple(items)
    }

    private mutating func quoted() -> String? {
        skipSpaces()
        guard at < characters.count, characters[at] == "'" || characters[at] == "\"" else { return nil }
        let quote = characters[at]
        at += 1
        var s = ""
        while at < characters.count, characters[at] != quote {
            s.append(characters[at])
            at += 1
        }
        guard at < characters.count else { return nil }
        at += 1
        return s
    }

    private mutating func word(_ w: String) -> Bool {
        let end = at + w.count
        guard end <= characters.count, String(characters[at..<end]) == w else { return false }
        at = end
        return true
    }

    private mutating func take(_ c: Character) -> Bool {
        skipSpaces()
        guard at < characters.count, characters[at] == c else { return false }
        at += 1
        return true
    }

    private mutating func skipSpaces() {
        while at < characters.count, characters[at].isWhitespace { at += 1 }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
