import Foundation
import NNCDriver
import NNCGraph
import NNCRuntime
import NNCSpec
import NNCTestSupport
import Testing

/// Schedules against values computed by hand from their formulas (ε₀ = 0.1 throughout),
/// and the plateau, early-stopping and momentum rules against Keras's callback logic.
@Suite struct ScheduleTests {
    /// The schedule a spec with `schedule: <text>` declares.
    func schedule(_ text: String, optimizer: String = "{sgd: 0.1}") throws -> (LearningRateSchedule, ModelSpec) {
        let yaml =
            "input: [4]\nlayers:\n  - dense: 2\nloss: mse\noptimizer: \(optimizer)\nschedule: \(text)\ntrain: {epochs: 100}\n"
        let result = Driver.check(SourceFile(path: "s.yaml", text: yaml))
        #expect(!result.hasErrors, "\(DiagnosticRenderer().render(result.diagnostics))")
        return (try #require(result.graph).training.schedule, try #require(result.spec))
    }

    func rate(_ s: LearningRateSchedule, step: Int, stepsPerEpoch: Int = 10) -> Double {
        s.rate(base: 0.1, at: TrainingClock(step: step, epoch: step / stepsPerEpoch), stepsPerEpoch: stepsPerEpoch)
    }

    func close(_ a: Double, _ b: Double) -> Bool { isClose(a, b, relative: 1e-12) }

    @Test func stepDropsByTheFactorEveryPeriod() throws {
        let (s, _) = try schedule("{step: {every: 3, factor: 0.5, unit: epochs}}")
        #expect(close(rate(s, step: 29), 0.1))  // epoch 2
        #expect(close(rate(s, step: 30), 0.05))  // epoch 3
        #expect(close(rate(s, step: 65), 0.025))  // epoch 6
        #expect(!s.changesPerStep)
    }

    @Test func piecewiseUsesTheValueOfItsInterval() throws {
        let (s, _) = try schedule("{piecewise: {boundaries: [100, 200], values: [0.5, 0.05, 0.005], unit: steps}}")
        #expect(rate(s, step: 0) == 0.5)
        #expect(rate(s, step: 99) == 0.5)
        #expect(rate(s, step: 100) == 0.05)
        #expect(rate(s, step: 250) == 0.005)
    }

    @Test func exponentialDecaysContinuouslyOrInStairs() throws {
        let (smooth, _) = try schedule("{exponential: {rate: 0.1, every: 1000, unit: steps}}")
        #expect(close(rate(smooth, step: 500), 0.1 * 0.1.squareRoot()))
        #expect(close(rate(smooth, step: 2000), 0.001))
        let (stairs, _) = try schedule("{exponential: {rate: 0.1, every: 1000, staircase: true, unit: steps}}")
        #expect(rate(stairs, step: 999) == 0.1)
        #expect(close(rate(stairs, step: 1000), 0.01))
    }

    @Test func inversePolynomialAndCosine() throws {
        let (inverse, _) = try schedule("{inverse_time: {every: 10, rate: 0.5, unit: steps}}")
        #expect(close(rate(inverse, step: 20), 0.05))
        let (poly, _) = try schedule("{polynomial: {duration: 100, end_learning_rate: 0.0, power: 2.0, unit: steps}}")
        #expect(close(rate(poly, step: 50), 0.025))
        #expect(rate(poly, step: 150) == 0)
        let (cosine, _) = try schedule("{cosine: {duration: 100, min_learning_rate: 0.02, unit: steps}}")
        #expect(close(rate(cosine, step: 0), 0.1))
        #expect(close(rate(cosine, step: 50), 0.06))
        #expect(close(rate(cosine, step: 100), 0.02))
        #expect(close(rate(cosine, step: 500), 0.02))
    }

    /// PyTorch's OneCycleLR: step pct·d − 1 = 29 is the peak, step d − 1 = 99 the end.
    @Test func oneCycleRisesToTheMaximumThenAnneals() throws {
        let (s, _) = try schedule("{one_cycle: {max_learning_rate: 1.0, duration: 100, unit: steps}}")
        #expect(close(rate(s, step: 0), 1.0 / 25))
        #expect(close(rate(s, step: 29), 1.0))
        let initial = 1.0 / 25
        let final = initial / 10_000
        #expect(close(rate(s, step: 64), final + (1 - final) / 2))
        #expect(close(rate(s, step: 99), final))
        // Half-way up: the cosine's midpoint between initial and maximum.
        #expect(close(rate(s, step: 14), 1 + (initial - 1) * (1 + cos(.pi * 14 / 29)) / 2))
    }

    /// The notes' linear 1cycle: 0.1 → 1 by step 0.45·100 − 1 = 44, back to 0.1 by step 88,
    /// then annihilated to 0.1/100 at step 99; the cycle momentum mirrors it.
    @Test func linearOneCycleRisesFallsAndAnnihilates() throws {
        let yaml =
            "input: [4]\nlayers: [{dense: 2}]\nloss: mse\noptimizer: {sgd: {momentum: 0.9}}\nschedule: {linear_one_cycle: {max_learning_rate: 1.0, duration: 100, unit: steps}}\nmomentum_schedule: cycle\ntrain: {epochs: 100}\n"
        let result = Driver.check(SourceFile(path: "c.yaml", text: yaml))
        #expect(result.diagnostics.isEmpty, "\(DiagnosticRenderer().render(result.diagnostics))")
        let training = try #require(result.graph).training
        let s = training.schedule
        #expect(close(rate(s, step: 0), 0.1))
        #expect(close(rate(s, step: 22), 0.55))
        #expect(close(rate(s, step: 44), 1.0))
        #expect(close(rate(s, step: 66), 0.55))
        #expect(close(rate(s, step: 88), 0.1))
        #expect(close(rate(s, step: 99), 0.001))
        #expect(close(rate(s, step: 500), 0.001))
        #expect(close(rate(s, step: 94), 0.1 + (0.001 - 0.1) * 6 / 11))
        #expect(s.changesPerStep)
        let m = training.momentumSchedule
        func momentum(_ step: Int) -> Double { m.momentum(base: 0.9, at: TrainingClock(step: step, epoch: 0)) }
        #expect(close(momentum(0), 0.95))
        #expect(close(momentum(22), 0.9))
        #expect(close(momentum(44), 0.85))
        #expect(close(momentum(66), 0.9))
        #expect(close(momentum(88), 0.95))
        #expect(close(momentum(99), 0.95))
    }

    /// A cycle momentum has no cycle to mirror beside another schedule; the linear cycle's
    /// stated maximum makes the optimizer's rate unused (W0203).
    @Test func cycleMomentumNeedsTheLinearCycle() throws {
        let base = "input: [4]\nlayers: [{dense: 2}]\nloss: mse\ntrain: {epochs: 10}\n"
        let lone = Driver.check(
            SourceFile(
                path: "c.yaml",
                text: base + "schedule: {cosine: {duration: 10, unit: epochs}}\nmomentum_schedule: cycle\n"))
        #expect(lone.diagnostics.map(\.code) == [.conflictingKeys])
        #expect(lone.diagnostics.first?.message.contains("but the schedule is cosine") == true)
        let ignored = Driver.check(
            SourceFile(
                path: "c.yaml",
                text: base
                    + "optimizer: {sgd: {learning_rate: 0.3}}\nschedule: {linear_one_cycle: {max_learning_rate: 1.0, duration: 10, unit: epochs}}\n"
            ))
        #expect(ignored.diagnostics.map(\.code) == [.scheduleIgnoresRate])
        #expect(ignored.diagnostics.first?.message.contains("0.1 up to 1.0") == true)
        let tooLong = Driver.check(
            SourceFile(
                path: "c.yaml",
                text: base + "schedule: {linear_one_cycle: {max_learning_rate: 1.0, duration: 11, unit: epochs}}\n"))
        #expect(tooLong.diagnostics.map(\.code) == [.scheduleTooLong])
    }

    @Test func warmupRisesLinearlyThenHandsOverWithItsClockRestarted() throws {
        let (s, _) = try schedule(
            "{warmup: {duration: 10, from: 0.1, then: {cosine: {duration: 90, unit: steps}}, unit: steps}}")
        #expect(close(rate(s, step: 0), 0.01))
        #expect(close(rate(s, step: 5), 0.1 * (0.1 + 0.9 * 0.5)))
        #expect(close(rate(s, step: 10), 0.1))
        #expect(close(rate(s, step: 55), 0.05))
        // A warm-up in epochs hands over to a schedule in steps: 2 epochs × 10 steps.
        let (mixed, _) = try schedule(
            "{warmup: {duration: 2, then: {exponential: {rate: 0.5, every: 10, unit: steps}}, unit: epochs}}")
        #expect(close(rate(mixed, step: 10), 0.05))  // epoch 1 of 2: half-way
        #expect(close(rate(mixed, step: 20), 0.1))  // then's t = 0
        #expect(close(rate(mixed, step: 30), 0.05))  // then's t = 10
    }

    /// Keras's ReduceLROnPlateau, traced by hand with patience 2, factor 0.5, cooldown 1.
    @Test func plateauReducesAfterPatienceThenCoolsDown() throws {
        let (s, _) = try schedule(
            "{reduce_on_plateau: {monitor: val_loss, factor: 0.5, patience: 2, cooldown: 1, min_delta: 0.0}}")
        let rule = try #require(s.plateauRule)
        var state = PlateauState(rule: rule)
        let values = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.5]
        var reduced: [Bool] = []
        for v in values { reduced.append(state.endEpoch(value: v, rule: rule, baseRate: 0.1)) }
        // 0.95: wait 1; 0.96: wait 2 → reduce (cooldown 1); 0.97: cooldown ends, wait 1;
        // 0.98: wait 2 → reduce; 0.99: cooldown ends, wait 1; 0.5 improves.
        #expect(reduced == [false, false, false, true, false, true, false, false])
        #expect(close(state.factor, 0.25))
        #expect(
            close(
                s.rate(base: 0.1, at: TrainingClock(step: 0, epoch: 0), stepsPerEpoch: 1, plateauFactor: state.factor),
                0.025))
    }

    @Test func plateauNeverGoesBelowTheMinimum() throws {
        let (s, _) = try schedule("{reduce_on_plateau: {factor: 0.1, patience: 0, min_learning_rate: 0.005}}")
        let rule = try #require(s.plateauRule)
        var state = PlateauState(rule: rule)
        for v in [1.0, 2.0, 3.0, 4.0] { _ = state.endEpoch(value: v, rule: rule, baseRate: 0.1) }
        #expect(close(0.1 * state.factor, 0.005))
    }

    @Test func earlyStoppingWaitsPatienceEpochs() throws {
        let graph = try #require(
            Driver.check(
                SourceFile(
                    path: "e.yaml",
                    text: """
                        input: [4]
                        layers: [{dense: 2}]
                        loss: mse
                        train: {early_stopping: {monitor: val_loss, patience: 2}}
                        """)
            ).graph)
        var stopping = EarlyStopping(try #require(graph.training.train.earlyStopping))
        let verdicts = [1.0, 0.9, 0.95, 0.96].enumerated().map { stopping.endEpoch($0.offset, value: $0.element) }
        #expect(verdicts == [.improved, .improved, .keepGoing, .stop])
        #expect(stopping.bestEpoch == 1)
        var accuracy = MetricMonitor(metric: "val_accuracy")
        #expect(accuracy.mode == .max)
        #expect(accuracy.observe(0.8) && !accuracy.observe(0.7) && accuracy.observe(0.81))
    }

    @Test func momentumRampsLinearly() throws {
        let yaml =
            "input: [4]\nlayers: [{dense: 2}]\nloss: mse\noptimizer: {sgd: {learning_rate: 0.1, momentum: 0.5}}\nmomentum_schedule: {linear: {from: 0.5, to: 0.9, duration: 10, unit: steps}}\ntrain: {epochs: 5}\n"
        let m = try #require(Driver.check(SourceFile(path: "m.yaml", text: yaml)).graph).training.momentumSchedule
        #expect(close(m.momentum(base: 0.5, at: TrainingClock(step: 5, epoch: 0)), 0.7))
        #expect(close(m.momentum(base: 0.5, at: TrainingClock(step: 20, epoch: 2)), 0.9))
        #expect(MomentumSchedule.constant.momentum(base: 0.5, at: TrainingClock(step: 3, epoch: 0)) == 0.5)
    }
}
