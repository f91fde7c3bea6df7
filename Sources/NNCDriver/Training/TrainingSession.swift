import Foundation
import NNCData
import NNCGraph
import NNCRuntime
import NNCSpec

/// `nnc train` up to the first epoch: read and check the spec (from its file, or from the
/// checkpoint being resumed), load and prepare the data, build the trainer, initialize
/// transferred layers, and restore a checkpoint.
public struct TrainingSession {
    public var trainer: Trainer
    /// Warnings of the check (printed, not fatal).
    public var warnings: [Diagnostic]
    /// Lines worth printing before training: what resuming restored, what changed.
    public var notes: [String]

    /// With `world`, this process is one rank of a data-parallel run under mpirun: only rank 0
    /// locks and writes the run folder.
    public static func make(
        model: String?, resume: String?, overrides given: TrainingOptions.Overrides, world: MPIWorld? = nil
    ) throws(TrainingFailure) -> TrainingSession {
        try make(source: try sourceFile(model: model, resume: resume), resume: resume, overrides: given, world: world)
    }

    /// A session of the spec `source` (a tuning trial's, which has no file of its own).
    public static func make(
        source: SourceFile, resume: String?, overrides given: TrainingOptions.Overrides, world: MPIWorld? = nil
    ) throws(TrainingFailure) -> TrainingSession {
        var overrides = given
        if let resume {
            // Continue the run as it was started: its epochs, batch size, seed and threads.
            let checkpoint = try Trainer.readCheckpoint(resume, file: source)
            let path = Trainer.checkpointFile(resume)
            let at = SourceLocation(file: source, line: 0, column: 0)
            if let saved = try WeightsFile.metadata(
                TrainingOptions.Overrides.self, "nnc.overrides", of: checkpoint, path: path, at: at)
            {
                let problems = saved.problems
                guard problems.isEmpty else {
                    throw TrainingFailure([
                        Diagnostic.error(
                            .unreadableWeights,
                            "a checkpoint's settings must be in range; \(problems.count) field\(problems.count == 1 ? "" : "s") of 'nnc.overrides' in '\(path)' \(problems.count == 1 ? "is" : "are") not",
                            at: at, notes: problems,
                            help: "resume from an earlier checkpoint of the run, or train from scratch")
                    ])
                }
                overrides = given.resuming(saved)
            }
        }
        let (spec, graph, checked) = try trainable(source)
        var options = TrainingOptions(graph: graph, modelFile: spec.file, overrides: overrides)
        if overrides.outputDirectory == nil, let resume, graph.training.train.checkpoint?.directory == nil {
            // Resuming writes on into the folder it resumes from.
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: resume, isDirectory: &isDirectory)
            options.outputDirectory =
                exists && isDirectory.boolValue ? resume : (resume as NSString).deletingLastPathComponent
        }
        // The folder is locked before the data are read, so a second run into it is refused at once.
        let lock =
            (world?.rank ?? 0) == 0
            ? try RunFolderLock.acquire(
                options.outputDirectory, at: SourceLocation(file: spec.file, line: 0, column: 0)) : nil
        do throws(TrainingFailure) {
            var data = try DataLoading.load(spec, graph: graph, seed: options.seed, purpose: .training)
            if overrides.bagging == true { data.train = data.train.bootstrap(seed: options.seed) }
            let trainer = try Trainer(spec: spec, graph: graph, data: data, options: options, world: world)
            trainer.runLock = lock
            var notes: [String] = []
            if resume == nil { notes += try Transfer.apply(spec, to: trainer) }
            if let resume { notes += try trainer.resume(from: resume) }
            if let world {
                let batch = trainer.options.batchSize
                let shares = (0..<world.size).map { String(BatchShare.count(batch, rank: $0, ranks: world.size)) }
                notes.append(
                    "data-parallel over \(world.size) ranks: each batch of \(batch) split \(shares.joined(separator: "/")), gradients averaged in rank order; \(trainer.options.threads.counted("thread")) per rank"
                )
            }
            try trainer.openTensorBoard()
            if let settings = trainer.options.tensorboard {
                notes.append(
                    "TensorBoard event files in \(settings.directory) (view with: tensorboard --logdir \(settings.directory))"
                )
            }
            return TrainingSession(trainer: trainer, warnings: checked.warnings, notes: notes)
        } catch {
            lock?.abandon()
            throw error
        }
    }

    /// The checked spec and graph of a model to train (with its data headers compared), or
    /// what stops it: a check error or no loss. `train`, `doctor` and `lr-find` start here.
    static func trainable(_ source: SourceFile) throws(TrainingFailure) -> (ModelSpec, Graph, CheckResult) {
        let checked = Driver.check(source, readingData: true, bindingData: true)
        guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph, graph.isComplete else {
            throw TrainingFailure(checked.diagnostics)
        }
        guard graph.training.loss != nil else {
            throw TrainingFailure([
                Diagnostic.error(
                    .missingKey, "a model trains only with a 'loss'", at: spec.inputLocation,
                    help: "add e.g. `loss: categorical_crossentropy`")
            ])
        }
        return (spec, graph, checked)
    }

    /// A trainable model with its options and prepared data, for the tools that train a copy
    /// of it without a run folder (`doctor`, `lr-find`).
    static func copyOfRun(_ source: SourceFile, overrides: TrainingOptions.Overrides) throws(TrainingFailure) -> (
        spec: ModelSpec, graph: Graph, options: TrainingOptions, data: TrainingData
    ) {
        let (spec, graph, _) = try trainable(source)
        let options = TrainingOptions(graph: graph, modelFile: spec.file, overrides: overrides)
        let data = try DataLoading.load(spec, graph: graph, seed: options.seed, purpose: .training)
        return (spec, graph, options, data)
    }

    /// The spec to train: the model file, or with only `--resume`, the text the checkpoint
    /// kept (under its original path, so relative data paths still resolve).
    static func sourceFile(model: String?, resume: String?) throws(TrainingFailure) -> SourceFile {
        if let model {
            do {
                return try Driver.loadSource(model)
            } catch {
                let file = SourceFile(path: model, text: "")
                throw TrainingFailure([
                    Diagnostic.error(
                        .unreadableFile, "a model file must be readable; \(error)",
                        at: SourceLocation(file: file, line: 0, column: 0))
                ])
            }
        }
        let empty = SourceFile(path: resume!, text: "")
        let checkpoint = try Trainer.readCheckpoint(resume!, file: empty)
        guard let text = checkpoint.metadata["nnc.spec"], let path = checkpoint.metadata["nnc.spec_path"] else {
            throw TrainingFailure([
                Diagnostic.error(
                    .checkpointMismatch,
                    "--resume without a model file needs a checkpoint that kept its spec; '\(resume!)' has none",
                    at: SourceLocation(file: empty, line: 0, column: 0),
                    help: "name the model file: nnc train MODEL --resume \(resume!)")
            ])
        }
        return SourceFile(path: resolved(path, trainedIn: checkpoint.metadata["nnc.working_directory"]), text: text)
    }

    /// A spec path the run recorded relative to the folder it was trained in, made to name the
    /// same file from this process's folder (so the spec's relative data paths still resolve).
    static func resolved(_ path: String, trainedIn directory: String?) -> String {
        let here = FileManager.default.currentDirectoryPath
        guard let directory, !path.hasPrefix("/"), directory != here else { return path }
        return ((directory as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}
