import Foundation
import NNCProtobuf
import NNCRuntime

/// `nnc train --tensorboard`: the run's event files, laid out and tagged as Keras's
/// `TensorBoard` callback writes them, so `tensorboard --logdir` shows an nnc run beside
/// Keras runs. `DIR/train` gets `epoch_loss`, `epoch_<metric>` and `epoch_learning_rate`
/// at step epoch − 1 (Keras counts epochs from 0), every `histogramFrequency` epochs a
/// histogram of every weight tensor (`layer/parameter/histogram`) and of every trainable
/// tensor's gradient at the epoch's last step (`layer/parameter/gradient/histogram`) and the
/// first trainable layer's weights as `nnc show weights` draws them (`layer/kernel/image`, a
/// PNG, as Keras's `write_images` tags it), and with
/// `updateFrequency` N, `batch_loss`, `batch_<metric>` (the epoch's running means, as Keras
/// logs them) and `batch_learning_rate` at every N-th optimizer step (counted from 1 over
/// the whole run). `DIR/validation` gets the validation `epoch_loss` and `epoch_<metric>`,
/// and `evaluation_<name>_vs_iterations` at the optimizer step. Steps continue the run's
/// own count, so a resumed run goes on in a new file of the same folders.
public final class TensorBoardLog {
    /// Where and how often.
    public struct Settings: Sendable, Equatable {
        /// The log folder (`train/` and `validation/` go inside).
        public var directory: String
        /// Epochs between weight and gradient histograms and first-layer images (0: none), Keras's `histogram_freq`.
        public var histogramFrequency: Int
        /// Optimizer steps between batch-level scalars (0: none, Keras's `update_freq='epoch'`).
        public var updateFrequency: Int
    }

    public let settings: Settings
    let train: EventFile
    let validation: EventFile?

    /// Opens a new event file in `DIR/train` (and in `DIR/validation` when the run
    /// validates), creating the folders.
    init(_ settings: Settings, validates: Bool) throws(EventFileError) {
        self.settings = settings
        train = try EventFile(folder: settings.directory + "/train", index: 0)
        validation = validates ? try EventFile(folder: settings.directory + "/validation", index: 1) : nil
    }

    /// Whether optimizer step `step` (1-based) writes batch-level scalars.
    func logsBatch(step: Int) -> Bool { settings.updateFrequency > 0 && step % settings.updateFrequency == 0 }

    /// Whether 0-based `epoch` writes histograms and the first layer's image.
    func logsHistograms(epoch: Int) -> Bool {
        settings.histogramFrequency > 0 && epoch % settings.histogramFrequency == 0
    }

    func batchFinished(step: Int, loss: Double, metrics: [(String, Double)], learningRate: Double) {
        let values =
            [("batch_loss", loss)] + metrics.map { ("batch_" + $0.0, $0.1) } + [
                ("batch_learning_rate", learningRate)
            ]
        train.append(Self.event(step: step, values.map { Self.scalar($0.0, $0.1) }))
    }

    /// A picture as TensorBoard's images dashboard shows it: PNG bytes and their size.
    struct Image {
        var tag: String
        var width: Int
        var height: Int
        var png: Data
    }

    /// The epoch's scalars, `weights`' and `gradients`' histograms and `image` when given
    /// (0-based `epoch`; `step`: optimizer steps so far).
    func epochFinished(
        _ record: EpochRecord, epoch: Int, step: Int, weights: [SafeTensors.Tensor], gradients: [SafeTensors.Tensor],
        image: Image?
    ) {
        var values = [Self.scalar("epoch_loss", record.loss)]
        values += record.metrics.sorted { $0.key < $1.key }.map { Self.scalar("epoch_" + $0.key, $0.value) }
        values.append(Self.scalar("epoch_learning_rate", record.learningRate))
        for tensor in weights where !tensor.values.isEmpty {
            values.append(Self.histogram(Self.tag(tensor.name) + "/histogram", tensor.values))
        }
        for tensor in gradients where !tensor.values.isEmpty {
            values.append(Self.histogram(Self.gradientTag(tensor.name), tensor.values))
        }
        if let image {
            var value = Tensorboard_Summary.Value()
            value.tag = image.tag
            value.image.width = Int32(image.width)
            value.image.height = Int32(image.height)
            value.image.colorspace = 3
            value.image.encodedImageString = image.png
            values.append(value)
        }
        train.append(Self.event(step: epoch, values))
        guard let validation, let loss = record.validationLoss else { return }
        let measured = [("loss", loss)] + record.validationMetrics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        validation.append(Self.event(step: epoch, measured.map { Self.scalar("epoch_" + $0.0, $0.1) }))
        validation.append(
            Self.event(step: step, measured.map { Self.scalar("evaluation_\($0.0)_vs_iterations", $0.1) }))
    }

    /// Appends every queued event to its file.
    func flush() throws(EventFileError) {
        try train.flush()
        try validation?.flush()
    }

    /// "dense_1.kernel" → "dense_1/kernel": TensorBoard groups tags by their first part, so
    /// each layer's tensors are drawn together.
    static func tag(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return name[..<dot] + "/" + name[name.index(after: dot)...]
    }

    /// "dense_1.kernel" → "dense_1/kernel/gradient/histogram": beside the weights' histogram in
    /// the layer's group, named as TensorFlow's gradient-logging callbacks commonly name it.
    static func gradientTag(_ name: String) -> String { tag(name) + "/gradient/histogram" }

    static func histogram(_ tag: String, _ values: [Float]) -> Tensorboard_Summary.Value {
        var value = Tensorboard_Summary.Value()
        value.tag = tag
        value.histo = WeightHistogram.proto(values)
        return value
    }

    static func scalar(_ tag: String, _ value: Double) -> Tensorboard_Summary.Value {
        var summary = Tensorboard_Summary.Value()
        summary.tag = tag
        summary.simpleValue = Float(value)
        return summary
    }

    static func event(step: Int, _ values: [Tensorboard_Summary.Value]) -> Tensorboard_Event {
        var event = Tensorboard_Event()
        event.wallTime = Date().timeIntervalSince1970
        event.step = Int64(step)
        event.summary.value = values
        return event
    }
}
