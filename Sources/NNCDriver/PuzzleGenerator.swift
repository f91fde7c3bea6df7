import NNCGraph
import NNCRuntime
import NNCSpec

/// Puzzle sets come from SplitMix64, so a seed reproduces them anywhere.
extension SplitMix64 {
    /// A uniform integer in `range` (modulo bias is negligible for these small ranges).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }
}

/// Makes puzzles: random ones at a difficulty level, or one per conv/pool layer of a model.
public enum PuzzleGenerator {
    /// Level 1: stride 1 or 2, no dilation, square inputs. Level 2: any stride, 'same'
    /// padding, pools, 1-D. Level 3: dilation, ceil rounding, asymmetric padding.
    public static func random(count: Int, seed: UInt64, level: Int) -> [Puzzle] {
        var rng = SplitMix64(seed: seed)
        var puzzles: [Puzzle] = []
        while puzzles.count < count {
            let puzzle = candidate(&rng, level: level)
            // Keep only puzzles whose every window fits and whose output is at least 1.
            if puzzle.arithmetic.allSatisfy({ $0.kernelFits && $0.output >= 1 }) { puzzles.append(puzzle) }
        }
        return puzzles
    }

    static func candidate(_ rng: inout SplitMix64, level: Int) -> Puzzle {
        let layers: [Puzzle.Layer] =
            level == 1 ? [.conv2d, .conv2d, .maxpool2d] : [.conv2d, .conv2d, .maxpool2d, .avgpool2d, .conv1d]
        let layer = rng.pick(layers)
        let size = rng.pick(level == 1 ? [8, 16, 28, 32, 64] : [7, 13, 15, 28, 31, 32, 56, 100, 224, 227])
        let channels = rng.pick([1, 3, 3, 16, 32, 64])
        let input = layer == .conv1d ? [size, channels] : [size, size, channels]
        let isConv = layer == .conv1d || layer == .conv2d
        let kernel = isConv ? rng.pick(level == 1 ? [1, 3, 5] : [1, 2, 3, 5, 7, 11]) : rng.pick([2, 3])
        let stride =
            isConv ? rng.pick(level == 1 ? [1, 2] : [1, 2, 3, 4]) : (level == 1 ? kernel : rng.pick([1, 2, 3]))
        var padding: Padding
        switch (level, rng.int(0...3)) {
        case (1, 0), (1, 1): padding = .valid
        case (1, _): padding = .explicit([PadPair](repeating: PadPair(kernel / 2, kernel / 2), count: input.count - 1))
        case (_, 0): padding = .valid
        case (_, 1): padding = .same
        case (3, 2) where layer == .conv1d: padding = .causal
        case (3, 2):
            // Pools pad at most half their window (PyTorch's rule, checked by nnc too).
            let most = isConv ? 2 : kernel / 2
            padding = .explicit(
                [PadPair](repeating: PadPair(rng.int(0...most), rng.int(0...most)), count: input.count - 1))
        default:
            let p = isConv ? rng.int(0...(kernel / 2 + 1)) : rng.int(0...(kernel / 2))
            padding = .explicit([PadPair](repeating: PadPair(p, p), count: input.count - 1))
        }
        var dilation = level == 3 && isConv && rng.int(0...2) == 0 ? rng.pick([2, 3, 4]) : 1
        // 'same' with a stride and a dilation both above 1 is refused by Keras and PyTorch alike.
        if padding == .same, stride > 1 { dilation = 1 }
        let rounding: ConvArithmetic.Rounding = level == 3 && !isConv && rng.int(0...1) == 0 ? .ceil : .floor
        let filters = isConv ? rng.pick([1, 4, 5, 6, 8, 10, 16, 32, 64, 96]) : 0
        return Puzzle(
            layer: layer, input: input, filters: filters, kernel: kernel, stride: stride, dilation: dilation,
            padding: padding, rounding: rounding, source: nil)
    }

    /// One puzzle per convolution or pool of a checked model, each with its own per-axis
    /// kernel, stride, dilation and padding, groups and bias, exactly as the checker saw it.
    public static func fromModel(_ graph: Graph) -> [Puzzle] {
        graph.nodes.compactMap { node -> Puzzle? in
            guard let window = node.op.window, let kind = Puzzle.Layer(node.op.kind), !node.arithmetic.isEmpty,
                let input = node.inputs.first.flatMap({ graph[$0].shape?.dims }), let first = node.arithmetic.first
            else { return nil }
            // A pool has no filters, one group and no bias of its own.
            let convolution: Convolution? =
                if case .conv1d(let c) = node.op { c } else if case .conv2d(let c) = node.op { c } else { nil }
            return Puzzle(
                layer: kind, input: input, filters: convolution?.filters ?? 0, kernels: node.arithmetic.map(\.kernel),
                strides: node.arithmetic.map(\.stride), dilations: node.arithmetic.map(\.dilation),
                padding: window.padding, rounding: first.rounding, source: "layer '\(node.name)' of \(graph.name)",
                groups: convolution?.groups ?? 1, bias: convolution?.useBias ?? true)
        }
    }

    /// Reads an answer such as `16x16x5`, `16 × 16 × 5`, `[16, 16, 5]` or `16,16,5`.
    public static func parseShape(_ text: String) -> [Int]? {
        let separators: Set<Character> = ["x", "X", "×", ",", " ", "[", "]", "(", ")", "*"]
        let parts = text.split { separators.contains($0) }
        guard !parts.isEmpty else { return nil }
        var values: [Int] = []
        for part in parts {
            guard let value = Int(part), value >= 0 else { return nil }
            values.append(value)
        }
        return values
    }
}
