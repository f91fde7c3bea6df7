import Testing

@testable import NNCData

/// The CIFAR-10 and CIFAR-100 binary formats: label bytes, then 1,024 red, 1,024 green and
/// 1,024 blue bytes, read into channels-last samples.
struct CIFARTests {
    /// A record whose pixel p has red p % 256, green (p + 1) % 256, blue (p + 2) % 256.
    static func record(labels: [UInt8]) -> [UInt8] {
        labels + (0..<3).flatMap { channel in (0..<1024).map { UInt8(($0 + channel) % 256) } }
    }

    static func read(_ bytes: [UInt8], _ variant: CIFAROptions.Variant) throws(DataError) -> RawDataset {
        let scratch = Scratch()
        let path = scratch.write("batch.bin", bytes)
        return try DataReader.read(.cifar(CIFAROptions(path: path, variant: variant)), labels: .classes)
    }

    @Test func cifar10RecordsBecomeChannelsLastImages() throws {
        let data = try Self.read(Self.record(labels: [3]) + Self.record(labels: [9]), .ten)
        #expect(data.sampleShape == [32, 32, 3])
        #expect(data.targets == .classes([3, 9], perSample: 1))
        // Pixel 0 of either image: (0, 1, 2); pixel 33 (row 1, column 1): (33, 34, 35).
        #expect(Array(data.features[0..<3]) == [0, 1, 2])
        #expect(Array(data.features[(33 * 3)..<(33 * 3 + 3)]) == [33, 34, 35])
        #expect(Array(data.features[(3072)..<(3072 + 3)]) == [0, 1, 2])
    }

    @Test func cifar100ReadsTheFineOrTheCoarseLabel() throws {
        let bytes = Self.record(labels: [7, 42])
        #expect(try Self.read(bytes, .hundred(fine: true)).targets == .classes([42], perSample: 1))
        #expect(try Self.read(bytes, .hundred(fine: false)).targets == .classes([7], perSample: 1))
    }

    @Test func aPartialRecordOrALabelOutOfRangeIsNamed() {
        do {
            _ = try Self.read(Self.record(labels: [1]) + [0, 0], .ten)
            Issue.record("a file with 2 bytes over a record was read")
        } catch {
            #expect(error.diagnostic.code == .dataSizeMismatch)
            #expect(error.description.contains("1 records and 2 bytes over"))
        }
        do {
            _ = try Self.read(Self.record(labels: [1]) + Self.record(labels: [10]), .ten)
            Issue.record("the label 10 was read as a CIFAR-10 class")
        } catch {
            #expect(error.diagnostic.code == .labelOutOfRange)
            #expect(error.description.contains("record 1 (byte offset 3073)"))
        }
    }
}
