import Foundation
import NNCPlan
import NNCRuntime

extension Trainer {
    /// A step's forward pass; with `watched`, one instruction at a time, returning each layer's
    /// output statistics (`nnc doctor`'s reading).
    func forward(_ run: Executor, watched: Bool) -> [Doctor.LayerStatistics]? {
        guard watched else {
            run.runForward()
            return nil
        }
        return Examination.forward(run, graph)
    }

    /// A step's backward pass and updates; with `layers` (a watched forward), one instruction at a
    /// time, and the monitor's report of the step recorded, printed and written. With
    /// `keepingGradients` (TensorBoard's histogram epochs), also one instruction at a time,
    /// returning each trainable tensor's gradient, named as its weights are ("dense.kernel").
    @discardableResult
    func backward(
        _ run: Executor, learningRate: Double, layers: [Doctor.LayerStatistics]?, epoch: Int, loss: Double,
        observer: TrainingObserver, keepingGradients: Bool = false
    ) -> [SafeTensors.Tensor] {
        let monitored = layers != nil && monitor != nil
        guard monitored || keepingGradients else {
            run.runBackward(learningRate: Float(learningRate))
            return []
        }
        let tensors = run.plan.parameters.filter { $0.trainable && $0.initializer != nil }
        let before = monitored ? tensors.map { run.read($0.buffer) } : []
        let gradients = Examination.gradients(run, learningRate: Float(learningRate))
        let kept =
            keepingGradients
            ? tensors.compactMap { binding in
                binding.gradient.flatMap { gradients[$0] }.map {
                    SafeTensors.Tensor(name: run.plan[binding.buffer].name, shape: binding.shape, values: $0)
                }
            } : []
        guard let layers, let monitor else { return kept }
        var sums: [String: (weight: Double, gradient: Double, change: Double)] = [:]
        var gradientValues: [String: [Float]] = [:]
        for (binding, old) in zip(tensors, before) {
            let new = run.read(binding.buffer)
            var s = sums[binding.layer] ?? (0, 0, 0)
            s.weight += Self.sumOfSquares(old)
            let gradient = binding.gradient.flatMap { gradients[$0] } ?? []
            s.gradient += Self.sumOfSquares(gradient)
            gradientValues[binding.layer, default: []] += gradient
            s.change += zip(new, old).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            sums[binding.layer] = s
        }
        let outputs = Dictionary(layers.map { ($0.layer, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = graph.nodes.compactMap { node -> TrainingMonitor.Layer? in
            guard let s = sums[node.name] else { return nil }
            let weight = s.weight.squareRoot()
            let ratio = weight > 0 ? s.change.squareRoot() / weight : nil
            let output = outputs[node.name]
            let g = Self.moments(gradientValues[node.name] ?? [])
            return TrainingMonitor.Layer(
                layer: node.name, weight_norm: weight, gradient_norm: s.gradient.squareRoot(), gradient_mean: g.mean,
                gradient_std: g.std, gradient_zero_fraction: g.zeros, update_ratio: ratio,
                flag: TrainingMonitor.flag(ratio), activation: output?.activation, mean: output?.mean,
                std: output?.std, dead_fraction: output?.deadFraction, saturated_fraction: output?.saturatedFraction,
                zero_fraction: output?.zeroFraction, histogram: output?.histogram)
        }
        let report = TrainingMonitor.Report(
            epoch: epoch + 1, step: state.step, batch: state.batch, loss: loss, learning_rate: learningRate,
            layers: rows)
        monitor.record(report)
        observer.note(report.text)
        optional("the monitor log", "monitor.jsonl", Data(monitor.lines.joined().utf8))
        return kept
    }

    /// Mean, standard deviation and the fraction of exact zeros of `values` (0 for none).
    static func moments(_ values: [Float]) -> (mean: Double, std: Double, zeros: Double) {
        let n = Double(max(values.count, 1))
        let mean = values.reduce(0) { $0 + Double($1) } / n
        let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (mean, variance.squareRoot(), Double(values.filter { $0 == 0 }.count) / n)
    }

    static func sumOfSquares(_ values: [Float]) -> Double { values.reduce(0) { $0 + Double($1) * Double($1) } }

    /// A resumed run's monitor keeps the reports its earlier part wrote.
    func resumeMonitorLog() {
        guard let monitor, monitor.lines.isEmpty, state.step > 0,
            let text = try? String(contentsOfFile: options.outputDirectory + "/monitor.jsonl", encoding: .utf8)
        else { return }
        monitor.lines = text.split(separator: "\n").map { $0 + "\n" }
    }
}
