import Foundation
import NNCProtobuf
import NNCRuntime
import Testing

@testable import NNCDriver

/// `nnc train --tensorboard`: the event files are read back by TensorBoard's own reader
/// (`EventAccumulator`, run with `python3`) and compared with the run's metrics.jsonl.
/// These tests FAIL when the `tensorboard` Python package is not importable: the README's
/// test command, Scripts/test.sh, installs it (pip) before running the suite.
@Suite(.serialized) struct TensorBoardTests {
    static let model = Repo.models.appendingPathComponent("iris_mlp.yaml").path

    // MARK: The framing

    @Test func crc32cMatchesItsPublishedCheckValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720, B.4: 32 bytes of zeros, of 0xFF, and an ascending run.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
    }

    /// The file_version event, serialized and framed by nnc, is byte for byte what
    /// TensorBoard's own `RecordWriter` writes for the same `Event` built in Python.
    @Test func aRecordIsByteIdenticalToTensorBoardsOwn() throws {
        var event = Tensorboard_Event()
        event.wallTime = 1_733_420_000.25
        event.step = 7
        event.fileVersion = "brain.Event:2"
        let ours = TFRecord.frame(try event.serializedData()).map { String(format: "%02x", $0) }.joined()
        let theirs = try Self.python(
            """
            import io
            from tensorboard.compat.proto import event_pb2
            from tensorboard.summary.writer.record_writer import RecordWriter
            buffer = io.BytesIO()
            event = event_pb2.Event(wall_time=1733420000.25, step=7, file_version="brain.Event:2")
            RecordWriter(buffer).write(event.SerializeToString())
            print(buffer.getvalue().hex())
            """)
        #expect(ours == theirs.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: A run read back

    /// Three epochs of the bundled iris MLP, with `--tensorboard` bare (the run folder's own
    /// `tensorboard`) and batch scalars every 4 steps: every scalar TensorBoard reads is the
    /// run's own record to float precision, at Keras's steps, and every weight tensor has a
    /// histogram each epoch whose buckets count all its weights.
    @Test func eventFilesHoldTheRunsScalarsAndHistograms() throws {
        let s = try Scratch()
        let run = try Binary.run([
            "train", Self.model, "--tensorboard", "--update-freq", "4", "--epochs", "3", "--threads", "1", "--out",
            s.path("run"), "--monitor",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("tensorboard: tensorboard --logdir \(s.path("run"))/tensorboard"), "\(run.stdout)")
        let history = try Self.history(s.path("run"))
        #expect(history.count == 3)
        let logs = try Self.read(s.path("run/tensorboard"))
        let train = try #require(logs["train"])
        let validation = try #require(logs["validation"])
        #expect(train.files.count == 1 && validation.files.count == 1)
        #expect(train.files[0].hasPrefix("events.out.tfevents.") && train.files[0].contains(".\(EventFile.host)."))
        #expect(train.fileVersion == "brain.Event:2")

        // Per epoch, at step epoch − 1, as Keras writes them.
        let epochs = history.indices.map(Double.init)
        Self.expectScalars(train.scalars["epoch_loss"], steps: epochs, values: history.map(\.loss))
        Self.expectScalars(
            train.scalars["epoch_accuracy"], steps: epochs, values: history.map { $0.metrics["accuracy"]! })
        Self.expectScalars(train.scalars["epoch_learning_rate"], steps: epochs, values: history.map(\.learningRate))
        Self.expectScalars(validation.scalars["epoch_loss"], steps: epochs, values: history.map { $0.validationLoss! })
        Self.expectScalars(
            validation.scalars["epoch_accuracy"], steps: epochs,
            values: history.map { $0.validationMetrics["accuracy"]! })
        // 96 training samples in batches of 16: 6 steps an epoch, 18 in all.
        Self.expectScalars(
            validation.scalars["evaluation_loss_vs_iterations"], steps: [6, 12, 18],
            values: history.map { $0.validationLoss! })
        // Every 4th step; an epoch's last step's running mean is the epoch's loss.
        let batchLoss = try #require(train.scalars["batch_loss"])
        #expect(batchLoss.map(\.step) == [4, 8, 12, 16])
        #expect(try #require(train.scalars["batch_learning_rate"]).allSatisfy { $0.value == Double(Float(0.01)) })
        #expect(train.scalars["batch_accuracy"]?.count == 4)
        #expect(Set(train.scalars.keys).count == 6 && Set(validation.scalars.keys).count == 4)

        // Every weight tensor of the weights file, each epoch, all its weights counted.
        let weights = try SafeTensors(contentsOf: s.path("run/weights.safetensors")).tensors
        #expect(
            Set(train.histograms.keys)
                == Set(
                    weights.map { TensorBoardLog.tag($0.name) + "/histogram" }
                        + weights.map { TensorBoardLog.gradientTag($0.name) }))
        for tensor in weights {
            let histograms = try #require(train.histograms[TensorBoardLog.tag(tensor.name) + "/histogram"])
            #expect(histograms.map(\.step) == [0, 1, 2], "\(tensor.name)")
            for h in histograms {
                #expect(h.num == Double(tensor.values.count) && h.counted == h.num, "\(tensor.name) \(h)")
                #expect(h.buckets == 30 || (h.buckets == 1 && h.min == h.max), "\(tensor.name) \(h)")
            }
            // The last epoch's histogram is of the final weights.
            let last = histograms.last!
            #expect(last.min == Double(tensor.values.min()!) && last.max == Double(tensor.values.max()!))
            // The gradient of every weight, each epoch: as many values as the tensor has.
            let gradients = try #require(train.histograms["\(TensorBoardLog.tag(tensor.name))/gradient/histogram"])
            #expect(gradients.map(\.step) == [0, 1, 2], "\(tensor.name)")
            #expect(gradients.allSatisfy { $0.num == Double(tensor.values.count) && $0.counted == $0.num })
            #expect(gradients.allSatisfy { $0.sumSquares > 0 }, "\(tensor.name)")
        }
        // The first layer's weights as `nnc show weights` draws them, each epoch: the last is
        // the very PNG file it writes for the final weights (a heat map of iris's 4×16 kernel).
        #expect(Set(train.images.keys) == ["dense/kernel/image"])
        let images = try #require(train.images["dense/kernel/image"])
        #expect(images.map(\.step) == [0, 1, 2])
        let shown = try Binary.run([
            "show", "weights", Self.model, "--run", s.path("run"), "-o", s.path("w.png"), "--format", "json",
        ])
        try #require(shown.status == 0, "\(shown.stderr)")
        let png = try Data(contentsOf: URL(fileURLWithPath: s.path("w.png")))
        let decoded = try PictureTests.Decoded(try #require(Data(base64Encoded: images[2].png)))
        #expect(try #require(Data(base64Encoded: images[2].png)) == png)
        #expect(images.allSatisfy { $0.width == decoded.width && $0.height == decoded.height })
        #expect(
            (try PictureTests.json(shown))["image"] as? [String: Int] == [
                "width": decoded.width, "height": decoded.height,
            ])
        #expect(images[0].png != images[2].png, "the weights changed in training")

        // They are the gradients of each epoch's last step: per layer, their norm is the one
        // --monitor reports at the same step.
        let reports = try MonitorTests.reports(s.path("run"))
        #expect(reports.count == 3)
        for (epoch, report) in reports.enumerated() {
            for layer in try #require(report["layers"] as? [[String: Any]]) {
                let name = try #require(layer["layer"] as? String)
                let squares = weights.filter { $0.name.hasPrefix(name + ".") }.map {
                    train.histograms[TensorBoardLog.gradientTag($0.name)]![epoch].sumSquares
                }
                let norm = try #require(layer["gradient_norm"] as? Double)
                #expect(squares.count == 2 && abs(squares.reduce(0, +).squareRoot() - norm) <= 1e-9 * norm, "\(name)")
            }
        }
    }

    /// A run interrupted by its epoch count and resumed goes on in a new file of each folder:
    /// TensorBoard reads exactly the points of one straight run (the same values at the same
    /// steps, none twice), and the weights are bit-identical with and without event files.
    @Test func aResumedRunContinuesTheStepsAndTheWeightsAreUnchanged() throws {
        let s = try Scratch()
        let common = ["--update-freq", "5", "--histogram-freq", "2", "--threads", "1"]
        let straight = try Binary.run(
            ["train", Self.model, "--epochs", "4", "--out", s.path("straight"), "--tensorboard", s.path("tb/straight")]
                + common)
        #expect(straight.status == 0, "\(straight.stderr)")
        let first = try Binary.run(
            ["train", Self.model, "--epochs", "2", "--out", s.path("split"), "--tensorboard", s.path("tb/split")]
                + common)
        #expect(first.status == 0, "\(first.stderr)")
        // The checkpoint keeps the event folder and frequencies: the resume names neither.
        let resumed = try Binary.run(["train", "--resume", s.path("split"), "--epochs", "4", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let plain = try Binary.run(["train", Self.model, "--epochs", "4", "--threads", "1", "--out", s.path("plain")])
        #expect(plain.status == 0, "\(plain.stderr)")

        let one = try Self.read(s.path("tb/straight"))
        let two = try Self.read(s.path("tb/split"))
        #expect(two["train"]?.files.count == 2 && two["validation"]?.files.count == 2)
        for folder in ["train", "validation"] {
            let a = try #require(one[folder])
            let b = try #require(two[folder])
            #expect(a.scalars == b.scalars, "\(folder)")
            #expect(a.histograms == b.histograms, "\(folder)")
        }
        let train = try #require(two["train"])
        #expect(train.scalars["epoch_loss"]?.map(\.step) == [0, 1, 2, 3])
        #expect(train.scalars["batch_loss"]?.map(\.step) == [5, 10, 15, 20])
        #expect(train.histograms.values.allSatisfy { $0.map(\.step) == [0, 2] })
        Self.expectScalars(
            train.scalars["epoch_loss"], steps: [0, 1, 2, 3], values: try Self.history(s.path("split")).map(\.loss))

        let withEvents = try Training.tensors(s.path("straight/weights.safetensors"))
        #expect(withEvents == (try Training.tensors(s.path("plain/weights.safetensors"))))
        #expect(withEvents == (try Training.tensors(s.path("split/weights.safetensors"))))
    }

    /// Stopped in the middle of an epoch (as Ctrl-C stops it: a checkpoint after the batch)
    /// and resumed, the run's batch scalars go on from the next step: every step once, the
    /// same points as a run never stopped.
    @Test func anInterruptedEpochResumesAtTheNextStep() throws {
        let s = try Scratch()
        func overrides(_ name: String, epochs: Int? = 3) -> TrainingOptions.Overrides {
            .init(
                epochs: epochs, threads: 1, outputDirectory: s.path(name), tensorboard: s.path("tb/\(name)"),
                updateFrequency: 1)
        }
        _ = try TrainingSession.make(model: Self.model, resume: nil, overrides: overrides("straight")).trainer.run(
            observer: SilentObserver())
        do {
            // The session (and the run folder's lock) ends with this scope.
            let session = try TrainingSession.make(model: Self.model, resume: nil, overrides: overrides("split"))
            let counter = BatchCounter()
            let stopped = try session.trainer.run(observer: counter) { counter.batches >= 9 }
            #expect(stopped.interrupted && stopped.state.step == 9)
        }
        // The resume names no event folder: the checkpoint's overrides keep it.
        _ = try TrainingSession.make(
            model: nil, resume: s.path("split"), overrides: .init(threads: 1, outputDirectory: s.path("split"))
        ).trainer.run(observer: SilentObserver())
        let straight = try Self.read(s.path("tb/straight"))
        let split = try Self.read(s.path("tb/split"))
        let batches = try #require(split["train"]?.scalars["batch_loss"])
        #expect(batches.map(\.step) == (1...18).map(Double.init))
        #expect(split["train"]?.scalars == straight["train"]?.scalars)
        #expect(split["validation"]?.scalars == straight["validation"]?.scalars)
    }

    /// A folder that cannot be created stops the run before its first step: exit 1, E0570
    /// naming the folder, no epoch trained and no weights written.
    @Test func anUnwritableFolderStopsTheRunBeforeTraining() throws {
        let s = try Scratch()
        let blocker = try s.write("blocker", "a file where a folder should be")
        let run = try Binary.run([
            "train", Self.model, "--epochs", "1", "--threads", "1", "--out", s.path("run"), "--tensorboard",
            blocker + "/logs",
        ])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "error: the TensorBoard event files must be written in '\(blocker)/logs'; '\(blocker)' is a file, not a folder"
            ),
            "\(run.stderr)")
        #expect(run.stderr.contains("[E0570]"))
        #expect(!run.stdout.contains("Epoch 1/1"))
        #expect(!FileManager.default.fileExists(atPath: s.path("run/weights.safetensors")))
        let usage = try Binary.run(["train", Self.model, "--update-freq", "3"])
        #expect(usage.status == 64 && usage.stderr.contains("add --tensorboard"), "\(usage.stderr)")
    }

    // MARK: Reading with TensorBoard

    struct Point: Decodable, Equatable {
        var step: Double
        var value: Double
    }

    struct Histogram: Decodable, Equatable {
        var step: Double
        var min: Double, max: Double, num: Double
        var sumSquares: Double
        /// The sum of the bucket counts.
        var counted: Double
        var buckets: Int
    }

    struct Image: Decodable, Equatable {
        var step: Double
        var width: Int, height: Int
        /// The encoded image, base64.
        var png: String
    }

    struct Folder: Decodable {
        var files: [String]
        var fileVersion: String?
        var scalars: [String: [Point]]
        var histograms: [String: [Histogram]]
        var images: [String: [Image]]
    }

    /// Each subfolder of `logdir` as TensorBoard's `EventAccumulator` reads it.
    static func read(_ logdir: String) throws -> [String: Folder] {
        let json = try python(
            """
            import base64, json, os, sys
            from tensorboard.backend.event_processing import event_accumulator as ea
            logdir = sys.argv[1]
            out = {}
            for run in sorted(os.listdir(logdir)):
                folder = os.path.join(logdir, run)
                acc = ea.EventAccumulator(folder, size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0})
                acc.Reload()
                tags = acc.Tags()
                out[run] = {
                    "files": sorted(os.listdir(folder)),
                    "fileVersion": "brain.Event:%d" % acc.file_version if acc.file_version else None,
                    "scalars": {t: [{"step": e.step, "value": e.value} for e in acc.Scalars(t)] for t in tags[ea.SCALARS]},
                    "histograms": {t: [{"step": e.step, "min": e.histogram_value.min, "max": e.histogram_value.max,
                                        "num": e.histogram_value.num, "sumSquares": e.histogram_value.sum_squares, "counted": sum(e.histogram_value.bucket),
                                        "buckets": len(e.histogram_value.bucket)} for e in acc.Histograms(t)]
                                   for t in tags[ea.HISTOGRAMS]},
                    "images": {t: [{"step": e.step, "width": e.width, "height": e.height,
                                    "png": base64.b64encode(e.encoded_image_string).decode()} for e in acc.Images(t)]
                               for t in tags[ea.IMAGES]},
                }
            print(json.dumps(out))
            """, arguments: [logdir])
        return try JSONDecoder().decode([String: Folder].self, from: Data(json.utf8))
    }

    /// Runs `script` with python3; its stdout. Fails (throws) when python3 or the tensorboard
    /// package is missing: Scripts/test.sh installs it.
    static func python(_ script: String, arguments: [String] = []) throws -> String {
        let run = try Python.run(["-c", script] + arguments)
        guard run.status == 0 else {
            throw PythonFailure(
                message: "python3 with the tensorboard package (Scripts/test.sh installs it) failed: \(run.stderr)")
        }
        return run.stdout
    }

    struct PythonFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The run's metrics.jsonl.
    static func history(_ run: String) throws -> [EpochRecord] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8))
        }
    }

    /// The points are at `steps` and hold `values` as the event files store them (float32).
    static func expectScalars(
        _ points: [Point]?, steps: [Double], values: [Double], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(points?.map(\.step) == steps, sourceLocation: sourceLocation)
        #expect(points?.map(\.value) == values.map { Double(Float($0)) }, sourceLocation: sourceLocation)
    }
}
