import ArgumentParser
import Foundation
import NNCDriver
import NNCPlan

struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare every parameter's analytic gradient with central finite differences.",
        discussion: """
            Compiles the training plan (without optimizer updates) for a small batch of random inputs and targets, \
            runs it in double precision with the reference kernels, and compares each parameter's gradient with \
            (L(w + h) − L(w − h)) / 2h on a few elements per tensor. Then runs the same plan with the fast float \
            kernels and reports their largest difference from the double gradients. An element whose ±h step \
            crosses a kink (a relu-like unit changing sign, a max pool changing its winner) is checked with a \
            smaller step, or skipped for another element when the kink is closer still. Fails (exit 1) when an \
            error exceeds the tolerance or when every gradient is zero.
            """)

    @OptionGroup var options: ModelOptions

    @Option(help: "Samples in the random batch.")
    var batch = 2

    @Option(help: "Seed of the parameters and the random batch.")
    var seed: UInt64 = 1

    @Option(help: "Elements checked per parameter tensor (spread over the tensor; at most 10,000).")
    var perTensor = 6

    @Option(
        help: "Finite-difference step h (default: 1e-5 for a smooth model, 1e-6 with relu-like kinks or max pooling).")
    var step: Double?

    @Option(help: "Largest accepted relative error of the double-precision check.")
    var tolerance = 1e-5

    @Option(help: "Largest accepted error of the float kernels, relative to the tensor's largest gradient.")
    var floatTolerance = 1e-3

    func validate() throws {
        // Every checked element reruns the whole batch in double precision: batches stay small.
        try OptionChecks.check(batch, "batch", in: 1...4096)
        try OptionChecks.check(perTensor, "per-tensor", in: 1...10_000)
        try OptionChecks.checkPositive(step, "step", atMost: 1)
        try OptionChecks.checkNonNegative(tolerance, "tolerance")
        try OptionChecks.checkNonNegative(floatTolerance, "float-tolerance")
    }

    func run() throws {
        let result = options.compile(LoweringOptions(mode: .training, batch: batch, updates: false))
        if options.format == .text { options.report(result.diagnostics) }
        guard let plan = result.plan else {
            if options.format == .json { print(JSONReports.check(result.check)) }
            throw ExitCode(1)
        }
        // The double-precision reference holds every tensor at twice the size, beside the fast executor.
        if let spec = result.check.spec, let graph = result.check.graph,
            let refusal = MemoryBudget.refusal(
                needing: 3 * plan.totalBytes,
                what: "the gradient check (a double-precision copy of the training plan beside it)",
                mode: .training, batch: batch, graph: graph, spec: spec, at: spec.inputLocation)
        {
            options.report([refusal])
            throw ExitCode(1)
        }
        let report = GradientCheck.run(plan, seed: seed, perTensor: perTensor, h: step)
        // An error that is not a number (a step so large the loss overflowed) fails too.
        func fails(_ e: GradientCheck.Entry) -> Bool {
            !(e.worstRelativeError <= tolerance) || !(e.floatRelativeError <= floatTolerance)
        }
        let failed = report.entries.filter(fails)
        let ok = failed.isEmpty && !report.allGradientsZero && !report.entries.isEmpty
        if options.format == .json {
            try printJSON(
                [
                    "model": plan.model, "batch": batch, "seed": seed, "step": report.step, "loss": report.loss,
                    "passed": ok,
                    "all_gradients_zero": report.allGradientsZero,
                    "worst_relative_error": report.worstRelativeError, "worst_float_error": report.worstFloatError,
                    "kinks_avoided": report.kinksAvoided, "skipped_at_kinks": report.skipped,
                    "float_seed": report.floatSeed, "float_kink_flips": report.floatFlips,
                    "parameters": report.entries.map {
                        [
                            "layer": $0.layer, "parameter": $0.parameter, "checked": $0.checked,
                            "relative_error": $0.worstRelativeError, "largest_gradient": $0.largestGradient,
                            "float_error": $0.floatRelativeError, "kinks_avoided": $0.kinksAvoided,
                            "skipped_at_kinks": $0.skipped,
                        ] as [String: Any]
                    },
                ] as [String: Any])
        } else {
            print(
                "gradient check of '\(plan.model)': batch \(batch) of random data, seed \(seed), loss \(String(format: "%.6f", report.loss))"
            )
            print("  finite differences in double precision, h = \(report.step); float = fast kernels vs double\n")
            let width = max(10, report.entries.map { $0.layer.count + $0.parameter.count + 1 }.max() ?? 10)
            print(
                "  \("parameter".padding(toLength: width, withPad: " ", startingAt: 0))  checked  rel. error   |grad| max   float error"
            )
            for e in report.entries {
                let name = "\(e.layer).\(e.parameter)".padding(toLength: width, withPad: " ", startingAt: 0)
                let flag =
                    fails(e)
                    ? "  FAIL" : e.checked == 0 && e.skipped > 0 ? "  unchecked: every element sits on a kink" : ""
                print(
                    "  \(name)  \(String(e.checked).leftAligned(7))  \(String(format: "%9.2e", e.worstRelativeError))  \(String(format: "%11.3e", e.largestGradient))  \(String(format: "%11.2e", e.floatRelativeError))\(flag)"
                )
            }
            if report.entries.isEmpty { print("  (no trainable parameters)") }
            if report.kinksAvoided + report.skipped > 0 {
                print(
                    "\n  \(report.kinksAvoided + report.skipped) element\(report.kinksAvoided + report.skipped == 1 ? "" : "s") lay within h of a kink (a relu-like unit changing sign or a max pool changing its winner),"
                )
                print(
                    "  where a central difference averages two slopes: \(report.kinksAvoided) checked with a smaller step, \(report.skipped) skipped for other elements"
                )
            }
            if report.floatFlips > 0 {
                let moved =
                    report.floatSeed != seed
                    ? "the float kernels were compared at seed \(report.floatSeed) instead"
                    : "no nearby seed avoided it"
                print(
                    "\n  at seed \(seed), float round-off put \(report.floatFlips) unit\(report.floatFlips == 1 ? "" : "s") on the other side of a kink than double precision,"
                )
                print("  so float and double took different branches there: \(moved)")
            }
            print("")
            if report.allGradientsZero {
                print("FAILED: every gradient is zero, so the check proves nothing (dead activations? frozen layers?)")
            } else if !failed.isEmpty {
                print(
                    "FAILED: \(failed.count) tensor\(failed.count == 1 ? "" : "s") above tolerance (double \(tolerance), float \(floatTolerance))"
                )
            } else if ok {
                print(
                    "passed: worst relative error \(String(format: "%.2e", report.worstRelativeError)), float kernels within \(String(format: "%.2e", report.worstFloatError))"
                )
            }
        }
        if !ok { throw ExitCode(1) }
    }
}

extension String {
    func leftAligned(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
