/// Losses, metrics, optimizers and schedules: what the training sections name.
extension Registry {
    static let fromLogits = Attribute(
        "from_logits", .bool, .value("false"),
        "the output is raw scores; the loss applies softmax/sigmoid itself")

    public static let losses = Family(
        name: "loss",
        kinds: [
            ComponentKind("mse", aliases: ["mean_squared_error"], doc: "mean over outputs of (y − t)²"),
            ComponentKind("sum_of_squares", aliases: ["sse"], doc: "½·Σ(y − t)² over outputs (the lecture's E)"),
            ComponentKind(
                "categorical_crossentropy", doc: "−Σ t·log y with one-hot targets",
                [
                    fromLogits,
                    Attribute(
                        "label_smoothing", .float(.unitOpen), .value("0.0"),
                        "mixes targets with the uniform distribution"),
                ]),
            ComponentKind("sparse_categorical_crossentropy", doc: "−log y[label] with integer labels", [fromLogits]),
            ComponentKind(
                "binary_crossentropy", doc: "−[t·log y + (1 − t)·log(1 − y)] per output",
                [
                    fromLogits,
                    Attribute("label_smoothing", .float(.unitOpen), .value("0.0"), "pulls targets towards 0.5"),
                ]),
        ])

    public static let metrics = Family(
        name: "metric",
        kinds: [
            ComponentKind("accuracy", aliases: ["acc"], doc: "fraction of samples whose predicted class is the label"),
            ComponentKind(
                "top_k_accuracy", doc: "fraction of samples whose label is among the k highest outputs", short: ["k"],
                [
                    Attribute("k", .int(.atLeastOne), .value("5"), "how many top outputs count")
                ]),
            ComponentKind("mse", aliases: ["mean_squared_error"], doc: "mean squared error"),
            ComponentKind("mae", aliases: ["mean_absolute_error"], doc: "mean absolute error"),
        ])

    static func learningRate(_ value: String) -> Attribute {
        Attribute("learning_rate", .float(.positive), .value(value), "step size ε₀ (a schedule scales it)")
    }
    static let epsilon = Attribute("epsilon", .float(.positive), .value("1e-07"), "added to denominators for stability")

    public static let optimizers = Family(
        name: "optimizer", article: "an",
        kinds: [
            ComponentKind(
                "sgd", doc: "stochastic gradient descent with optional (Nesterov) momentum", short: ["learning_rate"],
                [
                    learningRate("0.01"),
                    Attribute(
                        "momentum", .float(.unitOpen), .value("0.0"),
                        "velocity decay μ (a momentum_schedule overrides it)"),
                    Attribute("nesterov", .bool, .value("false"), "Nesterov's accelerated gradient"),
                    Attribute(
                        "dampening", .float(.unit), .value("0.0"),
                        "scales the new gradient in the velocity by (1 − dampening)"),
                    Attribute(
                        "dampening_from_momentum", .bool, .value("false"),
                        "dampening equal to each step's momentum μ, scheduled or not: v = μ·v + (1 − μ)·g, Hinton et al. 2012's Δw = μ·Δw − (1 − μ)·ε·g, whose steps stay ε·g on average however μ grows"
                    ),
                ]),
            ComponentKind(
                "adagrad", doc: "per-weight steps scaled by the root of summed squared gradients (Duchi et al. 2011)",
                short: ["learning_rate"],
                [
                    learningRate("0.001"),
                    Attribute(
                        "initial_accumulator", .float(.nonNegative), .value("0.1"),
                        "starting value of the sum of squares"),
                    epsilon,
                ]),
            ComponentKind(
                "rmsprop", doc: "steps scaled by a moving root mean square of gradients (Hinton 2012)",
                short: ["learning_rate"],
                [
                    learningRate("0.001"),
                    Attribute("rho", .float(.unitOpen), .value("0.9"), "decay of the moving average"),
                    Attribute("momentum", .float(.unitOpen), .value("0.0"), "momentum on the scaled step"),
                    epsilon,
                    Attribute(
                        "centered", .bool, .value("false"),
                        "divide by the estimated variance instead of the second moment"),
                ]),
            ComponentKind(
                "adadelta", doc: "Zeiler 2012: steps from the ratio of moving RMS of updates and gradients",
                short: ["learning_rate"],
                [
                    learningRate("1.0"),
                    Attribute("rho", .float(.unitOpen), .value("0.95"), "decay of the moving averages"),
                    Attribute("epsilon", .float(.positive), .value("1e-06"), "added inside the square roots"),
                ]),
            ComponentKind(
                "adam", doc: "Kingma & Ba 2015: bias-corrected first and second moment estimates",
                short: ["learning_rate"],
                [
                    learningRate("0.001"),
                    Attribute("beta_1", .float(.unitOpen), .value("0.9"), "decay of the first moment"),
                    Attribute("beta_2", .float(.unitOpen), .value("0.999"), "decay of the second moment"),
                    epsilon,
                    Attribute("amsgrad", .bool, .value("false"), "keep the maximum second moment (Reddi et al. 2018)"),
                ]),
            ComponentKind(
                "adamw", doc: "Adam with decoupled weight decay (Loshchilov & Hutter 2019)", short: ["learning_rate"],
                [
                    learningRate("0.001"),
                    Attribute("beta_1", .float(.unitOpen), .value("0.9"), "decay of the first moment"),
                    Attribute("beta_2", .float(.unitOpen), .value("0.999"), "decay of the second moment"),
                    epsilon,
                    Attribute(
                        "weight_decay", .float(.nonNegative), .value("0.004"),
                        "decoupled decay: w ← w − ε·λ·w (Keras default 0.004)"),
                    Attribute("amsgrad", .bool, .value("false"), "keep the maximum second moment"),
                ]),
        ])

