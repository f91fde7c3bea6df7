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

    init(path: String, bytes: [UInt8], wasCompressed: Bool) {
        self.path = path
        self.bytes = bytes
        self.wasCompressed = wasCompressed
    }

    /// Reads `path` (relative to the current directory), gunzipping if needed.
    static func load(_ path: String) throws(DataError) -> DataFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(.unreadableData, "data files must exist; '\(path)' was not found", file: path,
                            help: "paths in a model's data section are relative to the model file")
        }
        guard !isDirectory.boolValue else {
            throw DataError(.unreadableData, "a data path must name a file; '\(path)' is a directory", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.unreadableData, "data files must be readable; '\(path)' could not be read", file: path,
                            help: "check the file's permissions")
        }
        return try DataFile(path: path, contents: [UInt8](data))
    }

    /// Wraps bytes already in memory (tests, `nnc explain`), gunzipping if needed.
    init(path: String, contents: [UInt8]) throws(DataError) {
        if Gzip.isCompressed(contents) {
            self.init(path: path, bytes: try Gzip.decompress(contents, path: path), wasCompressed: true)
        } else {
            self.init(path: path, bytes: contents, wasCompressed: false)
        }
    }
}
