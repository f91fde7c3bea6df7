import Foundation
import NNCDriver
import Testing

/// The bundled sequence examples train to the results their comments promise, with their
/// own recipes and seeds, on bundled MNIST read row by row or on generated adding-problem
/// data (test split figures). A run too slow for the suite is cut to fewer epochs, with
/// the bound that shorter run reaches; the model's comment states the full run's figure.
@Suite(.serialized) struct SequenceExampleResultsTests {
    static let examples: [BundledExample] = [
        BundledExample(model: "lstm_classifier", metric: "accuracy", bound: 0.91),
        BundledExample(model: "gru_classifier", metric: "accuracy", bound: 0.91),
        BundledExample(model: "bigru_classifier", metric: "accuracy", bound: 0.91),
        BundledExample(model: "stacked_lstm_layernorm", metric: "accuracy", bound: 0.93),
        // The adding problem: answering 1 always scores MSE 1/6 ≈ 0.167.
        BundledExample(model: "adding_lstm", metric: "loss", bound: 0.002),
        BundledExample(model: "causal_tcn", metric: "loss", bound: 0.01, epochs: 5),
        // Digit reversal: ignoring positions guesses 1 digit in 10.
        BundledExample(model: "transformer_reverse", metric: "accuracy", bound: 0.99),
        // Expression signs: the majority class scores 0.5, a bag of tokens 0.639.
        BundledExample(model: "tree_arith", metric: "accuracy", bound: 0.975),
    ]

    @Test(arguments: examples)
    func trainsToItsStatedResult(_ example: BundledExample) throws {
        try example.trainsToItsResult()
    }
}
