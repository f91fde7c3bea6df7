import Foundation
import NNCDriver
import Testing

/// The bundled sequence examples train to the results their comments promise, with their
/// own recipes and seeds, on bundled MNIST read row by row or on generated adding-problem
/// data (test split figures). A run too slow for the suite is cut to fewer epochs, with
/// the bound that shorter run reaches; the model's comment states the full run's figure.
@Suite(.serialized) struct SequenceExampleResultsTests {
    struct Example: Sendable, CustomStringConvertible {
        var model: String
        /// The test metric and the bound it must reach (accuracy at least, loss at most).
        var metric: String
        var bound: Double
        /// Epochs to train instead of the spec's own, or nil for the full recipe.
        var epochs: Int? = nil
        var description: String { model }
    }

    static let examples: [Example] = [
        Example(model: "lstm_classifier", metric: "accuracy", bound: 0.91),
        Example(model: "gru_classifier", metric: "accuracy", bound: 0.91),
        Example(model: "bigru_classifier", metric: "accuracy", bound: 0.91),
        Example(model: "stacked_lstm_layernorm", metric: "accuracy", bound: 0.93),
        // The adding problem: answering 1 always scores MSE 1/6 ≈ 0.167.
        Example(model: "adding_lstm", metric: "loss", bound: 0.002),
        Example(model: "causal_tcn", metric: "loss", bound: 0.01, epochs: 5),
    ]

    @Test(arguments: examples)
    func trainsToItsStatedResult(_ example: Example) throws {
        let s = try Scratch()
        let result = try Training.run(Repo.models.appendingPathComponent("\(example.model).yaml").path,
                                      epochs: example.epochs, out: s.path("run"))
        let test = try #require(result.test)
        let value = try #require(example.metric == "loss" ? test.loss : test.metrics[example.metric])
        if example.metric == "loss" {
            #expect(value <= example.bound, "\(example.model): test loss \(value)")
        } else {
            #expect(value >= example.bound, "\(example.model): test \(example.metric) \(value)")
        }
    }
}