    static let unit = Attribute(
        "unit", .choice(["steps", "epochs"]), .required,
        "what t counts: optimizer steps or whole epochs (always stated explicitly)")

    public static let schedules = Family(
        name: "schedule",
        kinds: [
            constantSchedule, stepSchedule, piecewiseSchedule, exponentialSchedule,
            inverseTimeSchedule, polynomialSchedule, cosineSchedule, oneCycleSchedule, linearOneCycleSchedule,
            warmupSchedule,
            plateauSchedule,
        ])

    /// What a warm-up hands over to: every schedule but a nested warm-up or a plateau rule.
    static let afterWarmupSchedules = Family(
        name: "schedule",
        kinds: [
            constantSchedule, stepSchedule, piecewiseSchedule, exponentialSchedule, inverseTimeSchedule,
            polynomialSchedule, cosineSchedule,
        ])

    static let constantSchedule = ComponentKind("constant", doc: "ε(t) = ε₀")

    static let stepSchedule = ComponentKind(
        "step", doc: "ε(t) = ε₀·factor^⌊t/every⌋",
        [
            Attribute("every", .int(.atLeastOne), .required, "period between drops"),
            Attribute("factor", .float(.positive), .value("0.1"), "multiplier at each drop"),
            unit,
        ])

    static let piecewiseSchedule = ComponentKind(
        "piecewise", aliases: ["piecewise_constant", "multistep"],
        doc: "ε(t) = values[i] for boundaries[i−1] ≤ t < boundaries[i]",
        [
            Attribute("boundaries", .list(.int(.atLeastOne)), .required, "increasing milestones"),
            Attribute("values", .list(.float(.positive)), .required, "one learning rate more than boundaries"),
            unit,
        ])

    static let exponentialSchedule = ComponentKind(
        "exponential", doc: "ε(t) = ε₀·rate^(t/every)",
        [
            Attribute("rate", .float(.positive), .required, "decay per period (0.1 for ε₀·0.1^(t/s))"),
            Attribute("every", .number(.positive), .required, "the period s"),
            Attribute("staircase", .bool, .value("false"), "use ⌊t/every⌋"),
            unit,
        ])

