import Foundation
import Testing

@testable import NNCData

/// Every reader on the bundled real files. Expected counts, labels and pixel sums were
/// computed independently with python3 (gzip + struct, csv, numpy), not by this code.
@Suite struct ReaderTests {
    @Test func mnist5kTrainingImagesAndLabels() throws {
        let data = try DataReader.read(Bundled.mnistTrain, labels: .classes)
        #expect(data.count == 4000)
        #expect(data.sampleShape == [28, 28])
        guard case .classes(let labels, perSample: 1) = data.targets else {
            Issue.record("no class labels")
            return
        }
        #expect(Array(labels.prefix(12)) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
        #expect(data.features.reduce(0.0) { $0 + Double($1) } == 104_646_036)
        #expect(data.features[0..<784].reduce(0, +) == 31095)
        #expect(data.features[(3999 * 784)...].reduce(0, +) == 18371)
        #expect(data.features.max() == 255 && data.features.min() == 0)
    }

    @Test func mnist5kTestSet() throws {
        let data = try DataReader.read(
            .idx(
                images: Bundled.path("mnist5k-test-images-idx3-ubyte.gz"),
                labels: Bundled.path("mnist5k-test-labels-idx1-ubyte.gz")), labels: .classes)
        #expect(data.count == 1000)
        #expect(data.features.reduce(0.0) { $0 + Double($1) } == 26_621_066)
        #expect(data.features[0..<784].reduce(0, +) == 30960)
    }

    @Test func digitsIDXAndCSVHoldTheSameSamples() throws {
        let idx = try DataReader.read(
            .idx(
                images: Bundled.path("digits-train-images-idx3-ubyte.gz"),
                labels: Bundled.path("digits-train-labels-idx1-ubyte.gz")), labels: .classes)
        let csv = try DataReader.read(Bundled.csv("digits_train.csv"), labels: .classes)
        #expect(idx.count == 1437 && csv.count == 1437)
        #expect(idx.sampleShape == [8, 8] && csv.sampleShape == [64])
        #expect(Array(idx.features.prefix(8)) == [0, 0, 5, 13, 9, 1, 0, 0])
        #expect(idx.features.reduce(0, +) == 449_372)
        #expect(idx.features == csv.features)
        #expect(idx.targets == csv.targets)
    }

    @Test(arguments: [
        ("iris.csv", 150, 4, [50, 50, 50]), ("wine.csv", 178, 13, [59, 71, 48]),
        ("breast_cancer.csv", 569, 30, [212, 357]),
        ("digits_test.csv", 360, 64, [35, 36, 35, 37, 37, 37, 37, 36, 33, 37]),
    ])
    func bundledCSVFiles(name: String, count: Int, features: Int, perClass: [Int]) throws {
        let data = try DataReader.read(Bundled.csv(name), labels: .classes)
        #expect(data.count == count)
        #expect(data.sampleShape == [features])
        guard case .classes(let labels, perSample: 1) = data.targets else {
            Issue.record("no class labels")
            return
        }
        #expect((0..<perClass.count).map { c in labels.filter { $0 == c }.count } == perClass)
    }

