import Foundation
import NNCDiagnostics
import Testing

@testable import NNCData

/// Data files written to break the readers (issue 12): sizes that overflow or lie, integers
/// past 32 bits, NaN and infinities, numbers C reads but CSV does not mean, a byte order
/// mark. Each is a located refusal (or, for the BOM, a correct read), never a trap or an
/// allocation sized by a header.
@Suite struct HostileDataTests {
    let scratch = Scratch()

    static func fixture(_ name: String) -> String {
        Bundled.root.appendingPathComponent("Tests/Fixtures/data/\(name)").path
    }

    /// Little-endian int64s.
    static func int64s(_ values: [Int64]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    // MARK: integers from data files

    @Test func int64LabelsAreComparedExactly() {
        let images = scratch.write(
            "x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", littleEndian([1, 2])))
        let labels = scratch.write(
            "y.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Self.int64s([0, Int64.max])))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: images, labels: labels), labels: .classes) } == """
                \(labels): error: class labels are whole numbers from 0 to 2,147,483,647; record 1 (byte offset 136) of '\(labels)' holds 9223372036854775807 [E0503]

                """)
        let negative = scratch.write(
            "n.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Self.int64s([0, Int64.min])))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: images, labels: negative), labels: .classes) }
                .contains(
                    "class labels are whole numbers ≥ 0; record 1 (byte offset 136) of '\(negative)' holds -9223372036854775808 [E0503]"
                ))
    }

    @Test func theLargestInt32LabelIsOutOfRangeNotATrap() throws {
        // 2147483647 is a valid class number to read, and outside any real model's classes:
        // the help must not compute labels.max() + 1 in 32 bits.
        let csv = scratch.write("big.csv", text: "0,1,2\n2147483647,3,4\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: csv)), labels: .classes)
        let message = rendered {
            _ = try Preprocessing(inputShape: [2], targets: .sparse(classes: 3)).fit(on: raw).apply(to: raw)
        }
        #expect(
            message.contains(
                "\(csv):2:1: error: class labels must lie in 0..<3 (the model has 3 classes); line 2 of '\(csv)' has label 2147483647 [E0503]"
            ), "\(message)")
        #expect(
            message.contains(
                "help: class labels count the classes from 0; 2147483647 is no class number of a 3-class model: relabel the data"
            ))
        let images = scratch.write("i", idx([2, 1], [1, 2]))
        let labels = scratch.write("l", idx(type: 0x0C, [2], [0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF]))
        let idxRaw = try DataReader.read(.idx(images: images, labels: labels), labels: .classes)
        #expect(
            rendered {
                _ = try Preprocessing(inputShape: [1], targets: .oneHot(classes: 3)).fit(on: idxRaw).apply(to: idxRaw)
            }
            .contains("record 1 (byte offset 12) of '\(labels)' has label 2147483647 [E0503]"))
    }

    @Test func headerSizesThatOverflowOrExceedTheFileAreRefusedBeforeReading() {
        let huge = scratch.write("huge", idx([0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], []))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: huge, labels: huge), labels: .classes) } == """
                \(huge): error: IDX headers declare sizes a file can hold; '\(huge)' declares 4294967295×4294967295×4294967295 u8 values, a number too large to address [E0505]
                help: the header is damaged: download or copy the file again

                """)
        let npyHuge = scratch.write(
            "huge.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", []))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: npyHuge, labels: npyHuge), labels: .none) }
                .contains("declares 4611686018427387904×4 f64 values, a number too large to address [E0505]"))
        let records = scratch.write("records", idx([0x8000_0000, 1], []))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: records, labels: records), labels: .none) } == """
                \(records): error: a data file holds at most 2,147,483,647 records; '\(records)' declares 2,147,483,648 [E0504]
                help: split the data into several files

                """)
        // A plain file is compared with its size on disk, before its values are read.
        let short = scratch.write("short", idx([1000, 1000], [1, 2, 3]))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: short, labels: short), labels: .none) }
                .contains(
                    "'\(short)' declares 1000×1000 u8 values (1000000 bytes after the 12-byte header) but has 3 bytes [E0505]"
                ))
        let empty = scratch.write("empty", idx([0, 5], []))
        #expect(
            rendered { _ = try DataReader.read(.idx(images: empty, labels: empty), labels: .none) }
                .contains(
                    "a data file holds at least one record of at least one value; '\(empty)' declares 0×5 [E0504]"))
    }

    @Test func npyHeaderLengthIsBounded() {
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0] + [0xFF, 0xFF, 0xFF, 0x7F]
        bytes += [UInt8](repeating: 0x20, count: 64)
        let path = scratch.write("long.npy", bytes)
        #expect(
            rendered { _ = try DataReader.read(.npy(images: path, labels: path), labels: .none) } == """
                \(path): error: an NPY header is at most 65,536 bytes (a numeric array's is about 128); '\(path)' declares 2,147,483,647 [E0505]
                help: the header is damaged: write the array again with numpy.save

                """)
    }

    // MARK: budgets

    @Test func gzipStopsInflatingAtTheDeclaredSize() throws {
        // 2×2×2 bytes declared, 8 MiB of zeros compressed behind them (8 KB on disk).
        let bomb = Self.fixture("inflates-past-header.idx.gz")
        #expect(
            rendered { _ = try DataReader.read(.idx(images: bomb, labels: bomb), labels: .none) } == """
                \(bomb): error: IDX files hold exactly the values their header declares; '\(bomb)' declares 2×2×2 u8 values (8 bytes after the 16-byte header) but holds more [E0505]
                note: decompression stopped after 25 bytes, past the declared 24
                help: the header does not describe the file: download or copy it again

                """)
        #expect(try DataFile.load(bomb, limit: 24).bytes.count == 25)
        #expect(try DataFile.prefix(bomb, count: 16).bytes.count == 16)
    }

    @Test func aHeaderDeclaringMoreThanTheGzipFileCanHoldIsRefusedUnread() {
        let header = Self.fixture("header-only.idx.gz")
        #expect(
            rendered { _ = try DataReader.read(.idx(images: header, labels: header), labels: .none) } == """
                \(header): error: IDX files hold exactly the values their header declares; '\(header)' declares 60000×28×28 u8 values (47,040,016 bytes with the header), but a gzip file of 33 bytes inflates to at most 34,056 [E0505]
                help: the header is damaged or the file truncated: download or copy it again

                """)
    }

    @Test func generatedTasksAndSequencesAreSizedBeforeAllocation() {
        let samples = SequenceTask(.adding, length: 50, samples: 1 << 62, seed: 1)
        #expect(
            rendered { _ = try DataReader.read(.generated(samples), labels: .values) }
                .hasPrefix(
                    "the adding task: error: generated data must fit in memory; the adding task asks for 4,611,686,018,427,387,904 samples of 50×2 values"
                ))
        let symbols = SequenceTask(.copy, length: 5, samples: 2, seed: 1, symbols: Int.max - 1)
        #expect(
            rendered { _ = try DataReader.read(.generated(symbols), labels: .classes) }
                .contains("token ids are 32-bit; the copy task asks for 9,223,372,036,854,775,806 symbols [E0504]"))
        let remember = SequenceTask(.copy, length: 5, samples: 2, seed: 1, remember: Int.max / 2 + 1)
        #expect(
            rendered { _ = try DataReader.read(.generated(remember), labels: .classes) }.contains(
                "generated data must fit in memory"))
        let tokens = scratch.write("t.tsv", text: "0\t1 99999999999999999\n")
        #expect(
            rendered {
                _ = try DataReader.read(
                    .tokens(path: tokens, SequenceOptions(timesteps: 4, vocabularySize: Int.max)), labels: .classes)
            }
            .contains(
                "token ids must lie below the vocabulary size 16777217 (the largest vocabulary nnc reads); got 99999999999999999 [E0503]"
            ))
    }

    @Test func dataPathsMustBeRegularFiles() {
        #expect(
            rendered { _ = try DataReader.read(.csv(CSVOptions(path: "/dev/null")), labels: .classes) } == """
                /dev/null: error: a data path must name a regular file; '/dev/null' is a device, pipe or socket [E0501]
                help: copy the data into a file and name that file

                """)
    }

    // MARK: NaN and infinities

    @Test func nonFiniteBinaryValuesNameTheirRecord() {
        let images = scratch.write(
            "x.npy",
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", littleEndian([1, 2, 3, .nan, 5, 6])))
        let labels = scratch.write(
            "y.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [0, 1, 2]))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: images, labels: labels), labels: .classes) } == """
                \(images): error: data values must be finite numbers; record 1 (byte offset 140), element 1, of '\(images)' holds NaN [E0506]
                note: a NaN or infinite input makes every loss and gradient it touches NaN
                help: replace or drop the missing values before training (e.g. numpy.nan_to_num, or remove the record)

                """)
        // Prediction reads inputs only, and refuses them the same way.
        #expect(
            rendered { _ = try DataReader.read(.npy(images: images, labels: ""), labels: .none) }.contains(
                "holds NaN [E0506]"))
        let clean = scratch.write(
            "c.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1), }", littleEndian([1, 2, 3])))
        let targets = scratch.write(
            "t.npy",
            npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                [1.0, -Double.infinity, 1e300].flatMap { v in
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
                }))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: clean, labels: targets), labels: .values) }
                .contains("record 1 (byte offset 136) of '\(targets)' holds -infinity [E0506]"))
        let far = scratch.write(
            "far.npy",
            npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                [1.0, 2, 1e300].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: clean, labels: far), labels: .values) }
                .contains(
                    "record 2 (byte offset 144) of '\(far)' holds 1e+300, beyond the range of a 32-bit float [E0506]"))
        let classes = scratch.write(
            "k.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", littleEndian([0, .infinity, 1])))
        #expect(
            rendered { _ = try DataReader.read(.npy(images: clean, labels: classes), labels: .classes) }.contains(
                "holds +infinity [E0506]"))
    }

    @Test func nonFiniteTextValuesAreTheirOwnDiagnosis() {
        func csv(_ text: String, mode: LabelMode = .classes) -> String {
            let path = scratch.write("data.csv", text: text)
            return Bundled.relative(rendered { _ = try DataReader.read(.csv(CSVOptions(path: path)), labels: mode) })
                .replacingOccurrences(of: scratch.url.path + "/", with: "")
        }
        #expect(
            csv("0,1,-Infinity\n").contains(
                "data.csv:1:5: error: CSV feature values are finite decimal numbers; '-Infinity' is -infinity [E0506]"))
        #expect(csv("0,1,1e39\n").contains("'1e39' is beyond the range of a 32-bit float [E0506]"))
        #expect(csv("0,1,1e400\n").contains("'1e400' is beyond the range of a 64-bit float [E0506]"))
        #expect(
            csv("nan,1,2\n", mode: .values) == """
                data.csv:1:1: error: CSV labels must be finite numbers; 'nan' is NaN [E0506]
                1 | nan,1,2
                  | `- error: not finite
                help: replace or drop the records with missing labels

                """)
        #expect(csv("1e39,1,2\n", mode: .values).contains("'1e39' is beyond the range of a 32-bit float [E0506]"))
    }

    @Test func scalingPastAFloatsRangeIsRefused() throws {
        let path = scratch.write("big.csv", text: "0,1,2\n1,3e38,4\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: path)), labels: .classes)
        #expect(
            rendered {
                _ = try Preprocessing(scale: 10, inputShape: [2], targets: .sparse(classes: 2)).fit(on: raw).apply(
                    to: raw)
            } == """
                \(path):2:1: error: prepared values must be finite numbers; line 2 of '\(path)' holds 3e+38, which preprocessing turns into inf [E0506]
                2 | 1,3e38,4
                  | `- error: this record
                help: lower data.preprocess.scale, or rescale the data before training

                """)
    }

    // MARK: what CSV numbers are

    @Test func onlyDecimalNumbersAreCSVNumbers() throws {
        let hex = scratch.write("hex.csv", text: "0,1,2\n1,0x10,2\n")
        #expect(
            rendered { _ = try DataReader.read(.csv(CSVOptions(path: hex)), labels: .classes) } == """
                \(hex):2:3: error: CSV feature values are finite decimal numbers; '0x10' is not [E0502]
                2 | 1,0x10,2
                  |   `- error: not a number
                help: write the value in decimal digits: 0x10 is 16

                """)
        let label = scratch.write("hexlabel.csv", text: "0x1,1,2\n")
        #expect(
            rendered { _ = try DataReader.read(.csv(CSVOptions(path: label)), labels: .classes) }.contains(
                "CSV labels must be decimal numbers; '0x1' is not [E0502]"))
        for bad in ["1_0", ".", "1e", "e5", "--1", "1.2.3", "0x1p3", "1,5"] {
            let path = scratch.write("bad.csv", text: "0;\(bad)\n")
            let message = rendered {
                _ = try DataReader.read(.csv(CSVOptions(path: path, delimiter: ";")), labels: .classes)
            }
            #expect(message.contains("'\(bad)' is not [E0502]"), "\(bad): \(message)")
        }
        let good = scratch.write("good.csv", text: "0,+.5,5.,-1e-3,2E+2,007\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: good)), labels: .classes)
        #expect(raw.features == [0.5, 5, -0.001, 200, 7])
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let headed = scratch.write("headed.csv", bom + Array("label,a,b\n1,2,3\n0,4,5\n".utf8))
        let raw = try DataReader.read(.csv(CSVOptions(path: headed, header: true)), labels: .classes)
        #expect(raw.features == [2, 3, 4, 5] && raw.targets == .classes([1, 0], perSample: 1))
        let plain = scratch.write("plain.csv", bom + Array("2,1,2\n0,3,4\n".utf8))
        #expect(
            try DataReader.read(.csv(CSVOptions(path: plain)), labels: .classes).targets
                == .classes([2, 0], perSample: 1))
        // Columns on the first line count from after the mark.
        let bad = scratch.write("bad.csv", bom + Array("0,x,2\n".utf8))
        #expect(
            rendered { _ = try DataReader.read(.csv(CSVOptions(path: bad)), labels: .classes) }.hasPrefix(
                "\(bad):1:3: error:"))
        let tokens = scratch.write("t.tsv", bom + Array("1\t3 4\n".utf8))
        #expect(
            try DataReader.read(
                .tokens(path: tokens, SequenceOptions(timesteps: 2, vocabularySize: 10)), labels: .classes
            ).features == [3, 4])
    }

    // MARK: naming the right file

    @Test func aWrongSampleShapeNamesTheImagesFile() throws {
        let images = scratch.write("images", idx([2, 3, 3], [UInt8](repeating: 1, count: 18)))
        let labels = scratch.write("labels", idx([2], [0, 1]))
        let raw = try DataReader.read(.idx(images: images, labels: labels), labels: .classes)
        #expect(
            rendered {
                _ = try Preprocessing(inputShape: [28, 28], targets: .sparse(classes: 2)).fit(on: raw).apply(to: raw)
            } == """
                \(images): error: samples must hold as many values as the model's input [28, 28] (784); the samples of '\(images)' are [3, 3] (9 values) [E0504]
                help: set the model's input to [3, 3], or reshape inside the model

                """)
        let contract = DataContract(
            input: [28, 28], output: [2], outputName: "dense", targets: .classNumbers,
            lossName: "sparse categorical cross-entropy")
        #expect(
            contract.problems(with: raw.summary).map(\.message) == [
                "samples must hold as many values as the model's input [28, 28] (784); the samples of '\(images)' are [3, 3] (9 values)"
            ])
    }
}
