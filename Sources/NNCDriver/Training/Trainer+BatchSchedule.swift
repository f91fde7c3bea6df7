import NNCDiagnostics
import NNCGraph
import NNCSpec

extension Trainer {
    /// E0550: a scheduled batch size larger than the training data (the plain batch_size is
    /// clamped to the data, as before; a schedule's sizes are written to be used).
    static func oversizedBatch(_ options: TrainingOptions, spec: ModelSpec, samples: Int) -> Diagnostic? {
        guard let schedule = options.batchSchedule,
            let index = schedule.sizes.indices.first(where: {
                schedule.sizes[$0] > samples && $0 < schedule.epochs.count && schedule.epochs[$0] < options.epochs
            })
        else { return nil }
        let size = schedule.sizes[index]
        let written = spec.train?.record("batch_schedule")
        return Diagnostic.error(
            .batchLargerThanData,
            "a batch schedule's size must fit the training data; \(size) after \(schedule.epochs[index].counted("epoch")) is larger than its \(samples.counted("sample"))",
            at: written?.list("sizes")?[index].location ?? written?.location ?? spec.inputLocation,
            help: "use a size of at most \(samples)")
    }

    /// The header's account of a batch schedule: "64 after 3 epochs, 128 after 5 epochs",
    /// or nil without one.
    var batchGrowth: String? {
        guard let schedule = options.batchSchedule else { return nil }
        return zip(schedule.epochs, schedule.sizes).filter { $0.0 < options.epochs }
            .map { "\($0.1) after \($0.0.counted("epoch"))" }.joined(separator: ", ")
    }
}
