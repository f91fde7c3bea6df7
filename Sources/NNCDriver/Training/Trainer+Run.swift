import Foundation
import NNCData
import NNCGraph
import NNCPlan
import NNCRuntime

extension Trainer {
    /// Trains until the last epoch, early stopping, or `shouldStop` (checked after every
    /// batch: a signal handler sets it), writing the run folder as it goes.
    public func run(observer: TrainingObserver, shouldStop: () -> Bool = { false }) throws(TrainingFailure)
        -> TrainingResult
    {
        try prepareRunDirectory()
        try verifyRanksAgree()
        reserveReductions()
        resumeMonitorLog()
        observer.runStarted(header)
        var trainedSamples = 0
        var trainedSeconds = 0.0
        // The last epoch's files wait for the final weights, which are written first.
        var finalEpochEnded = false
        while state.epoch < options.epochs && !state.stopped {
            let epoch = state.epoch
            let order = order(epoch: epoch)
            let batches = order.batchCount
            order.fill(&epochOrder, epoch: epoch)
            var sums = MetricAccumulator(metrics: metrics, layout: MetricAccumulator.Layout(plan: executor.plan))
            let earlier = state.partialEpoch
            if let earlier { sums.resume(earlier) }
            observer.epochStarted(epoch + 1, of: options.epochs, batches: batches)
            let start = DispatchTime.now().uptimeNanoseconds
            func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            let samplesBefore = sums.samples
            var learningRate = 0.0
            // The epoch's last step's gradients, on TensorBoard's histogram epochs.
            var gradients: [SafeTensors.Tensor] = []
            while state.batch < batches {
                let positions = share(order.batch(state.batch))
                let run = executors[positions.count]!
                try fillTraining(run, positions, epoch: epoch)
                let rates = options.rates(
                    at: TrainingClock(step: state.step, epoch: epoch), stepsPerEpoch: batches, plateau: state.plateau)
                learningRate = rates.learningRate
                run.momentum = options.momentumSchedule == .constant ? nil : Float(rates.momentum)
                run.steps = state.step
                let watched = monitor?.isDue(step: state.step, batch: state.batch, batches: batches) == true
                let layers = forward(run, watched: watched)
                let loss = run.loss
                if let cause = divergence(loss: loss) {
                    throw diverged(run, cause, loss: loss, learningRate: learningRate, epoch: epoch)
                }
                let plan = run.plan
                sums.add(
                    valid: positions.count, loss: run.pointer(plan.loss!), penalty: run.penalty,
                    output: run.pointer(plan.output),
                    targets: UnsafeRawPointer(run.pointer(plan.target!)))
                let keepingGradients = state.batch == batches - 1 && tensorboard?.logsHistograms(epoch: epoch) == true
                if let world {
                    try reducingBackward(run, learningRate: learningRate, world: world)
                } else {
                    let kept = backward(
                        run, learningRate: learningRate, layers: layers, epoch: epoch, loss: loss, observer: observer,
                        keepingGradients: keepingGradients)
                    if keepingGradients { gradients = kept }
                }
                state.step += 1
                state.batch += 1
                if let tensorboard, tensorboard.logsBatch(step: state.step) {
                    tensorboard.batchFinished(
                        step: state.step, loss: sums.loss ?? .nan, metrics: sums.values, learningRate: learningRate)
                }
                observer.batchFinished(
                    state.batch, of: batches, samples: sums.samples, seconds: (earlier?.seconds ?? 0) + elapsed(),
                    loss: sums.loss ?? .nan, metrics: { sums.values })
                if shouldStop() && state.batch < batches {
                    state.partialEpoch = sums.partial(seconds: (earlier?.seconds ?? 0) + elapsed())
                    try saveCheckpoint(force: true)
                    observer.note(
                        "interrupted in epoch \(epoch + 1) after batch \(state.batch) of \(batches); checkpoint written to \(checkpointPath)"
                    )
                    return result(test: nil, samples: trainedSamples, seconds: trainedSeconds, interrupted: true)
                }
            }
            let seconds = (earlier?.seconds ?? 0) + elapsed()
            sums = try reduced(sums)
            trainedSamples += sums.samples - samplesBefore
            trainedSeconds += elapsed()
            trainingSeconds += elapsed()
            var record = EpochRecord(
                epoch: epoch + 1, loss: sums.loss ?? .nan, metrics: Dictionary(uniqueKeysWithValues: sums.values),
                validationLoss: nil, validationMetrics: [:], learningRate: learningRate,
                samplesPerSecond: Double(sums.samples) / max(seconds, 1e-9), seconds: seconds,
                batchSize: options.batchSchedule == nil ? nil : order.batchSize)
            if let validation = validationFiller, let evaluator {
                evaluator.copyState(from: executor, buffers: evaluatorState)
                let r = try evaluate(evaluator, validation)
                record.validationLoss = r.loss
                record.validationMetrics = r.metrics
            }
            let broken = executor.nonFiniteParameters()
            guard broken.isEmpty else { throw nonFiniteWeights(broken, epoch: epoch) }
            state.history.append(record)
            if let tensorboard {
                let weights = tensorboard.logsHistograms(epoch: epoch) ? executor.tensors(weightBuffers) : []
                tensorboard.epochFinished(
                    record, epoch: epoch, step: state.step, weights: weights, gradients: gradients,
                    image: weights.isEmpty ? nil : firstLayerImage(weights))
            }
            state.epoch += 1
            state.batch = 0
            state.partialEpoch = nil
            observer.epochFinished(record, of: options.epochs)
            try endOfEpoch(record, observer: observer)
            if state.epoch >= options.epochs || state.stopped {
                finalEpochEnded = true
            } else {
                try saveCheckpoint(force: false)
                writeLog()
            }
            if shouldStop() && state.epoch < options.epochs {
                try saveCheckpoint(force: true)
                observer.note("interrupted after epoch \(epoch + 1); checkpoint written to \(checkpointPath)")
                return result(test: nil, samples: trainedSamples, seconds: trainedSeconds, interrupted: true)
            }
        }
        // Under mpirun: every rank ends with the same weights (and step), or the run fails.
        try verifyRanksAgree()
        // The final weights come first: no other file failing (or the disk filling) can cost them.
        var restored: [[Float]]?
        if let stopping = state.earlyStopping, stopping.restoreBest, !best.isEmpty, let bestEpoch = stopping.bestEpoch {
            restored = best
            observer.note(
                "restored the weights of epoch \(bestEpoch + 1), the best \(stopping.monitor.metric) (\(format(stopping.monitor.best ?? .nan)))"
            )
        }
        try saveWeights(restored)
        do {
            // The last epoch's checkpoint as its policy asks (with the weights as trained), then the final state.
            if finalEpochEnded { try saveCheckpoint(force: false) }
            if let restored { executor.restore(weightBuffers, from: restored) }
            try saveCheckpoint(force: true)
        } catch {
            if let restored { executor.restore(weightBuffers, from: restored) }
            keep(error)
        }
        // Normally flushed with the final checkpoint already; not when that failed.
        flushEvents()
        var test: SplitResult?
        if let testFiller, let evaluator {
            evaluator.copyState(from: executor, buffers: evaluatorState)
            test = try evaluate(evaluator, testFiller)
            observer.testFinished(test!)
        }
        writeLog()
        var outcome = result(test: test, samples: trainedSamples, seconds: trainedSeconds, interrupted: false)
        writeResults(outcome)
        outcome.unwritten = unwritten
        return outcome
    }

