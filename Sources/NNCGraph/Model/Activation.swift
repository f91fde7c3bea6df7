/// Activations of the spec language, by their registry names (softmax is a kernel of its own).
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, leakyRelu = "leaky_relu", elu, selu, sigmoid, tanh, lecunTanh = "lecun_tanh", softplus, swish,
        mish

    /// True when the derivative can be computed from the output alone (so backward keeps y,
    /// and the activation can be fused into the producer's epilogue or run in place).
    public var backwardNeedsOnlyOutput: Bool {
        switch self {
        case .linear, .relu, .sigmoid, .tanh, .lecunTanh, .elu, .selu: true
        case .leakyRelu, .softplus, .swish, .mish: false
        }
    }

    /// True when the derivative jumps somewhere (finite differences straddling it see two
    /// slopes, so gradient checks take a smaller step and skip elements near it).
    public var hasKink: Bool {
        switch self {
        case .relu, .leakyRelu, .elu, .selu: true
        case .linear, .sigmoid, .tanh, .lecunTanh, .softplus, .swish, .mish: false
        }
    }

    /// Forward FLOPs per element (exp, log and tanh count as one).
    public var flops: Int {
        switch self {
        case .linear: 0
        case .relu: 1  // max(0, x)
        case .leakyRelu: 2  // compare, multiply
        case .elu: 4  // compare, exp, subtract, multiply
        case .selu: 5  // elu, scale
        case .sigmoid: 4  // negate, exp, add, divide
        case .tanh: 1
        case .lecunTanh: 3  // multiply, tanh, multiply
        case .softplus: 3  // exp, add, log
        case .swish: 6  // multiply by beta, sigmoid, multiply by x
        case .mish: 5  // softplus, tanh, multiply by x
        }
    }

    /// Forward FLOPs per element of softmax: max, subtract, exp, sum, divide.
    public static let softmaxFlops = 5
}

/// An activation with its parameter (alpha of leaky_relu and elu, beta of swish).
public struct ActivationFunction: Sendable, Equatable, CustomStringConvertible {
    public var kind: Activation
    public var parameter: Double
    public init(_ kind: Activation, parameter: Double = 0) {
        self.kind = kind
        self.parameter = parameter
    }
    public static let linear = ActivationFunction(.linear)
    public var description: String {
        switch kind {
        case .leakyRelu, .elu, .swish: "\(kind.rawValue)(\(parameter))"
        case .linear, .relu, .selu, .sigmoid, .tanh, .lecunTanh, .softplus, .mish: kind.rawValue
        }
    }
}

/// The `activation:` a layer declares, decoded: an element-wise function, swish with a
/// learned β (one trainable parameter), or softmax (a row operation, not element-wise).
public enum LayerActivation: Sendable, Equatable {
    case function(ActivationFunction)
    /// swish whose β is a trainable parameter starting at `initialBeta`.
    case learnedSwish(initialBeta: Double)
    case softmax

    /// The element-wise function (a learned swish at its starting β); nil for softmax.
    public var function: ActivationFunction? {
        switch self {
        case .function(let f): f
        case .learnedSwish(let beta): ActivationFunction(.swish, parameter: beta)
        case .softmax: nil
        }
    }

    /// The registry's name (`relu`, `swish`, `softmax`, …).
    public var name: String {
        switch self {
        case .function(let f): f.kind.rawValue
        case .learnedSwish: Activation.swish.rawValue
        case .softmax: "softmax"
        }
    }

    /// Forward FLOPs per element (a learned β costs nothing extra).
    public var flops: Int {
        switch self {
        case .function(let f): f.kind.flops
        case .learnedSwish: Activation.swish.flops
        case .softmax: Activation.softmaxFlops
        }
    }
}
