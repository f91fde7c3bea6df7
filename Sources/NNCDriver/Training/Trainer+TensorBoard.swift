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