    static let inverseTimeSchedule = ComponentKind(
        "inverse_time", aliases: ["power"], doc: "ε(t) = ε₀ / (1 + rate·t/every)",
        [
            Attribute("every", .number(.positive), .required, "the period s"),
            Attribute("rate", .float(.positive), .value("1.0"), "decay per period"),
            unit,
        ])

    static let polynomialSchedule = ComponentKind(
        "polynomial", doc: "ε(t) = (ε₀ − end)·(1 − t/duration)^power + end, then end",
        [
            Attribute("duration", .int(.atLeastOne), .required, "length of the decay"),
            Attribute("end_learning_rate", .float(.nonNegative), .value("0.0001"), "final learning rate"),
            Attribute("power", .float(.positive), .value("1.0"), "exponent (1 is linear)"),
            unit,
        ])

    static let cosineSchedule = ComponentKind(
        "cosine", doc: "ε(t) = min + (ε₀ − min)·(1 + cos(π·t/duration))/2 (Loshchilov & Hutter 2017)",
        [
            Attribute("duration", .int(.atLeastOne), .required, "length of the decay"),
            Attribute("min_learning_rate", .float(.nonNegative), .value("0.0"), "final learning rate"),
            unit,
        ])

    static let oneCycleSchedule = ComponentKind(
        "one_cycle", aliases: ["1cycle", "onecycle"],
        doc:
            "Smith 2018: ε₀/div_factor up to max_learning_rate, then down to ε₀/(div_factor·final_div_factor) (cosine)",
        [
            Attribute("max_learning_rate", .float(.positive), .required, "peak learning rate"),
            Attribute("duration", .int(.atLeastOne), .required, "length of the whole cycle"),
            Attribute(
                "pct_start", .float(Bounds(min: 0, max: 1, minExclusive: true, maxExclusive: true)), .value("0.3"),
                "fraction of the cycle spent rising"),
            Attribute("div_factor", .float(.positive), .value("25.0"), "initial rate = max / div_factor"),
            Attribute(
                "final_div_factor", .float(.positive), .value("10000.0"), "final rate = initial / final_div_factor"),
            unit,
        ])

    /// The lecture notes' 1cycle (Smith 2018, PyTorch's OneCycleLR with `three_phase=True` and
    /// linear annealing): up, down the same way, then a short annihilation.
    static let linearOneCycleSchedule = ComponentKind(
        "linear_one_cycle", aliases: ["linear_1cycle"],
        doc:
            "Smith 2018 as the notes give it: linear from max_learning_rate/div_factor up to max_learning_rate, linearly back down as long, then a short annihilation to 1/final_div_factor of the start",
        [
            Attribute("max_learning_rate", .float(.positive), .required, "peak learning rate"),
            Attribute("duration", .int(.atLeastOne), .required, "length of the whole cycle"),
            Attribute(
                "pct_start", .float(Bounds(min: 0, max: 0.5, minExclusive: true, maxExclusive: true)),
                .value("0.45"), "fraction of the cycle spent rising (falling takes as long; annihilation the rest)"),
            Attribute("div_factor", .float(.positive), .value("10.0"), "starting rate = max / div_factor"),
            Attribute(
                "final_div_factor", .float(.positive), .value("100.0"),
                "the annihilation ends at start / final_div_factor"),
            unit,
        ])

    static let warmupSchedule = ComponentKind(
        "warmup", aliases: ["linear_warmup"],
        doc: "Goyal et al. 2017: ε rises linearly from ε₀·from to ε₀ over duration, then follows 'then'",
        [
            Attribute("duration", .int(.atLeastOne), .required, "length of the warm-up"),
            Attribute("from", .float(.unit), .value("0.0"), "starting fraction of ε₀"),
            Attribute(
                "then", .component(afterWarmupSchedules), .value("constant"),
                "the schedule after the warm-up (t restarts at 0)"),
            unit,
        ])

