import Foundation

/// The final JSON object of `nnc train --format json` (also `results.json` in the run
/// folder): the last epoch's training and validation figures, the test figures, the
/// throughput and where the weights are, and `history`: every epoch as `metrics.jsonl` has
/// it (loss, metrics, validation figures, learning rate, samples/s, seconds, and the batch size
/// under a `batch_schedule`). Metric keys
/// follow Keras: `accuracy`, `val_accuracy`, `test_accuracy`.
public enum TrainingReport {
    public static func object(_ r: TrainingResult) -> [String: Any] {
        var o: [String: Any] = [
            "epochs": r.history.count,
            "steps": r.state.step,
            "samples_per_second": (r.samplesPerSecond * 10).rounded() / 10,
            "weights": r.weightsPath,
            "run_directory": r.runDirectory,
            "stopped_early": r.stoppedEarly,
            "interrupted": r.interrupted,
        ]
        if let last = r.history.last {
            o["train_loss"] = number(last.loss)
            for (name, value) in last.metrics { o["train_\(name)"] = number(value) }
            if let v = last.validationLoss { o["val_loss"] = number(v) }
            for (name, value) in last.validationMetrics { o["val_\(name)"] = number(value) }
            o["learning_rate"] = last.learningRate
        }
        o["history"] = r.history.map(epoch)
        if let test = r.test {
            o["test_loss"] = number(test.loss)
            for (name, value) in test.metrics { o["test_\(name)"] = number(value) }
            o["test_samples"] = test.samples
        }
        return o
    }

    public static func json(_ r: TrainingResult) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object(r), options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// One epoch as the metrics log writes it (non-finite values become null).
    static func epoch(_ record: EpochRecord) -> Any {
        var o: [String: Any] = [
            "epoch": record.epoch, "loss": number(record.loss), "learning_rate": record.learningRate,
            "samples_per_second": number(record.samplesPerSecond), "seconds": number(record.seconds),
            "metrics": record.metrics.mapValues(number),
        ]
        if let v = record.validationLoss { o["val_loss"] = number(v) }
        if let b = record.batchSize { o["batch_size"] = b }
        if !record.validationMetrics.isEmpty { o["val_metrics"] = record.validationMetrics.mapValues(number) }
        return o
    }

    /// JSON has no NaN: non-finite values become null.
    static func number(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
}
