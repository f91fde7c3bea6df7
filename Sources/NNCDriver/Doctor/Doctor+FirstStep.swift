import Foundation
import NNCData
import NNCDiagnostics
import NNCGraph
import NNCPlan
import NNCRuntime

/// The untrained model's first training step on the spec's first batch: its loss against the
/// expected value, every layer's output on the way forward, every gradient on the way back,
/// and which tensors the update changed.
extension Examination {
    mutating func examineFirstStep() throws(TrainingFailure) {
        let batch = min(options.batchSize, data.train.count)
        let run = try executor(batch: batch)
        let order = EpochOrder(
            sampleCount: data.train.count, batchSize: batch, shuffle: options.shuffle, dropLast: false,
            seed: options.seed)
        var epochOrder: [Int32] = []
        order.fill(&epochOrder, epoch: 0)
        try fill(run, from: data.train, order: epochOrder, positions: order.batch(0))
        let plan = run.plan
        let before = plan.parameters.map { run.read($0.buffer) }

        layers = forward(run)
        let loss = run.dataLoss
        examineInitialLoss(loss, run)

        let rates = firstRates
        run.momentum = options.momentumSchedule == .constant ? nil : Float(rates.momentum)
        let gradientNorms = Self.backward(run, learningRate: Float(rates.learningRate))
        tensors = zip(plan.parameters, before).compactMap { binding, old in
            // Batchnorm's moving statistics change in every training forward pass: not weights.
            guard binding.initializer != nil else { return nil }
            let new = run.read(binding.buffer)
            let weightNorm = Self.norm(old)
            let change = Self.norm(zip(new, old).map { $0 - $1 })
            return Doctor.TensorStatistics(
                layer: binding.layer, name: binding.name, trainable: binding.trainable, weightNorm: weightNorm,
                gradientNorm: binding.gradient.flatMap { gradientNorms[$0] },
                relativeUpdate: weightNorm > 0 ? change / weightNorm : nil, changed: new != old)
        }
        examineUpdates(rate: rates.learningRate)
        examineGradients()
        examineActivations()
    }

    /// Runs the forward pass and returns each layer's output statistics, taken right after the
    /// last instruction that writes the layer's output (the arena reuses its memory later).
    func forward(_ run: Executor) -> [Doctor.LayerStatistics] { Self.forward(run, graph) }

