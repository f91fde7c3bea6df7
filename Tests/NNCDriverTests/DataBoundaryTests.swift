import Foundation
import NNCDriver
import NNCSpec
import Testing

/// The data boundary run as a user runs it (issue 12): `nnc check` compares the data files'
/// headers with the model, and `train`, `eval` and `predict` refuse data that does not fit
/// with a located error (exit 1) before any batch is filled: never a crash, a write past a
/// buffer, or training on misaligned targets.
@Suite(.serialized) struct DataBoundaryTests {
    /// An NPY file of float32 `values` (zeros by default) of `shape`.
    static func npy(_ shape: [Int], _ values: [Float]? = nil) -> Data {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
        header += [UInt8](repeating: 0x20, count: (64 - (10 + header.count + 1) % 64) % 64) + [0x0A]
        let body = (values ?? [Float](repeating: 0, count: shape.reduce(1, *))).flatMap { v in
            withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        }
        return Data(
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header + body)
    }

    /// An IDX file of bytes of `shape`.
    static func idx(_ shape: [Int]) -> Data {
        var bytes: [UInt8] = [0, 0, 8, UInt8(shape.count)]
        for n in shape {
            bytes += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        }
        return Data(bytes + [UInt8](repeating: 0, count: shape.reduce(1, *)))
    }

    func save(_ data: Data, _ name: String, in s: Scratch) throws {
        try data.write(to: URL(fileURLWithPath: s.path(name)))
    }

    /// A spec of input [4] and `layers`, trained with `loss` on x.npy and `labels`.
    func spec(_ s: Scratch, layers: String, loss: String, labels: String, images: String = "x.npy") throws -> String {
        try s.spec(
            "model.yaml",
            """
            model: boundary
            input: [4]
            layers:
            \(layers)
            loss: \(loss)
            optimizer: sgd
            train: {epochs: 1, batch_size: 16}
            data:
              train: {images: \(images), labels: \(labels)}
            """)
    }

