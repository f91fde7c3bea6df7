import NNCGraph
import NNCSpec
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
            let input = Int.random(in: 1...40, using: &rng), kernel = Int.random(in: 1...7, using: &rng)
            let stride = Int.random(in: 1...5, using: &rng), dilation = Int.random(in: 1...3, using: &rng)
            let low = Int.random(in: 0...3, using: &rng), high = Int.random(in: 0...3, using: &rng)
            let a = ConvArithmetic.make(input: input, kernel: kernel, stride: stride, dilation: dilation,
                                        padding: .explicit([PadPair(low, high)]), dimension: 0)
            let expected = Self.naiveOutput(input: input, kernel: kernel, stride: stride, dilation: dilation, low: low, high: high)
            #expect(a.output == expected, "in \(input) k \(kernel) s \(stride) d \(dilation) pad \(low),\(high)")
            #expect(a.kernelFits == (expected > 0))
        }
    }

    @Test func samePaddingKeepsCeilOfInputOverStride() {
        for input in 1...30 {
            for stride in 1...4 {
                for kernel in 1...6 {
                    let a = ConvArithmetic.make(input: input, kernel: kernel, stride: stride, dilation: 1, padding: .same, dimension: 0)
                    #expect(a.output == (input + stride - 1) / stride)
                    #expect(a.padHigh - a.padLow == 0 || a.padHigh - a.padLow == 1, "extra cell goes after, as in TensorFlow")
                }
            }
        }
    }

    @Test func ceilModeFollowsPyTorch() {
        // torch.nn.MaxPool2d(2, 2, ceil_mode=True) on 5 → 3; floor → 2.
        #expect(ConvArithmetic(input: 5, kernel: 2, stride: 2, dilation: 1, padLow: 0, padHigh: 0, rounding: .ceil, paddingMode: "valid").output == 3)
        #expect(ConvArithmetic(input: 5, kernel: 2, stride: 2, dilation: 1, padLow: 0, padHigh: 0, rounding: .floor, paddingMode: "valid").output == 2)
        // MaxPool1d(2, stride 3, padding 1, ceil_mode=True) on 4: the plain ceiling gives 3, but the
        // third window would start at 6 ≥ 4 + 1 (in the right padding), so PyTorch gives 2.
        let dropped = ConvArithmetic(input: 4, kernel: 2, stride: 3, dilation: 1, padLow: 1, padHigh: 1, rounding: .ceil, paddingMode: "explicit")
        #expect(dropped.output == 2)
        #expect(dropped.formula.contains("−1"))
    }

    @Test func formulaShowsTheNumbers() {
        let a = ConvArithmetic.make(input: 32, kernel: 3, stride: 2, dilation: 1, padding: .explicit([PadPair(1, 1)]), dimension: 0)
        #expect(a.formula == "⌊(32 + 2·1 − 3)/2⌋ + 1 = 16")
        let d = ConvArithmetic.make(input: 20, kernel: 3, stride: 1, dilation: 4, padding: .causal, dimension: 0)
        #expect(d.formula == "(20 + 8 + 0 − 4·(3 − 1) − 1) + 1 = 20")
    }

    @Test func droppedRowsAreCountedOnlyWhenInputIsLost() {
        // 28 with k 3 s 2: (28 − 3) mod 2 = 1 row never read.
        #expect(ConvArithmetic.make(input: 28, kernel: 3, stride: 2, dilation: 1, padding: .valid, dimension: 0).droppedCells == 1)
        #expect(ConvArithmetic.make(input: 27, kernel: 3, stride: 2, dilation: 1, padding: .valid, dimension: 0).droppedCells == 0)
        // The leftover is padding only: nothing real is lost.
        #expect(ConvArithmetic.make(input: 28, kernel: 3, stride: 2, dilation: 1, padding: .explicit([PadPair(0, 1)]), dimension: 0).droppedCells == 0)
    }
}
