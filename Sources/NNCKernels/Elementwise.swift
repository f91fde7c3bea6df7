import CNNCKernels

/// Activations and the fused softmax + cross-entropy, over raw float buffers.
public enum Elementwise {
    /// The activations of the spec language, by their registry names.
    public enum Activation: String, CaseIterable, Sendable {
        case linear, relu, leakyRelu = "leaky_relu", elu, selu, sigmoid, tanh, lecunTanh = "lecun_tanh", softplus, swish

        /// The C kernels' code for this activation.
        public var c: nnc_activation {
            switch self {
            case .linear: NNC_ACT_LINEAR
            case .relu: NNC_ACT_RELU
            case .leakyRelu: NNC_ACT_LEAKY_RELU
            case .elu: NNC_ACT_ELU
            case .selu: NNC_ACT_SELU
            case .sigmoid: NNC_ACT_SIGMOID
            case .tanh: NNC_ACT_TANH
            case .lecunTanh: NNC_ACT_LECUN_TANH
            case .softplus: NNC_ACT_SOFTPLUS
            case .swish: NNC_ACT_SWISH
            }
        }

        /// True when the backward reads only the output, so the input need not stay alive.
        public var backwardNeedsOnlyOutput: Bool { nnc_activation_backward_needs_only_output(c) != 0 }
    }

    /// y = f(x); `param` is alpha (leaky_relu, elu) or beta (swish). y may equal x.
    public static func forward(_ act: Activation, param: Float = 0, y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count: Int) {
        nnc_activation_forward(y, x, count, act.c, param)
    }

    /// dx = dy·f'(x), reading x and/or y as the activation needs. dx may equal dy.
    public static func backward(_ act: Activation, param: Float = 0, dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>?, y: UnsafePointer<Float>?, count: Int) {
        nnc_activation_backward(dx, dy, x, y, count, act.c, param)
    }

    /// Per-row loss of softmax + cross-entropy against class labels or target rows (summing to 1).
    public static func softmaxCrossEntropy(loss: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                                           labels: UnsafePointer<Int32>?, targets: UnsafePointer<Float>?, rows: Int, cols: Int) {
        nnc_softmax_xent_forward(loss, logits, labels, targets, Int32(rows), Int32(cols), 0)
    }

    /// dlogits = (softmax − target)·scale.
    public static func softmaxCrossEntropyBackward(dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                                                   labels: UnsafePointer<Int32>?, targets: UnsafePointer<Float>?,
                                                   rows: Int, cols: Int, scale: Float) {
        nnc_softmax_xent_backward(dlogits, logits, labels, targets, Int32(rows), Int32(cols), scale, 0)
    }
}
