import Foundation
import NNCRuntime
import NNCSpec

/// The run's TensorBoard event files (`--tensorboard`, see `TensorBoardLog`): opened before
/// the first step, so a folder that cannot be written stops the run before any work; written
/// with every checkpoint, so after a resume the steps go on without a point written twice.
extension Trainer {
    /// Opens new event files in the folders `options.tensorboard` names, if it names any.
    public func openTensorBoard() throws(TrainingFailure) {
        guard let settings = options.tensorboard, tensorboard == nil else { return }
        do {
            tensorboard = try TensorBoardLog(settings, validates: validationFiller != nil)
        } catch {
            throw TrainingFailure([Self.unwritableEvents(settings, error, file: spec.file)])
        }
    }

    /// Appends the events so far to their files; a failure is kept for the end of the run and
    /// ends the log (the training goes on).
    func flushEvents() {
        guard let log = tensorboard else { return }
        do {
            try log.flush()
        } catch {
            keep(TrainingFailure([Self.unwritableEvents(log.settings, error, file: spec.file)]))
            tensorboard = nil
        }
    }

    /// The first trainable layer's kernel in `weights` as `nnc show weights` draws it, for
    /// TensorBoard's images (`conv2d/kernel/image`); nil when that layer has no kernel to draw
    /// (an embedding or a batchnorm first), or when libpng cannot encode it (kept for the end
    /// of the run: the training goes on).
    func firstLayerImage(_ weights: [SafeTensors.Tensor]) -> TensorBoardLog.Image? {
        guard let node = try? Pictures.layer(nil, in: graph),
            let drawn = try? Pictures.weightTiles(
                node, graph, kernel: weights.first { $0.name == node.name + ".kernel" }, normalization: .shared,
                dataImageShape: { self.data.train.imageShape })
        else { return nil }
        let image = drawn.1.render()
        do {
            return TensorBoardLog.Image(
                tag: node.name + "/kernel/image", width: image.width, height: image.height, png: try image.encoded())
        } catch {
            keep(
                TrainingFailure([
                    Diagnostic.error(
                        .unwritableEventFiles,
                        "the TensorBoard image of the weights of layer '\(node.name)' cannot be encoded: \(error.description)",
                        at: SourceLocation(file: spec.file, line: 0, column: 0),
                        help: error.libraryMissing
                            ? "install libpng (Debian and Ubuntu: apt-get install libpng16-16)" : nil)
                ]))
            return nil
        }
    }

    static func unwritableEvents(_ settings: TensorBoardLog.Settings, _ error: EventFileError, file: SourceFile?)
        -> Diagnostic
    {
        Diagnostic.error(
            .unwritableEventFiles,
            "the TensorBoard event files must be written in '\(settings.directory)'; \(error)",
            at: SourceLocation(file: file, line: 0, column: 0),
            help: "give --tensorboard a folder this user can write, or no folder for 'tensorboard' in the run folder")
    }
}
