import ArgumentParser
import Foundation
import NNCData
import NNCDriver
import NNCSpec

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with saved weights: the test split's samples, or the samples of an input file.",
        discussion: """
            Prepares the inputs with the preprocessing the training run saved and runs the inference plan. \
            Classifiers print the predicted class and its probability (and the label, when the samples have \
            one); regression models print the predicted values. --input reads a file of inputs only: IDX or \
            NPY images, or a CSV whose every column is a feature.
            """)

    @Argument(help: "The model file the weights were trained with, or a run folder (its checkpoint keeps the spec).")
    var model: String

    @Option(
        help:
            "The weights file (default: runs/<model>/weights.safetensors). Repeat it, or name an ensemble folder (nnc train --seeds), to predict with a committee."
    )
    var weights: [String] = []

    @Flag(help: "With several weights: a majority vote of the members' classes instead of their mean probabilities.")
    var vote = false

    @Option(help: "A file of inputs to predict (default: the spec's test split).")
    var input: String?

    @Option(help: "Print at most this many samples in text format (0: all).")
    var limit = 20

    @Option(help: "Threads (default: all cores, at most 256).")
    var threads: Int?

    @Option(help: "Output format: text, json or csv.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, csv }

    func validate() throws {
        try OptionChecks.check(limit, "limit", in: 0...Int.max)
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
    }

    func run() throws {
        do throws(any Error) {
            let files = try Ensemble.weightsFiles(weights)
            if files.count > 1 {
                let committee = try Ensemble.evaluate(
                    model: model, weights: files, rule: vote ? .vote : .mean, threads: OptionChecks.threads(threads),
                    split: input ?? "test", readingData: input == nil, prepare: samples)
                return try show(
                    Prediction.make(
                        outputs: committee.combined, dataset: committee.dataset, classifier: committee.isClassifier,
                        classNames: committee.classNames))
            }
            let session = try InferenceSession.make(model: model, weights: files.first, readingData: input == nil)
            Terminal.report(session.warnings)
            let dataset = try samples(session)
            let evaluator = try session.evaluator(
                batch: min(max(dataset.count, 1), 256), threads: OptionChecks.threads(threads), withLoss: false)
            let outputs = try evaluator.predict(try BatchFiller(dataset))
            try show(
                Prediction.make(
                    outputs: outputs, dataset: dataset, classifier: session.isClassifier,
                    classNames: session.classNames))
        } catch let failure as TrainingFailure {
            Terminal.report(failure.diagnostics)
            throw ExitCode(1)
        } catch let error as DataError {
            Terminal.report([error.diagnostic])
            throw ExitCode(1)
        }
    }

    /// The samples to predict: the --input file's, else the spec's test split.
    func samples(_ session: InferenceSession) throws(TrainingFailure) -> Dataset {
        if let input { return try session.inputs(from: input) }
        let seed = TrainingOptions(graph: session.graph, modelFile: session.spec.file).seed
        guard let test = try session.data(seed: seed, purpose: .prediction).test else {
            throw TrainingFailure([
                Diagnostic.error(
                    .missingKey, "the spec's data has no test split; name a file of inputs with --input",
                    at: session.spec.inputLocation)
            ])
        }
        return test
    }

    /// Prints the predictions in the chosen format.
    func show(_ predictions: [Prediction]) throws {
        switch format {
        case .json:
            try printJSON(predictions.map(\.json))
        case .csv:
            print(Prediction.csvHeader(predictions))
            for p in predictions { print(p.csv) }
        case .text:
            let shown = limit > 0 ? predictions.prefix(limit) : predictions[...]
            for p in shown { print(p.text) }
            if shown.count < predictions.count {
                print("… \((predictions.count - shown.count).grouped) more (--limit 0 prints all)")
            }
            if let accuracy = Prediction.accuracy(predictions) {
                print(
                    "accuracy on the \(predictions.count.grouped) labelled samples: \(String(format: "%.4f", accuracy))"
                )
            }
        }
    }
}
