import Foundation
import NNCDriver
import NNCGraph
import NNCSpec
import Testing

@Suite struct PuzzleTests {
    /// Counts output positions by sliding the (dilated) window over the padded input, one
    /// cell at a time, independently of ConvArithmetic's closed formula. Ceil mode also
    /// counts one partial window for cells the full windows left uncovered, and keeps only
    /// windows that start inside the input or the leading padding (PyTorch's rule).
    static func naive(_ input: Int, kernel: Int, stride: Int, dilation: Int, low: Int, high: Int, ceil: Bool) -> Int {
        let extent = dilation * (kernel - 1) + 1
        var count = 0
        var start = 0
        while start + extent <= input + low + high {
            count += 1
            start += stride
        }
        let uncovered = count > 0 && start - stride + extent < input + low + high
        if ceil, uncovered { count += 1 }
        // Ceil mode keeps only windows that start inside the input or the leading padding.
        if ceil { count = min(count, (input + low - 1) / stride + 1) }
        return count
    }

    static func pads(_ p: Puzzle, _ a: ConvArithmetic) -> (Int, Int) {
        switch p.padding {
        case .valid: (0, 0)
        case .causal: (a.effectiveKernel - 1, 0)
        case .same: (a.padLow, a.padHigh)  // the split is the convention under test elsewhere
        case .explicit(let pairs): (pairs[0].low, pairs[0].high)
        }
    }