    /// `forward` for any training executor of `graph` (`nnc train --monitor` reads it too).
    static func forward(_ run: Executor, _ graph: Graph) -> [Doctor.LayerStatistics] {
        let plan = run.plan
        let nodes = Dictionary(graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var outputs: [String: Doctor.LayerStatistics] = [:]
        var order: [String] = []
        run.runForward { instruction in
            for id in instruction.writes where plan[id].role == .activation && plan[id].type == .float32 {
                guard let node = nodes[plan[id].name] else { continue }
                if outputs[node.name] == nil { order.append(node.name) }
                // A softmax output fused into the loss holds logits: its activation was not applied.
                let logits = plan.outputIsLogits && id == plan.output
                outputs[node.name] = statistics(of: node, run.read(id), shape: plan[id].shape, logits: logits)
            }
        }
        return order.compactMap { outputs[$0] }
    }

    /// Runs the backward pass and the updates, and returns each parameter gradient's norm, taken
    /// just before the first update-phase instruction reads it.
    static func backward(_ run: Executor, learningRate: Float) -> [BufferID: Double] {
        gradients(run, learningRate: learningRate).mapValues(norm)
    }

    /// Runs the backward pass and the updates, and returns each parameter gradient's values,
    /// read just before the first update-phase instruction reads it (the arena may reuse its
    /// memory afterwards). Only reads: the step computes what an unobserved one does.
    static func gradients(_ run: Executor, learningRate: Float) -> [BufferID: [Float]] {
        var values: [BufferID: [Float]] = [:]
        let gradients = Set(run.plan.parameters.compactMap(\.gradient))
        run.runBackward(learningRate: learningRate) { instruction in
            guard instruction.phase == .update else { return }
            for id in instruction.reads where gradients.contains(id) && values[id] == nil {
                values[id] = run.read(id)
            }
        }
        return values
    }

    /// D0101: the first batch's loss against what an untrained model should score.
    mutating func examineInitialLoss(_ loss: Double, _ run: Executor) {
        let start = findings.count
        guard let (expected, formula, factor) = expectedInitialLoss(run) else {
            record("initial loss", since: start, "\(format(loss)) (no expected value for this loss)")
            return
        }
        let summary = "\(format(loss)) against \(formula)"
        if !loss.isFinite || loss > expected * factor || loss < expected / factor {
            let output = graph[graph.output!]
            let scale =
                loss > expected
                ? "higher: the untrained outputs are already confident (initial weights too large, or inputs not scaled)"
                : "lower: the untrained model already predicts the labels (labels leaking into the inputs?)"
            findings.append(
                Diagnostic.warning(
                    .doctorInitialLoss,
                    "the untrained model's loss on its first batch is \(format(loss)); \(formula) is expected, and it is \(scale)",
                    at: output.location,
                    help:
                        "initialize with smaller weights (`init: {weights: glorot_uniform}`), scale the inputs (`preprocess: {standardize: true}`), or check how labels are read"
                ))
        }
        record("initial loss", since: start, summary)
    }

    /// The untrained loss, how it is worked out, and the factor beyond which it is suspicious.
    func expectedInitialLoss(_ run: Executor) -> (Double, String, Double)? {
        switch graph.training.loss {
        case .categoricalCrossEntropy?, .sparseCategoricalCrossEntropy?:
            guard let classes, classes > 1 else { return nil }
            return (log(Double(classes)), "ln \(classes) = \(format(log(Double(classes)))) (a uniform guess)", 2)
        case .binaryCrossEntropy?:
            return (log(2), "ln 2 = 0.6931 per output (a guess of ½)", 2)
        case .meanSquaredError?, .sumOfSquares?:
            guard let target = run.plan.target, run.plan[target].type == .float32 else { return nil }
            let t = run.read(target)
            let meanSquare = t.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(t.count, 1))
            let mean = t.reduce(0) { $0 + Double($1) } / Double(max(t.count, 1))
            let width = Double(t.count) / Double(max(run.plan.options.batch, 1))
            let half = graph.training.loss == .sumOfSquares
            let value = half ? meanSquare * width / 2 : meanSquare
            let variance = meanSquare - mean * mean
            let what = half ? "½·Σt² = \(format(value))" : "the mean squared label \(format(value))"
            return (
                max(value, 1e-12), "\(what) (an output near 0; the labels' variance is \(format(variance)))", 4
            )
        case nil:
            return nil
        }
    }

    /// D0203 and D0204: one step must change every trainable tensor and no frozen one.
    mutating func examineUpdates(rate: Double) {
        let start = findings.count
        let trainable = tensors.filter(\.trainable)
        if trainable.isEmpty {
            findings.append(
                Diagnostic.error(
                    .doctorNothingTrains,
                    "no parameter of '\(graph.name)' is trainable, so training cannot change the model",
                    at: graph.layersLocation,
                    help: "remove `trainable: false` from the layers that should learn (or train them in a second run)")
            )
        }
        for t in trainable where !t.changed {
            let node = graph.nodes.first { $0.name == t.layer }
            let zero = (t.gradientNorm ?? 0) == 0
            findings.append(
                Diagnostic.error(
                    .doctorUnchangedWeights,
                    "one training step left \(t.layer).\(t.name) unchanged\(zero ? ": its gradient is 0 on the whole batch" : "")",
                    at: node?.location ?? graph.layersLocation,
                    help: zero
                        ? "a zero gradient means nothing downstream depends on it: look for dead ReLUs below, a frozen or detached path, or a learning rate of 0"
                        : "a learning rate of \(format(rate)) is too small to change float32 weights; raise it"))
        }
        for t in tensors where !t.trainable && t.changed {
            let node = graph.nodes.first { $0.name == t.layer }
            findings.append(
                Diagnostic.error(
                    .doctorFrozenChanged,
                    "one training step changed \(t.layer).\(t.name), which is frozen (`trainable: false`)",
                    at: node?.location ?? graph.layersLocation,
                    help: "this is a bug in nnc: please report it with the spec"))
        }
        let changed = trainable.filter(\.changed).count
        let frozen = tensors.count - trainable.count
        record(
            "one step", since: start,
            "\(changed) of \(trainable.count) trainable \(trainable.count == 1 ? "tensor" : "tensors") changed"
                + (frozen > 0 ? ", \(frozen) frozen unchanged" : ""))
    }

