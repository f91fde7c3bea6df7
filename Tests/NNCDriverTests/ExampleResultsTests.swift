import Foundation
import NNCDriver
import Testing

/// The bundled examples train to the results their comments promise, with their own
/// recipes and seeds, on the bundled real data (test split figures).
@Suite(.serialized) struct ExampleResultsTests {
    static let examples: [BundledExample] = [
        BundledExample(model: "digits_mlp", metric: "accuracy", bound: 0.95),
        BundledExample(model: "mnist_mlp", metric: "accuracy", bound: 0.91),
        BundledExample(model: "lenet5", metric: "accuracy", bound: 0.95),
        BundledExample(model: "iris_mlp", metric: "accuracy", bound: 0.90),
        BundledExample(model: "wine_mlp", metric: "accuracy", bound: 0.90),
        BundledExample(model: "breast_cancer_mlp", metric: "accuracy", bound: 0.95),
        BundledExample(model: "iris_regression", metric: "loss", bound: 0.06),
        BundledExample(model: "snn_mlp", metric: "accuracy", bound: 0.90),
    ]

    @Test(arguments: examples)
    func trainsToItsStatedResult(_ example: BundledExample) throws {
        try example.trainsToItsResult()
    }
}
