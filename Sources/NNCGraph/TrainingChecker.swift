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
        checkData()
        checkTransfer()
        checkRegularization()
    }

    var outputNode: Node { graph[graph.output!] }

    /// The activation the output ends in: a layer's own activation, a standalone activation
    /// or softmax layer, or linear.
    var outputActivation: String {
        let node = outputNode
        switch node.op {
        case .softmax: return "softmax"
        case .dense(let d): return d.activation.name
        case .conv1d(let c), .conv2d(let c): return c.activation.name
        case .activation(let a): return a.name
        case .dropout:
            // Look through a trailing dropout, to its input's own `activation:` (if it has one).
            guard let input = node.inputs.first, let activation = graph[input].op.activationAttribute else { return "linear" }
            return activation.name
        case .input, .maxpool1d, .maxpool2d, .avgpool1d, .avgpool2d, .globalAvgpool, .flatten, .reshape,
             .batchnorm, .layernorm, .embedding, .simpleRNN, .lstm, .gru, .bidirectional, .add, .concat: return "linear"
        }
    }

    private mutating func checkLoss() {
        guard let loss = spec.loss else { return }
        let units = outputNode.shape!.channels
        let activation = outputActivation
        let logits = loss.bool("from_logits") == true
        let output = "'\(outputNode.name)'"
        if activation == "softmax", units == 1, !loss.kind.name.hasSuffix("categorical_crossentropy") {
            // Keras only warns ("Did you mean to use a sigmoid instead?") when it first runs
            // the layer; the model trains to its base rate all the same, so nnc refuses it.
            diagnostics.error(.lossMismatch, "a softmax over one unit always outputs 1, so \(Self.lossName(loss)) has no gradient to train with; \(output) is a softmax over 1 unit",
                              at: loss.location, labels: [DiagnosticLabel(outputNode.location, "softmax over 1 unit: always 1")],
                              help: (outputNode.op.kind == .softmax ? "replace the softmax layer by `activation: sigmoid` on the layer before it" : "use `activation: sigmoid` on \(output)")
                                  + " for one probability (or 2 softmax units with sparse_categorical_crossentropy)")
            return
        }
        switch loss.kind.name {
        case "categorical_crossentropy", "sparse_categorical_crossentropy":
            if units < 2 {
                diagnostics.error(.lossMismatch, "\(Self.lossName(loss)) needs one output per class (at least 2); \(output) has \(units)",
                                  at: loss.location, labels: [DiagnosticLabel(outputNode.location, "\(output) outputs \(outputNode.shape!)")],
                                  help: "use binary_crossentropy with a sigmoid output for two classes")
            } else if logits, activation == "softmax" {
                diagnostics.warning(.softmaxThenLogits, "from_logits: true expects raw scores, but \(output) already applies softmax",
                                    at: loss.valueLocation("from_logits") ?? loss.location,
                                    labels: [DiagnosticLabel(outputNode.location, "ends in softmax")],
                                    help: "remove the softmax (activation: linear) or set from_logits: false")
            } else if !logits, activation != "softmax" {
                diagnostics.error(.lossMismatch, "\(Self.lossName(loss)) expects probabilities from a softmax output; \(output) ends in \(activation)",
                                  at: loss.location, labels: [DiagnosticLabel(outputNode.location, "\(output) ends in \(activation)")],
                                  help: "set `activation: softmax` on \(output), or `from_logits: true` on the loss")
            }
            checkClasses(loss, units: units)
        case "binary_crossentropy":
            if activation == "softmax" && units > 1 {
                diagnostics.error(.lossMismatch, "binary cross-entropy treats each output as an independent probability; \(output) uses softmax over \(units) \(units.noun("unit"))",
                                  at: loss.location, labels: [DiagnosticLabel(outputNode.location, "softmax over \(units) \(units.noun("unit"))")],
                                  help: "use categorical_crossentropy with softmax, or sigmoid outputs with binary_crossentropy")
            } else if logits, activation == "sigmoid" {
                diagnostics.warning(.softmaxThenLogits, "from_logits: true expects raw scores, but \(output) already applies sigmoid",
                                    at: loss.valueLocation("from_logits") ?? loss.location,
                                    help: "remove the sigmoid (activation: linear) or set from_logits: false")
            } else if !logits, activation != "sigmoid", activation != "softmax" {
                diagnostics.error(.lossMismatch, "binary cross-entropy expects probabilities from a sigmoid output; \(output) ends in \(activation)",
                                  at: loss.location, labels: [DiagnosticLabel(outputNode.location, "\(output) ends in \(activation)")],
                                  help: "set `activation: sigmoid` on \(output), or `from_logits: true` on the loss")
            }
        default:
            break
        }
    }

    /// "sparse categorical cross-entropy" for sparse_categorical_crossentropy, and so on.
    static func lossName(_ loss: ComponentSpec) -> String {
        loss.kind.name.replacingOccurrences(of: "_crossentropy", with: " cross-entropy").replacingOccurrences(of: "_", with: " ")
    }

    private mutating func checkClasses(_ loss: ComponentSpec, units: Int) {
        guard let pre = spec.data?.record("preprocess"), let classes = pre.int("classes"), classes != units else { return }
        diagnostics.error(.lossMismatch, "the output needs one unit per class; the data has \(classes) \(classes.noun("class", plural: "classes")) but '\(outputNode.name)' has \(units) \(units.noun("unit"))",
                          at: pre.valueLocation("classes") ?? loss.location,
                          labels: [DiagnosticLabel(outputNode.location, "\(units) \(units.noun("unit"))")],
                          help: "set 'units: \(classes)' on '\(outputNode.name)'")
    }

    private mutating func checkMetrics() {
        let units = outputNode.shape!.channels
        let activation = outputActivation
        let lossName = spec.loss?.kind.name ?? ""
        for metric in spec.metrics {
            switch metric.kind.name {
            case "top_k_accuracy":
                let k = metric.int("k") ?? 5
                if k >= units {
                    diagnostics.error(.metricMismatch, "top-k accuracy needs k below the number of classes; k is \(k) but '\(outputNode.name)' has \(units) \(units.noun("output"))",
                                      at: metric.valueLocation("k") ?? metric.location, help: "choose k < \(units); with k ≥ \(units) every prediction counts as correct")
                }
            case "accuracy":
                let classifier = ["softmax", "sigmoid"].contains(activation) || lossName.hasSuffix("crossentropy")
                if !classifier {
                    diagnostics.error(.metricMismatch, "accuracy needs a classifier output (softmax, sigmoid, or a cross-entropy loss); '\(outputNode.name)' ends in \(activation)",
                                      at: metric.location, help: "use mse or mae to measure a regression")
                }
            default:
                break
            }
        }
    }

    private mutating func checkSchedules() {
        let epochs = spec.train?.int("epochs") ?? 10
        for (key, schedule) in [("schedule", spec.schedule), ("momentum_schedule", spec.momentumSchedule)] {
            guard let schedule else { continue }
            checkSchedule(schedule, key: key, epochs: epochs)
        }
    }

    private mutating func checkSchedule(_ s: ComponentSpec, key: String, epochs: Int) {
        if s.kind.name == "piecewise" { checkPiecewise(s, epochs: epochs) }
        // Only durations in epochs can be compared before the data size is known.
        guard s.string("unit") == "epochs" else {
            if s.kind.name == "warmup", let then = s.component("then") { checkSchedule(then, key: key, epochs: epochs) }
            return
        }
        if let duration = s.int("duration"), duration > epochs {
            let phase = s.kind.name == "warmup" ? "warm-up" : "\(s.kind.name) \(key == "schedule" ? "schedule" : "momentum ramp")"
            diagnostics.error(.scheduleTooLong, "a \(phase) must fit in the training run; it lasts \(duration) \(duration.noun("epoch")) but training has \(epochs)",
                              at: s.valueLocation("duration") ?? s.location,
                              labels: spec.train?.valueLocation("epochs").map { [DiagnosticLabel($0, "training runs \(epochs) \(epochs.noun("epoch"))")] } ?? [],
                              help: "shorten the duration to at most \(epochs) or train longer")
        }
        if s.kind.name == "step", let every = s.int("every"), every >= epochs {
            diagnostics.error(.scheduleMilestone, "a step schedule's first drop must come before the last epoch; every \(every) \(every.noun("epoch")) never drops in \(epochs)",
                              at: s.valueLocation("every") ?? s.location, help: "use every < \(epochs)")
        }
        if s.kind.name == "warmup", let then = s.component("then") {
            checkSchedule(then, key: key, epochs: epochs - (s.int("duration") ?? 0))
        }
    }

    private mutating func checkPiecewise(_ s: ComponentSpec, epochs: Int) {
        let boundaries = s.list("boundaries") ?? []
        let values = s.list("values") ?? []
        if values.count != boundaries.count + 1 {
            diagnostics.error(.scheduleValues, "a piecewise schedule needs one more value than boundaries; got \(boundaries.count) \(boundaries.count.noun("boundary", plural: "boundaries")) and \(values.count) \(values.count.noun("value"))",
                              at: s.valueLocation("values") ?? s.location)
        }
        var previous = Int.min
        for boundary in boundaries {
            guard case .int(let b) = boundary.value else { continue }
            if b <= previous {
                diagnostics.error(.scheduleValues, "piecewise boundaries must increase; \(b) follows \(previous)", at: boundary.location)
            } else if s.string("unit") == "epochs", b >= epochs {
                diagnostics.error(.scheduleMilestone, "a milestone must lie before the last epoch; \(b) is past a run of \(epochs) \(epochs.noun("epoch"))",
                                  at: boundary.location, help: "use milestones below \(epochs), or train longer")
            }
            previous = b
        }
    }
}
