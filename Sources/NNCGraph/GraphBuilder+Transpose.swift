import NNCSpec

/// conv2d_transpose: Keras's output size per dimension, with the checks it implies (rank,
/// output_padding below the stride, a non-empty output, the kernels' 32-bit extents).
extension GraphBuilder {
    mutating func transposed(
        _ node: inout Node, _ t: TransposedConvolution, layer: LayerSpec, input: Node
    ) -> TensorShape? {
        let x = input.shape!
        guard x.rank == 3 else {
            diagnostics.error(
                .inputRank,
                "'conv2d_transpose' needs an input of shape [height, width, channels] (channels last); got \(x)",
                at: layer.location, labels: [inputLabel(input, layer)],
                help: x.rank == 2 ? "add a channel axis: `- reshape: [\(x.dims[0]), \(x.dims[1]), 1]`" : nil)
            return nil
        }
        let arithmetic = t.arithmetic(input: Array(x.dims.dropLast()))
        for (d, a) in arithmetic.enumerated() {
            let axis = Self.axisNames[2]![d]
            if let p = a.outputPadding, p >= a.stride {
                diagnostics.error(
                    .outOfRange,
                    "output_padding must be less than the stride (Keras); along the \(axis) it is \(p) with stride \(a.stride)",
                    at: t.outputPaddingLocation ?? layer.location,
                    help: "output_padding picks one of the stride's output sizes: use 0 to \(a.stride - 1)")
                return nil
            }
            // The kernels take window sizes, strides and offsets as 32-bit ints.
            if a.effectiveKernel.saturatingPlus(a.output) > Int(Int32.max) {
                diagnostics.error(
                    .tooLarge,
                    "a window's extent must stay below 2³¹ cells (the kernels' 32-bit sizes); along the \(axis), "
                        + "the output is \(a.output.grouped) and the window \(a.effectiveKernel.grouped)",
                    at: layer.location, help: "check the kernel, stride and dilation")
                return nil
            }
            if a.output < 1 {
                diagnostics.error(
                    .outOfRange, "the output would be empty: along the \(axis), \(a.formula)",
                    at: t.outputPaddingLocation ?? layer.location,
                    help: "use output_padding 1, an odd kernel, or padding: valid")
                return nil
            }
            node.explanations.append(Explanation(topic: "output", text: "\(axis): \(a.formula)"))
        }
        return TensorShape(arithmetic.map(\.output) + [t.filters])
    }
}
