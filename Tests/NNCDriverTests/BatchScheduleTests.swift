import Foundation
import NNCDriver
import Testing

/// `train.batch_schedule`: the batch grows by epoch on plans compiled once per size, the
/// run reports each epoch's size, and resuming across a change is bit-exact.
@Suite(.serialized) struct BatchScheduleTests {
    /// TrainingTests' iris (dropout, batchnorm, shuffling, 120 training samples): batches of
    /// 16 (7×16 + 8) for two epochs, then of 40 (3 per epoch).
    static let iris = TrainingTests.iris.replacingOccurrences(
        of: "train: {epochs: 4, batch_size: 16, seed: 3, validation_split: 0.2}",
        with:
            "train: {epochs: 4, batch_size: 16, seed: 3, validation_split: 0.2, batch_schedule: {epochs: [2], sizes: [40]}}"
    )

    @Test func theBatchGrowsAndTheRunReportsItsSizes() throws {
        let s = try Scratch()
        #expect(Self.iris.contains("batch_schedule"))
        let spec = try s.spec("iris.yaml", Self.iris)
        let run = try Binary.run(["train", spec, "--out", s.path("grown"), "--threads", "2", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let history = try #require(object["history"] as? [[String: Any]])
        #expect(history.map { $0["batch_size"] as? Int } == [16, 16, 40, 40])
        #expect(object["steps"] as? Int == 8 + 8 + 3 + 3)
        let log = try String(contentsOfFile: s.path("grown/metrics.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").last?.contains("\"batch_size\":40") == true, "\(log)")
        // The text report says so in the header and on every epoch's line.
        let text = try Binary.run(["train", spec, "--out", s.path("text"), "--threads", "2"])
        #expect(text.stdout.contains("  batch schedule: 40 after 2 epochs\n"), "\(text.stdout)")
        #expect(text.stdout.contains(" - batch: 16\n") && text.stdout.contains(" - batch: 40\n"), "\(text.stdout)")
        // The same run at a fixed batch of 16 ends elsewhere.
        let fixed = try s.spec("fixed.yaml", TrainingTests.iris)
        #expect(try Binary.run(["train", fixed, "--out", s.path("fixed"), "--threads", "2", "--quiet"]).status == 0)
        #expect(
            try Training.tensors(s.path("grown/weights.safetensors"))
                != Training.tensors(s.path("fixed/weights.safetensors")))
    }

    /// `nnc plan` and `nnc bench` compile, by default, the plan a run allocates: the largest
    /// scheduled size, or the spec's batch_size without a schedule; `--batch` still decides.
    @Test func planDefaultsToTheLargestScheduledBatch() throws {
        let s = try Scratch()
        let scheduled = try s.spec("iris.yaml", Self.iris)
        let fixed = try s.spec("fixed.yaml", TrainingTests.iris)
        for (spec, arguments, batch) in [
            (scheduled, [String](), 40), (fixed, [], 16), (scheduled, ["--batch", "5"], 5),
        ] {
            let run = try Binary.run(["plan", spec, "--format", "json"] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["batch"] as? Int == batch, "\(spec) \(arguments)")
        }
        let text = try Binary.run(["plan", scheduled])
        #expect(
            text.stdout.hasPrefix("plan 'iris_resume': training step (forward, loss, backward, updates), batch 40\n"),
            "\(text.stdout.prefix(80))")
    }

    /// 2 epochs, then a resume into the larger batches; and an interrupt in the middle of the
    /// first epoch of 40 resumed from the checkpoint alone: both end bit for bit where a
    /// straight run does.
    @Test func resumingAcrossABatchChangeIsBitExact() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let straight = try Training.run(spec, out: s.path("straight"))
        #expect(straight.history.map(\.batchSize) == [16, 16, 40, 40])
        _ = try Training.run(spec, epochs: 2, out: s.path("split"))
        // Resuming the finished 2-epoch run checks its checkpoint against epoch 2's batch
        // size, one this run never compiled, and has nothing left to train.
        let finished = try Training.run(nil, resume: s.path("split"), out: s.path("split"))
        #expect(finished.history.map(\.batchSize) == [16, 16] && finished.state.step == 16)
        let resumed = try Training.run(spec, resume: s.path("split"), epochs: 4, out: s.path("split"))
        let stopped = try Training.run(spec, out: s.path("cut"), stopAfterBatches: 8 + 8 + 2)
        #expect(stopped.interrupted && stopped.state.epoch == 2 && stopped.state.batch == 2)
        let cut = try Training.run(nil, resume: s.path("cut"), out: s.path("cut"))
        let weights = try Training.tensors(s.path("straight/weights.safetensors"))
        #expect(try Training.tensors(s.path("split/weights.safetensors")) == weights)
        #expect(try Training.tensors(s.path("cut/weights.safetensors")) == weights)
        #expect(resumed.history.map(\.loss) == straight.history.map(\.loss))
        #expect(cut.history.map(\.loss) == straight.history.map(\.loss))
        #expect(cut.history.map(\.batchSize) == [16, 16, 40, 40])
    }

    /// `summary` sizes memory for the largest batch; `schedule` counts each epoch's steps at
    /// its batch size; a size larger than the training data is refused at its place (E0550).
    @Test func summaryScheduleAndOversizedBatches() throws {
        let s = try Scratch()
        let spec = try s.spec("iris.yaml", Self.iris)
        let summary = try Binary.run(["summary", spec])
        #expect(summary.stdout.contains("Plan memory at batch 40 "), "\(summary.stdout)")
        let schedule = try Binary.run(["schedule", spec])
        #expect(schedule.status == 0, "\(schedule.stderr)")
        let lines = schedule.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("cosine schedule over 4 epochs of 8 to 3 steps (22 steps)"), "\(schedule.stdout)")
        #expect(lines[1].hasSuffix("   batch"), "\(schedule.stdout)")
        #expect(lines[4].hasPrefix("    3        16   ") && lines[4].contains("     40  |"), "\(schedule.stdout)")
        #expect(lines[5].hasPrefix("    4        19   "), "\(schedule.stdout)")
        let oversized = try s.spec(
            "big.yaml", Self.iris.replacingOccurrences(of: "sizes: [40]", with: "sizes: [121]"))
        let run = try Binary.run(["train", oversized, "--out", s.path("big"), "--quiet"])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "big.yaml:13:106: error: a batch schedule's size must fit the training data; 121 after 2 epochs is larger than its 120 samples [E0550]"
            ), "\(run.stderr)")
    }
}
