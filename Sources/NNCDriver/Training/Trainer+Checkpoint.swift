import Foundation
import NNCData
import NNCPlan
import NNCRuntime
import NNCSpec

/// The run folder: `checkpoint.safetensors` (the latest state, what `--resume` reads),
/// numbered checkpoints when the spec asks for them, `weights.safetensors` (the final
/// parameters and statistics with the preprocessing, what `nnc eval` and `nnc predict`
/// read), `metrics.jsonl` (one line per epoch), `curves.svg` and `results.json`.
/// Every file is written atomically.
extension Trainer {
    public var checkpointPath: String { options.outputDirectory + "/checkpoint.safetensors" }
    public var weightsPath: String { options.outputDirectory + "/weights.safetensors" }

    func prepareRunDirectory() throws(TrainingFailure) {
        do {
            try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw ioFailure("the run folder '\(options.outputDirectory)' cannot be created", error)
        }
    }

    /// Metadata every file of the run carries: what model and preprocessing it belongs to.
    func metadata(format: String) -> [String: String] {
        var m = ["nnc.format": format, "nnc.model": spec.name, "nnc.spec_hash": specHash,
                 "nnc.preprocessing": Self.json(data.preprocessing)]
        if let file = spec.file {
            m["nnc.spec_path"] = file.path
            m["nnc.spec"] = file.text
        }
        return m
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// Writes `checkpoint.safetensors` (and the numbered copies the policy asks for) with
    /// the weights, optimizer state, early stopping's best weights and the training state.
    /// At the end of an epoch (`force` false) the spec's `checkpoint:` policy decides;
    /// without one, the latest state is written when the last write is at least
    /// `Trainer.checkpointInterval` seconds old (a tiny model's epochs take milliseconds),
    /// and always at the end and on an interrupt.
    func saveCheckpoint(force: Bool) throws(TrainingFailure) {
        var numbered: String?
        let now = DispatchTime.now().uptimeNanoseconds
        if !force, options.checkpoint == nil, let last = lastCheckpoint,
           Double(now - last) / 1e9 < Self.checkpointInterval { return }
        if !force, let policy = options.checkpoint {
            guard state.epoch % policy.every == 0 else { return }
            if policy.bestOnly {
                var monitor = state.checkpointMonitor ?? MetricMonitor(metric: policy.monitor)
                let value = state.history.last?.value(of: policy.monitor)
                let improved = value.map { monitor.observe($0) } ?? false
                state.checkpointMonitor = monitor
                guard improved else { return }
            }
            numbered = options.outputDirectory + "/checkpoint-epoch-\(String(state.epoch).leftPadded(to: 4)).safetensors"
        }
        var tensors = executor.tensors(weightBuffers) + executor.tensors(optimizerBuffers, prefix: "optimizer/")
        if !best.isEmpty {
            tensors += zip(weightBuffers, best).map { SafeTensors.Tensor(name: "best/" + $0.name, shape: $0.shape, values: $1) }
        }
        var meta = metadata(format: "checkpoint")
        meta["nnc.state"] = Self.json(state)
        var started = options.overrides
        started.threads = pool.threads
        started.outputDirectory = nil
        meta["nnc.overrides"] = Self.json(started)
        let file = SafeTensors(tensors: tensors, metadata: meta)
        do {
            try file.write(to: checkpointPath)
            if let numbered {
                try file.write(to: numbered)
                try pruneCheckpoints(keep: options.checkpoint!.keep)
            }
            lastCheckpoint = now
        } catch {
            throw ioFailure("a checkpoint must be written to '\(numbered ?? checkpointPath)'", error)
        }
    }

    /// Deletes all but the newest `keep` numbered checkpoints.
    func pruneCheckpoints(keep: Int) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: options.outputDirectory)
            .filter { $0.hasPrefix("checkpoint-epoch-") && $0.hasSuffix(".safetensors") }.sorted()
        for name in names.dropLast(keep) { try FileManager.default.removeItem(atPath: options.outputDirectory + "/" + name) }
    }

    func saveWeights() throws(TrainingFailure) {
        do {
            try SafeTensors(tensors: executor.tensors(weightBuffers), metadata: metadata(format: "weights")).write(to: weightsPath)
        } catch {
            throw ioFailure("the weights must be written to '\(weightsPath)'", error)
        }
    }

    /// `metrics.jsonl` and `curves.svg`, rewritten from the history (so a resumed run's
    /// log is exactly the uninterrupted run's).
    func writeLog() throws(TrainingFailure) {
        let lines = state.history.map { Self.json($0) + "\n" }.joined()
        do {
            try AtomicFile.write(Data(lines.utf8), to: options.outputDirectory + "/metrics.jsonl")
            try AtomicFile.write(Data(LearningCurves.svg(model: spec.name, history: state.history).utf8),
                                 to: options.outputDirectory + "/curves.svg")
        } catch {
            throw ioFailure("the metrics log must be written to '\(options.outputDirectory)'", error)
        }
    }

    func writeResults(_ result: TrainingResult) throws(TrainingFailure) {
        do {
            try AtomicFile.write(Data((TrainingReport.json(result) + "\n").utf8), to: options.outputDirectory + "/results.json")
        } catch {
            throw ioFailure("the results must be written to '\(options.outputDirectory)'", error)
        }
    }

    func ioFailure(_ message: String, _ error: Error) -> TrainingFailure {
        TrainingFailure([Diagnostic.error(.unwritableOutput, message, at: SourceLocation(file: spec.file, line: 0, column: 0),
                                          notes: ["\(error)"])])
    }

    // MARK: Resuming

    /// Continues from a checkpoint file, or the latest one in a run folder: weights,
    /// optimizer state and training state. Refused, with every difference listed, when the
    /// checkpoint's tensors do not fit this model. Returns notes worth printing.
    @discardableResult
    public func resume(from path: String) throws(TrainingFailure) -> [String] {
        let file = try Self.readCheckpoint(path, file: spec.file)
        let source = SourceLocation(file: spec.file, line: 0, column: 0)
        guard file.metadata["nnc.format"] == "checkpoint", let stateText = file.metadata["nnc.state"],
              let saved = try? JSONDecoder().decode(TrainingState.self, from: Data(stateText.utf8))
        else {
            throw TrainingFailure([Diagnostic.error(.checkpointMismatch, "--resume needs a checkpoint written by nnc train; '\(path)' has no training state",
                                                    at: source, help: "a weights.safetensors file initializes a model but holds no optimizer state: resume from checkpoint.safetensors")])
        }
        var mismatches = executor.load(weightBuffers, from: file) + executor.load(optimizerBuffers, from: file, prefix: "optimizer/")
        let known = Set(weightBuffers.map(\.name) + optimizerBuffers.map { "optimizer/" + $0.name })
        mismatches += file.tensors.map(\.name).filter { !$0.hasPrefix("best/") && !known.contains($0) }.map { .missing($0) }
        guard mismatches.isEmpty else {
            // The parameters tell the story; their optimizer state differs with them.
            let state = mismatches.filter { $0.name.hasPrefix("optimizer/") }.count
            let weights = mismatches.filter { !$0.name.hasPrefix("optimizer/") }
            var notes = weights.map { Self.describe($0, extraIn: file) }
            if state > 0 { notes.append("and \(state) tensor\(state == 1 ? "" : "s") of optimizer state") }
            throw TrainingFailure([Diagnostic.error(.checkpointMismatch, "a checkpoint resumes only the model it was written for; \(weights.count) parameter tensor\(weights.count == 1 ? "" : "s") of '\(path)' differ from this spec",
                                                    at: source, notes: notes,
                                                    help: "train from scratch (without --resume), or resume with the spec the checkpoint was written with")])
        }
        // Early stopping's best weights so far, when the run keeps them.
        let bestTensors = weightBuffers.map { file["best/" + $0.name] }
        best = bestTensors.contains(where: { $0 == nil }) ? [] : zip(weightBuffers, bestTensors).map { b, t in
            t!.shape == b.shape ? t!.values : [Float](repeating: 0, count: b.elements)
        }
        state = saved
        state.threads = pool.threads
        var notes = ["resuming from \(path): epoch \(saved.epoch + 1), batch \(saved.batch), step \(saved.step)"]
        if file.metadata["nnc.spec_hash"] != specHash {
            notes.append("the spec changed since the checkpoint (its shapes did not): continuing with the new settings")
        }
        if saved.threads != pool.threads {
            notes.append("the checkpoint was written with \(saved.threads) thread\(saved.threads == 1 ? "" : "s"); with \(pool.threads) the run continues correctly but not bit for bit")
        }
        if saved.seed != options.seed {
            notes.append("the checkpoint's seed \(saved.seed) is kept (the spec now says \(options.seed))")
        }
        return notes
    }

    static func describe(_ m: Executor.Mismatch, extraIn file: SafeTensors) -> String {
        if case .missing(let name) = m, file[name] != nil { return "'\(name)' is in the checkpoint but not in this model" }
        return m.description.replacingOccurrences(of: "in the file", with: "in the checkpoint")
    }

    /// Reads a checkpoint file or the run folder's latest one.
    static func readCheckpoint(_ path: String, file source: SourceFile?) throws(TrainingFailure) -> SafeTensors {
        var isDirectory: ObjCBool = false
        var file = path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = latestCheckpoint(in: path) ?? path + "/checkpoint.safetensors"
        }
        do {
            return try SafeTensors(contentsOf: file)
        } catch {
            throw TrainingFailure([Diagnostic.error(.unreadableWeights, "a checkpoint must be a readable safetensors file; '\(file)' is not: \(error)",
                                                    at: SourceLocation(file: source, line: 0, column: 0))])
        }
    }

    /// `checkpoint.safetensors`, or the newest numbered checkpoint, in a run folder.
    static func latestCheckpoint(in directory: String) -> String? {
        let latest = directory + "/checkpoint.safetensors"
        if FileManager.default.fileExists(atPath: latest) { return latest }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("checkpoint-epoch-") && $0.hasSuffix(".safetensors") }.sorted().last.map { directory + "/" + $0 }
    }
}
