import NNCSpec

/// Checks the training sections against the checked graph: the loss and metrics fit the
/// output, schedules fit the run, and data files exist.
struct TrainingChecker {
    let spec: ModelSpec
    let graph: Graph
    var diagnostics = Diagnostics()

    init(spec: ModelSpec, graph: Graph) {
        self.spec = spec
        self.graph = graph
    }

    mutating func check() {
        checkLoss()
        checkMetrics()
        checkSchedules()
        checkBatchSchedule()
        checkData()
        checkTransfer()
        checkRegularization()
        checkDampening()
    }

    var outputNode: Node { graph[graph.output!] }

    /// The activation the output ends in: a layer's own activation, a standalone activation
    /// or softmax layer, what a trailing dropout's input ends in, or linear.
    var outputActivation: String { endingActivation(outputNode) }

    private func endingActivation(_ node: Node) -> String {
        switch node.op {
        case .softmax: "softmax"
        case .dense(let d): d.activation.name
        case .conv1d(let c), .conv2d(let c): c.activation.name
        case .depthwiseConv2d(let d): d.activation.name
        case .separableConv2d(let s): s.activation.name
        case .conv2dTranspose(let t): t.activation.name
        case .activation(let a): a.name
        case .dropout, .alphaDropout: node.inputs.first.map { endingActivation(graph[$0]) } ?? "linear"
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .globalMaxpool1d, .globalMaxpool2d,
            .flatten, .reshape,
            .batchnorm, .layernorm, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .subtract, .multiply,
            .average, .maximum, .concat, .multiHeadAttention, .positionEmbedding, .sinusoidalPositionEmbedding,
            .zeroPadding2d, .cropping2d, .upsampling2d, .prelu, .groupnorm, .l2pool2d, .treeLSTM:
            "linear"
        }
    }

    private mutating func checkLoss() {
        guard let loss = graph.training.loss, let written = spec.loss else { return }
        let units = outputNode.shape!.channels
        let activation = outputActivation
        let output = "'\(outputNode.name)'"
        let fromLogitsAt = written.valueLocation("from_logits") ?? written.location
        let categorical =
            switch loss {
            case .categoricalCrossEntropy, .sparseCategoricalCrossEntropy: true
            case .meanSquaredError, .sumOfSquares, .binaryCrossEntropy: false
            }
        if activation == "softmax", units == 1, !categorical {
            // Keras only warns ("Did you mean to use a sigmoid instead?") when it first runs
            // the layer; the model trains to its base rate all the same, so nnc refuses it.
            diagnostics.error(
                .lossMismatch,
                "a softmax over one unit always outputs 1, so \(loss.phrase) has no gradient to train with; \(output) is a softmax over 1 unit",
                at: written.location, labels: [DiagnosticLabel(outputNode.location, "softmax over 1 unit: always 1")],
                help: (outputNode.op.kind == .softmax
                    ? "replace the softmax layer by `activation: sigmoid` on the layer before it"
                    : "use `activation: sigmoid` on \(output)")
                    + " for one probability (or 2 softmax units with sparse_categorical_crossentropy)")
            return
        }
        switch loss {
        case .categoricalCrossEntropy(let logits, _), .sparseCategoricalCrossEntropy(let logits):
            if units < 2 {
                diagnostics.error(
                    .lossMismatch, "\(loss.phrase) needs one output per class (at least 2); \(output) has \(units)",
                    at: written.location,
                    labels: [DiagnosticLabel(outputNode.location, "\(output) outputs \(outputNode.shape!)")],
                    help: "use binary_crossentropy with a sigmoid output for two classes")
            } else if logits, activation == "softmax" {
                diagnostics.warning(
                    .softmaxThenLogits, "from_logits: true expects raw scores, but \(output) already applies softmax",
                    at: fromLogitsAt, labels: [DiagnosticLabel(outputNode.location, "ends in softmax")],
                    help: "remove the softmax (activation: linear) or set from_logits: false")
            } else if !logits, activation != "softmax" {
                diagnostics.error(
                    .lossMismatch,
                    "\(loss.phrase) expects probabilities from a softmax output; \(output) ends in \(activation)",
                    at: written.location,
                    labels: [DiagnosticLabel(outputNode.location, "\(output) ends in \(activation)")],
                    help: "set `activation: softmax` on \(output), or `from_logits: true` on the loss")
            }
            checkClasses(units: units, lossAt: written.location)
        case .binaryCrossEntropy(let logits, _):
            if activation == "softmax" && units > 1 {
                diagnostics.error(
                    .lossMismatch,
                    "binary cross-entropy treats each output as an independent probability; \(output) uses softmax over \(units) \(units.noun("unit"))",
                    at: written.location,
                    labels: [DiagnosticLabel(outputNode.location, "softmax over \(units) \(units.noun("unit"))")],
                    help: "use categorical_crossentropy with softmax, or sigmoid outputs with binary_crossentropy")
            } else if logits, activation == "sigmoid" {
                diagnostics.warning(
                    .softmaxThenLogits, "from_logits: true expects raw scores, but \(output) already applies sigmoid",
                    at: fromLogitsAt, help: "remove the sigmoid (activation: linear) or set from_logits: false")
            } else if !logits, activation != "sigmoid", activation != "softmax" {
                diagnostics.error(
                    .lossMismatch,
                    "binary cross-entropy expects probabilities from a sigmoid output; \(output) ends in \(activation)",
                    at: written.location,
                    labels: [DiagnosticLabel(outputNode.location, "\(output) ends in \(activation)")],
                    help: "set `activation: sigmoid` on \(output), or `from_logits: true` on the loss")
            }
        case .meanSquaredError, .sumOfSquares:
            break
        }
    }

