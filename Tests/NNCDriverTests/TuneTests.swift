import Foundation
import NNCSpec
import Testing

@testable import NNCDriver

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `nnc tune`: the sampler on its own, then searches run as a user runs them on the bundled
/// iris data (3 epochs of 6 steps per trial): the ranking, the files, resuming, halving, and
/// the located errors.
@Suite(.serialized) struct TuneTests {
    /// The iris MLP with its learning rate and width searched; `data/iris.csv` beside it.
    static func spec(
        _ s: Scratch, rate: String = "{log_uniform: [1e-5, 1e-1]}", units: String = "{choice: [4, 16]}",
        train: String = "validation_split: 0.25"
    ) throws -> String {
        try FileManager.default.createDirectory(atPath: s.path("data"), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: s.path("data/iris.csv")) {
            try FileManager.default.copyItem(
                atPath: Repo.models.appendingPathComponent("data/iris.csv").path, toPath: s.path("data/iris.csv"))
        }
        return try s.write(
            "iris.yaml",
            """
            # iris, searched
            model: iris_search
            input: [4]
            layers:
              - dense: {units: \(units), activation: tanh}   # the width
              - dense: {units: 3, activation: softmax}
            loss: sparse_categorical_crossentropy
            metrics: [accuracy]
            optimizer: {adam: \(rate)}
            train: {epochs: 3, batch_size: 16, seed: 1, \(train)}
            data:
              train: {path: data/iris.csv, label_column: 0}
              test_split: 0.2
              preprocess: {standardize: true, classes: 3}

            """)
    }

    static func events(_ folder: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: folder + "/trials.jsonl", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
    }

    static func count(_ events: [[String: Any]], _ kind: String, trial: Int? = nil) -> Int {
        events.filter { $0["event"] as? String == kind && (trial == nil || $0["trial"] as? Int == trial) }.count
    }

