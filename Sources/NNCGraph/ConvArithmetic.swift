import NNCSpec

/// The output-size arithmetic of one spatial dimension of a convolution or pooling window,
/// with the numbers kept so it can be explained: `⌊(32 + 2·1 − 3)/2⌋ + 1 = 16`.
public struct ConvArithmetic: Sendable, Equatable {
    public enum Rounding: String, Sendable { case floor, ceil }

    public var input: Int
    public var kernel: Int
    public var stride: Int
    public var dilation: Int
    public var padLow: Int
    public var padHigh: Int
    public var rounding: Rounding
    /// How the padding was chosen ("valid", "same", "causal", "explicit").
    public var paddingMode: String

    public init(
        input: Int, kernel: Int, stride: Int, dilation: Int, padLow: Int, padHigh: Int,
        rounding: Rounding, paddingMode: String
    ) {
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padLow = padLow
        self.padHigh = padHigh
        self.rounding = rounding
        self.paddingMode = paddingMode
    }

    /// The kernel's extent with dilation: d·(k − 1) + 1.
    public var effectiveKernel: Int { dilation * (kernel - 1) + 1 }
    public var paddedInput: Int { input + padLow + padHigh }

    /// Output size. With ceil rounding the last window must start inside the input or the
    /// low padding (PyTorch's rule), so the result may be one less than the plain ceiling.
    public var output: Int {
        let span = paddedInput - effectiveKernel
        guard span >= 0 else { return 0 }
        switch rounding {
        case .floor:
            return span / stride + 1
        case .ceil:
            var out = (span + stride - 1) / stride + 1
            if (out - 1) * stride >= input + padLow { out -= 1 }
            return out
        }
    }

    /// Input cells after the last window that no window covers (floor rounding only).
    public var droppedCells: Int {
        let span = paddedInput - effectiveKernel
        guard span >= 0, rounding == .floor else { return 0 }
        return min(span % stride, max(0, span % stride - padHigh))
    }

    public var kernelFits: Bool { paddedInput >= effectiveKernel }

    /// Builds the arithmetic for one dimension from a decoded padding.
    public static func make(
        input: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding, dimension: Int,
        rounding: Rounding = .floor
    ) -> ConvArithmetic {
        let effective = dilation * (kernel - 1) + 1
        var low = 0
        var high = 0
        var mode = "valid"
        switch padding {
        case .valid:
            break
        case .same:
            let out = (input + stride - 1) / stride
            let total = max((out - 1) * stride + effective - input, 0)
            low = total / 2
            high = total - low
            mode = "same"
        case .causal:
            low = effective - 1
            mode = "causal"
        case .explicit(let pairs):
            let pair = pairs[min(dimension, pairs.count - 1)]
            low = pair.low
            high = pair.high
            mode = "explicit"
        }
        return ConvArithmetic(
            input: input, kernel: kernel, stride: stride, dilation: dilation, padLow: low, padHigh: high,
            rounding: rounding, paddingMode: mode)
    }

    /// The formula with the numbers filled in, e.g. `⌊(32 + 2·1 − 3)/2⌋ + 1 = 16`.
    public var formula: String {
        var inner = "\(input)"
        if padLow == padHigh, padLow > 0 {
            inner += " + 2·\(padLow)"
        } else if padLow + padHigh > 0 {
            inner += " + \(padLow) + \(padHigh)"
        }
        inner += dilation > 1 ? " − \(dilation)·(\(kernel) − 1) − 1" : " − \(kernel)"
        let (open, close) = rounding == .floor ? ("⌊", "⌋") : ("⌈", "⌉")
        let body = stride == 1 ? "(\(inner))" : "\(open)(\(inner))/\(stride)\(close)"
        // Every formula shown evaluates to the answer: ceil mode's dropped window is a term of its own.
        guard rounding == .ceil, output != plainCeil else { return "\(body) + 1 = \(output)" }
        return "\(body) + 1 − 1 = \(output) (− 1: the last window would start in the right padding, so it is dropped)"
    }

    private var plainCeil: Int {
        let span = paddedInput - effectiveKernel
        return span < 0 ? 0 : (span + stride - 1) / stride + 1
    }

    /// The general formula this dimension used.
    public var generalFormula: String {
        let (open, close) = rounding == .floor ? ("⌊", "⌋") : ("⌈", "⌉")
        return "out = \(open)(in + pad_lo + pad_hi − d·(k − 1) − 1)/s\(close) + 1"
    }
}