    static let plateauSchedule = ComponentKind(
        "reduce_on_plateau",
        doc: "multiplies ε by factor when the monitored metric stops improving (checked each epoch)",
        [
            Attribute("monitor", .string, .value("val_loss"), "the metric watched (loss, val_loss, val_accuracy, …)"),
            Attribute(
                "factor", .float(Bounds(min: 0, max: 1, minExclusive: true, maxExclusive: true)), .value("0.1"),
                "multiplier at each reduction"),
            Attribute("patience", .int(.nonNegative), .value("10"), "epochs without improvement before reducing"),
            Attribute(
                "min_delta", .float(.nonNegative), .value("0.0001"), "smallest change that counts as improvement"),
            Attribute("cooldown", .int(.nonNegative), .value("0"), "epochs to wait after a reduction"),
            Attribute("min_learning_rate", .float(.nonNegative), .value("0.0"), "lower limit"),
        ])

    public static let momentumSchedules = Family(
        name: "momentum schedule",
        kinds: [
            ComponentKind("constant", doc: "the optimizer's momentum throughout"),
            ComponentKind(
                "linear", doc: "μ rises (or falls) linearly from 'from' to 'to' over duration, then stays",
                [
                    Attribute("from", .float(.unitOpen), .required, "momentum at t = 0"),
                    Attribute("to", .float(.unitOpen), .required, "momentum from t = duration on"),
                    Attribute("duration", .int(.atLeastOne), .required, "length of the ramp"),
                    unit,
                ]),
            ComponentKind(
                "cycle", aliases: ["one_cycle"],
                doc:
                    "μ mirrors a linear_one_cycle rate: max_momentum while the rate is lowest, min_momentum at its peak, linear between, max_momentum through the annihilation",
                [
                    Attribute(
                        "max_momentum", .float(.unitOpen), .value("0.95"), "momentum at the cycle's lowest rates"),
                    Attribute("min_momentum", .float(.unitOpen), .value("0.85"), "momentum at the peak rate"),
                ]),
        ])

    /// Synthetic sequence tasks for `data.<split>.generate`, as their papers define them
    /// (Grammar/README.md, section Data).
    public static let sequenceTasks = Family(
        name: "sequence task",
        kinds: [
            ComponentKind(
                "adding",
                doc:
                    "the adding problem (Hochreiter & Schmidhuber 1997; as Le et al. 2015 pose it): length steps of [value ∈ U(0, 1), marker], two markers, one in each half; the target is the sum of the marked values. Input [length, 2], one real target; answering 1 always has MSE 1/6",
                short: ["length"],
                [
                    Attribute("length", .int(Bounds(min: 2)), .required, "the number of steps"),
                    samples, taskSeed,
                ]),
            ComponentKind(
                "copy",
                doc:
                    "the copying memory task (Arjovsky et al. 2016): remember symbols, length − 1 blanks, a delimiter, remember blanks; reproduce the symbols after the delimiter. Input [length + 2·remember] token ids, one class per step",
                short: ["length"],
                [
                    Attribute(
                        "length", .int(.atLeastOne), .required, "the delay T between the symbols and the delimiter"),
                    samples, taskSeed,
                    Attribute(
                        "symbols", .int(.atLeastOne), .value("8"),
                        "the number of data symbols: ids 1…symbols (0 is the blank, symbols + 1 the delimiter)"),
                    Attribute(
                        "remember", .int(.atLeastOne), .value("10"), "how many symbols to remember and reproduce"),
                ]),
            ComponentKind(
                "reverse",
                doc:
                    "reversal of a digit sequence: length digits (ids 1…symbols, 0 left for padding); the target is the same digits in reverse order. Input [length] token ids, one class per step; ignoring positions guesses 1/symbols",
                short: ["length"],
                [
                    Attribute("length", .int(.atLeastOne), .required, "the number of digits"),
                    samples, taskSeed,
                    Attribute(
                        "symbols", .int(.atLeastOne), .value("10"), "the number of distinct digits: ids 1…symbols"),
                ]),
        ])

    static let samples = Attribute("samples", .int(.atLeastOne), .value("10000"), "how many samples")
    static let taskSeed = Attribute(
        "seed", .int(.nonNegative), .unset(note: "train.seed, mixed with the split's name"), "seed of the samples")
}