    /// D0301 (a step larger than the weights) and D0302 (gradients vanishing toward the input).
    mutating func examineGradients() {
        let start = findings.count
        let trained = tensors.filter { $0.trainable && $0.gradientNorm != nil }
        for t in trained where !(t.gradientNorm!.isFinite) {
            findings.append(
                Diagnostic.error(
                    .doctorLargeStep, "the gradient of \(t.layer).\(t.name) is not finite on the first batch",
                    at: learningRateLocation,
                    help:
                        "scale the inputs, lower the learning rate or clip gradients (`regularization: {clip_norm: 1.0}`)"
                ))
        }
        let rate = firstRates.learningRate
        for t in trained {
            guard let update = t.relativeUpdate, update > 1 || !update.isFinite else { continue }
            findings.append(
                Diagnostic.warning(
                    .doctorLargeStep,
                    "the first step changed \(t.layer).\(t.name) by \(format(update)) times its own size (‖Δw‖/‖w‖; about 10⁻³ is healthy) at learning rate \(format(rate))",
                    at: learningRateLocation, label: "learning rate \(format(rate))",
                    notes: momentumNote.map { [$0] } ?? [],
                    help: "lower the learning rate until a step changes the weights by about a thousandth"))
        }
        // Kernels only: biases start at 0 and their gradients are not comparable.
        let kernels = trained.filter { $0.gradientNorm!.isFinite && $0.weightNorm > 0 && $0.name.hasSuffix("kernel") }
        if let largest = kernels.max(by: { $0.gradientNorm! < $1.gradientNorm! }),
            let smallest = kernels.min(by: { $0.gradientNorm! < $1.gradientNorm! }),
            largest.gradientNorm! > 0, smallest.gradientNorm! < largest.gradientNorm! * 1e-4
        {
            let node = graph.nodes.first { $0.name == smallest.layer }
            findings.append(
                Diagnostic.warning(
                    .doctorVanishingGradient,
                    "the gradient of \(smallest.layer).\(smallest.name) (‖g‖ = \(format(smallest.gradientNorm!))) is \(format(largest.gradientNorm! / max(smallest.gradientNorm!, 1e-300))) times smaller than \(largest.layer).\(largest.name)'s: it will barely learn",
                    at: node?.location ?? graph.layersLocation,
                    help:
                        "use ReLU-like activations in deep stacks, batchnorm or layernorm between layers, residual connections, or He initialization"
                ))
        }
        let norms = trained.compactMap(\.gradientNorm).filter(\.isFinite)
        let range = norms.isEmpty ? "no gradients" : "‖g‖ from \(format(norms.min()!)) to \(format(norms.max()!))"
        let updates = trained.compactMap(\.relativeUpdate).filter(\.isFinite)
        let step = updates.isEmpty ? "" : ", ‖Δw‖/‖w‖ up to \(format(updates.max()!))"
        record("gradients", since: start, range + step)
    }

