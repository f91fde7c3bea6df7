import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct PuzzleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "puzzle",
        abstract: "Convolution and pooling output-size exercises, asked and checked on a terminal.",
        discussion: """
            On a terminal each question is asked and the answer checked; otherwise the questions are \
            printed as a worksheet. --answers prints every worked solution. The same --seed gives the \
            same set, so a teacher can hand one out.
            """)

    @Option(help: "How many puzzles (default: 5, or with --from every convolution and pooling layer; at most 1000).")
    var count: Int?

    @Option(help: "Seed of the puzzle set (a number, or 'random' to pick one and print it).")
    var seed = "1"

    @Option(
        help:
            "Difficulty: 1 (stride and padding), 2 (same padding, pools, 1-D), 3 (dilation, ceil mode, asymmetric padding)."
    )
    var level = 1

    @Option(help: "Draw the puzzles from a model's convolution and pooling layers instead.")
    var from: String?

    @Flag(help: "Print the worked solutions.")
    var answers = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (1...3).contains(level) else { throw ValidationError("--level must be 1, 2 or 3") }
        try OptionChecks.check(count, "count", in: 1...1000)
        guard seed == "random" || UInt64(seed) != nil else {
            throw ValidationError("--seed must be a non-negative integer or 'random'")
        }
    }

    func run() throws {
        let seedValue = seed == "random" ? UInt64(Date().timeIntervalSince1970 * 1000) % 1_000_000 : UInt64(seed)!
        let puzzles: [Puzzle]
        var header: String
        if let from {
            let result: CheckResult
            do {
                result = try Driver.check(path: from)
            } catch {
                Terminal.printError("error: \(error)")
                throw ExitCode(1)
            }
            guard !result.hasErrors, let graph = result.graph else {
                Terminal.printError(DiagnosticRenderer().render(result.diagnostics))
                throw ExitCode(1)
            }
            let all = PuzzleGenerator.fromModel(graph)
            if all.isEmpty {
                Terminal.printError("\(from): the model has no convolution or pooling layer to ask about")
                throw ExitCode(1)
            }
            // --count takes the first layers, in the model's order.
            puzzles = Array(all.prefix(count ?? all.count))
            header =
                puzzles.count == all.count
                ? "Output-size puzzles from \(graph.name) (\(all.count.counted("convolution and pooling layer")))"
                : "Output-size puzzles from \(graph.name) (the first \(puzzles.count) of its \(all.count.counted("convolution and pooling layer")))"
        } else {
            puzzles = PuzzleGenerator.random(count: count ?? 5, seed: seedValue, level: level)
            header =
                "Output-size puzzles, level \(level), seed \(seedValue) (nnc puzzle --seed \(seedValue) --level \(level) repeats them)"
        }
        if format == .json {
            let objects = puzzles.map { p -> [String: Any] in
                [
                    "question": p.question, "input": p.input, "layer": p.layer.rawValue, "output_shape": p.outputShape,
                    "params_per_filter": p.isConvolution ? p.paramsPerFilter : 0, "total_params": p.totalParams,
                    "solution": p.solution,
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(header + "\n")
        if !answers, isatty(0) == 1 {
            quiz(puzzles)
            return
        }
        for (i, puzzle) in puzzles.enumerated() {
            print("\(i + 1). \(puzzle.question)")
            if answers { for line in puzzle.solution { print("   \(line)") } }
            print("")
        }
    }

    /// Asks each question on the terminal, checks the answer and shows the solution when wrong.
    func quiz(_ puzzles: [Puzzle]) {
        var score = 0
        var asked = 0
        for (i, puzzle) in puzzles.enumerated() {
            print("\(i + 1). \(puzzle.question)")
            print("   output shape (e.g. \(Puzzle.dimsExample(puzzle))): ", terminator: "")
            guard let shapeLine = readLine() else { break }
            asked += 1
            var correct = PuzzleGenerator.parseShape(shapeLine) == puzzle.outputShape
            if puzzle.isConvolution {
                print("   parameters per filter, and for the layer (e.g. 28 140): ", terminator: "")
                let numbers = PuzzleGenerator.parseShape(readLine() ?? "") ?? []
                correct = correct && numbers == [puzzle.paramsPerFilter, puzzle.totalParams]
            }
            if correct {
                score += 1
                print("   correct\n")
            } else {
                print("   not quite:")
                for line in puzzle.solution { print("   \(line)") }
                print("")
            }
        }
        print("score: \(score)/\(asked)")
    }
}

extension Puzzle {
    static func dimsExample(_ p: Puzzle) -> String { p.input.count == 3 ? "16x16x5" : "98x8" }
}