    @Test func csvValuesAreCorrectlyRounded() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        #expect(Array(iris.features.prefix(4)) == [5.1, 3.5, 1.4, 0.2])
        // python3: numpy.loadtxt(...)[:, 1:].astype(numpy.float32), summed in row order as Doubles
        #expect(iris.features.reduce(0.0) { $0 + Double($1) } == 2078.69999640435)
        let cancer = try DataReader.read(Bundled.csv("breast_cancer.csv"), labels: .classes)
        #expect(cancer.features.reduce(0.0) { $0 + Double($1) } == 1_056_474.4601555474)
    }

    @Test func gzipAndPlainIDXGiveIdenticalData() throws {
        let scratch = Scratch()
        let images = Bundled.path("mnist5k-test-images-idx3-ubyte.gz")
        let labels = Bundled.path("mnist5k-test-labels-idx1-ubyte.gz")
        let plainImages = scratch.write("images.idx", try DataFile.load(images).bytes)
        let plainLabels = scratch.write("labels", try DataFile.load(labels).bytes)
        #expect(try DataFile.load(plainImages).wasCompressed == false)
        #expect(try DataFile.load(images).wasCompressed == true)
        let gz = try DataReader.read(.idx(images: images, labels: labels), labels: .classes)
        let plain = try DataReader.read(.idx(images: plainImages, labels: plainLabels), labels: .classes)
        #expect(gz.features == plain.features && gz.targets == plain.targets && gz.sampleShape == plain.sampleShape)
    }

    @Test func csvOptionsLabelColumnFromTheEndHeaderDelimiterAndFeatureSelection() throws {
        let scratch = Scratch()
        let path = scratch.write("t.csv", text: "a;b;y\n1;2;0\r\n3; 4 ;1\n\n")
        let last = try DataReader.read(
            .csv(CSVOptions(path: path, labelColumn: -1, header: true, delimiter: ";")), labels: .classes)
        #expect(last.features == [1, 2, 3, 4] && last.targets == .classes([0, 1], perSample: 1))
        let chosen = try DataReader.read(
            .csv(CSVOptions(path: path, labelColumn: 2, header: true, delimiter: ";", featureColumns: [1])),
            labels: .values)
        #expect(chosen.features == [2, 4] && chosen.targets == .values([0, 1], width: 1))
        let unlabeled = try DataReader.read(.csv(CSVOptions(path: path, header: true, delimiter: ";")), labels: .none)
        #expect(unlabeled.sampleShape == [3] && unlabeled.targets == .none)
    }

    @Test func npyInputsAndLabelsOfEveryDtype() throws {
        let scratch = Scratch()
        let images = scratch.write(
            "x.npy",
            npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", littleEndian([1, 2, 3, 4, 5, 6.5])))
        let bytes = scratch.write(
            "b.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", [1, 2, 3, 4, 5, 255]))
        let doubles = scratch.write(
            "d.npy",
            npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                [0.25, -1.5].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }))
        let int32 = scratch.write(
            "i.npy", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", [1, 0, 0, 0, 2, 0, 0, 0]))
        let int64 = scratch.write(
            "l.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                [7, 0, 0, 0, 0, 0, 0, 0] + [0, 1, 0, 0, 0, 0, 0, 0]))
        let a = try DataReader.read(.npy(images: images, labels: int32), labels: .classes)
        #expect(
            a.sampleShape == [3] && a.features == [1, 2, 3, 4, 5, 6.5] && a.targets == .classes([1, 2], perSample: 1))
        let b = try DataReader.read(.npy(images: bytes, labels: int64), labels: .classes)
        #expect(b.features == [1, 2, 3, 4, 5, 255] && b.targets == .classes([7, 256], perSample: 1))
        let c = try DataReader.read(.npy(images: bytes, labels: doubles), labels: .values)
        #expect(c.targets == .values([0.25, -1.5], width: 1))
    }

    @Test func idxOfWiderTypesIsBigEndian() throws {
        let scratch = Scratch()
        let floats = scratch.write("f.idx", idx(type: 0x0D, [2, 1], [0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0]))
        let shorts = scratch.write("s.idx", idx(type: 0x0B, [2], [0x01, 0x00, 0x00, 0x02]))
        let data = try DataReader.read(.idx(images: floats, labels: shorts), labels: .classes)
        #expect(
            data.features == [1, -2] && data.sampleShape == [1] && data.targets == .classes([256, 2], perSample: 1))
    }

    /// The loading time of MNIST 5k (gz), printed with NNC_DATA_TIMING=1 (a measurement,
    /// never an assertion: timings on a shared machine are noise).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["NNC_DATA_TIMING"] == "1"))
    func loadingMNISTTime() throws {
        var times: [Double] = []
        for _ in 0..<7 {
            let start = DispatchTime.now().uptimeNanoseconds
            let data = try DataReader.read(Bundled.mnistTrain, labels: .classes)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            #expect(data.count == 4000)
        }
        print("MNIST 5k training set (gz) loads in \(times.sorted()[3]) ms (median of 7)")
    }
}
