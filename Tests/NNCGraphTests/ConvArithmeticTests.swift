import NNCGraph
import NNCSpec
import NNCTestSupport
import Testing

@Suite struct ConvArithmeticTests {
    /// Counts the windows that fit in the padded input by sliding one, cell by cell,
    /// instead of using the closed formula.
    static func naiveOutput(input: Int, kernel: Int, stride: Int, dilation: Int, low: Int, high: Int) -> Int {
        let padded = input + low + high
        let extent = dilation * (kernel - 1) + 1
        var count = 0
        var start = 0
        while start + extent <= padded {
            count += 1
            start += stride
        }
        return count
    }

    @Test func closedFormMatchesSlidingWindowOnRandomCases() {
        var rng = SeededRandom(seed: 42)
        for _ in 0..<5000 {
            let input = Int.random(in: 1...40, using: &rng)
            let kernel = Int.random(in: 1...7, using: &rng)
            let stride = Int.random(in: 1...5, using: &rng)
            let dilation = Int.random(in: 1...3, using: &rng)
            let low = Int.random(in: 0...3, using: &rng)
            let high = Int.random(in: 0...3, using: &rng)
            let a = ConvArithmetic.make(
                input: input, kernel: kernel, stride: stride, dilation: dilation,
                padding: .explicit([PadPair(low, high)]), dimension: 0)
            let expected = Self.naiveOutput(
                input: input, kernel: kernel, stride: stride, dilation: dilation, low: low, high: high)
            #expect(a.output == expected, "in \(input) k \(kernel) s \(stride) d \(dilation) pad \(low),\(high)")
            #expect(a.kernelFits == (expected > 0))
        }
    }

