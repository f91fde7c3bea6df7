import Foundation
import NNCDiagnostics

/// The safetensors file format (Hugging Face): an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, an optional
/// `__metadata__` map of strings, then the raw little-endian data. nnc writes its weights
/// and checkpoints in it so other tools (`safetensors.numpy.load_file`, PyTorch) read them.
///
/// Writing is deterministic (tensors in the given order, keys sorted) so identical states
/// give identical files; reading treats the file as untrusted and validates it whole.
public struct SafeTensors: Sendable, Equatable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(
                shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not hold \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public var tensors: [Tensor]
    public var metadata: [String: String]

    public init(tensors: [Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }

    /// A problem reading a file: what is wrong, for a message that names the file.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Writing

    public func encoded() -> Data {
        var entries: [String] = []
        var offset = 0
        for t in tensors {
            let bytes = t.values.count * 4
            entries.append(
                "\(Self.quoted(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            )
            offset += bytes
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (header.count + 8) % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for t in tensors {
            t.values.withUnsafeBufferPointer { buffer in
                if Int(littleEndian: 1) == 1 {
                    data.append(
                        UnsafeBufferPointer(
                            start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                            count: buffer.count * 4))
                } else {
                    for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                }
            }
        }
        return data
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: Reading

    /// The largest header read, as in the reference implementation: a header takes about a
    /// hundred bytes per tensor, so a larger one is damage, not a model.
    public static let maximumHeaderBytes = 100_000_000

    /// Parses a file's bytes, trusting nothing in them: the header length is bounded, the
    /// header is strict JSON without duplicate keys, every shape is a list of whole numbers
    /// whose product fits, every dtype is known, every byte range lies inside the data and
    /// is the shape's size, and no two tensors share a byte. F32 and F64 tensors are read
    /// (F64 converted to float); other dtypes are reported.
    public init(decoding data: Data) throws(FormatError) {
        guard data.count >= 8 else {
            throw FormatError("the file is \(data.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FormatError(
                "the header claims \(headerLength) bytes but the file has \(data.count - 8) after the length")
        }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw FormatError(
                "the header claims \(Int(headerLength).grouped) bytes; a safetensors header has at most \(Self.maximumHeaderBytes.grouped)"
            )
        }
        let headerEnd = 8 + Int(headerLength)
        let parsed = Array(data[data.startIndex + 8..<data.startIndex + headerEnd]).withUnsafeBytes { bytes in
            Result { () throws(HeaderJSON.SyntaxError) in try HeaderJSON.parse(bytes) }
        }
        let json: HeaderJSON
        switch parsed {
        case .success(let value): json = value
        case .failure(let error):
            throw FormatError("the header is not valid JSON: \(error.message) (header byte \(error.offset))")
        }
        guard case .object(let header) = json else {
            throw FormatError("the header is not a JSON object but \(json.text)")
        }
        let body = data.count - headerEnd
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard case .object(let map) = value else {
                    throw FormatError("__metadata__ is \(value.text), not an object of strings")
                }
                for (key, item) in map {
                    guard case .string(let text) = item else {
                        throw FormatError("metadata '\(key)' is \(item.text), not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try Entry(name: name, value, body: body))
        }
        try Self.checkDisjoint(entries)
        let tensors = data.withUnsafeBytes { raw in
            entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }.map { entry in
                let start = headerEnd + entry.begin
                let values: [Float] = (0..<entry.count).map { i in
                    if entry.width == 4 {
                        Float(
                            bitPattern: UInt32(
                                littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                    } else {
                        Float(
                            Double(
                                bitPattern: UInt64(
                                    littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self))))
                    }
                }
                return Tensor(name: entry.name, shape: entry.shape, values: values)
            }
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Every dtype of the safetensors format, with its width in bytes.
    static let dtypeWidths: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F4": 1, "F6_E2M3": 1, "F6_E3M2": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    /// One tensor's header entry, validated against the data section's size.
    struct Entry {
        var name: String
        var shape: [Int]
        var count: Int
        var width: Int
        var begin: Int
        var end: Int

        init(name: String, _ value: HeaderJSON, body: Int) throws(FormatError) {
            self.name = name
            guard case .object(let fields) = value else {
                throw FormatError("tensor '\(name)' is \(value.text), not an object with dtype, shape and data_offsets")
            }
            func field(_ key: String) throws(FormatError) -> HeaderJSON {
                guard let found = fields.first(where: { $0.key == key }) else {
                    throw FormatError("tensor '\(name)' has no \(key)")
                }
                return found.value
            }
            let dtypeValue = try field("dtype")
            let shapeValue = try field("shape")
            let offsetsValue = try field("data_offsets")
            guard case .string(let dtype) = dtypeValue else {
                throw FormatError("tensor '\(name)' has dtype \(dtypeValue.text), not a name like \"F32\"")
            }
            guard let known = SafeTensors.dtypeWidths[dtype] else {
                throw FormatError(
                    "tensor '\(name)' has dtype \"\(dtype)\", which is not a safetensors dtype; nnc reads F32 and F64")
            }
            guard dtype == "F32" || dtype == "F64" else {
                throw FormatError("tensor '\(name)' has dtype \(dtype); nnc reads F32 and F64")
            }
            width = known
            guard case .array(let dims) = shapeValue else {
                throw FormatError("tensor '\(name)' has shape \(shapeValue.text), not a list of sizes")
            }
            var shape: [Int] = []
            for dim in dims {
                guard let size = Self.wholeNumber(dim) else {
                    throw FormatError(
                        "tensor '\(name)' has shape \(shapeValue.text); each size must be a whole number from 0 to \(Int.max)"
                    )
                }
                shape.append(size)
            }
            self.shape = shape
            var count = 1
            for size in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow else {
                    throw FormatError("tensor '\(name)' has shape \(shapeValue.text), whose element count overflows")
                }
                count = product
            }
            self.count = count
            guard case .array(let offsets) = offsetsValue, offsets.count == 2,
                let begin = Self.wholeNumber(offsets[0]), let end = Self.wholeNumber(offsets[1])
            else {
                throw FormatError(
                    "tensor '\(name)' has data_offsets \(offsetsValue.text); they must be two whole numbers [begin, end]"
                )
            }
            self.begin = begin
            self.end = end
            let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow, begin <= end, end <= body, end - begin == bytes else {
                throw FormatError(
                    "tensor '\(name)' has byte range [\(begin), \(end)] for shape \(shape) in \(body) data bytes")
            }
        }

        /// A JSON integer from 0 to Int.max: no sign, point or exponent.
        static func wholeNumber(_ value: HeaderJSON) -> Int? {
            guard case .number(let text) = value,
                text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            return Int(text)
        }
    }

    /// No byte of the data belongs to two tensors (an overlap would make writing one
    /// tensor change another; a duplicate range is the same mistake).
    static func checkDisjoint(_ entries: [Entry]) throws(FormatError) {
        let ranges = entries.filter { $0.begin < $0.end }.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.begin < a.end {
            throw FormatError(
                "tensors '\(a.name)' (bytes [\(a.begin), \(a.end)]) and '\(b.name)' (bytes [\(b.begin), \(b.end)]) overlap; each tensor needs bytes of its own"
            )
        }
    }

    /// A tensor holding NaN or infinite values: how many, and where the first is.
    public struct NonFinite: Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var count: Int
        public var total: Int
        /// The first such value and its index in the tensor's shape.
        public var first: Float
        public var index: [Int]

        public var description: String {
            let what = first.isNaN ? "NaN" : (first > 0 ? "+infinity" : "-infinity")
            let all =
                count == total
                ? "all \(total.grouped) of its values are" : "\(count.grouped) of its \(total.grouped) values are"
            return "'\(name)': \(all) NaN or infinite (the first, \(what), at \(index))"
        }
    }

    /// The tensors (of `names`, or all) that hold NaN or infinite values.
    public func nonFinite(among names: Set<String>? = nil) -> [NonFinite] {
        tensors.compactMap { t in
            guard names?.contains(t.name) ?? true, let first = t.values.firstIndex(where: { !$0.isFinite }) else {
                return nil
            }
            var index: [Int] = []
            var rest = first
            for size in t.shape.reversed() {
                index.insert(size > 0 ? rest % size : 0, at: 0)
                rest = size > 0 ? rest / size : 0
            }
            return NonFinite(
                name: t.name, count: t.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }, total: t.values.count,
                first: t.values[first], index: index)
        }
    }

    /// Reads a file; `FormatError` names what is wrong (the caller adds the path). Only a
    /// regular file is read, at the size it had when opened: a FIFO, a device such as
    /// /dev/zero or a folder is refused instead of read forever.
    public init(contentsOf path: String) throws(FormatError) {
        try self.init(decoding: try Self.readRegularFile(path))
    }

    static func readRegularFile(_ path: String) throws(FormatError) -> Data {
        // Non-blocking so that opening a FIFO does not wait for a writer.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw FormatError("the file cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FormatError("the file cannot be read: \(String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw FormatError("it is a folder, not a file")
        default: throw FormatError("it is not a regular file (a device, FIFO or socket)")
        }
        let size = Int(info.st_size)
        var data = Data(count: size)
        let read = data.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < size {
                let n = Foundation.read(fd, raw.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            return done
        }
        guard read == size else { throw FormatError("the file cannot be read: \(read) of its \(size) bytes came") }
        return data
    }

    /// Writes atomically: a temporary file in the same folder, flushed, then renamed over
    /// `path`, so a crash at any moment leaves either the old file or the new one whole.
    public func write(to path: String) throws {
        try AtomicFile.write(encoded(), to: path, durable: true)
    }
}

/// Whole-file writes that never leave a half-written file behind: a temporary file, then a
/// rename over the target. `durable` also flushes the data to the disk before the rename
/// (checkpoints and weights), so a power loss cannot leave an empty file under the old
/// name; logs skip the flush, which costs milliseconds per file.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, durable: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var written = 0
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return true
        }
        ok = ok && (!durable || fsync(fd) == 0)
        let failure = errno
        close(fd)
        guard ok, rename(temporary.path, url.path) == 0 else {
            let code = POSIXErrorCode(rawValue: ok ? errno : failure) ?? .EIO
            unlink(temporary.path)
            throw POSIXError(code)
        }
    }
}
