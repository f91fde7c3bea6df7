import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct LRFindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "The learning-rate range test: the loss as the rate grows exponentially, with suggested rates.",
        discussion: """
            Trains a copy of the untrained model with the spec's optimizer, batch size and data (or --subset \
            samples of it), the learning rate growing exponentially from --start to --end over --steps steps, \
            and records the loss, smoothed by an exponential moving average (β = 0.98, bias-corrected). The test \
            stops once the smoothed loss passes four times its lowest. It suggests the rate of the steepest fall \
            per decade and a tenth of the rate at the lowest loss, draws the curve as text and writes it as an \
            SVG file (--svg, default lr-find.svg in the run folder, runs/<model>). No weights are written: \
            training afterwards starts from the spec's initial weights as before. \
            Exit status: 0 done, 1 spec or data errors, 64 usage errors.
            """)

    @OptionGroup var options: ModelOptions

    @Option(help: "The first learning rate.")
    var start = 1e-7

    @Option(help: "The last learning rate.")
    var end = 10.0

    @Option(help: "Steps from --start to --end.")
    var steps = 200

    @Option(help: "Training samples to cycle through (default: all).")
    var subset: Int?

    @OptionGroup var settings: RunOptions

    @Option(help: "Where to write the SVG curve (default: runs/<model>/lr-find.svg).")
    var svg: String?

    func validate() throws {
        try options.refuseBind("lr-find")
        try OptionChecks.checkPositive(start, "start", atMost: 1e6)
        try OptionChecks.checkPositive(end, "end", atMost: 1e6)
        if end <= start { throw ValidationError("--end must be larger than --start") }
        try OptionChecks.check(steps, "steps", in: 2...100_000)
        try OptionChecks.check(subset, "subset", in: 1...OptionChecks.specInteger.upperBound)
    }

    func run() throws {
        let source = try options.source()
        let result: RateFinder.Result
        do {
            result = try RateFinder.run(
                source,
                settings: RateFinder.Settings(
                    start: start, end: end, steps: steps, subset: subset, overrides: settings.overrides))
        } catch {
            options.report(error.diagnostics)
            throw ExitCode(1)
        }
        let path = svg ?? "runs/\(result.model)/lr-find.svg"
        var written = true
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent.isEmpty
                    ? "." : (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try result.svg.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            written = false
            Terminal.printError("error: the curve could not be written to '\(path)': \(error.localizedDescription)")
        }
        if options.format == .json {
            print(result.json)
        } else {
            print(result.text)
            if written { print("curve: \(path)") }
        }
        if !written { throw ExitCode(1) }
    }
}
