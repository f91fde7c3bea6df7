import CZlib

/// gzip decompression with the system zlib. Concatenated gzip members (what `cat a.gz
/// b.gz` makes) decompress to the concatenation; bytes after the last member, a stream cut
/// short and a corrupt stream are errors (E0505), never a silently shorter file.
enum Gzip {
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    static func decompress(_ input: [UInt8], path: String) throws(DataError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: initialCapacity(input))
        var produced = 0
        var stream = z_stream()
        // 16 + 15: a gzip wrapper around a deflate stream with the largest window.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.corruptData, "gzip decompression could not start (zlib \(String(cString: zlibVersion())))", file: path)
        }
        defer { inflateEnd(&stream) }
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
                status = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress! + produced
                    stream.avail_out = UInt32(min(target.count - produced, Int(UInt32.max)))
                    let before = stream.avail_out
                    let result = inflate(&stream, Z_NO_FLUSH)
                    produced += Int(before - stream.avail_out)
                    return result
                }
                // Another member follows: start it afresh.
                if status == Z_STREAM_END, stream.avail_in >= 2, stream.next_in[0] == 0x1F, stream.next_in[1] == 0x8B {
                    inflateReset(&stream)
                    continue
                }
                if status != Z_OK { break }
                // No input left but the stream has not ended.
                if stream.avail_in == 0 && stream.avail_out > 0 { status = Z_BUF_ERROR; break }
            }
        }
        let consumed = input.count - Int(stream.avail_in)
        switch status {
        case Z_STREAM_END:
            guard stream.avail_in == 0 else {
                throw DataError(.corruptData, "a gzip file must end with its compressed stream; '\(path)' has \(stream.avail_in) more bytes after it (from byte offset \(consumed))",
                                file: path)
            }
        case Z_BUF_ERROR:
            throw DataError(.corruptData, "gzip data must be complete; '\(path)' ends after \(input.count) bytes, in the middle of its compressed stream",
                            file: path, notes: ["\(produced) bytes were decompressed before the end"],
                            help: "the file is truncated: download or copy it again")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw DataError(.corruptData, "gzip data must decompress cleanly; '\(path)' is corrupt near compressed byte offset \(consumed) (\(reason))",
                            file: path, help: "the file is damaged: download or copy it again")
        }
        output.removeLast(output.count - produced)
        return output
    }

    /// The gzip trailer's size field (the uncompressed size mod 2³²) as a first guess,
    /// bounded so a corrupt trailer cannot ask for gigabytes up front.
    private static func initialCapacity(_ input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 4096 }
        let n = input.count
        let size = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return max(4096, min(size, input.count * 64)) + 1
    }
}
