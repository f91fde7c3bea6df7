import Foundation
import NNCRuntime
import Testing

@Suite struct SafeTensorsTests {
    /// Written by the reference implementation (Python `safetensors` 0.x, `safetensors.numpy.save`
    /// of {'dense.kernel': [[1, -2.5], [0.25, 3]], 'dense.bias': [0.5, -1]} float32 with
    /// metadata {'nnc.model': 'tiny'}), which orders tensors by name within a dtype.
    static let reference = "a8000000000000007b225f5f6d657461646174615f5f223a7b226e6e632e6d6f64656c223a2274696e79227d2c2264656e73652e62696173223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c385d7d2c2264656e73652e6b65726e656c223a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473223a5b382c32345d7d7d20200000003f000080bf0000803f000020c00000803e00004040"

    static func bytes(_ hex: String) -> Data {
        var data = Data()
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            data.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return data
    }

    let tiny = SafeTensors(tensors: [
        .init(name: "dense.bias", shape: [2], values: [0.5, -1]),
        .init(name: "dense.kernel", shape: [2, 2], values: [1, -2.5, 0.25, 3]),
    ], metadata: ["nnc.model": "tiny"])

    @Test func encodesExactlyAsTheReferenceWriter() {
        #expect(tiny.encoded() == Self.bytes(Self.reference))
    }

    @Test func readsTheReferenceWritersFile() throws {
        let read = try SafeTensors(decoding: Self.bytes(Self.reference))
        #expect(read == tiny)
        #expect(read["dense.kernel"]?.values == [1, -2.5, 0.25, 3])
    }

    @Test func roundTripsNamesThatNeedEscaping() throws {
        let file = SafeTensors(tensors: [.init(name: "a\"b\\c", shape: [1, 3], values: [1, 2, 3])], metadata: ["k": "line\nbreak"])
        #expect(try SafeTensors(decoding: file.encoded()) == file)
    }

    @Test(arguments: [
        ("", "the file is 0 bytes"),
        ("ff00000000000000", "the header claims 255 bytes"),
        ("0400000000000000" + "7b7b7b7b", "not valid JSON"),
    ])
    func rejectsDamagedFiles(_ hex: String, _ message: String) {
        #expect {
            _ = try SafeTensors(decoding: Self.bytes(hex))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func rejectsATruncatedDataSection() {
        let cut = Self.bytes(Self.reference).dropLast(4)
        #expect {
            _ = try SafeTensors(decoding: Data(cut))
        } throws: { error in
            "\(error)".contains("'dense.kernel' has byte range [8, 24] for shape [2, 2] in 20 data bytes")
        }
    }

    @Test func writesAtomicallyLeavingNoTemporaryFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.safetensors").path
        try tiny.write(to: path)
        try tiny.write(to: path)
        #expect(try SafeTensors(contentsOf: path) == tiny)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w.safetensors"])
        #expect(throws: (any Error).self) { try tiny.write(to: dir.appendingPathComponent("missing/w.safetensors").path) }
    }
}
