import ArgumentParser
import Foundation
import NNCData
import NNCDriver
import NNCSpec

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate saved weights on a split of the spec's data: loss and metrics.",
        discussion: """
            Reads the weights and the preprocessing a training run saved (default: the run folder's \
            weights.safetensors) and evaluates the inference plan (dropout off, batchnorm on its running \
            statistics) on the test split, or on --split validation or train.
            """)

    @Argument(help: "The model file the weights were trained with, or a run folder (its checkpoint keeps the spec).")
    var model: String

    @Option(
        help:
            "The weights file (default: runs/<model>/weights.safetensors, or train.checkpoint.dir). Repeat it, or name an ensemble folder (nnc train --seeds), to evaluate a committee."
    )
    var weights: [String] = []

    @Flag(help: "With several weights: a majority vote of the members' classes instead of their mean probabilities.")
    var vote = false

    @Option(help: "Which split: test, validation or train.")
    var split: Split = .test

    @Option(help: "Threads (default: all cores, at most 256).")
    var threads: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    enum Split: String, ExpressibleByArgument, CaseIterable {
        case test, validation, train

        /// This split of the data, if it has one.
        func of(_ data: TrainingData) -> Dataset? {
            switch self {
            case .test: data.test
            case .validation: data.validation
            case .train: data.train
            }
        }
    }

    func validate() throws {
        try OptionChecks.check(threads, "threads", in: OptionChecks.threads)
    }

    func run() throws {
        do throws(any Error) {
            let files = try Ensemble.weightsFiles(weights)
            if files.count > 1 { return try evaluateEnsemble(files) }
            let session = try InferenceSession.make(model: model, weights: files.first)
            Terminal.report(session.warnings)
            let data = try session.data(seed: TrainingOptions(graph: session.graph, modelFile: session.spec.file).seed)
            guard let dataset = split.of(data) else {
                Terminal.printError(
                    "error: the spec's data has no \(split.rawValue) split (add data.\(split.rawValue)\(split == .train ? "" : " or a \(split.rawValue)_split"))"
                )
                throw ExitCode(1)
            }
            let evaluator = try session.evaluator(
                batch: min(dataset.count, 256), threads: OptionChecks.threads(threads), withLoss: true)
            let result = try evaluator.evaluate(try BatchFiller(dataset))
            if format == .json {
                var o: [String: Any] = [
                    "split": split.rawValue, "samples": result.samples, "loss": result.loss,
                    "weights": session.weightsPath,
                ]
                for (k, v) in result.metrics { o[k] = v }
                try printJSON(o)
            } else {
                let metrics = result.metrics.keys.sorted().map {
                    " - \($0): \(String(format: "%.4f", result.metrics[$0]!))"
                }.joined()
                print(
                    "\(session.spec.name) on \(split.rawValue) (\(result.samples.counted("sample"))): loss: \(String(format: "%.4f", result.loss))\(metrics)"
                )
            }
        } catch let failure as TrainingFailure {
            Terminal.report(failure.diagnostics)
            throw ExitCode(1)
        } catch let error as DataError {
            Terminal.report([error.diagnostic])
            throw ExitCode(1)
        }
    }

    /// Each member and their committee on the split.
    func evaluateEnsemble(_ files: [String]) throws {
        let evaluation = try Ensemble.evaluate(
            model: model, weights: files, rule: vote ? .vote : .mean, threads: OptionChecks.threads(threads),
            split: split.rawValue
        ) { session throws(TrainingFailure) in
            let data = try session.data(seed: TrainingOptions(graph: session.graph, modelFile: session.spec.file).seed)
            guard let chosen = split.of(data) else {
                throw TrainingFailure([
                    Diagnostic.error(
                        .missingKey, "the spec's data has no \(split.rawValue) split", at: session.spec.inputLocation)
                ])
            }
            return chosen
        }
        print(format == .json ? evaluation.json : evaluation.text)
    }
}

extension Terminal {
    static func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        let color = isatty(2) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        printError(DiagnosticRenderer(useColor: color).render(diagnostics))
    }

}
