import Foundation
import NNCDiagnostics
import NNCTestSupport
import Testing

@testable import NNCData

/// The bundled data sets (models/data), found from this file so tests run from any directory.
enum Bundled {
    static let root = Repository.root

    static func path(_ name: String) -> String { root.appendingPathComponent("models/data/\(name)").path }

    static var mnistTrain: DatasetSource {
        .idx(images: path("mnist5k-train-images-idx3-ubyte.gz"), labels: path("mnist5k-train-labels-idx1-ubyte.gz"))
    }

    static func csv(_ name: String) -> DatasetSource { .csv(CSVOptions(path: path(name))) }

    /// `text` with the repository's absolute path removed, so messages read `models/data/…`.
    static func relative(_ text: String) -> String { text.replacingOccurrences(of: root.path + "/", with: "") }
}

/// A fresh folder for files a test writes, removed when the value is dropped.
final class Scratch {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-data-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name` and returns its path.
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let path = url.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func write(_ name: String, text: String) -> String { write(name, Array(text.utf8)) }
}

/// The rendered diagnostic of the DataError `body` throws (or a failure note when it does not).
func rendered(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected a DataError", sourceLocation: sourceLocation)
        return ""
    } catch let error as DataError {
        return error.description
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

/// An IDX file: header for `element` (type byte) and `shape`, then `body`.
func idx(type: UInt8 = 0x08, _ shape: [Int], _ body: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(shape.count)]
    for n in shape { bytes += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] }
    return bytes + body
}

/// An NPY version 1 file with `header` as its dict text (padded as numpy pads it) and `body`.
func npy(_ header: String, _ body: [UInt8]) -> [UInt8] {
    var text = Array(header.utf8)
    let total = 10 + text.count + 1
    text += [UInt8](repeating: 0x20, count: (64 - total % 64) % 64) + [0x0A]
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + body
}

/// Little-endian bytes of floats.
func littleEndian(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

/// Array forms of the filler's checked fills for tests: the array holds `count / width` rows.
extension BatchFiller {
    func fillInputs(_ out: inout [Float], order: [Int32], positions: Range<Int>, epoch: Int, augment: Bool) throws {
        let rows = out.count / max(dataset.inputWidth, 1)
        try out.withUnsafeMutableBufferPointer {
            try fillInputs($0, rows: rows, order: order, positions: positions, epoch: epoch, augment: augment)
        }
    }

    func fillInputs(_ out: inout [Int32], order: [Int32], positions: Range<Int>) throws {
        let rows = out.count / max(dataset.inputWidth, 1)
        try out.withUnsafeMutableBufferPointer { try fillInputs($0, rows: rows, order: order, positions: positions) }
    }

    func fillTargets(_ out: inout [Float], order: [Int32], positions: Range<Int>) throws {
        let rows = out.count / max(dataset.targetWidth, 1)
        try out.withUnsafeMutableBufferPointer { try fillTargets($0, rows: rows, order: order, positions: positions) }
    }

    func fillTargets(_ out: inout [Int32], order: [Int32], positions: Range<Int>) throws {
        let rows = out.count / max(dataset.targetWidth, 1)
        try out.withUnsafeMutableBufferPointer { try fillTargets($0, rows: rows, order: order, positions: positions) }
    }
}
