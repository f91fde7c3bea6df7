import Foundation

/// The bytes of one data file, gunzipped when the file is gzip-compressed. Compression is
/// detected by the gzip magic bytes (1f 8b), never by the file name, so `train.idx`,
/// `train.idx.gz` and `train.csv.gz` all read correctly whatever they are called.
struct DataFile: Sendable {
    /// The path as given (printed in diagnostics).
    let path: String
    let bytes: [UInt8]
    /// True when `bytes` were decompressed from a gzip file.
    let wasCompressed: Bool
    /// The size of the file on disk (compressed, for a gzip file).
    let storedSize: Int
    /// True when `bytes` stop at a limit the reader asked for: the file holds more.
    let isCut: Bool

    init(path: String, bytes: [UInt8], wasCompressed: Bool, storedSize: Int? = nil, isCut: Bool = false) {
        self.path = path
        self.bytes = bytes
        self.wasCompressed = wasCompressed
        self.storedSize = storedSize ?? bytes.count
        self.isCut = isCut
    }

    /// Reads `path` (relative to the current directory), gunzipping if needed. With a
    /// `limit`, at most `limit + 1` bytes are kept (and decompressed): `isCut` then says the
    /// file holds more than `limit`.
    static func load(_ path: String, limit: Int = Int.max) throws(DataError) -> DataFile {
        try checkReadable(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(
                .unreadableData, "data files must be readable; '\(path)' could not be read", file: path,
                help: "check the file's permissions")
        }
        defer { try? handle.close() }
        let magic = read(handle, 2, path: path)
        if Gzip.isCompressed(magic) {
            let compressed = magic + read(handle, Int.max, path: path)
            let bytes = try Gzip.decompress(compressed, path: path, limit: limit)
            return DataFile(
                path: path, bytes: bytes, wasCompressed: true, storedSize: compressed.count, isCut: bytes.count > limit)
        }
        let size = fileSize(path) ?? 0
        let bytes = magic + read(handle, limit == Int.max ? Int.max : max(limit + 1 - magic.count, 0), path: path)
        return DataFile(
            path: path, bytes: Array(bytes.prefix(limit == Int.max ? bytes.count : limit + 1)), wasCompressed: false,
            storedSize: size, isCut: bytes.count > limit)
    }

    /// The most bytes of text a data file may hold (decompressed): a quarter of this
    /// machine's memory, since reading keeps the text, a copy to parse and the values.
    static var textBudget: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory / 4) }

    /// A whole text data file (CSV, tokens, text), refused before it is read past
    /// `textBudget`: a small gzip file cannot inflate to more than memory holds.
    static func loadText(_ path: String) throws(DataError) -> DataFile {
        let budget = textBudget
        let file = try load(path, limit: budget)
        guard !file.isCut else {
            throw DataError(
                .dataSizeMismatch,
                "a text data file must fit in memory; '\(path)' holds more than \(ArrayHeader.bytes(budget, times: 1))\(file.wasCompressed ? " once decompressed" : ""), a quarter of this machine's memory",
                file: path, help: "use a smaller file, or split it")
        }
        return file
    }

    /// The first `count` bytes of `path` (decompressed), or all of them when it holds fewer.
    /// A gzip file is read and inflated chunk by chunk until `count` bytes are out, so
    /// reading a header costs the header, not the file.
    static func prefix(_ path: String, count: Int) throws(DataError) -> DataFile {
        try checkReadable(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError(
                .unreadableData, "data files must be readable; '\(path)' could not be read", file: path,
                help: "check the file's permissions")
        }
        defer { try? handle.close() }
        let size = fileSize(path) ?? 0
        let magic = read(handle, 2, path: path)
        guard Gzip.isCompressed(magic) else {
            let bytes = magic + read(handle, max(count - magic.count, 0), path: path)
            return DataFile(
                path: path, bytes: Array(bytes.prefix(count)), wasCompressed: false, storedSize: size,
                isCut: size > count)
        }
        let inflater = try Gzip.Inflater(path: path)
        var output: [UInt8] = []
        var chunk = magic
        var read = 0
        var status = Gzip.Inflater.Status.needsInput
        repeat {
            read += chunk.count
            status = try chunk.withUnsafeBufferPointer { source throws(DataError) in
                try inflater.inflate(source, into: &output, limit: count)
            }
            if status == .limitReached { break }
            chunk = Self.read(handle, 1 << 16, path: path)
        } while !chunk.isEmpty
        if status == .needsInput { throw inflater.truncated(inputCount: read, produced: output.count) }
        return DataFile(
            path: path, bytes: output, wasCompressed: true, storedSize: size, isCut: status == .limitReached)
    }

    /// Wraps bytes already in memory (tests, `nnc explain`), gunzipping if needed.
    init(path: String, contents: [UInt8]) throws(DataError) {
        if Gzip.isCompressed(contents) {
            self.init(
                path: path, bytes: try Gzip.decompress(contents, path: path), wasCompressed: true,
                storedSize: contents.count)
        } else {
            self.init(path: path, bytes: contents, wasCompressed: false)
        }
    }

    private static func checkReadable(_ path: String) throws(DataError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DataError(
                .unreadableData, "data files must exist; '\(path)' was not found", file: path,
                help: "paths in a model's data section are relative to the model file")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return
        case S_IFDIR:
            throw DataError(.unreadableData, "a data path must name a file; '\(path)' is a directory", file: path)
        default:
            throw DataError(
                .unreadableData, "a data path must name a regular file; '\(path)' is a device, pipe or socket",
                file: path,
                help: "copy the data into a file and name that file")
        }
    }

    /// The size of `path` in bytes (following symbolic links).
    private static func fileSize(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Up to `count` bytes from `handle` (fewer at the end of the file).
    private static func read(_ handle: FileHandle, _ count: Int, path: String) -> [UInt8] {
        if count == Int.max { return [UInt8]((try? handle.readToEnd()) ?? Data()) }
        return [UInt8]((try? handle.read(upToCount: count)) ?? Data())
    }
}
