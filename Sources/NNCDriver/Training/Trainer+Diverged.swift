import Foundation
import NNCRuntime
import NNCSpec

extension Trainer {
    /// The diagnostic for a non-finite loss: the step, its learning rate, and where the
    /// first NaN or infinity came from (found by replaying the forward pass on the same
    /// batch). The step stopped before backward, so no weight took the bad value; the
    /// run folder's last checkpoint is the last good state.
    func diverged(_ run: Executor, loss: Double, learningRate: Double, epoch: Int) -> TrainingFailure {
        let source = run.traceNonFinite()
        let value = loss.isNaN ? "NaN" : (loss > 0 ? "+infinity" : "-infinity")
        var notes = ["at step \(state.step + 1) (epoch \(epoch + 1), batch \(state.batch + 1) of \(order.batchCount)), learning rate \(format(learningRate))"]
        if let source {
            notes.append("the first non-finite value is the output of '\(source.layer)' (\(source.instruction))")
            if !source.nonFiniteParameters.isEmpty {
                notes.append("its parameters \(source.nonFiniteParameters.map { "'\($0)'" }.joined(separator: ", ")) are already non-finite: an earlier update overflowed")
            } else if source.largestInput > 0 {
                notes.append("its largest finite input magnitude is \(format(Double(source.largestInput)))")
            }
        }
        let bad = run.nonFiniteParameters()
        if source == nil || (source!.nonFiniteParameters.isEmpty && !bad.isEmpty) {
            if !bad.isEmpty { notes.append("non-finite parameters: \(bad.prefix(5).joined(separator: ", "))") }
        }
        if FileManager.default.fileExists(atPath: checkpointPath) {
            notes.append("the last good checkpoint is \(checkpointPath) (epoch \(state.history.count))")
        }
        let rate = spec.optimizer?.valueLocation("learning_rate") ?? spec.optimizer?.location ?? spec.inputLocation
        return TrainingFailure([Diagnostic.error(.trainingDiverged, "training stops when the loss is not finite; the loss became \(value)",
                                                 at: rate, label: "learning rate \(format(options.baseLearningRate))", notes: notes,
                                                 help: "lower the learning rate, clip gradients with `regularization: {clip_norm: 1.0}`, or scale the inputs")])
    }
}
