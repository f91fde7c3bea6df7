import Foundation
import NNCRuntime
import Testing

@Suite struct SafeTensorsTests {
    /// Written by the reference implementation (Python `safetensors` 0.x, `safetensors.numpy.save`
    /// of {'dense.kernel': [[1, -2.5], [0.25, 3]], 'dense.bias': [0.5, -1]} float32 with
    /// metadata {'nnc.model': 'tiny'}), which orders tensors by name within a dtype.
    static let reference =
        "a8000000000000007b225f5f6d657461646174615f5f223a7b226e6e632e6d6f64656c223a2274696e79227d2c2264656e73652e62696173223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c385d7d2c2264656e73652e6b65726e656c223a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473223a5b382c32345d7d7d20200000003f000080bf0000803f000020c00000803e00004040"

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

    let tiny = SafeTensors(
        tensors: [
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
        let file = SafeTensors(
            tensors: [.init(name: "a\"b\\c", shape: [1, 3], values: [1, 2, 3])], metadata: ["k": "line\nbreak"])
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

    /// A file of `header` (JSON text, padded) and `body` data bytes, as a hostile writer would make it.
    static func file(_ header: String, body: Int) -> Data {
        var data = Data()
        let text = Array(header.utf8)
        withUnsafeBytes(of: UInt64(text.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: text)
        data.append(Data(count: body))
        return data
    }

    /// Every corruption of the header the fuzzer found accepted or trapping, and its kin:
    /// each is refused with a message naming the tensor or field.
    @Test(arguments: [
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            16,
            #"the key "a" appears twice"#
        ),
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"dtype":"F64"}}"#, 8,
            #"the key "dtype" appears twice"#
        ),
        (
            #"{"a":{"dtype":"F32","shape":[128.5],"data_offsets":[0,8]}}"#, 8,
            "tensor 'a' has shape [128.5]; each size must be a whole number"
        ),
        (
            #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8,
            "tensor 'a' has shape [-2]; each size must be a whole number"
        ),
        (#"{"a":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}"#, 8, "tensor 'a' has shape [2e0]"),
        (
            #"{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#, 8,
            "tensor 'a' has shape [99999999999999999999]"
        ),
        (
            #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, 8,
            "whose element count overflows"
        ),
        (
            #"{"a":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, 8,
            "has byte range [0, 8] for shape [2305843009213693952]"
        ),
        (#"{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#, 8, "tensor 'a' has shape [\"2\"]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0.0,8]}}"#, 8, "tensor 'a' has data_offsets [0.0, 8]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}}"#, 16, "tensor 'a' has data_offsets [0, 8, 16]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, "tensor 'a' has byte range [8, 0]"),
        (
            #"{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}"#, 8,
            #"dtype "F99", which is not a safetensors dtype"#
        ),
        (
            #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, 8,
            "tensor 'a' has dtype I64; nnc reads F32 and F64"
        ),
        (#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, 8, "tensor 'a' has no dtype"),
        (#"{"a":[1,2]}"#, 0, "tensor 'a' is [1, 2], not an object"),
        (#"{"__metadata__":{"k":1}}"#, 0, "metadata 'k' is 1, not a string"),
        (#"[]"#, 0, "the header is not a JSON object"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#, 8, "not valid JSON: text after the JSON object"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), 0, "nested deeper than 32 levels"),
        // Overlapping, identical and contained byte ranges: two tensors may not share a byte.
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            12,
            "tensors 'a' (bytes [0, 8]) and 'b' (bytes [4, 12]) overlap"
        ),
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            8,
            "tensors 'a' (bytes [0, 8]) and 'b' (bytes [0, 8]) overlap"
        ),
        (
            #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            16,
            "tensors 'a' (bytes [0, 16]) and 'b' (bytes [4, 8]) overlap"
        ),
    ])
    func rejectsHostileHeaders(_ header: String, _ body: Int, _ message: String) {
        #expect {
            _ = try SafeTensors(decoding: Self.file(header, body: body))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func readsEmptyTensorsAndStrictlyValidHeaders() throws {
        // Zero-element tensors take no bytes and overlap nothing; escapes decode.
        let file = try SafeTensors(
            decoding: Self.file(
                #"{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},"w\u00e9":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#,
                body: 8))
        #expect(file["e"]?.values == [] && file["e"]?.shape == [0, 3])
        #expect(file["wé"]?.values == [0])
    }

    @Test func aHeaderLongerThanTheLimitIsRefusedBeforeItIsRead() {
        var data = Data()
        withUnsafeBytes(of: UInt64(SafeTensors.maximumHeaderBytes + 1).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(count: SafeTensors.maximumHeaderBytes + 1))
        #expect {
            _ = try SafeTensors(decoding: data)
        } throws: { error in
            "\(error)".contains("a safetensors header has at most 100,000,000")
        }
    }

    @Test func reportsNonFiniteValuesByTensorAndIndex() {
        let file = SafeTensors(tensors: [
            .init(name: "ok", shape: [2], values: [1, 2]),
            .init(name: "k", shape: [2, 3], values: [0, 1, 2, .nan, .infinity, 5]),
            .init(name: "all", shape: [2], values: [.nan, .nan]),
        ])
        let bad = file.nonFinite()
        #expect(bad.map(\.name) == ["k", "all"])
        #expect(bad[0].description == "'k': 2 of its 6 values are NaN or infinite (the first, NaN, at [1, 0])")
        #expect(bad[1].description == "'all': all 2 of its values are NaN or infinite (the first, NaN, at [0])")
        #expect(file.nonFinite(among: ["ok", "all"]).map(\.name) == ["all"])
    }

    /// A FIFO, a device or a folder given as a weights file is refused at once, never read forever.
    @Test func readsOnlyRegularFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        for (path, message) in [
            (fifo, "not a regular file"), ("/dev/zero", "not a regular file"), (dir.path, "it is a folder"),
            (dir.appendingPathComponent("none").path, "the file cannot be opened: No such file or directory"),
        ] {
            #expect {
                _ = try SafeTensors(contentsOf: path)
            } throws: { error in
                "\(error)".contains(message)
            }
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
        #expect(throws: (any Error).self) {
            try tiny.write(to: dir.appendingPathComponent("missing/w.safetensors").path)
        }
    }
}
