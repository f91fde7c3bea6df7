import Foundation

/// The safetensors file format (Hugging Face): an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, an optional
/// `__metadata__` map of strings, then the raw little-endian data. nnc writes its weights
/// and checkpoints in it so other tools (`safetensors.numpy.load_file`, PyTorch) read them.
///
/// Writing is deterministic (tensors in the given order, keys sorted) so identical states
/// give identical files; reading validates every offset against the file size.
public struct SafeTensors: Sendable, Equatable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not hold \(values.count) values")
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
            entries.append("\(Self.quoted(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
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
                    data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
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

    /// Parses a file's bytes. F32 and F64 tensors are read (F64 converted to float); other
    /// dtypes are reported.
    public init(decoding data: Data) throws(FormatError) {
        guard data.count >= 8 else { throw FormatError("the file is \(data.count) bytes; a safetensors file starts with an 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FormatError("the header claims \(headerLength) bytes but the file has \(data.count - 8) after the length")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd))
        } catch {
            throw FormatError("the header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw FormatError("the header is not a JSON object") }
        let body = data.count - headerEnd
        var tensors: [(Int, Tensor)] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw FormatError("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw FormatError("metadata '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2
            else { throw FormatError("tensor '\(name)' lacks dtype, shape or data_offsets") }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            default: throw FormatError("tensor '\(name)' has dtype \(dtype); nnc reads F32 and F64")
            }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body,
                  offsets[1] - offsets[0] == count * width
            else { throw FormatError("tensor '\(name)' has byte range \(offsets) for shape \(shape) in \(body) data bytes") }
            let start = headerEnd + offsets[0]
            let values: [Float] = data.withUnsafeBytes { raw in
                (0..<count).map { i in
                    if width == 4 {
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                    } else {
                        Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self))))
                    }
                }
            }
            tensors.append((offsets[0], Tensor(name: name, shape: shape, values: values)))
        }
        self.tensors = tensors.sorted { $0.0 < $1.0 }.map(\.1)
        self.metadata = metadata
    }

    /// Reads a file; `FormatError` names what is wrong (the caller adds the path).
    public init(contentsOf path: String) throws(FormatError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError("the file cannot be read") }
        try self.init(decoding: data)
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
