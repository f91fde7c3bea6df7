import Foundation
import NNCData
import NNCGraph
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCSpec

/// `nnc eval` and `nnc predict`: a checked model with the weights and preprocessing a
/// training run saved, compiled for inference.
public struct InferenceSession {
    public var spec: ModelSpec
    public var graph: Graph
    public var weights: SafeTensors
    public var weightsPath: String
    /// The preprocessing the weights file carries, validated against the model.
    public var preprocessing: Preprocessing?
    public var warnings: [Diagnostic]
    /// The run folder named in place of the model file, if one was.
    public var runFolder: String?

    /// Checks the model and reads its weights (default: the run folder's weights.safetensors).
    /// With `readingData`, the spec's data files are compared with the model from their
    /// headers first (`nnc eval`; `nnc predict --input` reads its own file instead). `model`
    /// may name a run folder instead of a model file: its checkpoint's spec and its weights
    /// are used (the spec under its original path, so its data paths still resolve).
    public static func make(model: String, weights: String?, readingData: Bool = true) throws(TrainingFailure)
        -> InferenceSession
    {
        var isDirectory: ObjCBool = false
        let runFolder =
            FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) && isDirectory.boolValue
            ? model : nil
        let source = try TrainingSession.sourceFile(model: runFolder == nil ? model : nil, resume: runFolder)
        let weights = weights ?? runFolder.map { ($0 as NSString).appendingPathComponent("weights.safetensors") }
        // Symbolic sizes are bound from the spec's data, as training bound them.
        let checked = Driver.check(source, readingData: readingData, bindingData: true)
        guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph, graph.isComplete else {
            throw TrainingFailure(checked.diagnostics)
        }
        let path =
            weights ?? TrainingOptions(graph: graph, modelFile: spec.file).outputDirectory + "/weights.safetensors"
        let at = SourceLocation(file: source, line: 0, column: 0)
        let file = try WeightsFile.read(
            path, role: "a weights file", at: at,
            help: weights == nil ? "train first (nnc train \(model)), or name the file with --weights" : nil)
        try WeightsFile.requireFinite(
            file, path: path, at: at, help: "use weights from an earlier checkpoint of the run, or train again")
        var preprocessing: Preprocessing?
        if let saved = file.metadata["nnc.preprocessing"] {
            do throws(DataError) {
                let decoded = try Preprocessing.decode(saved, file: path)
                try decoded.validate(against: DataLoading.contract(spec, graph: graph), file: path)
                preprocessing = decoded
            } catch {
                throw TrainingFailure([error.diagnostic])
            }
        }
        return InferenceSession(
            spec: spec, graph: graph, weights: file, weightsPath: path, preprocessing: preprocessing,
            warnings: checked.warnings, runFolder: runFolder)
    }

    /// The class names the training data gave (image folders' subfolders), saved with the weights.
    public var classNames: [String]? { preprocessing?.classNames }

    /// An evaluator for `batch` samples with these weights loaded (and folded, packed).
    public func evaluator(batch: Int, threads: Int, withLoss: Bool) throws(TrainingFailure) -> Evaluator {
        let plan = try Trainer.compile(
            graph, spec, LoweringOptions(mode: .inference, batch: batch, evaluatesLoss: withLoss))
        if let refusal = MemoryBudget.refusal(
            needing: plan.totalBytes, what: "the inference plan", mode: .inference, batch: batch,
            graph: graph, spec: spec, at: spec.inputLocation)
        {
            throw TrainingFailure([refusal])
        }
        let evaluator = Evaluator(plan: plan, pool: ThreadPool(threads: threads), metrics: graph.training.metrics)
        let mismatches = evaluator.executor.load(evaluator.stateBuffers, from: weights)
        guard mismatches.isEmpty else {
            throw TrainingFailure([
                Diagnostic.error(
                    .checkpointMismatch,
                    "weights load only into the model they were trained for; \(mismatches.count) tensor\(mismatches.count == 1 ? "" : "s") of '\(weightsPath)' differ",
                    at: SourceLocation(file: spec.file, line: 0, column: 0), notes: mismatches.map(\.description))
            ])
        }
        evaluator.executor.prepare()
        return evaluator
    }

    /// True when the output is a softmax or sigmoid (predictions are classes).
    public var isClassifier: Bool {
        switch graph.training.loss {
        case .categoricalCrossEntropy?, .sparseCategoricalCrossEntropy?, .binaryCrossEntropy?: true
        case .meanSquaredError?, .sumOfSquares?, nil: false
        }
    }

    /// The samples of a file of inputs only (IDX or NPY images, or a CSV whose every column
    /// is a feature), compared with the model's input and prepared with the saved
    /// preprocessing. Weights without saved preprocessing use the spec's: fitted on its
    /// training split when it standardizes, else as declared (no data needed).
    public func inputs(from path: String) throws(TrainingFailure) -> Dataset {
        let source: DatasetSource =
            if path.hasSuffix(".csv") {
                .csv(CSVOptions(path: path))
            } else if path.hasSuffix(".npy") {
                .npy(images: path, labels: "")
            } else {
                .idx(images: path, labels: "")
            }
        let contract = DataLoading.contract(spec, graph: graph)
        let fitted: Preprocessing
        if let preprocessing { fitted = preprocessing } else { fitted = try declaredPreprocessing() }
        var raw: RawDataset
        do throws(DataError) {
            raw = try DataReader.read(source, labels: .none)
            if let ids = contract.vocabulary { raw = try raw.asTokenIDs(vocabulary: ids) }
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
        let problems = contract.problems(with: raw.summary)
        guard problems.isEmpty else { throw TrainingFailure(problems) }
        do throws(DataError) {
            return try fitted.apply(to: raw)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
    }

    /// The spec's own preprocessing, for weights that carry none: scaling and reshaping as
    /// declared, standardization fitted again on the training split (which needs the data).
    func declaredPreprocessing() throws(TrainingFailure) -> Preprocessing {
        let declared = DataLoading.preprocessingSpec(spec, graph: graph)
        guard declared.standardize else { return declared.withoutStatistics() }
        return try DataLoading.load(spec, graph: graph, seed: 0, purpose: .prediction).preprocessing
    }

    /// The spec's data prepared as training prepared it: with the saved preprocessing, or,
    /// for weights that carry none, fitted again on the training split.
    public func data(seed: UInt64, purpose: DataLoading.Purpose = .evaluation) throws(TrainingFailure) -> TrainingData {
        try DataLoading.load(spec, graph: graph, seed: seed, fitted: preprocessing, purpose: purpose)
    }
}
