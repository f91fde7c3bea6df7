import Foundation
import NNCSpec
import Testing

@testable import NNCDriver

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `nnc lr-find`: the steepest-descent rule on a curve of known shape, and the suggestion on
/// bundled models judged the only way that matters: training with it reaches the result the
/// spec's own rate reaches (the examples' pinned bounds).
@Suite(.serialized) struct RateFinderTests {
    /// A smoothed loss that falls fastest at 10⁻³ (a logistic step in log₁₀ of the rate, centred
    /// there) and rises after 10⁻¹: the suggestion lands within a few steps of 10⁻³.
    @Test func theSteepestFallIsFoundOnAKnownCurve() throws {
        let rates = (0..<200).map { 1e-7 * pow(1e8, Double($0) / 199) }
        let points = rates.map { rate -> RateFinder.Point in
            let x = log10(rate)
            let loss = 2 / (1 + exp(4 * (x + 3))) + 0.1 + (x > -1 ? (x + 1) * (x + 1) : 0)
            return RateFinder.Point(learningRate: rate, loss: loss, smoothed: loss)
        }
        let steepest = try #require(RateFinder.steepestDescent(points))
        #expect(abs(log10(steepest) + 3) < 0.1, "\(steepest)")
        // A curve that never falls has no steepest descent.
        let flat = rates.map { RateFinder.Point(learningRate: $0, loss: 1, smoothed: 1) }
        #expect(RateFinder.steepestDescent(flat) == nil)
    }

    /// The suggested rate trains the bundled example as well as its own rate does.
    @Test(arguments: [
        ("mnist_mlp", "{adam: {learning_rate: 0.001}}", 0.91), ("iris_mlp", "{adam: 0.01}", 0.9),
    ])
    func theSuggestionTrainsTheModel(_ model: String, _ optimizer: String, _ bound: Double) throws {
        let path = Repo.models.appendingPathComponent("\(model).yaml").path
        let found = try RateFinder.run(
            try Driver.loadSource(path), settings: RateFinder.Settings(overrides: .init(threads: 2)))
        let rate = try #require(found.steepest)
        #expect(rate > found.points.first!.learningRate && rate < found.lowest!.learningRate)
        let s = try Scratch()
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "optimizer: \(optimizer)", with: "optimizer: {adam: {learning_rate: \(rate)}}")
            .replacingOccurrences(of: "data/", with: Repo.models.path + "/data/")
        #expect(text.contains("learning_rate: \(rate)"))
        let result = try Training.run(try s.spec("\(model).yaml", text), out: s.path("run"))
        let accuracy = try #require(result.test?.metrics["accuracy"])
        #expect(accuracy >= bound, "\(model) at the suggested \(rate): \(accuracy)")
    }

    /// As a user runs it: the chart and suggestions on stdout, the SVG written, JSON on request,
    /// an early stop when the loss explodes, usage errors with 64.
    @Test func theCommandDrawsSuggestsAndWritesTheCurve() throws {
        let s = try Scratch()
        let svg = s.path("curve.svg")
        let run = try Binary.run(["lr-find", "models/iris_mlp.yaml", "--threads", "2", "--svg", svg])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("nnc lr-find: 'iris_mlp', adam, batch 16, 96 training samples"), "\(run.stdout)")
        #expect(run.stdout.contains("suggested (steepest)   "), "\(run.stdout)")
        #expect(run.stdout.contains("learning rate (log scale); smoothed loss"))
        #expect(run.stdout.contains("curve: \(svg)"))
        let drawn = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(drawn.hasPrefix("<svg") && drawn.contains("steepest") && XMLParser(data: Data(drawn.utf8)).parse())

        let json = try Binary.run([
            "lr-find", "models/iris_mlp.yaml", "--threads", "2", "--svg", svg, "--format", "json", "--steps", "50",
            "--end", "1000",
        ])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        let points = try #require(object["points"] as? [[String: Double]])
        #expect(points.count < 50 && (object["stopped_because"] as? String)?.contains("times its lowest") == true)
        #expect(points.first?["learning_rate"] == 1e-7)

        let usage = try Binary.run(["lr-find", "models/iris_mlp.yaml", "--start", "1", "--end", "0.1"])
        #expect(usage.status == 64 && usage.stderr.contains("--end must be larger than --start"), "\(usage.stderr)")
        let noData = try Binary.run(["lr-find", "models/alvinn.yaml"])
        #expect(noData.status == 1 && noData.stderr.contains("training needs data"), "\(noData.stderr)")
    }
}