    private mutating func checkClasses(units: Int, lossAt: SourceLocation) {
        guard let classes = graph.training.data.preprocess.classes, classes != units else { return }
        diagnostics.error(
            .lossMismatch,
            "the output needs one unit per class; the data has \(classes) \(classes.noun("class", plural: "classes")) but '\(outputNode.name)' has \(units) \(units.noun("unit"))",
            at: spec.data?.record("preprocess")?.valueLocation("classes") ?? lossAt,
            labels: [DiagnosticLabel(outputNode.location, "\(units) \(units.noun("unit"))")],
            help: "set 'units: \(classes)' on '\(outputNode.name)'")
    }

    private mutating func checkMetrics() {
        let units = outputNode.shape!.channels
        let activation = outputActivation
        let crossEntropy =
            switch graph.training.loss {
            case .categoricalCrossEntropy?, .sparseCategoricalCrossEntropy?, .binaryCrossEntropy?: true
            case .meanSquaredError?, .sumOfSquares?, nil: false
            }
        // One typed metric per metric written, in the same order.
        for (metric, written) in zip(graph.training.metrics, spec.metrics) {
            switch metric {
            case .topK(let k):
                if k >= units {
                    diagnostics.error(
                        .metricMismatch,
                        "top-k accuracy needs k below the number of classes; k is \(k) but '\(outputNode.name)' has \(units) \(units.noun("output"))",
                        at: written.valueLocation("k") ?? written.location,
                        help: "choose k < \(units); with k ≥ \(units) every prediction counts as correct")
                }
            case .accuracy:
                let classifier = ["softmax", "sigmoid"].contains(activation) || crossEntropy
                if !classifier {
                    diagnostics.error(
                        .metricMismatch,
                        "accuracy needs a classifier output (softmax, sigmoid, or a cross-entropy loss); '\(outputNode.name)' ends in \(activation)",
                        at: written.location, help: "use mse or mae to measure a regression")
                }
            case .meanSquaredError, .meanAbsoluteError:
                break
            }
        }
    }

    /// Durations and milestones counted in epochs must fit the run (those in steps cannot be
    /// compared before the data size is known). A value that failed to decode has no
    /// location and was reported already: it is not compared.
    private mutating func checkSchedules() {
        let epochs = graph.training.train.epochs
        if let written = spec.schedule {
            checkSchedule(graph.training.schedule, written: written, epochs: epochs)
            checkIgnoredRate(graph.training.schedule, written: written)
        }
        if let written = spec.momentumSchedule,
            case .linear(_, _, let duration, .epochs) = graph.training.momentumSchedule
        {
            checkDuration(duration, of: "linear momentum ramp", written: written, epochs: epochs)
        }
        checkMomentumCycle()
    }

    /// A `cycle` momentum mirrors a linear 1cycle's rate, so it needs one to mirror.
    private mutating func checkMomentumCycle() {
        guard let written = spec.momentumSchedule, written.kind.name == "cycle" else { return }
        if case .linearOneCycle = graph.training.schedule { return }
        diagnostics.error(
            .conflictingKeys,
            "a cycle momentum schedule mirrors a linear_one_cycle learning rate, but the schedule is \(graph.training.schedule.name)",
            at: written.location,
            labels: spec.schedule.map { [DiagnosticLabel($0.location, "the schedule")] } ?? [],
            help:
                "use `schedule: {linear_one_cycle: {...}}`, or a linear momentum_schedule with this schedule")
    }

