import Foundation
import NNCData
import NNCSpec
import Testing

@testable import NNCDriver

/// Ensembles: `nnc train --seeds N [--bagging]`, and `eval` / `predict` with several weights
/// or an ensemble folder. The notes' committee of five on MNIST 5k must beat its best member.
@Suite(.serialized) struct EnsembleTests {
    /// Means per class, and votes that count each member's class once (ties to the lower class).
    @Test func membersCombineByMeanOrVote() {
        let outputs: [[[Float]]] = [
            [[0.6, 0.4, 0.0], [0.2, 0.3, 0.5]],
            [[0.1, 0.8, 0.1], [0.4, 0.3, 0.3]],
            [[0.5, 0.1, 0.4], [0.1, 0.1, 0.8]],
        ]
        let mean = Ensemble.combine(outputs, rule: .mean)
        #expect(zip(mean[0], [0.4, 0.4333, 0.1667]).allSatisfy { abs($0 - Float($1)) < 1e-4 })
        let vote = Ensemble.combine(outputs, rule: .vote)
        #expect(vote[0] == [2.0 / 3, 1.0 / 3, 0] && vote[1] == [1.0 / 3, 0, 2.0 / 3])
        // One sigmoid output: a vote counts the members above ½.
        let binary = Ensemble.combine([[[0.7]], [[0.4]], [[0.9]]], rule: .vote)
        #expect(abs(binary[0][0] - 2.0 / 3) < 1e-6)
    }

