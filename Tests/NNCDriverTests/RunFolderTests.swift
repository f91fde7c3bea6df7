import Foundation
import NNCDriver
import NNCRuntime
import NNCSpec
import Testing

/// The run folder loses no work: one run at a time holds it (an advisory lock, the holder's
/// pid in the refusal), and the final weights are written before anything optional, so a
/// file that cannot be written at the end costs only itself.
@Suite(.serialized) struct RunFolderTests {
    static let iris = TrainingTests.iris.replacingOccurrences(of: "epochs: 4", with: "epochs: 1")

    /// Two `nnc train --out same` at once: the second is refused at once, naming the first's pid,
    /// and the first finishes (here, interrupted) with its checkpoint intact.
    @Test func aSecondRunIntoTheSameFolderIsRefusedWithTheHoldersPid() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Binary.path)
        first.arguments = ["train", spec, "--epochs", "100000", "--threads", "1", "--quiet", "--out", s.path("run")]
        first.standardOutput = Pipe()
        first.standardError = Pipe()
        try first.run()
        defer { if first.isRunning { first.terminate() } }
        // The lock file names its holder once the first run has locked the folder.
        let lockFile = s.path("run/\(RunFolderLock.fileName)")
        var holder = ""
        var polls = 0
        while holder != "\(first.processIdentifier)", polls < 6000, first.isRunning {
            usleep(10_000)
            polls += 1
            holder = ((try? String(contentsOfFile: lockFile, encoding: .utf8)) ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        #expect(holder == "\(first.processIdentifier)")
        let second = try Binary.run(["train", spec, "--threads", "1", "--quiet", "--out", s.path("run")])
        #expect(second.status == 1)
        #expect(
            second.stderr.contains(
                "error: a run folder takes one run at a time; '\(s.path("run"))' is in use by another nnc train (pid \(first.processIdentifier))"
            ), "\(second.stderr)")
        #expect(second.stderr.contains("[E0525]"))
        kill(first.processIdentifier, SIGINT)
        first.waitUntilExit()
        #expect(first.terminationStatus == 130)
        #expect(
            try SafeTensors(contentsOf: s.path("run/checkpoint.safetensors")).metadata["nnc.format"] == "checkpoint")
        // Once the holder is gone, the folder is free again.
        let resumed = try Binary.run(["train", "--resume", s.path("run"), "--epochs", "1", "--threads", "1", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }

    @Test func theLockIsHeldForTheTrainersLifeAndRefusesInProcess() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let session = try TrainingSession.make(
            model: spec, resume: nil, overrides: .init(threads: 2, outputDirectory: s.path("run")))
        let message = try #require(
            Training.failure {
                _ = try TrainingSession.make(model: spec, resume: nil, overrides: .init(outputDirectory: s.path("run")))
            })
        #expect(
            message.contains("is in use by another nnc train (pid \(getpid()))") && message.contains("[E0525]"),
            "\(message)")
        _ = try session.trainer.run(observer: SilentObserver())
        // A run that fails before writing anything gives back the folder it created.
        let broken = try s.spec("broken.yaml", Self.iris.replacingOccurrences(of: "DATA/iris.csv", with: "missing.csv"))
        _ = Training.failure {
            _ = try TrainingSession.make(model: broken, resume: nil, overrides: .init(outputDirectory: s.path("fresh")))
        }
        #expect(!FileManager.default.fileExists(atPath: s.path("fresh")))
    }

    /// An optional file that cannot be written at the very end (a folder where curves.svg
    /// goes, as a full disk would refuse it) leaves the final weights and the other files, and
    /// is reported: exit 1 with E0523 naming the file.
    @Test func aFailingOptionalFileAtTheEndStillLeavesTheWeights() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        try FileManager.default.createDirectory(
            atPath: s.path("run/curves.svg/blocked"), withIntermediateDirectories: true)
        let run = try Binary.run(["train", spec, "--threads", "2", "--quiet", "--out", s.path("run")])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("error: the learning curves must be written to '\(s.path("run"))/curves.svg'"),
            "\(run.stderr)")
        #expect(run.stderr.contains("[E0523]"))
        let weights = try SafeTensors(contentsOf: s.path("run/weights.safetensors"))
        #expect(weights.metadata["nnc.format"] == "weights")
        for name in ["checkpoint.safetensors", "metrics.jsonl", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: s.path("run/\(name)")), "\(name)")
        }
    }

    /// The weights come before the final checkpoint: a run whose checkpoint cannot be written
    /// at the end still saves its weights (in-process, the failure is in the result).
    @Test func theWeightsComeBeforeTheFinalCheckpoint() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        try FileManager.default.createDirectory(
            atPath: s.path("run/checkpoint.safetensors/blocked"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: s.path("run/results.json/blocked"), withIntermediateDirectories: true)
        let result = try Training.run(spec, out: s.path("run"))
        #expect(try SafeTensors(contentsOf: result.weightsPath).tensors.count == 8)
        let messages = result.unwritten.map(\.message)
        #expect(messages.contains { $0.hasPrefix("a checkpoint must be written to") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("the results must be written to") }, "\(messages)")
        #expect(result.unwritten.allSatisfy { $0.code == .unwritableOutput })
    }

    /// The last epoch's numbered checkpoint (a `checkpoint:` policy) is still written, with
    /// the weights as trained, after the final weights.
    @Test func theLastNumberedCheckpointIsStillWritten() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "iris.yaml",
            TrainingTests.iris.replacingOccurrences(
                of: "validation_split: 0.2}", with: "validation_split: 0.2, checkpoint: {every: 2, keep: 5}}"))
        _ = try Training.run(spec, out: s.path("run"))
        let names = try FileManager.default.contentsOfDirectory(atPath: s.path("run")).filter {
            $0.hasPrefix("checkpoint-epoch-")
        }.sorted()
        #expect(names == ["checkpoint-epoch-0002.safetensors", "checkpoint-epoch-0004.safetensors"])
        #expect(
            try Training.tensors(s.path("run/checkpoint-epoch-0004.safetensors"))
                == Training.tensors(s.path("run/checkpoint.safetensors")))
    }
}
