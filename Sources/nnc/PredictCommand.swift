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

    @Argument(help: "The model file the weights were trained with.")
    var model: String

    @Option(help: "The weights file (default: runs/<model>/weights.safetensors).")
    var weights: String?

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
            let session = try InferenceSession.make(model: model, weights: weights, readingData: input == nil)
            Terminal.report(session.warnings)
            let dataset =
                try input.map { try session.inputs(from: $0) }
                ?? session.data(
                    seed: TrainingOptions(graph: session.graph, modelFile: session.spec.file).seed, purpose: .prediction
                ).test
            guard let dataset else {
                Terminal.printError("error: the spec's data has no test split; name a file of inputs with --input")
                throw ExitCode(1)
            }
            let evaluator = try session.evaluator(
                batch: min(max(dataset.count, 1), 256), threads: OptionChecks.threads(threads), withLoss: false)
            let outputs = try evaluator.predict(try BatchFiller(dataset))
            let predictions = Prediction.make(outputs: outputs, dataset: dataset, classifier: session.isClassifier)
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
        } catch let failure as TrainingFailure {
            Terminal.report(failure.diagnostics)
            throw ExitCode(1)
        } catch let error as DataError {
            Terminal.report([error.diagnostic])
            throw ExitCode(1)
        }
    }
}
