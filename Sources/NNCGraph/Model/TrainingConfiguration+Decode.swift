import NNCSpec

extension TrainingConfiguration {
    /// The spec's training and data sections, typed. A section or component that failed to
    /// decode (already reported) reads as the registry's defaults.
    init(decoding spec: ModelSpec) {
        let sections = spec.sections
        loss = spec.loss.map(Loss.init(decoding:))
        metrics = spec.metrics.map(Metric.init(decoding:))
        optimizer = Optimizer(decoding: sections.defaultedComponent("optimizer"))
        schedule = LearningRateSchedule(decoding: sections.defaultedComponent("schedule"))
        momentumSchedule = MomentumSchedule(
            decoding: sections.defaultedComponent("momentum_schedule"), mirroring: schedule)
        let initDefaults = spec.initDefaults ?? .defaults(Registry.initSection)
        func initializer(_ name: String) -> Initializer { Initializer(decoding: initDefaults.defaultedComponent(name)) }
        initializers = ModelInitializers(
            weights: initializer("weights"), bias: initializer("bias"),
            recurrent: initializer("recurrent"))
        let r = spec.regularization ?? .defaults(Registry.regularizationSection)
        regularization = Regularization(
            penalty: Regularizer(l1: r.number("l1"), l2: r.number("l2")),
            weightDecay: r.number("weight_decay"), maxNorm: r.double("max_norm"),
            clipNorm: r.double("clip_norm"), clipValue: r.double("clip_value"))
        train = TrainSettings(decoding: spec.train ?? .defaults(Registry.trainSection))
        data = DataConfiguration(decoding: spec.data ?? .defaults(Registry.dataSection))
        transfer = sections.record("transfer").flatMap(TransferSettings.init(decoding:))
        ensemble = sections.record("ensemble").map {
            EnsembleSettings(members: $0.integer("members"), bagging: $0.flag("bagging"))
        }
    }
}

extension TransferSettings {
    /// Nil when `weights` (required) failed to decode; that is reported already.
    init?(decoding t: RecordValue) {
        guard let weights = t.string("weights") else { return nil }
        self.init(
            weights: weights, weightsLocation: t.valueLocation("weights") ?? t.location,
            layers: t.names("layers")?.map { Layer(name: $0.name, location: $0.location) })
    }
}

extension TrainSettings {
    init(decoding t: RecordValue) {
        self.init(
            epochs: t.integer("epochs"), batchSize: t.integer("batch_size"), seed: t.integer("seed"),
            shuffle: t.flag("shuffle"), dropLast: t.flag("drop_last"), validationSplit: t.number("validation_split"),
            earlyStopping: t.record("early_stopping").map(EarlyStoppingSettings.init(decoding:)),
            checkpoint: t.record("checkpoint").map(CheckpointSettings.init(decoding:)),
            batchSchedule: t.record("batch_schedule").map(BatchSchedule.init(decoding:)))
    }
}

extension BatchSchedule {
    /// Lists that failed to decode (reported) read as empty; the checker reports lists of
    /// different lengths, and the trainer only reads the pairs.
    init(decoding r: RecordValue) {
        func integers(_ name: String) -> [Int] {
            (r.list(name) ?? []).compactMap { if case .int(let v) = $0.value { v } else { nil } }
        }
        self.init(epochs: integers("epochs"), sizes: integers("sizes"))
    }
}

extension EarlyStoppingSettings {
    init(decoding r: RecordValue) {
        self.init(
            monitor: r.text("monitor"), patience: r.integer("patience"), minDelta: r.number("min_delta"),
            mode: r.choice("mode"), restoreBest: r.flag("restore_best"))
    }
}

extension CheckpointSettings {
    init(decoding r: RecordValue) {
        self.init(
            directory: r.string("dir"), every: r.integer("every"), keep: r.integer("keep"),
            bestOnly: r.flag("best_only"), monitor: r.text("monitor"))
    }
}

extension Loss {
    init(decoding c: ComponentSpec) {
        let fromLogits = c.flag("from_logits")
        switch c.kind.name {
        case "mse": self = .meanSquaredError
        case "sum_of_squares": self = .sumOfSquares
        case "categorical_crossentropy":
            self = .categoricalCrossEntropy(fromLogits: fromLogits, smoothing: c.number("label_smoothing"))
        case "sparse_categorical_crossentropy": self = .sparseCategoricalCrossEntropy(fromLogits: fromLogits)
        case "binary_crossentropy":
            self = .binaryCrossEntropy(fromLogits: fromLogits, smoothing: c.number("label_smoothing"))
        default: preconditionFailure("loss '\(c.kind.name)' has no case")
        }
    }
}

extension Metric {
    init(decoding c: ComponentSpec) {
        switch c.kind.name {
        case "accuracy": self = .accuracy
        case "top_k_accuracy": self = .topK(c.integer("k"))
        case "mse": self = .meanSquaredError
        case "mae": self = .meanAbsoluteError
        default: preconditionFailure("metric '\(c.kind.name)' has no case")
        }
    }
}