    @Test func labelsWiderThanTheOutputAreRefusedNotWrittenPastTheTargets() throws {
        let s = try Scratch()
        try save(Self.npy([64, 4]), "x.npy", in: s)
        for width in [5000, 30] {
            try save(Self.npy([64, width]), "y\(width).npy", in: s)
            let model = try spec(s, layers: "  - dense: 1", loss: "mse", labels: "y\(width).npy")
            let message =
                "\(model):9:34: error: mse compares one target with each output value, 1 per sample for the output 'dense' [B, 1]; '\(s.path("y\(width).npy"))' holds \(width) labels per sample [E0508]"
            let check = try Binary.run(["check", model])
            #expect(check.status == 1 && check.stderr.contains(message), "\(check.stderr)")
            #expect(
                check.stderr.contains(
                    "help: give 'dense' \(width) units (an output of \(width) values per sample), or use labels of 1 value per sample"
                ))
            let train = try Binary.run(["train", model, "--out", s.path("run")])
            #expect(train.status == 1 && train.stderr.contains(message), "\(train.status) \(train.stderr)")
        }
    }

    @Test func classLabelsForAnOutputOfRowsAreRefused() throws {
        // The Fashion-MNIST MLP with its flatten removed: output [B, 28, 10].
        let s = try Scratch()
        let model = try s.spec(
            "fashion.yaml",
            """
            model: fashion_no_flatten
            input: [28, 28]
            layers:
              - dense: {units: 128, activation: relu}
              - dense: {units: 10, activation: softmax}
            loss: sparse_categorical_crossentropy
            metrics: [accuracy]
            data:
              train: {images: DATA/mnist5k-train-images-idx3-ubyte.gz, labels: DATA/mnist5k-train-labels-idx1-ubyte.gz}
            """)
        // eval and predict compare the data with the model before they read weights.
        let weights = ["--weights", s.path("none.safetensors")]
        for arguments in [
            ["check", model], ["train", model, "--out", s.path("run")], ["eval", model] + weights,
            ["predict", model] + weights,
        ] {
            let run = try Binary.run(arguments)
            let command = arguments[0]
            #expect(run.status == 1, "\(command): \(run.stderr)")
            #expect(
                run.stderr.contains(
                    "error: sparse categorical cross-entropy compares one class number per output row (28 per sample) with the output 'dense_1' [B, 28, 10]"
                ), "\(command): \(run.stderr)")
            #expect(
                run.stderr.contains("help: for one class per sample the output must be [B, 10]: add `- flatten`"),
                "\(command)")
        }
    }

    @Test func labelsTheLossCannotReadAreRefusedByCheck() throws {
        let s = try Scratch()
        // Binary cross-entropy on the digits 0…9.
        let binary = try s.spec(
            "binary.yaml",
            """
            input: [28, 28]
            layers: [flatten, {dense: {units: 1, activation: sigmoid}}]
            loss: binary_crossentropy
            data:
              train: {images: DATA/mnist5k-train-images-idx3-ubyte.gz, labels: DATA/mnist5k-train-labels-idx1-ubyte.gz}
            """)
        let check = try Binary.run(["check", binary])
        #expect(check.status == 1, "\(check.stderr)")
        #expect(
            check.stderr.contains(
                "error: binary cross-entropy compares with probabilities in [0, 1]; record 2 (byte offset 10) of '\(Repo.models.path)/data/mnist5k-train-labels-idx1-ubyte.gz' holds 2 [E0503]"
            ), "\(check.stderr)")
        #expect(
            check.stderr.contains(
                "help: the labels look like class numbers 0…9: for 10 classes use a softmax output of 10 units with sparse_categorical_crossentropy"
            ))
        // One-hot labels (N, 2) with a sparse loss.
        try save(Self.npy([8, 4]), "x.npy", in: s)
        try save(Self.npy([8, 2], (0..<16).map { Float($0 % 2) }), "y.npy", in: s)
        let sparse = try spec(
            s, layers: "  - dense: {units: 2, activation: softmax}", loss: "sparse_categorical_crossentropy",
            labels: "y.npy")
        let run = try Binary.run(["check", sparse])
        #expect(
            run.status == 1 && run.stderr.contains("holds 2 labels per sample [E0508]")
                && run.stderr.contains("the labels look one-hot"), "\(run.stderr)")
        // A softmax over one unit.
        let one = try spec(
            s, layers: "  - dense: {units: 1, activation: softmax}", loss: "binary_crossentropy", labels: "y.npy")
        let softmax = try Binary.run(["check", one])
        #expect(
            softmax.status == 1
                && softmax.stderr.contains(
                    "error: a softmax over one unit always outputs 1, so binary cross-entropy has no gradient to train with; 'dense' is a softmax over 1 unit [E0310]"
                ), "\(softmax.stderr)")
    }

    @Test func theSampleShapeIsComparedAndTheImagesFileNamed() throws {
        let s = try Scratch()
        try save(Self.idx([5, 30, 30]), "images", in: s)
        try save(Self.idx([5]), "labels", in: s)
        let model = try s.spec(
            "m.yaml",
            """
            input: [28, 28]
            layers: [flatten, {dense: {units: 10, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            data:
              train: {images: images, labels: labels}
            """)
        let message =
            "\(model):5:19: error: samples must hold as many values as the model's input [28, 28] (784); the samples of '\(s.path("images"))' are [30, 30] (900 values) [E0504]"
        for command in ["check", "train"] {
            let run = try Binary.run([command, model] + (command == "train" ? ["--out", s.path("run")] : []))
            #expect(run.status == 1 && run.stderr.contains(message), "\(command): \(run.stderr)")
        }
    }

    @Test func nanInTheDataIsNamedByFileAndRecordNotBlamedOnTheLearningRate() throws {
        let s = try Scratch()
        var values = [Float](repeating: 0.5, count: 32)
        values[13] = .nan
        try save(Self.npy([8, 4], values), "x.npy", in: s)
        try save(Self.npy([8, 4]), "clean.npy", in: s)
        try save(Self.npy([8, 1]), "y.npy", in: s)
        let model = try spec(s, layers: "  - dense: 1", loss: "mse", labels: "y.npy")
        let train = try Binary.run(["train", model, "--out", s.path("run")])
        #expect(train.status == 1, "\(train.stderr)")
        #expect(
            train.stderr.contains(
                "\(model):9:19: error: data values must be finite numbers; record 3 (byte offset 180), element 1, of '\(s.path("x.npy"))' holds NaN [E0506]"
            ), "\(train.stderr)")
        #expect(!train.stderr.contains("E0520"))
        // Trained on clean data, predicting a file with a NaN pixel is refused the same way.
        let clean = try spec(s, layers: "  - dense: 1", loss: "mse", labels: "y.npy", images: "clean.npy")
        #expect(try Binary.run(["train", clean, "--quiet", "--out", s.path("run")]).status == 0)
        let predict = try Binary.run([
            "predict", clean, "--weights", s.path("run/weights.safetensors"), "--input", s.path("x.npy"),
        ])
        #expect(
            predict.status == 1 && predict.stderr.contains("'\(s.path("x.npy"))' holds NaN [E0506]"),
            "\(predict.stderr)")
    }

    @Test func aGzipFileInflatingPastItsHeaderStopsAtTheHeader() throws {
        let s = try Scratch()
        try save(Self.idx([2]), "labels", in: s)
        let bomb = Repo.root.appendingPathComponent("Tests/Fixtures/data/inflates-past-header.idx.gz").path
        let model = try s.spec(
            "bomb.yaml",
            """
            input: [2, 2]
            layers: [flatten, {dense: {units: 2, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            data:
              train: {images: \(bomb), labels: labels}
            """)
        let run = try Binary.run(["train", model, "--out", s.path("run")])
        #expect(
            run.status == 1
                && run.stderr.contains(
                    "declares 2×2×2 u8 values (8 bytes after the 16-byte header) but holds more [E0505]"),
            "\(run.stderr)")
    }

    // MARK: saved preprocessing, specs without data

    /// `weights` with its saved preprocessing's `key` set to `value` (JSON), written to `name`.
    func editPreprocessing(_ weights: String, _ name: String, in s: Scratch, _ edit: (inout [String: Any]) -> Void)
        throws -> String
    {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: weights))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try #require(
            try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any])
        var metadata = try #require(header["__metadata__"] as? [String: String])
        let saved = try #require(metadata["nnc.preprocessing"])
        var preprocessing = try #require(try JSONSerialization.jsonObject(with: Data(saved.utf8)) as? [String: Any])
        edit(&preprocessing)
        metadata["nnc.preprocessing"] = String(
            decoding: try JSONSerialization.data(withJSONObject: preprocessing), as: UTF8.self)
        header["__metadata__"] = metadata
        var json = try JSONSerialization.data(withJSONObject: header)
        json += Data(repeating: 0x20, count: (8 - json.count % 8) % 8)
        var out = Data(withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) })
        out += json + bytes.subdata(in: (8 + length)..<bytes.count)
        try out.write(to: URL(fileURLWithPath: s.path(name)))
        return s.path(name)
    }

    @Test func savedPreprocessingIsValidatedWhenApplied() throws {
        let s = try Scratch()
        let iris = Repo.models.appendingPathComponent("iris_mlp.yaml").path
        #expect(try Binary.run(["train", iris, "--epochs", "1", "--quiet", "--out", s.path("run")]).status == 0)
        let weights = s.path("run/weights.safetensors")
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            (
                "empty-mean", { $0["mean"] = [Double]() },
                "holds 0 means and 4 deviations for an input of 4 values [E0507]"
            ),
            (
                "zero-deviation", { $0["standardDeviation"] = [1.0, 0.0, 1.0, 1.0] },
                "has a standard deviation of 0.0 for feature 1; deviations are positive (a constant feature is saved as 1) [E0507]"
            ),
            (
                "classes", { $0["targets"] = ["sparse": ["classes": 1 << 62]] },
                "encodes 4611686018427387904 classes, and the model's output 'dense_1' has 3 [E0507]"
            ),
        ]
        for (name, edit, message) in cases {
            let edited = try editPreprocessing(weights, "\(name).safetensors", in: s, edit)
            for command in ["eval", "predict"] {
                let run = try Binary.run([command, iris, "--weights", edited])
                #expect(
                    run.status == 1 && run.stderr.contains("error: the preprocessing saved in '\(edited)' \(message)"),
                    "\(name) \(command): \(run.status) \(run.stderr)")
            }
        }
    }

    @Test func predictNeedsNoDataSectionAndTrainSaysWhereDataGoes() throws {
        let s = try Scratch()
        let iris = Repo.models.appendingPathComponent("iris_mlp.yaml").path
        #expect(try Binary.run(["train", iris, "--epochs", "2", "--quiet", "--out", s.path("run")]).status == 0)
        let text = try String(contentsOfFile: iris, encoding: .utf8)
        let bare = try s.write("bare.yaml", String(text[..<text.range(of: "data:")!.lowerBound]))
        let inputs = try s.write("flowers.csv", "5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n")
        let predict = try Binary.run([
            "predict", bare, "--weights", s.path("run/weights.safetensors"), "--input", inputs, "--format", "csv",
        ])
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.split(separator: "\n").count == 3, "\(predict.stdout)")
        let train = try Binary.run(["train", bare, "--out", s.path("bare")])
        #expect(train.status == 1)
        #expect(
            train.stderr.contains(
                "\(bare):12:8: error: training needs data, and '\(bare)' has no 'data' section [E0205]"),
            "\(train.stderr)")
        #expect(train.stderr.contains("`- error: training settings, but nothing to train on"))
        #expect(!train.stderr.contains(":5:8:"), "not at input:")
        let eval = try Binary.run(["eval", bare, "--weights", s.path("run/weights.safetensors")])
        #expect(
            eval.status == 1
                && eval.stderr.contains("error: evaluation needs data, and '\(bare)' has no 'data' section [E0205]"),
            "\(eval.stderr)")
        let noInput = try Binary.run(["predict", bare, "--weights", s.path("run/weights.safetensors")])
        #expect(
            noInput.status == 1
                && noInput.stderr.contains("help: name a file of inputs: nnc predict \(bare) --input FILE"),
            "\(noInput.stderr)")
    }

    @Test func bundledSpecsWithoutDataPointAtTheirTrainSettings() throws {
        let spec = Repo.models.appendingPathComponent("imdb_bow_l2.yaml").path
        let run = try Binary.run([
            "train", spec, "--out",
            FileManager.default.temporaryDirectory.appendingPathComponent("nnc-nodata-\(getpid())").path,
        ])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "\(spec):12:8: error: training needs data, and '\(spec)' has no 'data' section [E0205]"),
            "\(run.stderr)")
    }

    /// A text split other than the training one is encoded with the training file's
    /// characters: check reads its labels, but does not build it a vocabulary of its own.
    @Test func checkReadsTextLabelsWithoutTheirOwnVocabulary() throws {
        let s = try Scratch()
        _ = try s.write("train.txt", "0\tabab\n1\tbaba\n")
        let validation = try s.write("valid.txt", "0\tabcdefgh\n1\txyz\n")
        let model = try s.spec(
            "text.yaml",
            """
            input: [5]
            layers: [{embedding: {input_dim: 6, output_dim: 2}}, flatten, {dense: {units: 2, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            data:
              train: {format: text, path: train.txt}
              validation: {format: text, path: valid.txt}
            """)
        #expect(Driver.check(try Driver.loadSource(model), readingData: true).diagnostics.isEmpty)
        try "0\tab\n7\tba\n".write(toFile: validation, atomically: true, encoding: .utf8)
        let labels = Driver.check(try Driver.loadSource(model), readingData: true).diagnostics
        #expect(labels.map { "\($0.location) \($0.code.rawValue)" } == ["\(validation):2:1 E0503"])
    }

    /// Every bundled model, its data files read as `nnc check` reads them, checks clean.
    @Test(arguments: Repo.modelFiles)
    func bundledModelsCheckCleanlyWithTheirData(_ file: String) throws {
        let result = Driver.check(
            try Driver.loadSource(Repo.models.appendingPathComponent(file).path), readingData: true)
        #expect(
            result.diagnostics.isEmpty, "\(file): \(result.diagnostics.map { "\($0.code.rawValue) \($0.message)" })")
    }
}