    @Test func samePaddingKeepsCeilOfInputOverStride() {
        for input in 1...30 {
            for stride in 1...4 {
                for kernel in 1...6 {
                    let a = ConvArithmetic.make(
                        input: input, kernel: kernel, stride: stride, dilation: 1, padding: .same, dimension: 0)
                    #expect(a.output == (input + stride - 1) / stride)
                    #expect(
                        a.padHigh - a.padLow == 0 || a.padHigh - a.padLow == 1,
                        "extra cell goes after, as in TensorFlow")
                }
            }
        }
    }

    @Test func ceilModeFollowsPyTorch() {
        // torch.nn.MaxPool2d(2, 2, ceil_mode=True) on 5 → 3; floor → 2.
        #expect(
            ConvArithmetic(
                input: 5, kernel: 2, stride: 2, dilation: 1, padLow: 0, padHigh: 0, rounding: .ceil,
                paddingMode: "valid"
            ).output == 3)
        #expect(
            ConvArithmetic(
                input: 5, kernel: 2, stride: 2, dilation: 1, padLow: 0, padHigh: 0, rounding: .floor,
                paddingMode: "valid"
            ).output == 2)
        // MaxPool1d(2, stride 3, padding 1, ceil_mode=True) on 4: the plain ceiling gives 3, but the
        // third window would start at 6 ≥ 4 + 1 (in the right padding), so PyTorch gives 2.
        let dropped = ConvArithmetic(
            input: 4, kernel: 2, stride: 3, dilation: 1, padLow: 1, padHigh: 1, rounding: .ceil, paddingMode: "explicit"
        )
        #expect(dropped.output == 2)
        #expect(
            dropped.formula
                == "⌈(4 + 2·1 − 2)/3⌉ + 1 − 1 = 2 (− 1: the last window would start in the right padding, so it is dropped)"
        )
        // The case: 5 with k 2, s 2, padding 1 in ceil mode is 3, and the formula says so.
        let five = ConvArithmetic(
            input: 5, kernel: 2, stride: 2, dilation: 1, padLow: 1, padHigh: 1, rounding: .ceil, paddingMode: "explicit"
        )
        #expect(
            five.formula
                == "⌈(5 + 2·1 − 2)/2⌉ + 1 − 1 = 3 (− 1: the last window would start in the right padding, so it is dropped)"
        )
    }

    /// Evaluates the left side of a shown formula: whole numbers, + − · /, ( ), ⌊ ⌋ and ⌈ ⌉.
    struct FormulaEvaluator {
        var characters: [Character]
        var position = 0
        init(_ text: String) { characters = Array(text.filter { $0 != " " }) }
        var current: Character? { position < characters.count ? characters[position] : nil }
        mutating func sum() -> Double? {
            guard var value = product() else { return nil }
            while let c = current, c == "+" || c == "−" {
                position += 1
                guard let next = product() else { return nil }
                value = c == "+" ? value + next : value - next
            }
            return value
        }
        mutating func product() -> Double? {
            guard var value = factor() else { return nil }
            while let c = current, c == "·" || c == "/" {
                position += 1
                guard let next = factor() else { return nil }
                value = c == "·" ? value * next : value / next
            }
            return value
        }
        mutating func factor() -> Double? {
            let closing: [Character: Character] = ["(": ")", "⌊": "⌋", "⌈": "⌉"]
            if let c = current, let close = closing[c] {
                position += 1
                guard let inner = sum(), current == close else { return nil }
                position += 1
                return c == "⌊" ? inner.rounded(.down) : c == "⌈" ? inner.rounded(.up) : inner
            }
            var digits = ""
            while let c = current, c.isNumber {
                digits.append(c)
                position += 1
            }
            return Double(digits)
        }
    }

    /// Every formula the trace, the summary and the puzzles show evaluates to the answer it
    /// states, which is the answer the checker computes.
    @Test func everyFormulaShownEvaluatesToItsAnswer() throws {
        var checked = 0
        for input in 1...9 {
            for kernel in 1...4 {
                for stride in 1...3 {
                    for dilation in 1...2 {
                        for (low, high) in [(0, 0), (1, 1), (0, 1), (2, 1)] {
                            for rounding in [ConvArithmetic.Rounding.floor, .ceil] {
                                let a = ConvArithmetic(
                                    input: input, kernel: kernel, stride: stride, dilation: dilation, padLow: low,
                                    padHigh: high,
                                    rounding: rounding, paddingMode: "explicit")
                                guard a.kernelFits else { continue }
                                let sides = a.formula.components(separatedBy: " = ")
                                var evaluator = FormulaEvaluator(sides[0])
                                let evaluated = evaluator.sum()
                                let value = try #require(evaluated, "\(a.formula)")
                                #expect(evaluator.position == evaluator.characters.count, "\(a.formula)")
                                #expect(value == Double(a.output), "\(a.formula)")
                                #expect(sides[1].hasPrefix("\(a.output)"), "\(a.formula)")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked > 1000)
    }

    @Test func formulaShowsTheNumbers() {
        let a = ConvArithmetic.make(
            input: 32, kernel: 3, stride: 2, dilation: 1, padding: .explicit([PadPair(1, 1)]), dimension: 0)
        #expect(a.formula == "⌊(32 + 2·1 − 3)/2⌋ + 1 = 16")
        let d = ConvArithmetic.make(input: 20, kernel: 3, stride: 1, dilation: 4, padding: .causal, dimension: 0)
        #expect(d.formula == "(20 + 8 + 0 − 4·(3 − 1) − 1) + 1 = 20")
    }

    @Test func droppedRowsAreCountedOnlyWhenInputIsLost() {
        // 28 with k 3 s 2: (28 − 3) mod 2 = 1 row never read.
        #expect(
            ConvArithmetic.make(input: 28, kernel: 3, stride: 2, dilation: 1, padding: .valid, dimension: 0)
                .droppedCells == 1)
        #expect(
            ConvArithmetic.make(input: 27, kernel: 3, stride: 2, dilation: 1, padding: .valid, dimension: 0)
                .droppedCells == 0)
        // The leftover is padding only: nothing real is lost.
        #expect(
            ConvArithmetic.make(
                input: 28, kernel: 3, stride: 2, dilation: 1, padding: .explicit([PadPair(0, 1)]), dimension: 0
            ).droppedCells == 0)
    }
}
