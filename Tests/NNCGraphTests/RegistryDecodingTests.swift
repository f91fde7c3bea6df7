import NNCSpec
import Testing

@testable import NNCGraph

/// Every kind the registry admits decodes to a typed value with its defaults. The decoders
/// map a registry name to a case by string (the one place names meet cases), so a kind added
/// to the registry without a case fails here instead of trapping in a user's run.
@Suite struct RegistryDecodingTests {
    static func names(_ family: Family) -> [String] { family.kinds.map(\.name) }

    @Test func everyLayerKindDecodesToItsOp() {
        for name in Self.names(Registry.layers) {
            let op = Op(decoding: defaultComponent(Registry.layers, name))
            #expect(op.kind.rawValue == name)
        }
    }

    @Test func everyActivationDecodesUnderItsName() {
        for name in Self.names(Registry.activations) {
            #expect(LayerActivation(decoding: defaultComponent(Registry.activations, name)).name == name)
        }
    }

    @Test func everyTrainingComponentDecodesUnderItsName() {
        for name in Self.names(Registry.losses) {
            #expect(Loss(decoding: defaultComponent(Registry.losses, name)).name == name)
        }
        for name in Self.names(Registry.optimizers) {
            #expect(Optimizer(decoding: defaultComponent(Registry.optimizers, name)).name == name)
        }
        for name in Self.names(Registry.schedules) {
            #expect(LearningRateSchedule(decoding: defaultComponent(Registry.schedules, name)).name == name)
        }
        // Metrics print Keras's names and momentum schedules have none: decoding must not trap.
        for name in Self.names(Registry.metrics) { _ = Metric(decoding: defaultComponent(Registry.metrics, name)) }
        for name in Self.names(Registry.momentumSchedules) {
            _ = MomentumSchedule(decoding: defaultComponent(Registry.momentumSchedules, name), mirroring: .constant)
        }
    }

    @Test func everyWeightComponentAndTaskDecodes() {
        for name in Self.names(Registry.initializers) {
            _ = Initializer(decoding: defaultComponent(Registry.initializers, name))
        }
        for name in Self.names(Registry.regularizers) {
            _ = Regularizer(decoding: defaultComponent(Registry.regularizers, name))
        }
        for name in Self.names(Registry.constraints) {
            _ = WeightConstraint(decoding: defaultComponent(Registry.constraints, name))
        }
        for name in Self.names(Registry.sequenceTasks) {
            _ = DataConfiguration.GeneratedTask(decoding: defaultComponent(Registry.sequenceTasks, name))
        }
    }
}
