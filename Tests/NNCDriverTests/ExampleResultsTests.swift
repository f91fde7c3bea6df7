import Foundation
import NNCDriver
import Testing

/// The bundled examples train to the results their comments promise, with their own
/// recipes and seeds, on the bundled real data (test split figures).
@Suite(.serialized) struct ExampleResultsTests {
    struct Example: Sendable, CustomStringConvertible {
        var model: String
        /// The test metric and the bound it must reach (accuracy at least, loss at most).
        var metric: String
        var bound: Double
        var description: String { model }
    }

    static let examples: [Example] = [
        Example(model: "digits_mlp", metric: "accuracy", bound: 0.95),
        Example(model: "mnist_mlp", metric: "accuracy", bound: 0.91),
        Example(model: "lenet5", metric: "accuracy", bound: 0.95),
        Example(model: "iris_mlp", metric: "accuracy", bound: 0.90),
        Example(model: "wine_mlp", metric: "accuracy", bound: 0.90),
        Example(model: "breast_cancer_mlp", metric: "accuracy", bound: 0.95),
        Example(model: "iris_regression", metric: "loss", bound: 0.06),
    ]

    @Test(arguments: examples)
    func trainsToItsStatedResult(_ example: Example) throws {
        let s = try Scratch()
        let result = try Training.run(Repo.models.appendingPathComponent("\(example.model).yaml").path, out: s.path("run"))
        let test = try #require(result.test)
        let value = try #require(example.metric == "loss" ? test.loss : test.metrics[example.metric])
        if example.metric == "loss" {
            #expect(value <= example.bound, "\(example.model): test loss \(value)")
        } else {
            #expect(value >= example.bound, "\(example.model): test \(example.metric) \(value)")
        }
    }
}
