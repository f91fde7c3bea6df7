import Foundation
import NNCDriver

/// Prints a run the way Keras users expect: `Epoch 3/10`, then on a terminal a live
/// progress bar redrawn at most ten times a second, or one line per epoch otherwise; notes
/// (reduced learning rate, early stopping) on their own lines; the test figures at the end.
final class ProgressPrinter: TrainingObserver {
    let live: Bool
    let handle: FileHandle
    var lastDraw: UInt64 = 0
    var lastWidth = 0
    var batches = 1

    /// Prints to stdout, or to stderr when stdout carries JSON.
    init(toStandardError: Bool) {
        handle = toStandardError ? .standardError : .standardOutput
        live = isatty(toStandardError ? 2 : 1) == 1
    }

    func write(_ text: String) { handle.write(Data(text.utf8)) }

    func runStarted(_ h: RunHeader) {
        var lines = [
            "nnc train: \(h.model), \(h.parameters.counted("parameter")), \(h.trainSamples.counted("training sample"))"
                + (h.validationSamples > 0 ? ", \(h.validationSamples.grouped) validation" : "")
                + (h.testSamples > 0 ? ", \(h.testSamples.grouped) test" : "")
        ]
        lines.append(
            "  \(h.epochs) \(h.epochs.noun("epoch")), batch \(h.batchSize) (\(h.stepsPerEpoch) \(h.stepsPerEpoch.noun("step")) per epoch), \(h.optimizer) learning rate \(h.learningRate), schedule \(h.schedule)"
        )
        lines.append(
            "  seed \(h.seed), \(h.threads) thread\(h.threads == 1 ? "" : "s"), memory \(SummaryTable.bytes(h.memoryBytes)), run folder \(h.outputDirectory)"
        )
        if let growth = h.batchSchedule { lines.append("  batch schedule: \(growth)") }
        if !h.overridden.isEmpty { lines.append("  set on the command line: \(h.overridden.joined(separator: ", "))") }
        if let at = h.resumedAt { lines.append("  resuming at \(at)") }
        write(lines.joined(separator: "\n") + "\n")
    }

    func epochStarted(_ epoch: Int, of epochs: Int, batches: Int) {
        write("Epoch \(epoch)/\(epochs)\n")
        self.batches = batches
        lastDraw = 0
    }

    func batchFinished(
        _ batch: Int, of batches: Int, samples: Int, seconds: Double, loss: Double, metrics: () -> [(String, Double)]
    ) {
        guard live, batch < batches else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDraw > 100_000_000 else { return }
        lastDraw = now
        let line =
            "\(bar(batch, batches)) \(time(seconds)) - loss: \(value(loss))"
            + metrics().map { " - \($0.0): \(value($0.1))" }.joined()
        write("\r" + line + String(repeating: " ", count: max(0, lastWidth - line.count)))
        lastWidth = line.count
    }

    func epochFinished(_ r: EpochRecord, of epochs: Int) {
        var parts = [
            "\(bar(batches, batches)) \(time(r.seconds))", "\(Int(r.samplesPerSecond.rounded()).grouped) samples/s",
            "loss: \(value(r.loss))",
        ]
        parts += r.metrics.keys.sorted().map { "\($0): \(value(r.metrics[$0]!))" }
        if let v = r.validationLoss { parts.append("val_loss: \(value(v))") }
        parts += r.validationMetrics.keys.sorted().map { "val_\($0): \(value(r.validationMetrics[$0]!))" }
        parts.append("lr: \(String(format: "%.4g", r.learningRate))")
        if let b = r.batchSize { parts.append("batch: \(b)") }
        let line = parts.joined(separator: " - ")
        write(
            (live ? "\r" : "") + line + String(repeating: " ", count: live ? max(0, lastWidth - line.count) : 0) + "\n")
        lastWidth = 0
    }

    func note(_ text: String) { write(text + "\n") }

    func testFinished(_ result: SplitResult) {
        let parts =
            ["loss: \(value(result.loss))"]
            + result.metrics.keys.sorted().map { "\($0): \(value(result.metrics[$0]!))" }
        write("Test (\(result.samples.counted("sample"))): " + parts.joined(separator: " - ") + "\n")
    }

    func bar(_ done: Int, _ total: Int) -> String {
        let width = 20
        let filled = total > 0 ? width * done / total : width
        let counter = "\(String(done).leftPadded(String(total).count))/\(total)"
        return "\(counter) [" + String(repeating: "=", count: filled)
            + (filled < width ? ">" + String(repeating: ".", count: width - filled - 1) : "") + "]"
    }

    func time(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.2fs", seconds) : String(format: "%.0fs", seconds)
    }

    func value(_ v: Double) -> String { String(format: "%.4f", v) }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
