import Foundation
import NNCDriver
import NNCRuntime
import Testing

/// Weights and checkpoints are untrusted files: damaged structure, NaN values and
/// out-of-range training state are refused with a located error (the file and the tensor or
/// field), never a trap or a run on nonsense. Corrupt files are made from a real run's.
@Suite(.serialized) struct HostileWeightsTests {
    static let iris = TrainingTests.iris.replacingOccurrences(of: "epochs: 4", with: "epochs: 2")

    /// A trained run folder to corrupt copies of.
    let s: Scratch
    let spec: String
    init() throws {
        s = try Scratch()
        spec = try s.spec("iris.yaml", Self.iris)
        _ = try Training.run(spec, out: s.path("run"))
    }

    /// Rewrites a safetensors file with its tensors and metadata changed.
    func corrupt(
        _ path: String, to copy: String, tensors: (inout [SafeTensors.Tensor]) -> Void = { _ in },
        metadata: (inout [String: String]) -> Void = { _ in }
    ) throws -> String {
        var file = try SafeTensors(contentsOf: s.path(path))
        tensors(&file.tensors)
        metadata(&file.metadata)
        try file.write(to: s.path(copy))
        return s.path(copy)
    }

    /// A checkpoint whose training state has `key` set to `value`, JSON text (a run folder, for --resume).
    func checkpoint(state key: String, _ value: String, folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: s.path(folder), withIntermediateDirectories: true)
        _ = try corrupt(
            "run/checkpoint.safetensors", to: folder + "/checkpoint.safetensors",
            metadata: { meta in
                var state = try! JSONSerialization.jsonObject(with: Data(meta["nnc.state"]!.utf8)) as! [String: Any]
                state[key] = try! JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
                meta["nnc.state"] = String(decoding: try! JSONSerialization.data(withJSONObject: state), as: UTF8.self)
            })
        return s.path(folder)
    }

    @Test func anAllNaNKernelIsRefusedByEvalPredictAndResume() throws {
        let nan: (inout [SafeTensors.Tensor]) -> Void = { tensors in
            let i = tensors.firstIndex { $0.name == "dense.kernel" }!
            tensors[i].values = tensors[i].values.map { _ in .nan }
        }
        let weights = try corrupt("run/weights.safetensors", to: "nan.safetensors", tensors: nan)
        for command in ["eval", "predict"] {
            let run = try Binary.run([command, spec, "--weights", weights])
            #expect(run.status == 1, "\(command): \(run.stdout)")
            #expect(
                run.stderr.contains(
                    "error: weights must be finite numbers; 1 tensor of '\(weights)' holds NaN or infinite values"),
                "\(run.stderr)")
            #expect(
                run.stderr.contains(
                    "'dense.kernel': all 64 of its values are NaN or infinite (the first, NaN, at [0, 0])"),
                "\(run.stderr)")
            #expect(run.stderr.contains("[E0524]"))
        }
        try FileManager.default.createDirectory(atPath: s.path("nanrun"), withIntermediateDirectories: true)
        _ = try corrupt("run/checkpoint.safetensors", to: "nanrun/checkpoint.safetensors", tensors: nan)
        let message = try #require(
            Training.failure { _ = try Training.run(spec, resume: s.path("nanrun"), out: s.path("nanrun")) })
        #expect(
            message.contains("'dense.kernel': all 64 of its values are NaN or infinite") && message.contains("[E0524]"),
            "\(message)")
    }

    /// Transferring a NaN kernel would train silently: the ReLU after it turns NaN into 0.
    @Test func transferredNaNWeightsAreRefusedAtTheTransferLine() throws {
        _ = try corrupt(
            "run/weights.safetensors", to: "nan.safetensors",
            tensors: { tensors in
                let i = tensors.firstIndex { $0.name == "dense.kernel" }!
                tensors[i].values[5] = .infinity
            })
        let target = try s.spec(
            "target.yaml",
            Self.iris.replacingOccurrences(
                of: "loss: sparse", with: "transfer: {weights: nan.safetensors, layers: [dense]}\nloss: sparse"))
        let message = try #require(
            Training.failure {
                _ = try TrainingSession.make(model: target, resume: nil, overrides: .init(outputDirectory: s.path("t")))
            })
        #expect(
            message.contains(
                "target.yaml:9:47: error: weights must be finite numbers; 1 tensor of 'nan.safetensors' holds NaN or infinite values"
            ), "\(message)")
        #expect(
            message.contains(
                "'dense.kernel': 1 of its 64 values are NaN or infinite (the first, +infinity, at [0, 5])"),
            "\(message)")
    }

    /// The fuzzer's trapping and silently wrong checkpoint fields, each refused with its name
    /// and range: `nnc train --resume` exits 1.
    @Test(arguments: [
        ("epoch", "-1", "'epoch' is -1: it counts the finished epochs, which the checkpoint's history holds 2 of"),
        (
            "batch", "-3",
            "'batch' is -3: it counts the batches of the current epoch already trained, from 0 to 7 in this run (8 batches per epoch)"
        ),
        ("batch", "1e9", "'batch' is 1000000000: it counts the batches"),
        ("step", "9223372036854775807", "'step' is 9223372036854775807: optimizer steps count from 0 to 2^53"),
        ("step", "-5", "'step' is -5"),
        ("threads", "0", "'threads' is 0: a run has at least 1 thread"),
        ("initialLoss", "-1.5", "'initialLoss' is -1.5: the first step's loss is a positive number"),
    ])
    func outOfRangeStateIsRefused(_ key: String, _ value: String, _ message: String) throws {
        let folder = try checkpoint(state: key, value, folder: "bad-\(key)")
        let run = try Binary.run(["train", "--resume", folder, "--threads", "2", "--quiet"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "error: a checkpoint's training state must be in range; 1 field of 'nnc.state' in '\(folder)/checkpoint.safetensors' is not"
            ), "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stderr.contains("[E0522]"))
        // Nothing of the refused run was written.
        #expect(!FileManager.default.fileExists(atPath: folder + "/weights.safetensors"))
    }

    @Test func damagedStateSettingsAndPreprocessingAreNamed() throws {
        let text = try checkpoint(state: "batch", #""three""#, folder: "text")
        let wrongType = try #require(Training.failure { _ = try Training.run(nil, resume: text, out: text) })
        #expect(
            wrongType.contains(
                "error: the metadata 'nnc.state' of '\(text)/checkpoint.safetensors' is damaged: 'batch' is not a Int")
                && wrongType.contains("[E0522]"), "\(wrongType)")
        try FileManager.default.createDirectory(atPath: s.path("settings"), withIntermediateDirectories: true)
        _ = try corrupt(
            "run/checkpoint.safetensors", to: "settings/checkpoint.safetensors",
            metadata: { $0["nnc.overrides"] = #"{"batchSize":0,"threads":2}"# })
        let settings = try #require(
            Training.failure { _ = try Training.run(nil, resume: s.path("settings"), out: s.path("settings")) })
        #expect(
            settings.contains("error: a checkpoint's settings must be in range; 1 field of 'nnc.overrides'")
                && settings.contains("'batchSize' is 0: at least 1"), "\(settings)")
        let weights = try corrupt(
            "run/weights.safetensors", to: "pre.safetensors", metadata: { $0["nnc.preprocessing"] = "[1, 2" })
        let preprocessing = try #require(
            Training.failure { _ = try InferenceSession.make(model: spec, weights: weights) })
        #expect(
            preprocessing.contains(
                "error: the preprocessing saved in '\(weights)' must be the JSON a training run writes")
                && preprocessing.contains("[E0507]"), "\(preprocessing)")
    }

    /// Early stopping's best weights are all there in their shapes, or the checkpoint is refused
    /// (a wrong shape silently restored zeros before).
    @Test func bestWeightsOfAnotherShapeAreAMismatch() throws {
        try FileManager.default.createDirectory(atPath: s.path("best"), withIntermediateDirectories: true)
        _ = try corrupt(
            "run/checkpoint.safetensors", to: "best/checkpoint.safetensors",
            tensors: { tensors in
                tensors += tensors.filter { !$0.name.hasPrefix("optimizer/") }.map {
                    .init(name: "best/" + $0.name, shape: $0.shape, values: $0.values)
                }
                let i = tensors.firstIndex { $0.name == "best/dense.bias" }!
                tensors[i] = .init(name: "best/dense.bias", shape: [2, 8], values: tensors[i].values)
            })
        let message = try #require(
            Training.failure { _ = try Training.run(spec, resume: s.path("best"), out: s.path("best")) })
        #expect(
            message.contains("note: 'best/dense.bias' is [2, 8] in the checkpoint but [16] in the model")
                && message.contains("[E0521]"), "\(message)")
    }

    /// A header the strict reader refuses reaches the user as E0522 naming the file and key.
    @Test func aDuplicateKeyIsRefusedByEval() throws {
        let entry = #""dense.kernel":{"dtype":"F32","shape":[4,16],"data_offsets":[0,256]}"#
        let header = Array(("{" + entry + "," + entry + "}").utf8)
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        data.append(Data(count: 256))
        let damaged = s.path("dup.safetensors")
        try data.write(to: URL(fileURLWithPath: damaged))
        let run = try Binary.run(["eval", spec, "--weights", damaged])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "error: a weights file must be a readable safetensors file; '\(damaged)': the header is not valid JSON: the key \"dense.kernel\" appears twice"
            ), "\(run.stderr)")
        #expect(run.stderr.contains("[E0522]"))
    }
}
