import Foundation
import NNCDiagnostics
import NNCTestSupport
import Testing

@testable import NNCData

/// Image folders (class subfolders of PNG files, decoded by libpng at run time) and their
/// errors, on the tiny fixtures in Tests/Fixtures/images.
struct ImageFolderTests {
    static func fixture(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: Repository.path("Tests/Fixtures/images/\(name)"))!)
    }

    /// A folder of `files` (relative path → bytes) in a scratch folder, removed with this value.
    final class ImageFolder {
        let scratch = Scratch()
        var path: String { scratch.url.appendingPathComponent("images").path }

        init(_ files: [String: [UInt8]]) {
            for (path, bytes) in files {
                let url = scratch.url.appendingPathComponent("images/" + path)
                try! FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                #expect(FileManager.default.createFile(atPath: url.path, contents: Data(bytes)))
            }
        }
    }

    /// Reads `folder` (the argument keeps its files alive for the call).
    static func read(_ folder: ImageFolder, _ shape: [Int], resize: ImageResize = .bilinear, classes: [String]? = nil)
        throws(DataError) -> RawDataset
    {
        try read(folder.path, shape, resize: resize, classes: classes)
    }

    static func read(_ path: String, _ shape: [Int], resize: ImageResize = .bilinear, classes: [String]? = nil)
        throws(DataError) -> RawDataset
    {
        try DataReader.read(
            .imageFolder(
                ImageFolderOptions(
                    path: path, height: shape[0], width: shape[1], channels: shape[2], resize: resize,
                    classNames: classes)),
            labels: .classes)
    }

    @Test func classesAreSortedSubfoldersAndOtherFilesAreSkipped() throws {
        let gray = Self.fixture("gray-2x2.png")
        let folder = ImageFolder(
            [
                "zebra/b.png": gray, "zebra/a.PNG": gray, "apple/x.png": gray, "apple/notes.txt": [1, 2],
                "apple/.hidden.png": [0], ".git/y.png": gray,
            ])
        let data = try Self.read(folder, [2, 2, 1])
        #expect(data.classNames == ["apple", "zebra"])
        #expect(data.count == 3)
        #expect(data.targets == .classes([0, 1, 1], perSample: 1))
        #expect(Array(data.features[0..<4]) == [0, 100, 200, 255])
    }

    @Test func colourLayoutsDecodeToTheRequestedChannels() throws {
        let folder = ImageFolder(
            ["c/1-rgb.png": Self.fixture("rgb-2x2.png"), "c/2-palette.png": Self.fixture("palette-2x2.png")])
        let rgb: [Float] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let data = try Self.read(folder, [2, 2, 3])
        #expect(Array(data.features[0..<12]) == rgb)
        #expect(Array(data.features[12..<24]) == rgb, "a palette image reads as its colours")
        let rgba = try Self.read(ImageFolder(["c/a.png": Self.fixture("rgba-2x2.png")]), [2, 2, 4])
        #expect(rgba.features == [255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 128, 10, 20, 30, 255])
        // Without an alpha channel, a transparent pixel is composed onto black; opaque ones keep their colour.
        let composed = try Self.read(ImageFolder(["c/a.png": Self.fixture("rgba-2x2.png")]), [2, 2, 3])
        #expect(Array(composed.features[0..<6]) == [255, 0, 0, 0, 0, 0])
        #expect(Array(composed.features[9..<12]) == [10, 20, 30])
    }

    /// Upsampling 2×2 to 4×4 with half-pixel centres, as TensorFlow's bilinear resize: output
    /// x maps to (x + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25, clamped to the image, so each row
    /// of [a, b] becomes [a, a + (b − a)/4, a + 3(b − a)/4, b], and the rows mix the same way.
    @Test func bilinearResizeUsesHalfPixelCentres() throws {
        let folder = ImageFolder(["c/a.png": Self.fixture("gray-2x2.png")])
        let data = try Self.read(folder, [4, 4, 1])
        let rows: [[Float]] = [
            [0, 25, 75, 100], [50, 72.1875, 116.5625, 138.75], [150, 166.5625, 199.6875, 216.25],
            [200, 213.75, 241.25, 255],
        ]
        #expect(data.features == rows.flatMap { $0 })
        let nearest = try Self.read(folder, [4, 4, 1], resize: .nearest)
        #expect(Array(nearest.features[0..<4]) == [0, 0, 100, 100])
        #expect(Array(nearest.features[12..<16]) == [200, 200, 255, 255])
    }

    @Test func imagesOfAnotherSizeAreRefusedWithoutResizing() throws {
        let folder = ImageFolder(["c/a.png": Self.fixture("gray-2x2.png")])
        #expect(try Self.read(folder, [2, 2, 1], resize: .none).count == 1)
        do {
            _ = try Self.read(folder, [3, 3, 1], resize: .none)
            Issue.record("a 2×2 image was read as 3×3 without resizing")
        } catch {
            #expect(error.diagnostic.code == .dataSizeMismatch)
            #expect(error.description.contains("a.png' is 2×2"))
        }
    }

    /// libjpeg-turbo (TurboJPEG, as the test script installs it) decodes a JPEG to the same
    /// pixels as Pillow: accurate integer DCT and fancy upsampling on both sides.
    @Test func jpegDecodesAsPillowDecodesIt() throws {
        let folder = ImageFolder([
            "a/1.jpg": Self.fixture("gradient-16x16.jpg"), "a/2.png": Self.fixture("gradient-16x16-pillow.png"),
        ])
        let data = try Self.read(folder, [16, 16, 3])
        let size = 16 * 16 * 3
        #expect(Array(data.features[0..<size]) == Array(data.features[size..<(2 * size)]))
        #expect(Array(data.features[3..<6]) == [9, 3, 7])
    }

    @Test func aDamagedImageIsNamed() {
        for (name, fixture) in [("bad.png", "gray-2x2.png"), ("bad.jpg", "gradient-16x16.jpg")] {
            var damaged = Self.fixture(fixture)
            damaged.removeLast(damaged.count / 3)
            let folder = ImageFolder(["c/good.png": Self.fixture("gray-2x2.png"), "c/\(name)": damaged])
            do {
                _ = try Self.read(folder, [2, 2, 1])
                Issue.record("a truncated \(name) was read")
            } catch {
                #expect(error.diagnostic.code == .corruptData)
                #expect(error.description.contains("c/\(name)"))
            }
        }
    }

    @Test func anotherSplitKeepsTheTrainingClassNumbersAndRefusesNewClasses() throws {
        let gray = Self.fixture("gray-2x2.png")
        let test = ImageFolder(["zebra/a.png": gray])
        let data = try Self.read(test, [2, 2, 1], classes: ["apple", "zebra"])
        #expect(data.targets == .classes([1], perSample: 1))
        let unknown = ImageFolder(["mango/a.png": gray])
        do {
            _ = try Self.read(unknown, [2, 2, 1], classes: ["apple", "zebra"])
            Issue.record("a class the training images lack was read")
        } catch {
            #expect(error.diagnostic.code == .labelMismatch)
            #expect(error.description.contains("'apple', 'zebra'"))
        }
    }

    /// A folder whose decoded samples would not fit is refused before an image is decoded
    /// (the budget is made small here: two 2×2×1 images take 32 bytes as floats). The second
    /// file is damaged, so an error about it shows that decoding began.
    @Test func aFolderTooLargeForMemoryIsRefusedBeforeDecoding() {
        let folder = ImageFolder(["c/a.png": Self.fixture("gray-2x2.png"), "c/b.png": [0, 1, 2]])
        let options = ImageFolderOptions(path: folder.path, height: 2, width: 2, channels: 1)
        for (budget, code) in [(31, DiagnosticCode.dataSizeMismatch), (32, .corruptData)] {
            do {
                _ = try DataReader.readImageFolder(options, mode: .classes, budget: budget)
                Issue.record("a damaged image was read")
            } catch {
                #expect(error.diagnostic.code == code, "budget \(budget): \(error)")
            }
        }
    }

    @Test func aFileOrAnEmptyFolderIsNotAnImageFolder() {
        let scratch = Scratch()
        let file = scratch.write("images.idx", [0, 0, 8, 1])
        for (path, expected) in [(file, "is a file"), (scratch.url.path + "/missing", "does not exist")] {
            do {
                _ = try Self.read(path, [2, 2, 1])
                Issue.record("'\(path)' was read as an image folder")
            } catch {
                #expect(error.diagnostic.code == .unreadableData)
                #expect(error.description.contains(expected))
            }
        }
        let empty = ImageFolder(["c/notes.txt": [1]])
        #expect(throws: DataError.self) { try Self.read(empty, [2, 2, 1]) }
    }

    @Test func theBundledFacesReadAsPillowWroteThem() throws {
        let data = try Self.read(Bundled.path("lfw_faces/train"), [25, 25, 1])
        #expect(data.classNames == ["face", "not_face"])
        #expect(data.count == 140)
        // train/face/000.png's first row begins 74 84 97 128 122 (Pillow reads the same).
        #expect(Array(data.features[0..<5]) == [74, 84, 97, 128, 122])
        let summary = try DataReader.summary(
            .imageFolder(ImageFolderOptions(path: Bundled.path("lfw_faces/test"), height: 25, width: 25, channels: 1)),
            labels: .classes)
        #expect(summary.sampleShape == [25, 25, 1])
        #expect(
            summary.targets
                == .classes([Int32](repeating: 0, count: 30) + [Int32](repeating: 1, count: 30), perSample: 1))
    }
}
