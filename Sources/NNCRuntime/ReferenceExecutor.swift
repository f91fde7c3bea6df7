import CNNCKernels
import Foundation
import NNCGraph
import NNCPlan

/// Runs the same plan as `Executor` in double precision with naive kernels written from
/// the formulas (no GEMM, no im2col, no shared code with the fast kernels except the
/// dropout mask hash). It makes gradient checks exact enough to trust and is the
/// yardstick the fast float kernels are compared against. Each buffer owner gets its own
/// storage, so it does not depend on the memory planner either.
public final class ReferenceExecutor: @unchecked Sendable {
    public let plan: ExecutionPlan
    let storage: [UnsafeMutablePointer<Double>]
    public var steps = 0
    public var seed: UInt64 = 0

    public init(plan: ExecutionPlan) {
        self.plan = plan
        var owned: [BufferID: UnsafeMutablePointer<Double>] = [:]
        for b in plan.buffers where b.viewOf == nil {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, b.elements))
            p.initialize(repeating: plan.initialValues[b.id] ?? 0, count: max(1, b.elements))
            owned[b.id] = p
        }
        storage = plan.buffers.map { owned[plan.root($0.id)]! }
    }

    deinit {
        for b in plan.buffers where b.viewOf == nil { storage[b.id.rawValue].deallocate() }
    }

    public func pointer(_ id: BufferID) -> UnsafeMutablePointer<Double> { storage[id.rawValue] }

    public func write(_ id: BufferID, _ values: [Double]) {
        precondition(
            values.count == plan[id].elements, "\(plan[id].name) holds \(plan[id].elements) values, got \(values.count)"
        )
        for (i, v) in values.enumerated() { storage[id.rawValue][i] = v }
    }

    public func read(_ id: BufferID) -> [Double] {
        Array(UnsafeBufferPointer(start: storage[id.rawValue], count: plan[id].elements))
    }

    /// The data loss plus the regularization penalty, as `Executor.loss`.
    public var loss: Double { dataLoss + penalty }

    public var dataLoss: Double {
        guard let id = plan.loss else { return .nan }
        let values = read(id)
        return values.reduce(0, +) / Double(values.count)
    }

    public var penalty: Double { plan.penalty.map { storage[$0.rawValue][0] } ?? 0 }

    public var gradientNorm: Double? { plan.gradientNorm.map { storage[$0.rawValue][0] } }

    public func initializeParameters(seed: UInt64) {
        for (p, values) in zip(plan.parameters, ParameterInitializer.values(for: plan, seed: seed)) {
            write(p.buffer, values)
        }
        prepare()
    }

    public func prepare() {
        for instruction in plan.prepare { execute(instruction, learningRate: 0) }
    }

    public func run(learningRate: Double = 0) {
        for instruction in plan.instructions { execute(instruction, learningRate: learningRate) }
        if plan.options.mode == .training { steps += 1 }
    }

    /// Same mask as the fast executor: the hash of (seed, step, salt) and the element index.
    func dropoutSeed(_ salt: UInt64) -> UInt64 { NNCRuntime.dropoutSeed(seed: seed, step: steps, salt: salt) }
}