    /// The callbacks after an epoch: the plateau rule and early stopping.
    func endOfEpoch(_ record: EpochRecord, observer: TrainingObserver) throws(TrainingFailure) {
        if let rule = options.schedule.plateauRule, var plateau = state.plateau {
            if let value = record.value(of: rule.monitor) {
                if plateau.endEpoch(value: value, rule: rule, baseRate: options.baseLearningRate) {
                    observer.note(
                        "\(rule.monitor) has not improved for \(rule.patience) epoch\(rule.patience == 1 ? "" : "s"): learning rate reduced to \(format(options.baseLearningRate * plateau.factor))"
                    )
                }
            }
            state.plateau = plateau
        }
        if var stopping = state.earlyStopping, let value = record.value(of: stopping.monitor.metric) {
            switch stopping.endEpoch(record.epoch - 1, value: value) {
            case .improved:
                if stopping.restoreBest { executor.copy(weightBuffers, into: &best) }
            case .keepGoing:
                break
            case .stop:
                state.stopped = true
                observer.note(
                    "early stopping: \(stopping.monitor.metric) has not improved for \(stopping.wait) epoch\(stopping.wait == 1 ? "" : "s") (best \(format(stopping.monitor.best ?? .nan)) at epoch \((stopping.bestEpoch ?? 0) + 1))"
                )
            }
            state.earlyStopping = stopping
        }
    }

    /// Writes a training batch: inputs (augmented), targets, through the filler's checked
    /// fills (data that does not fit the plan is refused, never written past a buffer).
    func fillTraining(_ run: Executor, _ positions: Range<Int>, epoch: Int) throws(TrainingFailure) {
        do throws(DataError) {
            try filler.fill(run, order: epochOrder, positions: positions, epoch: epoch, augment: true)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
    }

    /// A validation or test evaluation, its data errors as training failures.
    func evaluate(_ evaluator: Evaluator, _ filler: BatchFiller) throws(TrainingFailure) -> SplitResult {
        if world != nil { return try evaluateShared(evaluator, filler) }
        do throws(DataError) {
            return try evaluator.evaluate(filler)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
    }

    func result(test: SplitResult?, samples: Int, seconds: Double, interrupted: Bool) -> TrainingResult {
        TrainingResult(
            history: state.history, test: test, samplesPerSecond: Double(samples) / max(seconds, 1e-9),
            weightsPath: weightsPath, runDirectory: options.outputDirectory,
            stoppedEarly: state.stopped, interrupted: interrupted, state: state, unwritten: unwritten)
    }

    func format(_ v: Double) -> String { String(format: "%.4g", v) }
}