    private mutating func checkSchedule(_ schedule: LearningRateSchedule, written s: ComponentSpec, epochs: Int) {
        switch schedule {
        case .constant, .exponential, .inverseTime, .plateau:
            break
        case .piecewise(let boundaries, let values, let unit):
            checkPiecewise(boundaries: boundaries, values: values, unit: unit, written: s, epochs: epochs)
        case .step(let every, _, let unit):
            if unit == .epochs, let at = s.valueLocation("every"), every >= epochs {
                diagnostics.error(
                    .scheduleMilestone,
                    "a step schedule's first drop must come before the last epoch; every \(every) \(every.noun("epoch")) never drops in \(epochs)",
                    at: at, help: "use every < \(epochs)")
            }
        case .polynomial(let duration, _, _, let unit), .cosine(let duration, _, let unit),
            .oneCycle(_, let duration, _, _, _, let unit):
            if unit == .epochs { checkDuration(duration, of: "\(schedule.name) schedule", written: s, epochs: epochs) }
        case .linearOneCycle(let cycle):
            if cycle.unit == .epochs {
                checkDuration(cycle.duration, of: "linear_one_cycle schedule", written: s, epochs: epochs)
            }
        case .warmup(let duration, _, let then, let unit):
            if unit == .epochs { checkDuration(duration, of: "warm-up", written: s, epochs: epochs) }
            // What follows a warm-up in epochs has the epochs after it.
            if let writtenThen = s.component("then") {
                checkSchedule(then, written: writtenThen, epochs: unit == .epochs ? epochs - duration : epochs)
            }
        }
    }

    /// W0203: one_cycle, linear_one_cycle and piecewise set every rate themselves (after a warm-up, too), so a
    /// learning_rate written in the optimizer is never used.
    private mutating func checkIgnoredRate(_ schedule: LearningRateSchedule, written: ComponentSpec) {
        var setsEveryRate: LearningRateSchedule = schedule
        if case .warmup(_, _, let then, _) = schedule { setsEveryRate = then }
        let what: String
        switch setsEveryRate {
        case .oneCycle(let maximum, _, _, let div, _, _):
            what = "one_cycle sets every step's rate from max_learning_rate (\(maximum / div) up to \(maximum))"
        case .linearOneCycle(let cycle):
            what =
                "linear_one_cycle sets every step's rate from max_learning_rate (\(cycle.start) up to \(cycle.maximum))"
        case .piecewise:
            what = "piecewise sets every step's rate to one of its values"
        case .constant, .step, .exponential, .inverseTime, .polynomial, .cosine, .warmup, .plateau:
            return
        }
        guard let optimizer = spec.optimizer, optimizer.isExplicit("learning_rate"),
            let at = optimizer.valueLocation("learning_rate")
        else { return }
        diagnostics.warning(
            .scheduleIgnoresRate,
            "\(what), so the optimizer's learning_rate \(graph.training.optimizer.learningRate) is never used",
            at: at, labels: [DiagnosticLabel(written.location, "the schedule")],
            help: "remove the optimizer's learning_rate, or set the rates in the schedule")
    }

    private mutating func checkDuration(_ duration: Int, of phase: String, written s: ComponentSpec, epochs: Int) {
        guard let at = s.valueLocation("duration"), duration > epochs else { return }
        diagnostics.error(
            .scheduleTooLong,
            "a \(phase) must fit in the training run; it lasts \(duration) \(duration.noun("epoch")) but training has \(epochs)",
            at: at,
            labels: spec.train?.valueLocation("epochs").map {
                [DiagnosticLabel($0, "training runs \(epochs) \(epochs.noun("epoch"))")]
            } ?? [],
            help: "shorten the duration to at most \(epochs) or train longer")
    }

    private mutating func checkPiecewise(
        boundaries: [Int], values: [Double], unit: LearningRateSchedule.Unit,
        written s: ComponentSpec, epochs: Int
    ) {
        if values.count != boundaries.count + 1 {
            diagnostics.error(
                .scheduleValues,
                "a piecewise schedule needs one more value than boundaries; got \(boundaries.count) \(boundaries.count.noun("boundary", plural: "boundaries")) and \(values.count) \(values.count.noun("value"))",
                at: s.valueLocation("values") ?? s.location)
        }
        guard let written = s.list("boundaries") else { return }
        var previous = Int.min
        for (b, boundary) in zip(boundaries, written) {
            if b <= previous {
                diagnostics.error(
                    .scheduleValues, "piecewise boundaries must increase; \(b) follows \(previous)",
                    at: boundary.location)
            } else if unit == .epochs, b >= epochs {
                diagnostics.error(
                    .scheduleMilestone,
                    "a milestone must lie before the last epoch; \(b) is past a run of \(epochs) \(epochs.noun("epoch"))",
                    at: boundary.location, help: "use milestones below \(epochs), or train longer")
            }
            previous = b
        }
    }
}