    /// D0303 (dead ReLU units) and D0304 (saturated sigmoid or tanh outputs).
    mutating func examineActivations() {
        let start = findings.count
        for layer in layers {
            let node = graph.nodes.first { $0.name == layer.layer }
            let location = node?.location ?? graph.layersLocation
            if let dead = layer.deadFraction, dead > 0.5 {
                findings.append(
                    Diagnostic.warning(
                        .doctorDeadUnits,
                        "\(percent(dead)) of the ReLU units of '\(layer.layer)' output 0 for every sample of the first batch: they receive no gradient and may never recover",
                        at: location,
                        help: "use He initialization, a smaller learning rate, leaky_relu, or scale the inputs"))
            }
            if let saturated = layer.saturatedFraction, saturated > 0.5 {
                findings.append(
                    Diagnostic.warning(
                        .doctorSaturatedUnits,
                        "\(percent(saturated)) of the \(layer.activation) outputs of '\(layer.layer)' are within 0.01 of their bounds, where the gradient is nearly 0",
                        at: location,
                        help:
                            "scale the inputs (`preprocess: {standardize: true}`), initialize with glorot_uniform, or use ReLU"
                    ))
            }
        }
        let relu = layers.compactMap(\.deadFraction)
        let squashing = layers.compactMap(\.saturatedFraction)
        var parts: [String] = []
        if !relu.isEmpty { parts.append("dead ReLU units up to \(percent(relu.max()!))") }
        if !squashing.isEmpty { parts.append("saturated sigmoid/tanh outputs up to \(percent(squashing.max()!))") }
        record(
            "activations", since: start,
            parts.isEmpty ? "no ReLU, sigmoid or tanh layer" : parts.joined(separator: ", "))
    }

    /// SGD with momentum μ and dampening d takes steps of up to lr·(1 − d)/(1 − μ): said
    /// beside a large step, with the recipe form that keeps them at lr.
    var momentumNote: String? {
        guard case .sgd(_, _, let declared, let tied) = graph.training.optimizer.rule else { return nil }
        let momentum = firstRates.momentum
        guard momentum > 0 else { return nil }
        let dampening = tied ? momentum : declared
        let growth = (1 - dampening) / (1 - momentum)
        let steps =
            "with momentum \(format(momentum))\(dampening > 0 ? " and dampening \(format(dampening))" : "") a constant gradient g gives steps of lr·(1 − d)/(1 − μ)·g = \(format(firstRates.learningRate * growth))·g"
        return tied || dampening > 0
            ? steps
            : steps
                + "; recipes written as Δw = μ·Δw − (1 − μ)·ε·g (Hinton et al. 2012) mean `dampening_from_momentum: true`"
    }

    func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }

    static func norm(_ values: [Float]) -> Double {
        values.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    /// Mean, standard deviation, the dead or saturated fraction, the zeros and the histogram of a
    /// node's activation.
    static func statistics(of node: Node, _ values: [Float], shape: [Int], logits: Bool) -> Doctor.LayerStatistics {
        let n = Double(max(values.count, 1))
        let mean = values.reduce(0) { $0 + Double($1) } / n
        let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        // Logits (a fused softmax or sigmoid output) have no activation to be dead or saturated.
        let kind = logits ? nil : node.op.activation?.function?.kind
        var dead: Double?
        var saturated: Double?
        switch kind {
        case .relu?:
            let units = max(shape.last ?? 1, 1)
            var alive = [Bool](repeating: false, count: units)
            for (i, v) in values.enumerated() where v > 0 { alive[i % units] = true }
            dead = Double(alive.filter { !$0 }.count) / Double(units)
        case .sigmoid?:
            saturated = Double(values.filter { $0 < 0.01 || $0 > 0.99 }.count) / n
        case .tanh?:
            saturated = Double(values.filter { abs($0) > 0.99 }.count) / n
        case .linear?, .leakyRelu?, .elu?, .selu?, .lecunTanh?, .softplus?, .swish?, .mish?, nil:
            break
        }
        return Doctor.LayerStatistics(
            layer: node.name, activation: logits ? "logits" : node.op.activation?.name ?? node.typeName, mean: mean,
            std: variance.squareRoot(), deadFraction: dead, saturatedFraction: saturated,
            zeroFraction: Double(values.filter { $0 == 0 }.count) / n, histogram: ValueHistogram(values))
    }
}
