import Foundation
import Testing

/// `nnc train`, `eval`, `predict` and `schedule` run as a user runs them: output, files and
/// exit codes (0 trained, 1 errors, 64 usage, 130 interrupted).
@Suite(.serialized) struct TrainCommandTests {
    static let iris = Repo.models.appendingPathComponent("iris_mlp.yaml").path

    @Test func trainPrintsKerasStyleProgressAndTheTestFigures() throws {
        let s = try Scratch()
        let run = try Binary.run([
            "train", Self.iris, "--epochs", "3", "--seed", "4", "--threads", "1", "--out", s.path("run"),
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines[0] == "nnc train: iris_mlp, 131 parameters, 96 training samples, 24 validation, 30 test",
            "\(lines[0])")
        #expect(lines.contains("  set on the command line: epochs, out, seed, threads"))
        #expect(lines.contains("Epoch 3/3"))
        // Not a terminal: one line per epoch, with every figure Keras prints.
        let epoch = try #require(lines.first { $0.hasPrefix("6/6 [====================]") })
        for part in ["samples/s", " - loss: ", " - accuracy: ", " - val_loss: ", " - val_accuracy: ", " - lr: 0.01"] {
            #expect(epoch.contains(part), "\(epoch)")
        }
        #expect(lines.contains { $0.hasPrefix("Test (30 samples): loss: ") && $0.contains(" - accuracy: ") })
        // The loss curves as text: ten rows, one column per epoch, both series, the axis labelled.
        let legend = try #require(lines.firstIndex { $0.hasSuffix("epochs 1–3; • training loss, ◦ validation loss") })
        let chart = lines[(legend - 11)..<(legend - 1)]
        #expect(chart.allSatisfy { $0.count <= 13 && $0.dropFirst(9).first == "|" }, "\(chart)")
        #expect(chart.joined().filter { $0 == "•" }.count == 3)
        #expect(lines[legend - 1] == String(repeating: " ", count: 9) + "+---")
        let history = try String(contentsOfFile: s.path("run/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        let losses = history.compactMap { $0["loss"] as? Double } + history.compactMap { $0["val_loss"] as? Double }
        #expect(chart.first!.hasPrefix(String(format: "%-9.4g", losses.max()!)), "\(chart.first!)")
        for file in ["weights.safetensors", "checkpoint.safetensors", "metrics.jsonl", "curves.svg", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: s.path("run/\(file)")), "\(file)")
        }
    }

    @Test func jsonFormatPrintsOneObjectWithTheRunsFigures() throws {
        let s = try Scratch()
        let run = try Binary.run(["train", Self.iris, "--epochs", "2", "--format", "json", "--out", s.path("run")])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["epochs", "train_loss", "val_loss", "test_loss", "test_accuracy", "samples_per_second", "weights"] {
            #expect(object[key] != nil, "\(key) missing from \(object.keys.sorted())")
        }
        #expect(object["epochs"] as? Int == 2)
        // The per-epoch history, as metrics.jsonl has it.
        let history = try #require(object["history"] as? [[String: Any]])
        #expect(history.map { $0["epoch"] as? Int } == [1, 2])
        for epoch in history {
            for key in ["loss", "val_loss", "metrics", "learning_rate", "samples_per_second", "seconds"] {
                #expect(epoch[key] != nil, "\(key) missing from an epoch: \(epoch.keys.sorted())")
            }
        }
        #expect((history.last?["loss"] as? Double) == (object["train_loss"] as? Double))
        #expect(run.stderr.contains("Epoch 2/2"), "progress goes to stderr")
        let quiet = try Binary.run(["train", Self.iris, "--epochs", "1", "--quiet", "--out", s.path("quiet")])
        #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty)
    }

    @Test func evalAndPredictUseTheSavedWeightsAndPreprocessing() throws {
        let s = try Scratch()
        let train = try Binary.run(["train", Self.iris, "--epochs", "20", "--format", "json", "--out", s.path("run")])
        let trained = try #require(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        let eval = try Binary.run([
            "eval", Self.iris, "--weights", s.path("run/weights.safetensors"), "--format", "json",
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let evaluated = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        #expect(evaluated["samples"] as? Int == 30)
        #expect(evaluated["accuracy"] as? Double == trained["test_accuracy"] as? Double)
        #expect(abs((evaluated["loss"] as? Double ?? 0) - (trained["test_loss"] as? Double ?? 1)) < 1e-9)
        let predict = try Binary.run([
            "predict", Self.iris, "--weights", s.path("run/weights.safetensors"), "--limit", "3",
        ])
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = predict.stdout.split(separator: "\n")
        #expect(rows.count == 5, "\(predict.stdout)")
        #expect(rows[0].contains("class ") && rows[0].contains("p=") && rows[0].contains("label "))
        #expect(rows.last!.hasPrefix("accuracy on the 30 labelled samples: "))
        // A file of inputs only: every CSV column a feature, standardized as in training.
        let inputs = try s.write("flowers.csv", "5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n")
        let own = try Binary.run([
            "predict", Self.iris, "--weights", s.path("run/weights.safetensors"), "--input", inputs, "--format", "csv",
        ])
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stdout.hasPrefix("index,class,probability,output_0,output_1,output_2\n"), "\(own.stdout)")
        let classes = own.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
        #expect(classes == ["0", "2"], "a setosa and a virginica: \(own.stdout)")
    }

