import NNCDiagnostics

/// One spatial dimension of a transposed convolution (Keras's Conv2DTranspose): the output
/// length by Keras's `deconv_output_length`, and the convolution from the output back to the
/// input whose data gradient the transposed convolution is (its padding before and after).
public struct TransposedArithmetic: Sendable, Equatable {
    public var input: Int
    public var kernel: Int
    public var stride: Int
    public var dilation: Int
    /// padding: same (else valid).
    public var same: Bool
    /// Keras's output_padding; nil for its default output size.
    public var outputPadding: Int?

    /// The kernel's extent with dilation: d·(k − 1) + 1 (saturating: the checker bounds it).
    public var effectiveKernel: Int { dilation.saturatingTimes(kernel - 1).saturatingPlus(1) }

    /// valid: in·s + max(k − s, 0); same: in·s; with output_padding p:
    /// (in − 1)·s + k − 2·pad + p, pad = ⌊k/2⌋ (same) or 0 (valid). Saturating.
    public var output: Int {
        let k = effectiveKernel
        guard let p = outputPadding else {
            let scaled = input.saturatingTimes(stride)
            return same ? scaled : scaled.saturatingPlus(max(k - stride, 0))
        }
        let pad = same ? k / 2 : 0
        return (input - 1).saturatingTimes(stride).saturatingPlus(k - 2 * pad).saturatingPlus(p)
    }

    /// Padding before the output in the convolution from the output to the input: k − 1 − the
    /// left padding Keras gives the transposed convolution (0 for valid).
    public var padLow: Int {
        guard same else { return 0 }
        let k = effectiveKernel
        let total = outputPadding.map { k + k % 2 - 2 + $0 } ?? (stride + k - 2)
        return k - 1 - min(total / 2 + total % 2, k - 1)
    }

    /// Padding after the output, just enough for the input's last window: input cell i reads
    /// output cells i·s + t·d − padLow.
    public var padHigh: Int { max(0, (input - 1) * stride + effectiveKernel - output - padLow) }

    /// Keras's formula with the numbers filled in, as `summary --explain` prints it.
    public var formula: String {
        let k = effectiveKernel
        var text: String
        switch (same, outputPadding) {
        case (false, nil):
            text = "in·stride + max(kernel − stride, 0) = \(input)·\(stride) + max(\(k) − \(stride), 0) = \(output)"
        case (true, nil):
            text = "in·stride = \(input)·\(stride) = \(output) (same)"
        case (false, let p?):
            text =
                "(in − 1)·stride + kernel + output_padding = (\(input) − 1)·\(stride) + \(k) + \(p) = \(output)"
        case (true, let p?):
            text =
                "(in − 1)·stride + kernel − 2·⌊kernel/2⌋ + output_padding = (\(input) − 1)·\(stride) + \(k) − 2·\(k / 2) + \(p) = \(output) (same)"
        }
        if dilation > 1 { text += "; dilated kernel \(k) = \(dilation)·(\(kernel) − 1) + 1" }
        return text
    }
}
