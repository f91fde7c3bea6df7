/// Activations, initializers, regularizers and constraints: the small components layers use.
extension Registry {
    public static let activations = Family(
        name: "activation", article: "an",
        kinds: [
            ComponentKind("linear", aliases: ["identity", "none"], doc: "f(x) = x"),
            ComponentKind("relu", doc: "f(x) = max(0, x)"),
            ComponentKind(
                "leaky_relu", doc: "f(x) = x if x > 0 else alpha·x", short: ["alpha"],
                [
                    Attribute(
                        "alpha", .float(.nonNegative), .value("0.3"), "slope for negative inputs (Keras default 0.3)")
                ]),
            ComponentKind(
                "elu", doc: "f(x) = x if x > 0 else alpha·(eˣ − 1)", short: ["alpha"],
                [
                    Attribute("alpha", .float(.positive), .value("1.0"), "saturation value for negative inputs")
                ]),
            ComponentKind("selu", doc: "scaled ELU with λ ≈ 1.0507, α ≈ 1.6733 (Klambauer et al. 2017)"),
            ComponentKind("sigmoid", aliases: ["logistic"], doc: "f(x) = 1 / (1 + e⁻ˣ)"),
            ComponentKind("tanh", doc: "f(x) = tanh(x)"),
            ComponentKind(
                "lecun_tanh", aliases: ["scaled_tanh"], doc: "LeCun's scaled tanh: f(x) = 1.7159·tanh(2/3·x)"),
            ComponentKind("softplus", doc: "f(x) = ln(1 + eˣ)"),
            ComponentKind(
                "swish", aliases: ["silu"],
                doc: "f(x) = x·sigmoid(beta·x); beta may be learned (one parameter per layer)",
                short: ["beta"],
                [
                    Attribute("beta", .float(.none), .value("1.0"), "the slope inside the sigmoid"),
                    Attribute("learnable", .bool, .value("false"), "learn beta as a trainable parameter"),
                ]),
            ComponentKind("mish", doc: "f(x) = x·tanh(softplus(x)) (Misra 2019)"),
            ComponentKind("softmax", doc: "f(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ over the last axis"),
        ])

    public static let initializers = Family(
        name: "initializer", article: "an",
        kinds: [
            ComponentKind("zeros", doc: "all zeros"),
            ComponentKind("ones", doc: "all ones"),
            ComponentKind(
                "constant", doc: "every weight set to value", short: ["value"],
                [
                    Attribute("value", .float(.none), .required, "the constant")
                ]),
            ComponentKind(
                "uniform", aliases: ["random_uniform"], doc: "U(a, b)", short: ["a", "b"],
                [
                    Attribute("a", .float(.none), .value("-0.05"), "lower bound"),
                    Attribute("b", .float(.none), .value("0.05"), "upper bound"),
                ]),
            ComponentKind(
                "normal", aliases: ["random_normal"], doc: "N(mean, std²)", short: ["mean", "std"],
                [
                    Attribute("mean", .float(.none), .value("0.0"), "mean"),
                    Attribute("std", .float(.nonNegative), .value("0.05"), "standard deviation"),
                ]),
            ComponentKind(
                "glorot_uniform", aliases: ["xavier_uniform"], doc: "U(−l, l), l = √(6 / (fan_in + fan_out))"),
            ComponentKind("glorot_normal", aliases: ["xavier_normal"], doc: "truncated N(0, 2 / (fan_in + fan_out))"),
            ComponentKind("he_uniform", aliases: ["kaiming_uniform"], doc: "U(−l, l), l = √(6 / fan_in)"),
            ComponentKind("he_normal", aliases: ["kaiming_normal"], doc: "truncated N(0, 2 / fan_in)"),
            ComponentKind("lecun_uniform", doc: "U(−l, l), l = √(3 / fan_in)"),
            ComponentKind("lecun_normal", doc: "truncated N(0, 1 / fan_in)"),
            ComponentKind(
                "orthogonal", doc: "a random orthogonal matrix times gain (Saxe et al. 2014)", short: ["gain"],
                [
                    Attribute("gain", .float(.positive), .value("1.0"), "multiplier of the orthogonal matrix")
                ]),
        ])

    public static let regularizers = Family(
        name: "regularizer",
        kinds: [
            ComponentKind(
                "l1", doc: "adds l1·Σ|w| to the loss", short: ["l1"],
                [
                    Attribute("l1", .float(.nonNegative), .value("0.01"), "the L1 factor")
                ]),
            ComponentKind(
                "l2", doc: "adds l2·Σw² to the loss", short: ["l2"],
                [
                    Attribute("l2", .float(.nonNegative), .value("0.01"), "the L2 factor")
                ]),
            ComponentKind(
                "l1_l2", doc: "adds l1·Σ|w| + l2·Σw² to the loss", short: ["l1", "l2"],
                [
                    Attribute("l1", .float(.nonNegative), .value("0.01"), "the L1 factor"),
                    Attribute("l2", .float(.nonNegative), .value("0.01"), "the L2 factor"),
                ]),
        ])

    public static let constraints = Family(
        name: "constraint",
        kinds: [
            ComponentKind(
                "max_norm",
                doc:
                    "rescales each unit's incoming weight vector to norm ≤ value after every update (Srivastava et al. 2014)",
                short: ["value"],
                [
                    Attribute("value", .float(.positive), .value("2.0"), "the largest allowed L2 norm")
                ]),
            ComponentKind("non_neg", doc: "clips weights to ≥ 0 after every update"),
            ComponentKind("unit_norm", doc: "rescales each unit's incoming weight vector to norm 1 after every update"),
        ])
}