extension Optimizer {
    init(decoding c: ComponentSpec) {
        let rule: Rule =
            switch c.kind.name {
            case "sgd":
                .sgd(
                    momentum: c.number("momentum"), nesterov: c.flag("nesterov"), dampening: c.number("dampening"),
                    dampeningFromMomentum: c.flag("dampening_from_momentum"))
            case "adagrad": .adagrad(initialAccumulator: c.number("initial_accumulator"), epsilon: c.number("epsilon"))
            case "rmsprop":
                .rmsprop(
                    rho: c.number("rho"), momentum: c.number("momentum"), epsilon: c.number("epsilon"),
                    centered: c.flag("centered"))
            case "adadelta": .adadelta(rho: c.number("rho"), epsilon: c.number("epsilon"))
            case "adam":
                .adam(
                    beta1: c.number("beta_1"), beta2: c.number("beta_2"), epsilon: c.number("epsilon"),
                    amsgrad: c.flag("amsgrad"))
            case "adamw":
                .adamw(
                    beta1: c.number("beta_1"), beta2: c.number("beta_2"), epsilon: c.number("epsilon"),
                    weightDecay: c.number("weight_decay"), amsgrad: c.flag("amsgrad"))
            default: preconditionFailure("optimizer '\(c.kind.name)' has no case")
            }
        self.init(rule: rule, learningRate: c.number("learning_rate"))
    }
}

extension LearningRateSchedule {
    /// The schedule a spec's `schedule:` declares.
    init(decoding c: ComponentSpec) {
        let unit = Unit(decoding: c)
        switch c.kind.name {
        case "constant": self = .constant
        case "step": self = .step(every: c.integer("every"), factor: c.number("factor"), unit: unit)
        case "piecewise":
            // Both are required: a list that failed to decode (reported) reads as empty.
            let boundaries = (c.list("boundaries") ?? []).compactMap { value -> Int? in
                if case .int(let v) = value.value { v } else { nil }
            }
            let values = (c.list("values") ?? []).compactMap { v -> Double? in
                switch v.value {
                case .float(let x): x
                case .int(let x): Double(x)
                case .bool, .string, .ints, .padding, .component, .list, .names, .record: nil
                }
            }
            self = .piecewise(boundaries: boundaries, values: values, unit: unit)
        case "exponential":
            self = .exponential(
                rate: c.number("rate"), every: c.number("every"), staircase: c.flag("staircase"),
                unit: unit)
        case "inverse_time": self = .inverseTime(every: c.number("every"), rate: c.number("rate"), unit: unit)
        case "polynomial":
            self = .polynomial(
                duration: c.integer("duration"), end: c.number("end_learning_rate"),
                power: c.number("power"), unit: unit)
        case "cosine":
            self = .cosine(duration: c.integer("duration"), minimum: c.number("min_learning_rate"), unit: unit)
        case "one_cycle":
            self = .oneCycle(
                maximum: c.number("max_learning_rate"), duration: c.integer("duration"),
                pctStart: c.number("pct_start"), div: c.number("div_factor"),
                finalDiv: c.number("final_div_factor"), unit: unit)
        case "linear_one_cycle":
            self = .linearOneCycle(
                LinearOneCycle(
                    maximum: c.number("max_learning_rate"), duration: c.integer("duration"),
                    pctStart: c.number("pct_start"), div: c.number("div_factor"),
                    finalDiv: c.number("final_div_factor"), unit: unit))
        case "warmup":
            self = .warmup(
                duration: c.integer("duration"), from: c.number("from"),
                then: LearningRateSchedule(decoding: c.defaultedComponent("then")), unit: unit)
        case "reduce_on_plateau": self = .plateau(PlateauRule(decoding: c))
        default: preconditionFailure("schedule '\(c.kind.name)' has no case")
        }
    }
}

extension PlateauRule {
    init(decoding c: ComponentSpec) {
        self.init(
            monitor: c.text("monitor"), factor: c.number("factor"), patience: c.integer("patience"),
            minDelta: c.number("min_delta"), cooldown: c.integer("cooldown"),
            minimumRate: c.number("min_learning_rate"))
    }
}

extension MomentumSchedule {
    /// The spec's `momentum_schedule:`; `cycle` mirrors `schedule` (a cycle beside any other
    /// schedule is reported by the checker and reads as constant).
    init(decoding c: ComponentSpec, mirroring schedule: LearningRateSchedule) {
        switch c.kind.name {
        case "constant": self = .constant
        case "linear":
            self = .linear(
                from: c.number("from"), to: c.number("to"), duration: c.integer("duration"),
                unit: LearningRateSchedule.Unit(decoding: c))
        case "cycle":
            if case .linearOneCycle(let cycle) = schedule {
                self = .cycle(high: c.number("max_momentum"), low: c.number("min_momentum"), cycle)
            } else {
                self = .constant
            }
        default: preconditionFailure("momentum schedule '\(c.kind.name)' has no case")
        }
    }
}

extension LearningRateSchedule.Unit {
    /// A schedule's `unit`, which the registry requires: one that is missing or failed to
    /// decode (reported) reads as steps.
    init(decoding c: ComponentSpec) {
        self = c.string("unit").flatMap(Self.init(rawValue:)) ?? .steps
    }
}
