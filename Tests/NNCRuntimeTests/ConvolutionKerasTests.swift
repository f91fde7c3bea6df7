import Foundation
import NNCDriver
import NNCPlan
import NNCRuntime
import Testing

/// Compiled convolution plans against real Keras 3: models/verify/keras_convolution.py
/// builds the same models in Keras (numpy backend), sets the same deterministic weights, and
/// its printed outputs are pinned in keras_convolution.txt. Agreement checks what gradient
/// checks cannot: Keras's kernel layouts (a depthwise kernel [kh, kw, C, multiplier] read as
/// the grouped kernel [kh, kw, 1, C·multiplier]; a separable convolution's depthwise_kernel,
/// pointwise_kernel and bias; a transposed convolution's kernel [kh, kw, filters, C]) and
/// output channel order, so Keras weights carry over, and Keras's transposed output sizes
/// and placement (valid and same, output_padding, a kernel smaller than its stride, dilation).
@Suite struct ConvolutionKerasTests {
    static let models: [String: String] = [
        "depthwise_same_strided": """
        input: [5, 5, 2]
        layers:
          - depthwise_conv2d: {kernel: 3, stride: 2, padding: same, depth_multiplier: 2, activation: tanh}
        """,
        "depthwise_dilated_no_bias": """
        input: [6, 7, 2]
        layers:
          - depthwise_conv2d: {kernel: [2, 3], dilation: 2, depth_multiplier: 3, use_bias: false}
        """,
        "depthwise_stack": """
        input: [6, 6, 3]
        layers:
          - depthwise_conv2d: {kernel: 3, padding: same, activation: relu}
          - depthwise_conv2d: {kernel: 2, stride: 2, depth_multiplier: 2}
        """,
        "separable_same": """
        input: [6, 5, 3]
        layers:
          - separable_conv2d: {filters: 4, kernel: 3, padding: same, depth_multiplier: 2, activation: tanh}
        """,
        "separable_strided_dilated_no_bias": """
        input: [7, 7, 2]
        layers:
          - separable_conv2d: {filters: 3, kernel: [3, 2], stride: 2, use_bias: false}
          - separable_conv2d: {filters: 5, kernel: 2, dilation: [1, 2], depth_multiplier: 3}
        """,
        "transpose_valid_strided": """
        input: [4, 3, 2]
        layers:
          - conv2d_transpose: {filters: 3, kernel: 3, stride: 2, activation: tanh}
        """,
        "transpose_same_output_padding": """
        input: [3, 4, 3]
        layers:
          - conv2d_transpose: {filters: 2, kernel: [3, 4], stride: [2, 3], padding: same, output_padding: [1, 2]}
          - conv2d_transpose: {filters: 3, kernel: 4, stride: 2, padding: same, use_bias: false}
        """,
        "transpose_valid_output_padding_small_kernel": """
        input: [3, 3, 2]
        layers:
          - conv2d_transpose: {filters: 2, kernel: 2, stride: 3}
          - conv2d_transpose: {filters: 3, kernel: [2, 3], stride: 2, output_padding: [1, 0]}
        """,
        "transpose_dilated": """
        input: [4, 4, 2]
        layers:
          - conv2d_transpose: {filters: 3, kernel: 3, dilation: 2, padding: same}
          - conv2d_transpose: {filters: 2, kernel: 2, dilation: [1, 2]}
        """,
    ]

    /// Keras's outputs, by case (the script's weights and inputs are KerasPins').
    static let keras = KerasPins.outputs("keras_convolution.txt")

    @Test func everyCaseHasKerasNumbers() {
        #expect(Set(Self.keras.keys) == Set(Self.models.keys))
    }

    @Test(arguments: models.keys.sorted())
    func outputsMatchKeras(name: String) throws {
        let expected = try #require(Self.keras[name])
        // Inference plans (one and two threads, optimized and not) and the forward of a training plan.
        for (mode, threads, optimize) in [
            (LoweringOptions.Mode.inference, 1, true), (.inference, 2, true), (.inference, 1, false),
            (.training, 2, true),
        ] {
            let yaml = Self.models[name]! + "\nloss: mse\n"
            let plan = try compile(yaml, LoweringOptions(mode: mode, batch: 2, updates: false, optimize: optimize))
            let x = KerasPins.input(plan[plan.input].elements)
            // Keras computes in float32: agreement to a few float roundings of values near 1.
            try KerasPins.expectAgreement(
                KerasPins.run(plan, threads: threads, input: x), with: expected, tolerance: 4e-6,
                "\(name) \(mode) \(threads) threads")
        }
    }

    /// A depthwise convolution is the grouped conv2d with one group per input channel and
    /// channels × multiplier filters: the same instructions, on the same kernel memory.
    @Test func depthwiseIsTheGroupedConvolution() throws {
        let options = LoweringOptions(mode: .training, batch: 2)
        let depthwise = try compile(
            "input: [7, 7, 3]\nlayers:\n  - depthwise_conv2d: {kernel: 3, depth_multiplier: 2, padding: same, name: c}\n  - flatten\n  - dense: 2\nloss: mse\n",
            options)
        let grouped = try compile(
            "input: [7, 7, 3]\nlayers:\n  - conv2d: {filters: 6, kernel: 3, groups: 3, padding: same, name: c}\n  - flatten\n  - dense: 2\nloss: mse\n",
            options)
        #expect(depthwise.instructions.map(\.kernel) == grouped.instructions.map(\.kernel))
        #expect(depthwise.parameters[0].shape == [3, 3, 3, 2])
        #expect(grouped.parameters[0].shape == [3, 3, 1, 6])
    }
}
