/// What a buffer holds, which decides its segment and how `nnc plan` labels it.
public enum BufferRole: String, Sendable, CaseIterable {
    /// The model input and the training targets, written by the caller before each step.
    case input, target
    /// A layer's output, and values a backward rule keeps (batchnorm's mean, max-pool's argmax).
    case activation, saved
    /// ∂loss/∂(a layer's output), and per-row losses (and the regularization penalty).
    case gradient, loss
    /// A scalar of the step for the trainer to report (the global gradient norm).
    case report
    /// ∂loss/∂(a parameter), consumed by the update right after it is complete.
    case parameterGradient
    /// Short-lived working memory of one instruction (im2col columns, GEMM panels).
    case scratch
    /// The persistent segment: parameters, optimizer state, batchnorm running statistics,
    /// and inference weights with batchnorm folded in.
    case parameter, optimizerState, statistic, folded

    public var isPersistent: Bool { [.parameter, .optimizerState, .statistic, .folded].contains(self) }
}

public enum ElementType: String, Sendable {
    case float32, int32
    public var size: Int { 4 }
}

/// A tensor of the plan: its full shape (batch first for per-sample values), element type
/// and role. A view (reshape, flatten) names the buffer whose bytes it shares.
public struct PlanBuffer: Sendable, Equatable {
    public var id: BufferID
    public var name: String
    public var shape: [Int]
    public var type: ElementType
    public var role: BufferRole
    /// For zero-copy views: the buffer that owns the bytes.
    public var viewOf: BufferID?

    public var elements: Int { shape.reduce(1, *) }
    public var bytes: Int { elements * type.size }
    public var shapeText: String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}
