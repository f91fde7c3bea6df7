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
    public var preprocessing: Preprocessing?
    public var warnings: [Diagnostic]

    /// Checks the model and reads its weights (default: the run folder's weights.safetensors).
    public static func make(model: String, weights: String?) throws(TrainingFailure) -> InferenceSession {
        let source = try TrainingSession.sourceFile(model: model, resume: nil)
        let checked = Driver.check(source)
        guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph, graph.isComplete else {
            throw TrainingFailure(checked.diagnostics)
        }
        let path = weights ?? TrainingOptions(spec: spec).outputDirectory + "/weights.safetensors"
        let at = SourceLocation(file: source, line: 0, column: 0)
        let file = try WeightsFile.read(path, role: "a weights file", at: at,
                                        help: weights == nil ? "train first (nnc train \(model)), or name the file with --weights" : nil)
        try WeightsFile.requireFinite(file, path: path, at: at, help: "use weights from an earlier checkpoint of the run, or train again")
        let preprocessing = try WeightsFile.metadata(Preprocessing.self, "nnc.preprocessing", of: file, path: path, at: at)
        return InferenceSession(spec: spec, graph: graph, weights: file, weightsPath: path, preprocessing: preprocessing,
                                warnings: checked.warnings)
    }

    /// An evaluator for `batch` samples with these weights loaded (and folded, packed).
    public func evaluator(batch: Int, threads: Int, withLoss: Bool) throws(TrainingFailure) -> Evaluator {
        let plan = try Trainer.compile(graph, spec, LoweringOptions(mode: .inference, batch: batch, evaluatesLoss: withLoss))
        if let refusal = MemoryBudget.refusal(needing: plan.totalBytes, what: "the inference plan", mode: .inference, batch: batch,
                                              graph: graph, spec: spec, at: spec.inputLocation) {
            throw TrainingFailure([refusal])
        }
        let evaluator = Evaluator(plan: plan, pool: ThreadPool(threads: threads), metrics: spec.metrics.map(MetricAccumulator.Metric.init(spec:)))
        let mismatches = evaluator.executor.load(evaluator.stateBuffers, from: weights)
        guard mismatches.isEmpty else {
            throw TrainingFailure([Diagnostic.error(.checkpointMismatch, "weights load only into the model they were trained for; \(mismatches.count) tensor\(mismatches.count == 1 ? "" : "s") of '\(weightsPath)' differ",
                                                    at: SourceLocation(file: spec.file, line: 0, column: 0), notes: mismatches.map(\.description))])
        }
        evaluator.executor.prepare()
        return evaluator
    }

    /// True when the output is a softmax or sigmoid (predictions are classes).
    public var isClassifier: Bool {
        let name = spec.loss?.kind.name ?? ""
        return name.hasSuffix("crossentropy")
    }

    /// The samples of a file of inputs only (IDX or NPY images, or a CSV whose every column
    /// is a feature), prepared with the saved preprocessing.
    public func inputs(from path: String) throws(TrainingFailure) -> Dataset {
        let source: DatasetSource = if path.hasSuffix(".csv") {
            .csv(CSVOptions(path: path))
        } else if path.hasSuffix(".npy") {
            .npy(images: path, labels: "")
        } else {
            .idx(images: path, labels: "")
        }
        do {
            let raw = try DataReader.read(source, labels: .none)
            let fitted = try preprocessing ?? DataLoading.load(spec, graph: graph, seed: 0).preprocessing
            return try fitted.apply(to: raw)
        } catch let error as DataError {
            throw TrainingFailure([error.diagnostic])
        } catch let error as TrainingFailure {
            throw error
        } catch {
            throw TrainingFailure([])
        }
    }

    /// The spec's data prepared as training prepared it: with the saved preprocessing, or,
    /// for weights that carry none, fitted again on the training split.
    public func data(seed: UInt64) throws(TrainingFailure) -> TrainingData {
        try DataLoading.load(spec, graph: graph, seed: seed, fitted: preprocessing)
    }
}
