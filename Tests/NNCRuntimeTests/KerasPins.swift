import Foundation
import NNCPlan
import NNCRuntime
import Testing

/// What the tests that pin compiled plans against real Keras share (models/verify/keras_*.py):
/// the scripts' deterministic weights and inputs, their printed outputs, and one run of a plan
/// with those weights on the fast kernels and on the double-precision reference.
enum KerasPins {
    /// Keras's outputs by case, from `models/verify/<file>`: a line per case, its name, then the numbers.
    static func outputs(_ file: String) -> [String: [Double]] {
        let path = repositoryRoot.appendingPathComponent("models/verify/\(file)").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var cases: [String: [Double]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            cases[String(fields[0])] = fields.dropFirst().compactMap { Double($0) }
        }
        return cases
    }

    /// The scripts' weights: parameter tensor `k` in plan order.
    static func parameter(_ k: Int, count: Int) -> [Double] {
        (0..<count).map { 0.3 * sin(0.37 * Double($0) + 1.1 * Double(k) + 0.2) }
    }

    /// The scripts' real-valued inputs.
    static func input(_ count: Int) -> [Double] { (0..<count).map { 0.8 * cos(0.91 * Double($0) + 0.3) } }

    /// The plan's output with the scripts' weights, `input` and zero targets, from the fast
    /// kernels on `threads` threads and from the reference executor.
    static func run(_ plan: ExecutionPlan, threads: Int, input: [Double]) -> (fast: [Float], reference: [Double]) {
        let parameters = plan.parameters.enumerated().map { k, p in parameter(k, count: p.shape.reduce(1, *)) }
        let (fast, reference) = runBothExecutors(
            plan, parameters: parameters, input: input,
            target: plan.target.map { Array(repeating: 0, count: plan[$0].elements) }, threads: threads)
        return (fast.read(plan.output), reference.read(plan.output))
    }

    /// Both outputs within `tolerance` of Keras's (Keras computes in float32).
    static func expectAgreement(
        _ outputs: (fast: [Float], reference: [Double]), with expected: [Double], tolerance: Double, _ what: String
    ) throws {
        try #require(
            outputs.fast.count == expected.count, "\(what): \(outputs.fast.count) outputs, Keras \(expected.count)")
        let fastError = zip(outputs.fast, expected).map { abs(Double($0) - $1) }.max()!
        let referenceError = zip(outputs.reference, expected).map { abs($0 - $1) }.max()!
        #expect(fastError < tolerance, "\(what): fast kernels differ from Keras by \(fastError)")
        #expect(referenceError < tolerance, "\(what): the reference differs from Keras by \(referenceError)")
    }
}
