import NNCSpec

extension TrainingChecker {
    /// `train.batch_schedule`: one size per epoch, epochs increasing and inside the run (sizes
    /// are positive by the registry; larger than the data is known only when it is loaded).
    mutating func checkBatchSchedule() {
        guard let written = spec.train?.record("batch_schedule"),
            let schedule = graph.training.train.batchSchedule
        else { return }
        let epochs = graph.training.train.epochs
        if schedule.sizes.count != schedule.epochs.count {
            diagnostics.error(
                .scheduleValues,
                "a batch schedule needs one size per epoch; got \(schedule.epochs.count.counted("epoch")) and \(schedule.sizes.count.counted("size"))",
                at: written.valueLocation("sizes") ?? written.location,
                help: "give as many sizes as epochs: `{epochs: [5, 10], sizes: [128, 256]}`")
        }
        guard let writtenEpochs = written.list("epochs") else { return }
        var previous = 0
        for (epoch, at) in zip(schedule.epochs, writtenEpochs) {
            if epoch <= previous && previous > 0 {
                diagnostics.error(
                    .scheduleValues, "a batch schedule's epochs must increase; \(epoch) follows \(previous)",
                    at: at.location, help: "list the epochs in increasing order, each once")
            } else if epoch >= epochs {
                diagnostics.error(
                    .scheduleMilestone,
                    "a batch size change must come before the last epoch; a change after \(epoch.counted("epoch")) never happens in a run of \(epochs)",
                    at: at.location,
                    labels: spec.train?.valueLocation("epochs").map {
                        [DiagnosticLabel($0, "training runs \(epochs.counted("epoch"))")]
                    } ?? [],
                    help: "change the size after fewer than \(epochs) epochs, or train longer")
            }
            previous = epoch
        }
    }
}
