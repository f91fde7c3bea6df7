import NNCDiagnostics

/// Where a data set's records lie in their file, so a problem found after reading (a label
/// outside the model's classes, seen only by preprocessing) still points at its line and
/// column, or at its record and byte offset in a binary file.
final class DataOrigin: Sendable {
    enum Layout: Sendable {
        /// A text file; `labelOffsets[r]` is the byte offset of record r's label.
        case text(TextFile, labelOffsets: [Int])
        /// A binary file of fixed-size records after a header (IDX, NPY labels).
        case binary(path: String, headerSize: Int, recordSize: Int)
        /// Generated samples: no file.
        case generated(name: String)
        /// One file per record (an image folder): record r is `paths[r]`.
        case files([String])
    }

    let layout: Layout

    init(_ layout: Layout) { self.layout = layout }

    /// The location of record `record`'s label (its `element`-th for per-step labels), and
    /// how to name that record in a message ("line 12", "record 12 (byte offset 20)").
    func label(of record: Int, element: Int = 0, perSample: Int = 1) -> (location: SourceLocation, name: String) {
        switch layout {
        case .text(let file, let offsets):
            let location = file.location(atByte: offsets[record])
            return (location, "line \(location.line)")
        case .binary(let path, let header, let size):
            let offset = header + (record * perSample + element) * size
            return (.file(path), "record \(record) (byte offset \(offset))")
        case .generated(let name):
            return (.file(name), "sample \(record)")
        case .files(let paths):
            return (.file(paths[record]), "image '\(paths[record])'")
        }
    }
}

/// The bytes of a text data file, with locations computed on demand (only when there is
/// something to report, so reading stays fast).
struct TextFile: Sendable {
    let path: String
    let bytes: [UInt8]

    /// 3 when the file starts with a UTF-8 byte order mark (which spreadsheet programs write),
    /// else 0: the text starts after it.
    var bomSize: Int { bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0 }

    /// The 1-based line and column (in Unicode scalars) of byte `offset`, in a
    /// `SourceFile` holding the text so the renderer can quote the line.
    func location(atByte offset: Int) -> SourceLocation {
        let start = bomSize
        let offset = max(min(offset, bytes.count), start)
        var line = 1
        var lineStart = start
        for i in start..<offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).unicodeScalars.count + 1
        return SourceFile(path: path, text: String(decoding: bytes[start...], as: UTF8.self)).location(
            line: line, column: column)
    }

    /// The text from `start` to `end` (a field), for messages.
    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
