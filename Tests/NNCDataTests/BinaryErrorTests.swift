import Foundation
import Testing

@testable import NNCData

/// Every way a binary data file (IDX, gzip, NPY) can be wrong, by its full rendered
/// diagnostic: the file, the record or byte offset, and what was expected.
@Suite struct BinaryErrorTests {
    let scratch = Scratch()

    @Test func missingFileAndFolder() {
        let missing = scratch.url.appendingPathComponent("nope.idx").path
        #expect(
            rendered { _ = try DataReader.read(.idx(images: missing, labels: missing), labels: .classes) } == """
                \(missing): error: data files must exist; '\(missing)' was not found [E0501]
                help: paths in a model's data section are relative to the model file

                """)
        let folder = scratch.url.path
        #expect(
            rendered { _ = try DataReader.read(.csv(CSVOptions(path: folder)), labels: .classes) } == """
                \(folder): error: a data path must name a file; '\(folder)' is a directory [E0501]

                """)
    }

    @Test func idxWrongMagic() {
        let csv = Bundled.path("iris.csv")
        #expect(
            rendered { _ = try DataReader.read(.idx(images: csv, labels: csv), labels: .classes) } == """
                \(csv): error: IDX files start with two zero bytes, a type byte and the number of dimensions; '\(csv)' starts with 30 2c 35 2e [E0505]
                note: type bytes: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64; MNIST images start 00 00 08 03, labels 00 00 08 01

                """)
    }

    @Test func idxTruncatedAndOverlong() throws {
        let labels = try DataFile.load(Bundled.path("mnist5k-test-labels-idx1-ubyte.gz")).bytes
        let short = scratch.write("short-labels", Array(labels.prefix(8 + 997)))
        let images = Bundled.path("mnist5k-test-images-idx3-ubyte.gz")
        #expect(
            rendered { _ = try DataReader.read(.idx(images: images, labels: short), labels: .classes) } == """
                \(short): error: IDX files hold exactly the values their header declares; '\(short)' declares 1000 u8 values (1000 bytes after the 8-byte header) but has 997 bytes [E0505]
                note: the data stops inside record 997 (byte offset 1005)
                help: the file is truncated: download or copy it again

                """)
        let long = scratch.write("long-labels", labels + [0, 0])
        #expect(
            rendered { _ = try DataReader.read(.idx(images: images, labels: long), labels: .classes) } == """
                \(long): error: IDX files hold exactly the values their header declares; '\(long)' declares 1000 u8 values (1000 bytes after the 8-byte header) but has 2 bytes more [E0505]
                note: the extra bytes start at byte offset 1008

                """)
        let header = scratch.write("header", [0, 0, 8, 3, 0, 0, 0, 1])
        #expect(
            rendered { _ = try DataReader.read(.idx(images: header, labels: header), labels: .classes) } == """
                \(header): error: an IDX header holds a size for each dimension; '\(header)' declares 3 dimensions (a 16-byte header) but has only 8 bytes [E0505]
                help: the file is truncated: download or copy it again

                """)
    }

    @Test func corruptAndTruncatedGzip() throws {
        var gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Bundled.path("mnist5k-test-labels-idx1-ubyte.gz"))))
        let truncated = scratch.write("cut.gz", Array(gz.prefix(30)))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: truncated, labels: truncated), labels: .classes) } == """
                \(truncated): error: gzip data must be complete; '\(truncated)' ends after 30 bytes, in the middle of its compressed stream [E0505]
                note: 18 bytes were decompressed before the end
                help: the file is truncated: download or copy it again

                """)
        gz[gz.count - 6] ^= 0xFF  // a byte of the CRC-32 trailer
        let corrupt = scratch.write("bad.gz", gz)
        #expect(
            rendered { _ = try DataReader.read(.idx(images: corrupt, labels: corrupt), labels: .classes) } == """
                \(corrupt): error: gzip data must decompress cleanly; '\(corrupt)' is corrupt near compressed byte offset 42 (incorrect data check) [E0505]
                help: the file is damaged: download or copy it again

                """)
        let trailing = scratch.write(
            "trailing.gz",
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: Bundled.path("mnist5k-test-labels-idx1-ubyte.gz")))) + [
                1, 2, 3,
            ])
        #expect(
            rendered { _ = try DataReader.read(.idx(images: trailing, labels: trailing), labels: .classes) } == """
                \(trailing): error: a gzip file must end with its compressed stream; '\(trailing)' has 3 more bytes after it (from byte offset 46) [E0505]

                """)
    }

    @Test func concatenatedGzipMembersAreOneFile() throws {
        let gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Bundled.path("mnist5k-test-labels-idx1-ubyte.gz"))))
        let once = try DataFile.load(Bundled.path("mnist5k-test-labels-idx1-ubyte.gz")).bytes
        let twice = try DataFile.load(scratch.write("twice.gz", gz + gz)).bytes
        #expect(twice == once + once)
    }

    @Test func imageAndLabelCountsDiffer() {
        let images = scratch.write("images", idx([3, 2, 2], [UInt8](repeating: 1, count: 12)))
        let labels = scratch.write("labels", idx([2], [0, 1]))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: images, labels: labels), labels: .classes) } == """
                \(labels): error: inputs and labels come in pairs; '\(images)' holds 3 samples but '\(labels)' holds 2 labels [E0504]
                help: the two files must come from the same data set and split

                """)
    }

    @Test func binaryLabelsMustBeClassNumbers() {
        let images = scratch.write("images", idx([3, 1], [1, 2, 3]))
        let negative = scratch.write("negative", idx(type: 0x09, [3], [0, 1, 0xFF]))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: images, labels: negative), labels: .classes) } == """
                \(negative): error: class labels are whole numbers ≥ 0; record 2 (byte offset 10) of '\(negative)' holds -1 [E0503]

                """)
        let fraction = scratch.write("fraction", idx(type: 0x0D, [3], [0, 0, 0, 0, 0x3F, 0, 0, 0, 0, 0, 0, 0]))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: images, labels: fraction), labels: .classes) } == """
                \(fraction): error: class labels are whole numbers ≥ 0; record 1 (byte offset 12) of '\(fraction)' holds 0.5 [E0502]
                help: for real-valued targets use a regression loss (mse, mae)

                """)
    }

    @Test func npyHeaderProblems() {
        let images = scratch.write(
            "x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", littleEndian([1, 2])))
        func read(_ labels: String) throws(DataError) {
            _ = try DataReader.read(.npy(images: images, labels: labels), labels: .classes)
        }
        let magic = scratch.write("magic.npy", Array("NUMPY!whatever".utf8))
        #expect(
            rendered { try read(magic) } == """
                \(magic): error: NPY files start with the bytes 93 'NUMPY'; '\(magic)' starts with 4e 55 4d 50 59 21 [E0505]
                help: write the array with numpy.save

                """)
        let fortran = scratch.write(
            "f.npy", npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2,), }", [UInt8](repeating: 0, count: 8)))
        #expect(
            rendered { try read(fortran) } == """
                \(fortran): error: NPY arrays must be in C order; '\(fortran)' is in Fortran order [E0505]
                help: save it in C order: numpy.save(path, numpy.ascontiguousarray(a))

                """)
        let objects = scratch.write(
            "o.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", [UInt8](repeating: 0, count: 16)))
        #expect(
            rendered { try read(objects) } == """
                \(objects): error: NPY arrays must hold numbers; '\(objects)' holds Python objects (dtype '|O') [E0505]
                note: supported: |u1, |i1, <i2, <i4, <i8, <f4, <f8 (and big-endian >…)
                help: save a numeric array: numpy.save(path, a.astype(numpy.float32))

                """)
        let complex = scratch.write(
            "c.npy", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", [UInt8](repeating: 0, count: 16)))
        #expect(
            rendered { try read(complex) } == """
                \(complex): error: NPY arrays must have a numeric dtype nnc reads; '\(complex)' has dtype '<c8' [E0505]
                note: supported: |u1, |i1, <i2, <i4, <i8, <f4, <f8 (and big-endian >…)
                help: convert it: numpy.save(path, a.astype(numpy.float32))

                """)
        let garbled = scratch.write("g.npy", npy("{'descr': '<i4', 'shape': [2]}", [UInt8](repeating: 0, count: 8)))
        #expect(
            rendered { try read(garbled) } == """
                \(garbled): error: an NPY header is a Python dict with 'descr', 'fortran_order' and 'shape'; '\(garbled)' has {'descr': '<i4', 'shape': [2]} [E0505]

                """)
        let short = scratch.write(
            "s.npy", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", [1, 0, 0, 0, 2]))
        #expect(
            rendered { try read(short) } == """
                \(short): error: NPY files hold exactly the values their header declares; '\(short)' declares 2 i32 values (8 bytes after the 128-byte header) but has 5 bytes [E0505]
                note: the data stops inside record 1 (byte offset 132)
                help: the file is truncated: download or copy it again

                """)
    }
}
