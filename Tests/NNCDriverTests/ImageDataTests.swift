import Foundation
import Testing

/// Image folders and CIFAR files from the command line: training reads them, the class names
/// travel with the weights, and `predict` prints them.
@Suite struct ImageDataTests {
    static func faces(_ s: Scratch, epochs: Int = 2) throws -> String {
        try s.spec(
            "faces.yaml",
            """
            input: [25, 25, 1]
            layers: [flatten, {dense: {units: 2, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            metrics: [accuracy]
            train: {epochs: \(epochs), batch_size: 16, seed: 1}
            data:
              train: {images: DATA/lfw_faces/train}
              test: {images: DATA/lfw_faces/test}
              preprocess: {scale: 1/255}
            """)
    }

    @Test func predictNamesTheTrainingFoldersClasses() throws {
        let s = try Scratch()
        let model = try Self.faces(s)
        let train = try Binary.run(["train", model, "--quiet", "--out", s.path("run")])
        #expect(train.status == 0, "\(train.stderr)")
        let weights = s.path("run/weights.safetensors")
        let json = try Binary.run(["predict", model, "--weights", weights, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 60)
        for row in rows {
            let predicted = try #require(row["class"] as? Int)
            #expect(row["class_name"] as? String == ["face", "not_face"][predicted])
        }
        let text = try Binary.run(["predict", model, "--weights", weights, "--limit", "1"])
        #expect(text.stdout.contains("(face)") || text.stdout.contains("(not_face)"), "\(text.stdout)")
        let csv = try Binary.run(["predict", model, "--weights", weights, "--format", "csv"])
        #expect(csv.stdout.hasPrefix("index,class,class_name,probability,output_0,output_1,label"), "\(csv.stdout)")
        // The run folder in place of the model: its checkpoint's spec and its weights.
        let fromRun = try Binary.run(["predict", s.path("run"), "--format", "csv"])
        #expect(fromRun.status == 0 && fromRun.stdout == csv.stdout, "\(fromRun.stderr)")
        let picture = try Binary.run(["show", "weights", s.path("run")])
        #expect(picture.status == 0, "\(picture.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.path("run/weights-dense.png")), "\(picture.stdout)")
        // A folder that holds no run: its missing checkpoint is named.
        let notARun = try Binary.run(["predict", s.url.path])
        #expect(notARun.status == 1 && notARun.stderr.contains("checkpoint.safetensors"), "\(notARun.stderr)")
        #expect(notARun.stderr.contains("[E0522]"), "\(notARun.stderr)")
    }

    @Test func aTestFolderWithAClassTheTrainingImagesLackIsRefused() throws {
        let s = try Scratch()
        let extra = s.url.appendingPathComponent("test/cat")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Repo.models.appendingPathComponent("data/lfw_faces/test/face/070.png").path,
            toPath: extra.appendingPathComponent("1.png").path)
        let model = try Self.faces(s)
        let text = try String(contentsOfFile: model, encoding: .utf8).replacingOccurrences(
            of: Repo.models.appendingPathComponent("data/lfw_faces/test").path, with: s.path("test"))
        try text.write(toFile: model, atomically: true, encoding: .utf8)
        let run = try Binary.run(["train", model, "--quiet", "--out", s.path("run")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("test/cat' is a class the training images do not have"), "\(run.stderr)")
        #expect(run.stderr.contains("[E0508]"), "\(run.stderr)")
    }

    @Test func cifarFilesTrainAndAWrongFormatIsNamed() throws {
        let s = try Scratch()
        // 20 CIFAR-10 records: label i % 10, every byte of the image i.
        let bytes = (0..<20).flatMap { i in [UInt8(i % 10)] + [UInt8](repeating: UInt8(i), count: 3072) }
        #expect(FileManager.default.createFile(atPath: s.path("batch.bin"), contents: Data(bytes)))
        let model = try s.spec(
            "cifar.yaml",
            """
            input: [32, 32, 3]
            layers: [flatten, {dense: {units: 10, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            train: {epochs: 1, batch_size: 10}
            data:
              train: {format: cifar10, path: batch.bin}
              preprocess: {scale: 1/255}
            """)
        let run = try Binary.run(["train", model, "--quiet", "--out", s.path("run")])
        #expect(run.status == 0, "\(run.stderr)")
        let wrong = try String(contentsOfFile: model, encoding: .utf8).replacingOccurrences(
            of: "cifar10", with: "cifar100")
        try wrong.write(toFile: model, atomically: true, encoding: .utf8)
        let refused = try Binary.run(["check", model])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("whole records of 3,074 bytes") || refused.stderr.contains("3074 bytes"),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("[E0504]"), "\(refused.stderr)")
    }
}
