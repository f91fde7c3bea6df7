import CZlib

/// gzip decompression with the system zlib. Concatenated gzip members (what `cat a.gz
/// b.gz` makes) decompress to the concatenation; bytes after the last member, a stream cut
/// short and a corrupt stream are errors (E0505), never a silently shorter file.
///
/// Output is bounded before it is produced: a caller that knows how many bytes the file
/// may hold (an IDX or NPY header's declared size) passes a `limit`, and decompression
/// stops as soon as it is passed, so a small file that inflates to gigabytes costs no more
/// than the header promised.
enum Gzip {
    /// deflate's largest compression ratio (a run of one byte: 258 bytes per 2-bit code,
    /// about 1032:1). No gzip file of n bytes holds more than `maxRatio × n` bytes.
    static let maxRatio = 1032

    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The whole decompressed content of `input`, or at most `limit + 1` bytes of it: the
    /// result is longer than `limit` exactly when the file holds more than `limit` bytes.
    static func decompress(_ input: [UInt8], path: String, limit: Int = Int.max) throws(DataError) -> [UInt8] {
        let inflater = try Inflater(path: path)
        var output: [UInt8] = []
        output.reserveCapacity(min(initialCapacity(input), limit == Int.max ? Int.max : limit + 1))
        let status = try input.withUnsafeBufferPointer { source throws(DataError) in
            try inflater.inflate(source, into: &output, limit: limit == Int.max ? Int.max : limit + 1)
        }
        switch status {
        case .limitReached: return output
        case .ended: return output
        case .needsInput: throw inflater.truncated(inputCount: input.count, produced: output.count)
        }
    }

    /// The gzip trailer's size field (the uncompressed size mod 2³²) as a first guess,
    /// bounded so a corrupt trailer cannot ask for gigabytes up front.
    private static func initialCapacity(_ input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 4096 }
        let n = input.count
        let size = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return max(4096, min(size, input.count * 64)) + 1
    }

    /// A gzip stream decompressed piece by piece: input may come in chunks (reading only a
    /// file's first bytes), output stops at a limit.
    final class Inflater {
        enum Status { case needsInput, ended, limitReached }

        let path: String
        private var stream = z_stream()
        /// Compressed bytes consumed so far (for messages).
        private(set) var consumed = 0
        /// The last member ended with the input: what follows must be another member.
        private var memberEnded = false

        init(path: String) throws(DataError) {
            self.path = path
            // 16 + 15: a gzip wrapper around a deflate stream with the largest window.
            guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
            else {
                throw DataError(
                    .corruptData, "gzip decompression could not start (zlib \(String(cString: zlibVersion())))",
                    file: path)
            }
        }

        deinit { inflateEnd(&stream) }

        /// Decompresses `input` (all of it, unless the output reaches `limit` bytes first),
        /// appending to `output`.
        func inflate(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], limit: Int) throws(DataError)
            -> Status
        {
            guard !input.isEmpty else { return memberEnded ? .ended : .needsInput }
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            defer { consumed += input.count - Int(stream.avail_in) }
            if memberEnded {
                // Another member follows the last one, or garbage does.
                guard input.count < 2 || (input[0] == 0x1F && input[1] == 0x8B) else {
                    throw DataError(
                        .corruptData,
                        "a gzip file must end with its compressed stream; '\(path)' has more bytes after it (from byte offset \(consumed))",
                        file: path)
                }
                inflateReset(&stream)
                memberEnded = false
            }
            while true {
                if output.count >= limit { return .limitReached }
                let room = min(limit - output.count, 1 << 20)
                let before = output.count
                output.append(contentsOf: repeatElement(0, count: room))
                let status = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress! + before
                    stream.avail_out = UInt32(room)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output.removeLast(Int(stream.avail_out))
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in == 0 {
                        memberEnded = true
                        return .ended
                    }
                    let next = stream.next_in!
                    guard stream.avail_in >= 2, next[0] == 0x1F, next[1] == 0x8B else {
                        let at = consumed + input.count - Int(stream.avail_in)
                        throw DataError(
                            .corruptData,
                            "a gzip file must end with its compressed stream; '\(path)' has \(stream.avail_in) more bytes after it (from byte offset \(at))",
                            file: path)
                    }
                    inflateReset(&stream)
                case Z_OK:
                    if stream.avail_in == 0 && stream.avail_out > 0 { return .needsInput }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return .needsInput
                default:
                    let at = consumed + input.count - Int(stream.avail_in)
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError(
                        .corruptData,
                        "gzip data must decompress cleanly; '\(path)' is corrupt near compressed byte offset \(at) (\(reason))",
                        file: path, help: "the file is damaged: download or copy it again")
                }
            }
        }

        /// The error for input that ended inside the compressed stream.
        func truncated(inputCount: Int, produced: Int) -> DataError {
            DataError(
                .corruptData,
                "gzip data must be complete; '\(path)' ends after \(inputCount) bytes, in the middle of its compressed stream",
                file: path, notes: ["\(produced) bytes were decompressed before the end"],
                help: "the file is truncated: download or copy it again")
        }
    }
}