    @Test func theLectureExample() {
        let p = Puzzle(
            layer: .conv2d, input: [32, 32, 3], filters: 5, kernel: 3, stride: 2, dilation: 1,
            padding: .explicit([PadPair(1, 1), PadPair(1, 1)]), rounding: .floor, source: nil)
        #expect(p.outputShape == [16, 16, 5])
        #expect(p.paramsPerFilter == 28)
        #expect(
            p.solution == [
                "height: ⌊(32 + 2·1 − 3)/2⌋ + 1 = 16",
                "width: ⌊(32 + 2·1 − 3)/2⌋ + 1 = 16",
                "channels: 5 filters → 5",
                "output: 16×16×5",
                "per filter: 3·3·3 + 1 = 28",
                "layer: 28 × 5 = 140",
            ])
        #expect(
            p.question
                == "An input of 32×32×3 (height × width × channels), 5 filters of 3×3, stride 2, padding 1. What is the output shape, how many parameters does each filter have (with its bias), and how many does the layer have?"
        )
    }

    @Test func sameSeedSameSetDifferentSeedDifferentSet() {
        #expect(
            PuzzleGenerator.random(count: 10, seed: 7, level: 2) == PuzzleGenerator.random(count: 10, seed: 7, level: 2)
        )
        #expect(
            PuzzleGenerator.random(count: 10, seed: 7, level: 2) != PuzzleGenerator.random(count: 10, seed: 8, level: 2)
        )
    }

    @Test(arguments: [1, 2, 3])
    func everyPuzzleIsValidAndItsAnswerMatchesSlidingWindows(level: Int) {
        var ceilSeen = false
        var dilationSeen = false
        for seed in UInt64(0)..<200 {
            for p in PuzzleGenerator.random(count: 5, seed: seed, level: level) {
                for (d, a) in p.arithmetic.enumerated() {
                    let (low, high) = Self.pads(p, a)
                    let expected = Self.naive(
                        p.input[d], kernel: p.kernel, stride: p.stride, dilation: p.dilation,
                        low: low, high: high, ceil: p.rounding == .ceil)
                    #expect(a.output == expected, "\(p.question)")
                    #expect(a.output >= 1)
                }
                ceilSeen = ceilSeen || p.rounding == .ceil
                dilationSeen = dilationSeen || p.dilation > 1
                if level == 1 { #expect(p.dilation == 1 && p.rounding == .floor) }
            }
        }
        if level == 3 { #expect(ceilSeen && dilationSeen) }
    }

    @Test func answersParseInTheUsualSpellings() {
        for text in ["16x16x5", "16 × 16 × 5", "[16, 16, 5]", "16,16,5", " 16 x 16 x 5 "] {
            #expect(PuzzleGenerator.parseShape(text) == [16, 16, 5], "\(text)")
        }
        #expect(PuzzleGenerator.parseShape("16x16") == [16, 16])
        #expect(PuzzleGenerator.parseShape("sixteen") == nil)
        #expect(PuzzleGenerator.parseShape("") == nil)
    }

    @Test func puzzlesFromAModelFollowItsLayers() throws {
        let result = try Driver.check(path: Repo.models.appendingPathComponent("lenet5.yaml").path)
        let puzzles = PuzzleGenerator.fromModel(try #require(result.graph))
        #expect(puzzles.map(\.outputShape) == [[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16]])
        #expect(puzzles[2].totalParams == 2_416)
        #expect(puzzles[0].source == "layer 'conv2d' of lenet5")
    }

    /// Every convolution and pool of a model is asked about, rectangular and 1-D ones too,
    /// and the question states what the answer uses: padding per axis, groups, no bias.
    @Test func puzzlesFromAModelStateEveryAxisTheyAnswer() throws {
        let source = SourceFile(
            path: "rect.yaml",
            text: """
                model: rect
                input: [32, 24, 4]
                layers:
                  - conv2d: {filters: 6, kernel: [5, 3], stride: [2, 1], padding: [[2, 2], [1, 1]], groups: 2, use_bias: false}
                  - maxpool2d: {pool: [2, 3], stride: [2, 3]}
                  - reshape: [-1, 6]
                  - conv1d: {filters: 4, kernel: 3, padding: causal}
                  - maxpool1d: 2
                """)
        let result = Driver.check(source)
        let puzzles = PuzzleGenerator.fromModel(try #require(result.graph))
        #expect(puzzles.map(\.layer) == [.conv2d, .maxpool2d, .conv1d, .maxpool1d])
        let conv = puzzles[0]
        #expect(
            conv.question.contains(
                "6 filters of 5×3 in 2 groups without bias, stride 2×1, padding 2 on the height and 1 on the width."),
            "\(conv.question)")
        #expect(
            conv.solution == [
                "height: ⌊(32 + 2·2 − 5)/2⌋ + 1 = 16",
                "width: (24 + 2·1 − 3) + 1 = 24",
                "channels: 6 filters → 6",
                "output: 16×24×6",
                "per filter: 5·3·4/2 = 30",
                "layer: 30 × 6 = 180",
            ])
        #expect(conv.outputShape == (result.graph?.nodes[1].shape?.dims ?? []))
        #expect(conv.totalParams == result.graph?.nodes[1].paramCount)
        #expect(
            puzzles[1].question.contains("max pooling over 2×3 windows, stride 2×3, no padding"),
            "\(puzzles[1].question)")
        #expect(puzzles[1].outputShape == [8, 8, 6])
        #expect(puzzles[3].outputShape == (result.graph?.nodes[5].shape?.dims ?? []))
        // Asymmetric padding that differs per axis.
        let asymmetric = Puzzle(
            layer: .conv2d, input: [9, 9, 1], filters: 1, kernel: 3, stride: 1, dilation: 1,
            padding: .explicit([PadPair(0, 1), PadPair(2, 2)]), rounding: .floor, source: nil)
        #expect(
            asymmetric.question.contains("padding 0 before and 1 after on the height and 2 on the width"),
            "\(asymmetric.question)")
    }

    /// 'same' padding with a stride and a dilation both above 1 is refused by Keras and
    /// PyTorch, so no puzzle asks it.
    @Test func noPuzzleAsksSamePaddingWithStrideAndDilation() {
        var same = 0
        var dilated = 0
        for seed in UInt64(0)..<400 {
            for p in PuzzleGenerator.random(count: 5, seed: seed, level: 3) {
                if p.padding == .same, p.stride > 1 { same += 1 }
                if p.dilation > 1 { dilated += 1 }
                #expect(!(p.padding == .same && p.stride > 1 && p.dilation > 1), "\(p.question)")
            }
        }
        #expect(same > 0 && dilated > 0)
    }

    @Test func commandLineWorksheetQuizAndJSON() throws {
        let sheet = try Binary.run(["puzzle", "--count", "2", "--seed", "3", "--answers"])
        #expect(sheet.status == 0)
        #expect(sheet.stdout.contains("seed 3"))
        #expect(sheet.stdout.contains("output: "))
        #expect(try Binary.run(["puzzle", "--count", "2", "--seed", "3", "--answers"]).stdout == sheet.stdout)
        let worksheet = try Binary.run(["puzzle", "--count", "2", "--seed", "3"])
        #expect(!worksheet.stdout.contains("output: "))
        let fromModel = try Binary.run(["puzzle", "--from", "models/lenet5.yaml", "--format", "json"])
        #expect(fromModel.status == 0)
        #expect(fromModel.stdout.contains("\"output_shape\""))
        #expect(try Binary.run(["puzzle", "--level", "9"]).status == 64)
        #expect(try Binary.run(["puzzle", "--from", "no-such.yaml"]).status == 1)
    }

    /// On a terminal the puzzles are asked and checked. `script` gives the command a
    /// pseudo-terminal; the answers arrive on its input.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func asksAndChecksOnATerminal() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-c", "\(Binary.path) puzzle --count 3 --seed 1", "/dev/null"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Right, right, then a wrong shape for the convolution.
        input.fileHandleForWriting.write(Data("21x21x1\n5 5 16\n8x8x9\n28 280\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("correct"))
        #expect(text.contains("not quite:"))
        #expect(text.contains("output: 8×8×10"))
        #expect(text.contains("score: 2/3"))
    }
}
