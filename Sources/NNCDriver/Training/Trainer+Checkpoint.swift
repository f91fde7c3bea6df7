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

    /// Creates and locks the run folder, unless the session already did.
    func prepareRunDirectory() throws(TrainingFailure) {
        if runLock == nil && writesRunFolder {
            runLock = try RunFolderLock.acquire(
                options.outputDirectory, at: SourceLocation(file: spec.file, line: 0, column: 0))
        }
    }

    /// Metadata every file of the run carries: what model and preprocessing it belongs to.
    func metadata(format: String) -> [String: String] {
        var m = [
            "nnc.format": format, "nnc.model": spec.name, "nnc.spec_hash": specHash,
            "nnc.preprocessing": Self.json(data.preprocessing),
        ]
        if let file = spec.file {
            m["nnc.spec_path"] = file.path
            m["nnc.spec"] = file.text
            // A relative spec path (and so its data paths) resolves from here, wherever the
            // run folder is used later (TrainingSession.sourceFile).
            m["nnc.working_directory"] = FileManager.default.currentDirectoryPath
        }
        return m
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
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
            Double(now - last) / 1e9 < Self.checkpointInterval
        {
            return
        }
        if !force, let policy = options.checkpoint {
            guard state.epoch % policy.every == 0 else { return }
            if policy.bestOnly {
                var monitor = state.checkpointMonitor ?? MetricMonitor(metric: policy.monitor)
                let value = state.history.last?.value(of: policy.monitor)
                let improved = value.map { monitor.observe($0) } ?? false
                state.checkpointMonitor = monitor
                guard improved else { return }
            }
            numbered =
                options.outputDirectory + "/checkpoint-epoch-\(String(state.epoch).leftPadded(to: 4)).safetensors"
        }
        guard writesRunFolder else { return }
        var tensors = executor.tensors(weightBuffers) + executor.tensors(optimizerBuffers, prefix: "optimizer/")
        if !best.isEmpty {
            tensors += zip(weightBuffers, best).map {
                SafeTensors.Tensor(name: "best/" + $0.name, shape: $0.shape, values: $1)
            }
        }
        var meta = metadata(format: "checkpoint")
        meta["nnc.state"] = Self.json(state)
        if let world { meta["nnc.ranks"] = String(world.size) }
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
        // The events up to this state, after it: a kill in between loses them, never repeats them.
        flushEvents()
    }

    /// Deletes all but the newest `keep` numbered checkpoints.
    func pruneCheckpoints(keep: Int) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: options.outputDirectory)
            .filter { $0.hasPrefix("checkpoint-epoch-") && $0.hasSuffix(".safetensors") }.sorted()
        for name in names.dropLast(keep) {
            try FileManager.default.removeItem(atPath: options.outputDirectory + "/" + name)
        }
    }

    /// Writes `weights.safetensors`: the current weights, or `snapshot` (early stopping's
    /// best) in their place.
    func saveWeights(_ snapshot: [[Float]]? = nil) throws(TrainingFailure) {
        guard writesRunFolder else { return }
        let tensors =
            snapshot.map {
                zip(weightBuffers, $0).map { SafeTensors.Tensor(name: $0.name, shape: $0.shape, values: $1) }
            }
            ?? executor.tensors(weightBuffers)
        do {
            try SafeTensors(tensors: tensors, metadata: metadata(format: "weights")).write(to: weightsPath)
        } catch {
            throw ioFailure("the weights must be written to '\(weightsPath)'", error)
        }
    }

    /// `metrics.jsonl` and `curves.svg`, rewritten from the history (so a resumed run's
    /// log is exactly the uninterrupted run's). Optional: a failure is kept for the end.
    func writeLog() {
        let lines = state.history.map { Self.json($0) + "\n" }.joined()
        optional("the metrics log", "metrics.jsonl", Data(lines.utf8))
        optional(
            "the learning curves", "curves.svg", Data(LearningCurves.svg(model: spec.name, history: state.history).utf8)
        )
    }

    /// `results.json`. Optional: a failure is kept for the end.
    func writeResults(_ result: TrainingResult) {
        optional("the results", "results.json", Data((TrainingReport.json(result) + "\n").utf8))
    }

    /// Writes a file of the run folder that nothing else depends on; a failure is kept
    /// (once per file) and reported when the run ends, after the weights are safe.
    func optional(_ what: String, _ name: String, _ data: Data) {
        guard writesRunFolder else { return }
        let path = options.outputDirectory + "/" + name
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            keep(ioFailure("\(what) must be written to '\(path)'", error))
        }
    }

    /// Keeps the errors of a write that must not stop the run, each message once.
    func keep(_ failure: TrainingFailure) {
        for diagnostic in failure.diagnostics where !unwritten.contains(where: { $0.message == diagnostic.message }) {
            unwritten.append(diagnostic)
        }
    }

    func ioFailure(_ message: String, _ error: Error) -> TrainingFailure {
        TrainingFailure([
            Diagnostic.error(
                .unwritableOutput, message, at: SourceLocation(file: spec.file, line: 0, column: 0),
                notes: ["\(error)"])
        ])
    }

    // MARK: Resuming

    /// Continues from a checkpoint file, or the latest one in a run folder: weights,
    /// optimizer state and training state. Refused, with every difference listed, when the
    /// checkpoint's tensors do not fit this model. Returns notes worth printing.
    @discardableResult
    public func resume(from path: String) throws(TrainingFailure) -> [String] {
        let checkpoint = Self.checkpointFile(path)
        let file = try Self.readCheckpoint(path, file: spec.file)
        let source = SourceLocation(file: spec.file, line: 0, column: 0)
        guard file.metadata["nnc.format"] == "checkpoint", file.metadata["nnc.state"] != nil,
            let saved = try WeightsFile.metadata(
                TrainingState.self, "nnc.state", of: file, path: checkpoint, at: source)
        else {
            throw TrainingFailure([
                Diagnostic.error(
                    .checkpointMismatch,
                    "--resume needs a checkpoint written by nnc train; '\(path)' has no training state",
                    at: source,
                    help:
                        "a weights.safetensors file initializes a model but holds no optimizer state: resume from checkpoint.safetensors"
                )
            ])
        }
        let ranks = world?.size ?? 1
        let written = file.metadata["nnc.ranks"].flatMap { Int($0) } ?? 1
        guard written == ranks else {
            throw TrainingFailure([
                Diagnostic.error(
                    .checkpointRankCount,
                    "a checkpoint resumes only under the number of ranks that wrote it; '\(checkpoint)' was written by \(written.counted("rank")), this run has \(ranks)",
                    at: source,
                    help: written == 1
                        ? "resume without mpirun" : "resume with mpirun -np \(written)")
            ])
        }
        var mismatches =
            executor.load(weightBuffers, from: file) + executor.load(optimizerBuffers, from: file, prefix: "optimizer/")
        let known = Set(weightBuffers.map(\.name) + optimizerBuffers.map { "optimizer/" + $0.name })
        mismatches += file.tensors.map(\.name).filter { !$0.hasPrefix("best/") && !known.contains($0) }.map {
            .missing($0)
        }
        // Early stopping's best weights so far, when the run keeps them: all or none.
        let bestTensors = weightBuffers.map { file["best/" + $0.name] }
        if bestTensors.contains(where: { $0 != nil }) {
            for (buffer, tensor) in zip(weightBuffers, bestTensors) {
                guard let tensor else {
                    mismatches.append(.missing("best/" + buffer.name))
                    continue
                }
                if tensor.shape != buffer.shape {
                    mismatches.append(.shape("best/" + buffer.name, expected: buffer.shape, found: tensor.shape))
                }
            }
        }
        guard mismatches.isEmpty else {
            // The parameters tell the story; their optimizer state differs with them.
            let state = mismatches.filter { $0.name.hasPrefix("optimizer/") }.count
            let weights = mismatches.filter { !$0.name.hasPrefix("optimizer/") }
            var notes = weights.map { Self.describe($0, extraIn: file) }
            if state > 0 { notes.append("and \(state) tensor\(state == 1 ? "" : "s") of optimizer state") }
            throw TrainingFailure([
                Diagnostic.error(
                    .checkpointMismatch,
                    "a checkpoint resumes only the model it was written for; \(weights.count) parameter tensor\(weights.count == 1 ? "" : "s") of '\(path)' differ from this spec",
                    at: source, notes: notes,
                    help:
                        "train from scratch (without --resume), or resume with the spec the checkpoint was written with"
                )
            ])
        }
        let problems = saved.problems(
            batchesPerEpoch: order(epoch: max(0, saved.epoch)).batchCount, metrics: metrics.count)
        guard problems.isEmpty else {
            throw TrainingFailure([
                Diagnostic.error(
                    .unreadableWeights,
                    "a checkpoint's training state must be in range; \(problems.count) field\(problems.count == 1 ? "" : "s") of 'nnc.state' in '\(checkpoint)' \(problems.count == 1 ? "is" : "are") not",
                    at: source, notes: problems,
                    help:
                        "resume from an earlier checkpoint of the run (checkpoint-epoch-*.safetensors), or train from scratch"
                )
            ])
        }
        try WeightsFile.requireFinite(
            file, path: checkpoint, at: source,
            help: "resume from an earlier checkpoint of the run (checkpoint-epoch-*.safetensors), or train from scratch"
        )
        best = bestTensors.contains(where: { $0 == nil }) ? [] : bestTensors.compactMap { $0?.values }
        state = saved
        state.threads = pool.threads
        var notes = ["resuming from \(path): epoch \(saved.epoch + 1), batch \(saved.batch), step \(saved.step)"]
        if file.metadata["nnc.spec_hash"] != specHash {
            notes.append("the spec changed since the checkpoint (its shapes did not): continuing with the new settings")
        }
        if saved.threads != pool.threads {
            notes.append(
                "the checkpoint was written with \(saved.threads) thread\(saved.threads == 1 ? "" : "s"); with \(pool.threads) the run continues correctly but not bit for bit"
            )
        }
        if saved.seed != options.seed {
            notes.append("the checkpoint's seed \(saved.seed) is kept (the spec now says \(options.seed))")
        }
        return notes
    }

    static func describe(_ m: Executor.Mismatch, extraIn file: SafeTensors) -> String {
        if case .missing(let name) = m, file[name] != nil {
            return "'\(name)' is in the checkpoint but not in this model"
        }
        return m.description.replacingOccurrences(of: "in the file", with: "in the checkpoint")
    }

    /// Reads a checkpoint file or the run folder's latest one.
    static func readCheckpoint(_ path: String, file source: SourceFile?) throws(TrainingFailure) -> SafeTensors {
        try WeightsFile.read(
            checkpointFile(path), role: "a checkpoint", at: SourceLocation(file: source, line: 0, column: 0))
    }

    /// The checkpoint file `--resume` names: the file itself, or a run folder's latest one.
    static func checkpointFile(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return latestCheckpoint(in: path) ?? path + "/checkpoint.safetensors"
        }
        return path
    }

    /// `checkpoint.safetensors`, or the newest numbered checkpoint, in a run folder.
    static func latestCheckpoint(in directory: String) -> String? {
        let latest = directory + "/checkpoint.safetensors"
        if FileManager.default.fileExists(atPath: latest) { return latest }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("checkpoint-epoch-") && $0.hasSuffix(".safetensors") }.sorted().last.map {
            directory + "/" + $0
        }
    }
}