    @Test func scheduleDrawsTheLearningRateOfEveryEpoch() throws {
        let s = try Scratch()
        let spec = try s.write(
            "sched.yaml",
            """
            input: [4]
            layers: [{dense: {units: 3, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            optimizer: {sgd: {learning_rate: 0.1, momentum: 0.5}}
            schedule: {step: {every: 2, factor: 0.5, unit: epochs}}
            momentum_schedule: {linear: {from: 0.5, to: 0.9, duration: 4, unit: epochs}}
            train: {epochs: 5}
            """)
        let run = try Binary.run(["schedule", spec, "--steps-per-epoch", "10"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("step schedule over 5 epochs of 10 steps (50 steps)"))
        #expect(
            lines[2].hasPrefix("    1         0   0.1 ") && lines[2].contains("0.5000")
                && lines[2].hasSuffix("|" + String(repeating: "█", count: 40)))
        #expect(
            lines[4].hasPrefix("    3        20   0.05 ") && lines[4].contains("0.7000")
                && lines[4].hasSuffix("|" + String(repeating: "█", count: 20)))
        #expect(lines[6].hasPrefix("    5        40   0.025 ") && lines[6].contains("0.9000"))
        // Without --steps-per-epoch the steps come from the data (iris: 96 samples, batch 16).
        let counted = try Binary.run(["schedule", Self.iris, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(counted.stdout.utf8)) as? [String: Any])
        #expect(object["steps_per_epoch"] as? Int == 6)
    }

    /// The notes' linear 1cycle over 10 epochs: 0.1 up to 1 (peak at epoch 3.5), back to 0.1
    /// at epoch 7, annihilated to 0.001 at epoch 9; the mirrored momentum beside it.
    @Test func scheduleDrawsTheLinearOneCycle() throws {
        let s = try Scratch()
        let spec = try s.write(
            "cycle.yaml",
            """
            input: [4]
            layers: [{dense: {units: 3, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            optimizer: {sgd: {momentum: 0.9}}
            schedule: {linear_one_cycle: {max_learning_rate: 1.0, duration: 10, unit: epochs}}
            momentum_schedule: cycle
            train: {epochs: 10}
            """)
        let run = try Binary.run(["schedule", spec, "--steps-per-epoch", "10"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("linear_one_cycle schedule over 10 epochs of 10 steps (100 steps)"), "\(run.stdout)")
        #expect(lines[2].hasPrefix("    1         0   0.1 ") && lines[2].contains("0.9500"), "\(run.stdout)")
        #expect(lines[6].hasPrefix("    5        40   0.871429 ") && lines[6].contains("0.8643"), "\(run.stdout)")
        #expect(lines[9].hasPrefix("    8        70   0.1 ") && lines[9].contains("0.9500"), "\(run.stdout)")
        #expect(lines[11].hasPrefix("   10        90   0.001 ") && lines[11].contains("0.9500"), "\(run.stdout)")
    }

    @Test func usageAndSpecErrorsExitAsDocumented() throws {
        #expect(try Binary.run(["train"]).status == 64)
        #expect(try Binary.run(["train", Self.iris, "--epochs", "0"]).status == 64)
        let missing = try Binary.run(["train", "models/no-such.yaml"])
        #expect(missing.status == 1 && missing.stderr.contains("[E0105]"))
        let s = try Scratch()
        let noLoss = try s.write("noloss.yaml", "input: [4]\nlayers: [{dense: 3}]\n")
        let run = try Binary.run(["train", noLoss])
        #expect(run.status == 1 && run.stderr.contains("a model trains only with a 'loss'"), "\(run.stderr)")
    }

    /// Ctrl-C finishes the batch, writes a checkpoint and exits 130; `--resume` continues to
    /// the same weights as an uninterrupted run.
    @Test func anInterruptedRunResumesToTheSameWeights() throws {
        let s = try Scratch()
        let model = Repo.models.appendingPathComponent("mnist_mlp.yaml").path
        let straight = try Binary.run([
            "train", model, "--epochs", "3", "--threads", "2", "--quiet", "--out", s.path("straight"),
        ])
        #expect(straight.status == 0, "\(straight.stderr)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.path)
        process.arguments = ["train", model, "--epochs", "3", "--threads", "2", "--out", s.path("cut")]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        // Wait for the second epoch to start, then interrupt.
        var seen = ""
        while !seen.contains("Epoch 2/3") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        seen += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(seen)")
        #expect(seen.contains("checkpoint written to") && seen.contains("resume with: nnc train --resume"), "\(seen)")
        let resumed = try Binary.run(["train", "--resume", s.path("cut"), "--threads", "2", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            try Training.tensors(s.path("straight/weights.safetensors"))
                == Training.tensors(s.path("cut/weights.safetensors")))
    }
}