    /// A bootstrap sample has the data's size, repeats samples (about 63% distinct), and is
    /// the same for the same seed, another for another.
    @Test func aBootstrapSampleDrawsWithReplacement() throws {
        let source = try Driver.loadSource(Repo.models.appendingPathComponent("iris_mlp.yaml").path)
        let checked = Driver.check(source)
        let data = try DataLoading.load(try #require(checked.spec), graph: try #require(checked.graph), seed: 1)
        let train = data.train
        let a = train.bootstrap(seed: 7)
        #expect(a.count == train.count)
        let distinct = Set((0..<a.count).map { a.sample($0).map(\.bitPattern) }).count
        let all = Set((0..<train.count).map { train.sample($0).map(\.bitPattern) }).count
        #expect(Double(distinct) / Double(all) > 0.5 && distinct < all, "\(distinct) of \(all)")
        #expect(train.bootstrap(seed: 7).features == a.features && train.bootstrap(seed: 8).features != a.features)
    }

    /// The committee of five MNIST MLPs (seeds 1–5) is more accurate than its best member;
    /// eval and predict read the ensemble folder and agree with train's report.
    @Test func theCommitteeOfFiveBeatsItsBestMember() throws {
        let s = try Scratch()
        let folder = s.path("ensemble")
        let train = try Binary.run([
            "train", "models/mnist_mlp.yaml", "--seeds", "5", "--out", folder, "--threads", "2", "--format", "json",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any], "\(train.stdout)")
        let members = try #require(report["members"] as? [[String: Any]])
        let ensemble = try #require(report["ensemble"] as? [String: Any])
        let best = try #require(members.compactMap { $0["accuracy"] as? Double }.max())
        let committee = try #require(ensemble["accuracy"] as? Double)
        #expect(members.count == 5 && committee > best, "ensemble \(committee), best member \(best)")
        #expect(abs((report["gain"] as? Double ?? 0) - (committee - best)) < 1e-12)

        let manifest = try Ensemble.manifest(in: folder)
        #expect(manifest.seeds == [1, 2, 3, 4, 5] && manifest.members.count == 5 && !manifest.bagging)

        let eval = try Binary.run(["eval", "models/mnist_mlp.yaml", "--weights", folder, "--threads", "2"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("an ensemble of 5 on test (1,000 samples)"), "\(eval.stdout)")
        #expect(eval.stdout.contains(String(format: "%.4f", committee)), "\(eval.stdout)")
        let predict = try Binary.run(["predict", "models/mnist_mlp.yaml", "--weights", folder, "--limit", "1"])
        #expect(predict.stdout.contains(String(format: "accuracy on the 1,000 labelled samples: %.4f", committee)))
        let vote = try Binary.run(["eval", "models/mnist_mlp.yaml", "--weights", folder, "--vote", "--format", "json"])
        let voted = try #require(try JSONSerialization.jsonObject(with: Data(vote.stdout.utf8)) as? [String: Any])
        #expect(voted["rule"] as? String == "vote" && (voted["ensemble"] as? [String: Any])?["loss"] == nil)
        // One member as before: its own weights file.
        let single = try Binary.run([
            "eval", "models/mnist_mlp.yaml", "--weights", folder + "/member-1/weights.safetensors",
        ])
        #expect(single.stdout.hasPrefix("mnist_mlp on test (1,000 samples): loss: "), "\(single.stdout)")
    }

    /// Bagging members train on different samples and keep it across a resume; the options
    /// that do not fit are usage errors; a folder without a manifest is refused by name.
    @Test func baggingAndMistakes() throws {
        let s = try Scratch()
        let run = try Binary.run([
            "train", "models/iris_mlp.yaml", "--seeds", "2", "--bagging", "--out", s.path("bag"), "--quiet",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Ensemble.manifest(in: s.path("bag")).bagging)
        let checkpoint = try String(contentsOfFile: s.path("bag/member-1/checkpoint.safetensors"), encoding: .isoLatin1)
        #expect(checkpoint.contains("bagging"), "the checkpoint keeps the bootstrap setting")

        let alone = try Binary.run(["train", "models/iris_mlp.yaml", "--bagging"])
        #expect(alone.status == 64 && alone.stderr.contains("--bagging trains ensemble members"), "\(alone.stderr)")
        let one = try Binary.run(["train", "models/iris_mlp.yaml", "--seeds", "1"])
        #expect(one.status == 64, "\(one.stderr)")
        let resumed = try Binary.run(["train", "models/iris_mlp.yaml", "--seeds", "2", "--resume", s.path("bag")])
        #expect(resumed.status == 64 && resumed.stderr.contains("resume a member with --resume FOLDER/member-K"))
        try FileManager.default.createDirectory(atPath: s.path("empty"), withIntermediateDirectories: true)
        let empty = try Binary.run(["eval", "models/iris_mlp.yaml", "--weights", s.path("empty")])
        #expect(empty.status == 1 && empty.stderr.contains("must be an ensemble folder"), "\(empty.stderr)")
        // A damaged manifest, or one without members, is refused by name; so is a member it
        // names that is missing.
        for text in [
            "{\"model\": \"iris_mlp\", \"members\": [",
            #"{"model": "m", "members": [], "seeds": [], "bagging": false}"#,
        ] {
            try text.write(toFile: s.path("empty/ensemble.json"), atomically: true, encoding: .utf8)
            let damaged = try Binary.run(["eval", "models/iris_mlp.yaml", "--weights", s.path("empty")])
            #expect(
                damaged.status == 1 && damaged.stderr.contains("must list the ensemble's members"), "\(damaged.stderr)")
        }
        try
            #"{"model": "m", "members": ["a/weights.safetensors", "b/weights.safetensors"], "seeds": [1, 2], "bagging": false}"#
            .write(toFile: s.path("empty/ensemble.json"), atomically: true, encoding: .utf8)
        let missing = try Binary.run(["eval", "models/iris_mlp.yaml", "--weights", s.path("empty")])
        #expect(missing.status == 1 && missing.stderr.contains("a/weights.safetensors"), "\(missing.stderr)")
    }

    /// `ensemble: {members: 2, bagging: true}` in the spec trains what `--seeds 2 --bagging`
    /// does, into the same folder layout; `--seeds` overrides the key; a resume of the
    /// ensemble's folder, a committee of one and `--bagging` alone are refused clearly.
    @Test func theSpecDeclaresTheEnsemble() throws {
        let s = try Scratch()
        let iris = try String(contentsOf: Repo.models.appendingPathComponent("iris_mlp.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "path: data/", with: "path: DATA/")
        let spec = try s.spec("iris.yaml", iris + "ensemble: {members: 2, bagging: true}\n")
        let declared = try Binary.run(["train", spec, "--epochs", "5", "--out", s.path("spec"), "--quiet"])
        #expect(declared.status == 0, "\(declared.stderr)")
        let options = try Binary.run([
            "train", "models/iris_mlp.yaml", "--seeds", "2", "--bagging", "--epochs", "5", "--out", s.path("cli"),
            "--quiet",
        ])
        #expect(options.status == 0, "\(options.stderr)")
        let manifest = try Ensemble.manifest(in: s.path("spec"))
        #expect(manifest.bagging && manifest.seeds == [1, 2])
        #expect(manifest.members == ["member-1/weights.safetensors", "member-2/weights.safetensors"])
        for member in ["member-1", "member-2"] {
            #expect(
                try Training.tensors(s.path("spec/\(member)/weights.safetensors"))
                    == Training.tensors(s.path("cli/\(member)/weights.safetensors")), "\(member)")
        }
        let overridden = try Binary.run([
            "train", spec, "--seeds", "3", "--epochs", "1", "--out", s.path("three"), "--quiet",
        ])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(try Ensemble.manifest(in: s.path("three")).members.count == 3)
        // A member resumes as one run; the ensemble's folder is not one.
        let member = try Binary.run(["train", spec, "--resume", s.path("spec/member-2"), "--epochs", "6", "--quiet"])
        #expect(member.status == 0, "\(member.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.path("spec/member-2/member-1")))
        let whole = try Binary.run(["train", spec, "--resume", s.path("spec")])
        #expect(
            whole.status == 64 && whole.stderr.contains("is an ensemble's folder, not one run; resume a member with"),
            "\(whole.stderr)")
        let single = try s.spec("one.yaml", iris + "ensemble: {members: 1}\n")
        let one = try Binary.run(["check", single])
        #expect(one.status == 1 && one.stderr.contains("[E0203]"), "\(one.stderr)")
        let alone = try Binary.run(["train", "models/iris_mlp.yaml", "--bagging"])
        #expect(alone.status == 64 && alone.stderr.contains("or declare `ensemble: {members: N}`"), "\(alone.stderr)")
    }
}
