import Foundation
import NNCRuntime
import NNCSpec

extension Trainer {
    /// How many times the untrained model's loss a step's loss may reach before the run is
    /// called diverged. A healthy run's loss falls from where it started: measured per batch
    /// over the bundled examples' own recipes, the worst is 1.18 times the first step's
    /// (causal_tcn), except hinton_dropout_mlp, whose learning rate of 10 spikes to 9.1 times
    /// in its first epoch and comes back; 10,000 keeps a margin of 1,100 over even that. With
    /// `sgd: 1e6` the loss passes it at the second step, where it would otherwise climb to
    /// 1e30 and train on.
    static let divergenceGrowth = 1e4

    /// Why a step's loss stops the run, or nil when training goes on: the loss is NaN or
    /// infinite, or it has grown `divergenceGrowth` times past the first step's (positive)
    /// loss, which `state.initialLoss` keeps so a resumed run judges by the same scale.
    func divergence(loss: Double) -> Divergence? {
        guard loss.isFinite else { return .nonFinite }
        guard let initial = state.initialLoss else {
            if loss > 0 { state.initialLoss = loss }
            return nil
        }
        return loss > initial * Self.divergenceGrowth ? .grew(from: initial) : nil
    }

    enum Divergence {
        case nonFinite
        case grew(from: Double)
    }

    /// The diagnostic for a diverged step: the step, its learning rate, and where the
    /// first NaN or infinity came from (found by replaying the forward pass on the same
    /// batch) or how far the loss grew. The step stopped before backward, so no weight took
    /// the bad step; the run folder's last checkpoint is the last good state.
    func diverged(_ run: Executor, _ cause: Divergence, loss: Double, learningRate: Double, epoch: Int)
        -> TrainingFailure
    {
        var notes = [
            "at step \(state.step + 1) (epoch \(epoch + 1), batch \(state.batch + 1) of \(order(epoch: epoch).batchCount)), learning rate \(format(learningRate))"
        ]
        let message: String
        switch cause {
        case .nonFinite:
            let value = loss.isNaN ? "NaN" : (loss > 0 ? "+infinity" : "-infinity")
            message = "training stops when the loss is not finite; the loss became \(value)"
            notes += nonFiniteNotes(run)
        case .grew(let initial):
            message =
                "training stops when the loss grows by orders of magnitude; the loss reached \(format(loss)), \(format(loss / initial)) times the untrained model's \(format(initial))"
            notes.append(
                "the run stops once a step's loss passes \(format(Self.divergenceGrowth)) times the first step's: a healthy run's loss falls from where it started"
            )
        }
        if FileManager.default.fileExists(atPath: checkpointPath) {
            notes.append("the last good checkpoint is \(checkpointPath) (epoch \(state.history.count))")
        }
        if case .nonFinite = cause, !inputsAreFinite(run) {
            // Not the dynamics: the data. Its readers refuse NaN, so only a transform can get here.
            notes.insert("the batch's inputs hold NaN or infinite values, so no learning rate can help", at: 1)
            return failure(
                message, notes: notes,
                help: "check the data and its preprocessing: every input value must be a finite number")
        }
        return failure(message, notes: notes)
    }

    /// True when the batch's (float) inputs and targets are all finite numbers.
    func inputsAreFinite(_ run: Executor) -> Bool {
        let plan = run.plan
        return [plan.input, plan.target].compactMap { $0 }.allSatisfy { plan[$0].type != .float32 || run.isFinite($0) }
    }

    /// The diagnostic for weights that went NaN or infinite while every step's loss stayed
    /// finite (a ReLU maps NaN to 0, so a broken layer can hide behind it for ever).
    func nonFiniteWeights(_ names: [String], epoch: Int) -> TrainingFailure {
        var notes = [
            "after epoch \(epoch + 1) (step \(state.step)): \(names.prefix(5).map { "'\($0)'" }.joined(separator: ", "))\(names.count > 5 ? ", …" : "")"
        ]
        notes.append(
            "an update overflowed; the loss stayed finite because the layers after them hide NaN (a ReLU maps it to 0)")
        return failure(
            "training stops when the weights are not finite; \(names.count) parameter tensor\(names.count == 1 ? "" : "s") became NaN or infinite",
            notes: notes)
    }

    /// Notes on where a non-finite loss came from.
    func nonFiniteNotes(_ run: Executor) -> [String] {
        var notes: [String] = []
        let source = run.traceNonFinite()
        if let source {
            notes.append("the first non-finite value is the output of '\(source.layer)' (\(source.instruction))")
            if !source.nonFiniteParameters.isEmpty {
                notes.append(
                    "its parameters \(source.nonFiniteParameters.map { "'\($0)'" }.joined(separator: ", ")) are already non-finite: an earlier update overflowed"
                )
            } else if source.largestInput > 0 {
                notes.append("its largest finite input magnitude is \(format(Double(source.largestInput)))")
            }
        }
        let bad = run.nonFiniteParameters()
        if source == nil || (source!.nonFiniteParameters.isEmpty && !bad.isEmpty) {
            if !bad.isEmpty { notes.append("non-finite parameters: \(bad.prefix(5).joined(separator: ", "))") }
        }
        return notes
    }

    /// E0520 at the learning rate, with help about the training dynamics (NaN in the data
    /// is refused when the data are read, by its own diagnostic).
    func failure(
        _ message: String, notes: [String],
        help: String =
            "lower the learning rate, clip gradients with `regularization: {clip_norm: 1.0}`, or scale the inputs (`preprocess: {standardize: true}`)"
    ) -> TrainingFailure {
        let rate = spec.optimizer?.valueLocation("learning_rate") ?? spec.optimizer?.location ?? spec.inputLocation
        return TrainingFailure(
            [
                Diagnostic.error(
                    .trainingDiverged, message,
                    at: rate, label: "learning rate \(format(options.baseLearningRate))", notes: notes,
                    help: help)
            ] + unwritten)
    }
}