    /// The same seed gives the same trials, every value lies in its range, a log-uniform
    /// range spreads evenly over its decades (half the draws below the geometric middle),
    /// and a trial's spec is the user's text with the ranges replaced.
    @Test func samplingIsReproducibleWithinRangesAndLogUniformOnTheLogScale() throws {
        let s = try Scratch()
        let path = try Self.spec(s, units: "{int_uniform: [1, 4]}", train: "validation_split: {uniform: [0.1, 0.3]}")
        let space = try SearchSpace.read(try Driver.loadSource(path))
        #expect(space.names == ["dense.units", "adam.learning_rate", "train.validation_split"])
        let draws = (1...400).map { space.sample(trial: $0, seed: 7) }
        #expect(draws == (1...400).map { space.sample(trial: $0, seed: 7) })
        #expect(draws != (1...400).map { space.sample(trial: $0, seed: 8) })
        let units = draws.map { $0[0].number }
        let rates = draws.map { $0[1].number }
        let splits = draws.map { $0[2].number }
        #expect(Set(units) == [1, 2, 3, 4])
        #expect(rates.allSatisfy { $0 >= 1e-5 && $0 <= 1e-1 } && splits.allSatisfy { $0 >= 0.1 && $0 <= 0.3 })
        let belowMiddle = Double(rates.filter { $0 < 1e-3 }.count) / Double(rates.count)
        #expect(belowMiddle > 0.4 && belowMiddle < 0.6, "\(belowMiddle) of the rates below 1e-3")
        #expect(rates.filter { $0 < 1e-4 }.count > 60, "the lowest decade gets a quarter of the draws")
        let text = space.text(with: draws[0])
        #expect(!text.contains("uniform") && text.contains("# the width"))
        #expect(text.contains("units: \(draws[0][0].text), activation: tanh"))
        #expect(
            text.split(separator: "\n").count
                == (try String(contentsOfFile: path, encoding: .utf8)).split(separator: "\n").count)
    }

    /// A search as a user runs it: the table ranked by validation accuracy, the best trial
    /// (a large rate) well ahead of the median (small rates barely move in 18 steps), every
    /// trial in trials.jsonl, the scatter plot with a log axis, best.yaml training as it is.
    /// Rerunning resumes: ended trials are not trained again, more trials extend the search,
    /// a trial started but not ended is trained again, another seed is refused.
    @Test func theSearchRanksWritesAndResumes() throws {
        let s = try Scratch()
        let spec = try Self.spec(s)
        let folder = s.path("search")
        let arguments = ["tune", spec, "--trials", "6", "--threads", "2", "-o", folder]
        let run = try Binary.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout.hasPrefix("nnc tune: 'iris_search', 6 trials (seed 1), 3 epochs each, ranked by val_accuracy"),
            "\(run.stdout)")
        #expect(
            run.stdout.contains("rank  trial  val_accuracy  dense.units  adam.learning_rate  epochs  status"),
            "\(run.stdout)")
        #expect(run.stdout.contains("best: trial ") && run.stdout.contains(folder + "/best.yaml"))
        var events = try Self.events(folder)
        #expect(Self.count(events, "started") == 6 && Self.count(events, "finished") == 6)

        let json = try Binary.run(arguments + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["reused"] as? Int == 6 && object["metric"] as? String == "val_accuracy")
        events = try Self.events(folder)
        #expect(Self.count(events, "started") == 6, "a finished trial was trained again")
        let ranked = try #require(object["ranked"] as? [[String: Any]])
        let scores = ranked.compactMap { $0["score"] as? Double }
        #expect(scores.count == 6 && scores == scores.sorted(by: >))
        let median = (scores[2] + scores[3]) / 2
        #expect(scores[0] > median + 0.2, "best \(scores[0]) against the median \(median): \(ranked)")
        let best = try #require(ranked.first?["values"] as? [String: String])
        #expect(Double(best["adam.learning_rate"] ?? "") ?? 0 > 1e-3, "\(best)")

        let svg = try String(contentsOfFile: folder + "/scatter.svg", encoding: .utf8)
        #expect(svg.contains("adam.learning_rate (log scale)") && svg.contains("1e-3") && svg.contains("dense.units"))
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        let bestSpec = try String(contentsOfFile: folder + "/best.yaml", encoding: .utf8)
        #expect(!bestSpec.contains("uniform") && !bestSpec.contains("choice") && bestSpec.contains("../data/iris.csv"))
        #expect(bestSpec.contains("adam: \(best["adam.learning_rate"]!)"))
        let trained = try Binary.run([
            "train", folder + "/best.yaml", "--epochs", "1", "--threads", "2", "--out", s.path("best-run"), "--quiet",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")

        // More trials extend the search; a trial started but not ended is trained again.
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/trials.jsonl"))
        try log.seekToEnd()
        try log.write(contentsOf: Data("{\"event\":\"started\",\"trial\":7}\n".utf8))
        try log.close()
        let more = try Binary.run(["tune", spec, "--trials", "8", "--threads", "2", "-o", folder])
        #expect(more.status == 0 && more.stderr.contains("resuming: 6 of 8 trials already ended"), "\(more.stderr)")
        events = try Self.events(folder)
        #expect(Self.count(events, "started") == 9 && Self.count(events, "started", trial: 7) == 2)
        #expect(Self.count(events, "finished") == 8)

        let other = try Binary.run(["tune", spec, "--trials", "8", "--seed", "2", "-o", folder])
        #expect(
            other.status == 1 && other.stderr.contains("[E0543]") && other.stderr.contains("the seed (1 then, 2 now)"),
            "\(other.stderr)")
    }

    /// Successive halving with η = 3 over 3 epochs: all 6 trials train 1 epoch, the best 2
    /// go on to 3 (resumed from their checkpoints), the other 4 are cut with one epoch.
    @Test func halvingCutsTheTrialsThatFallBehind() throws {
        let s = try Scratch()
        let folder = s.path("halving")
        let run = try Binary.run([
            "tune", try Self.spec(s), "--trials", "6", "--halving", "--threads", "2", "-o", folder,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("halving with η = 3"), "\(run.stdout)")
        let events = try Self.events(folder)
        let cut = events.filter { $0["event"] as? String == "cut" }
        let finished = events.filter { $0["event"] as? String == "finished" }
        #expect(cut.count == 4 && cut.allSatisfy { $0["epochs"] as? Int == 1 }, "\(events)")
        #expect(finished.count == 2 && finished.allSatisfy { ($0["metric"] as? [Any])?.count == 3 }, "\(events)")
        #expect(Self.count(events, "rung") == 6)
        #expect(run.stdout.components(separatedBy: "  cut").count - 1 == 4, "\(run.stdout)")
    }

    /// `--parallel 2`: the trials train in two worker processes at a time (the binary started
    /// with `--worker`), with halving's rungs resumed there too, and end exactly as one after
    /// another in this process (the same thread count each). Rungs at 1, 2 and 3 epochs:
    /// 2 of 4 trials cut after 1, 1 of 2 after 2, one finished.
    @Test func parallelWorkersTrainTheSameTrials() throws {
        let s = try Scratch()
        let spec = try Self.spec(s)
        var scores: [[Double]] = []
        for (name, parallel) in [("one", "1"), ("two", "2")] {
            let run = try Binary.run([
                "tune", spec, "--trials", "4", "--halving", "--eta", "2", "--threads", "1", "--parallel", parallel,
                "-o", s.path(name), "--format", "json",
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let ranked = try #require(object["ranked"] as? [[String: Any]])
            scores.append(ranked.flatMap { ($0["metric"] as? [Double]) ?? [] })
            let events = try Self.events(s.path(name))
            #expect(Self.count(events, "cut") == 3 && Self.count(events, "finished") == 1, "\(events)")
        }
        #expect(scores[0] == scores[1] && scores[0].count == 3 + 2 + 1 + 1, "\(scores)")
    }

    /// Located errors: a range seen by check and train (E0540), malformed ranges (E0541), a
    /// spec without ranges (E0542), a spec without validation data (E0544); a trial that
    /// diverges fails alone.
    @Test func markersAndSearchesThatCannotRunAreLocatedErrors() throws {
        let s = try Scratch()
        let spec = try Self.spec(s)
        for command in ["check", "train"] {
            let run = try Binary.run([command, spec])
            #expect(
                run.status == 1
                    && run.stderr.contains("iris.yaml:9:19: error: a search range is read only by `nnc tune`"),
                "\(run.stderr)")
            #expect(run.stderr.contains("[E0540]") && run.stderr.contains("search it with `nnc tune"), "\(run.stderr)")
        }
        let bad = try Binary.run(["tune", try Self.spec(s, rate: "{log_uniform: [0, 1e-1]}"), "-o", s.path("bad")])
        #expect(
            bad.status == 1 && bad.stderr.contains("iris.yaml:9:33: error: a log_uniform range must lie above 0")
                && bad.stderr.contains("[E0541]"), "\(bad.stderr)")
        // Trials that diverge fail with their error and the search goes on; with none finished, exit 1.
        let diverging = try Binary.run([
            "tune", try Self.spec(s, rate: "{log_uniform: [1e5, 1e6]}"), "--trials", "2", "--threads", "2", "-o",
            s.path("diverging"),
        ])
        #expect(
            diverging.status == 1 && diverging.stdout.contains("best: none (no trial finished)"), "\(diverging.stdout)")
        #expect(diverging.stdout.contains("failed: ") && diverging.stdout.contains("[E0520]"), "\(diverging.stdout)")
        #expect(Self.count(try Self.events(s.path("diverging")), "failed") == 2)
        let none = try Binary.run(["tune", "models/iris_mlp.yaml", "-o", s.path("none")])
        #expect(none.status == 1 && none.stderr.contains("[E0542]"), "\(none.stderr)")
        let unvalidated = try Binary.run([
            "tune", try Self.spec(s, train: "shuffle: true"), "--threads", "2", "-o", s.path("nv"),
        ])
        #expect(
            unvalidated.status == 1 && unvalidated.stderr.contains("[E0544]")
                && unvalidated.stderr.contains("validation_split"), "\(unvalidated.stderr)")
        // Fixed, the spec searches in the same folder: no trial of the refused search ended.
        let fixed = try Binary.run(["tune", try Self.spec(s), "--trials", "1", "--threads", "2", "-o", s.path("nv")])
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }
}
