import CNNCKernels
import Dispatch
import NNCKernels
import NNCPlan

/// Runs a plan with the fast kernels in one `Arena`. Every address is resolved when the
/// executor is made, so a step walks the instruction list and calls kernels: after the
/// first step it allocates nothing on the heap.
public final class Executor: @unchecked Sendable {
    public let plan: ExecutionPlan
    public let pool: ThreadPool
    public let arena: Arena
    /// Address of every buffer (a view's is its owner's).
    let addresses: [UnsafeMutableRawPointer]
    /// Operand addresses of each instruction, flattened, and where each instruction's begin.
    let operands: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let operandStart: [Int]
    /// Input pointers for n-ary adds and merges (filled per instruction, never reallocated).
    let addInputs: UnsafeMutablePointer<UnsafePointer<Float>?>
    let maxAddInputs: Int
    /// Optimizer steps taken: Adam's t, and the dropout masks' step number.
    public var steps = 0
    /// Seeds dropout masks (with the step and the layer's salt).
    public var seed: UInt64 = 0
    /// This step's momentum when a momentum schedule sets it (SGD and RMSprop); nil keeps
    /// the optimizer's own.
    public var momentum: Float?
    /// Index of the last loss-phase instruction (the loss, then the penalty): forward ends
    /// there, backward starts after it.
    let lossInstruction: Int?

    public convenience init(plan: ExecutionPlan, threads: Int = ThreadPool.availableCores) {
        self.init(plan: plan, pool: ThreadPool(threads: threads))
    }

    /// An executor on an existing pool. With `sharingParametersOf`, the plan (the same model
    /// compiled for another batch size) uses that executor's persistent segment: parameters,
    /// optimizer state and statistics are shared, not copied.
    public init(plan: ExecutionPlan, pool: ThreadPool, sharingParametersOf other: Executor? = nil) {
        self.plan = plan
        self.pool = pool
        if let other {
            precondition(
                Self.persistentLayout(plan) == Self.persistentLayout(other.plan),
                "plans that share parameters have the same persistent segment")
        }
        let workspace = Self.workspaceFloats(plan, threads: pool.threads)
        arena = Arena(
            persistentBytes: plan.persistentBytes, arenaBytes: plan.arenaBytes, workspaceBytes: workspace * 4,
            borrowingFrom: other?.arena)
        var addresses: [UnsafeMutableRawPointer] = []
        for b in plan.buffers {
            let root = plan.root(b.id)
            if let offset = plan.persistentOffsets[root] {
                addresses.append(arena.persistentBase + offset)
            } else {
                addresses.append(arena.transientBase + (plan.layout.offsets[root] ?? 0))
            }
        }
        self.addresses = addresses
        let all = plan.prepare + plan.instructions
        let count = all.reduce(0) { $0 + $1.operands.count }
        operands = .allocate(capacity: max(1, count))
        var start: [Int] = []
        var next = 0
        for instruction in all {
            start.append(next)
            for operand in instruction.operands {
                operands[next] = addresses[operand.buffer.rawValue]
                next += 1
            }
        }
        operandStart = start
        maxAddInputs =
            all.map {
                switch $0.kernel {
                case .add(_, let n), .combine(_, _, let n), .combineBackward(_, _, let n, _): n
                default: 0
                }
            }.max() ?? 0
        addInputs = .allocate(capacity: max(1, maxAddInputs))
        lossInstruction = plan.instructions.lastIndex { $0.phase == .loss }
        if other == nil { for (id, value) in plan.initialValues { fill(id, with: Float(value)) } }
    }

    /// Name, offset and size of every persistent buffer: equal for plans that can share a segment.
    static func persistentLayout(_ plan: ExecutionPlan) -> [String] {
        plan.buffers.compactMap { b in plan.persistentOffsets[b.id].map { "\(b.name)@\($0)+\(b.bytes)" } }
    }

    deinit {
        operands.deallocate()
        addInputs.deallocate()
    }

    /// Kernel workspace (GEMM panels, packed convolution weights): the largest any instruction
    /// of the plan needs with `threads` threads.
    static func workspaceFloats(_ plan: ExecutionPlan, threads: Int) -> Int {
        var most = 0
        func need(_ m: Int, _ n: Int, _ k: Int) {
            most = max(most, GEMM.workspaceFloats(m: m, n: n, k: k, threads: threads))
        }
        for instruction in plan.prepare + plan.instructions {
            switch instruction.kernel {
            case .dense(let rows, let inputs, let units, _, _, _):
                need(rows, units, inputs)
            case .denseBackwardData(let rows, let inputs, let units):
                need(rows, inputs, units)
            case .denseBackwardWeights(let rows, let inputs, let units, _):
                need(inputs, units, rows)
            case .convolution(let s, _, _) where s.isPointwise:
                need(s.window.positions, s.filters, s.patch)
            case .convolutionBackwardData(let s) where s.isPointwise:
                need(s.window.positions, s.patch, s.filters)
            case .convolutionBackwardWeights(let s, _) where s.isPointwise:
                need(s.patch, s.filters, s.window.positions)
            case .convolution(let s, _, _), .convolutionBackwardData(let s), .convolutionBackwardWeights(let s, _):
                most = max(most, ConvolutionKernel.workspaceFloats(s.raw, threads: threads))
            case .convolutionMaxPool(let s, _, _, let pool, _):
                most = max(most, ConvolutionKernel.maxPoolWorkspaceFloats(s.raw, pool: pool.raw, threads: threads))
            case .recurrent(let s), .recurrentBackward(let s):
                most = max(most, recurrentWorkspaceFloats(s, threads: threads))
            case .headProduct(let p):
                most = max(most, p.workspaceFloats(threads: threads))
            case .treeLSTM(let s), .treeLSTMBackward(let s):
                // Every product the kernels run (TreeShape's products and their transposes).
                let (slots, u) = (s.slots, s.units)
                need(slots, s.inputGates, s.features)
                need(s.features, s.inputGates, slots)
                need(slots, s.features, s.inputGates)
                need(slots, s.recurrentColumns, s.recurrentRows)
                need(s.recurrentRows, s.recurrentColumns, slots)
                need(slots, s.recurrentRows, s.recurrentColumns)
                need(slots, u, u)
                need(u, u, slots)
            case .recurrentWeightsGradient(let s):
                for k in 0..<s.products { need(s.units, s.productColumns(k).count, s.batch * s.steps) }
            case .biasActivation, .columnSums, .maxPool, .maxPoolBackward, .averagePool, .averagePoolBackward,
                .globalAveragePool, .globalAveragePoolBackward, .activation, .activationBackward, .softmax,
                .softmaxBackward,
                .dropout, .dropoutBackward, .batchNormTraining, .batchNormInference, .batchNormBackward,
                .packWeights, .foldBatchNorm, .layerNorm, .layerNormBackward, .add, .accumulate, .concat,
                .concatBackward, .embedding, .embeddingBackward, .loss, .update, .penalty, .penaltyGradient,
                .clipByValue, .clipByGlobalNorm, .weightDecay, .constrain, .swishLearnable,
                .swishLearnableBackward, .packRecurrentWeights, .dropoutMask, .scaleSteps, .sequenceMask,
                .merge, .mergeBackward, .combine, .combineBackward, .attentionMask, .addPositions,
                .addPositionsBackward, .reframe, .upsample, .upsampleBackward, .alphaDropout, .alphaDropoutBackward,
                .prelu, .preluBackward, .broadcast, .broadcastBackward, .groupNorm, .groupNormBackward, .l2Pool,
                .l2PoolBackward:
                break
            }
        }
        return most
    }

    /// The float elements of a buffer.
    public func pointer(_ id: BufferID) -> UnsafeMutablePointer<Float> {
        addresses[id.rawValue].assumingMemoryBound(to: Float.self)
    }

    public func int32Pointer(_ id: BufferID) -> UnsafeMutablePointer<Int32> {
        addresses[id.rawValue].assumingMemoryBound(to: Int32.self)
    }

    public func fill(_ id: BufferID, with value: Float) {
        pointer(id).update(repeating: value, count: plan[id].elements)
    }

    /// Copies values into a float buffer (counts must match).
    public func write(_ id: BufferID, _ values: [Float]) {
        precondition(
            values.count == plan[id].elements, "\(plan[id].name) holds \(plan[id].elements) values, got \(values.count)"
        )
        values.withUnsafeBufferPointer { pointer(id).update(from: $0.baseAddress!, count: values.count) }
    }

    public func write(_ id: BufferID, _ values: [Int32]) {
        precondition(
            values.count == plan[id].elements, "\(plan[id].name) holds \(plan[id].elements) values, got \(values.count)"
        )
        values.withUnsafeBufferPointer { int32Pointer(id).update(from: $0.baseAddress!, count: values.count) }
    }

    /// Writes numbers into a buffer of either type (token ids and class labels are int32).
    public func write(_ id: BufferID, numbers: [Double]) {
        if plan[id].type == .int32 { write(id, numbers.map { Int32($0) }) } else { write(id, numbers.map(Float.init)) }
    }

    public func read(_ id: BufferID) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer(id), count: plan[id].elements))
    }

    /// The loss of the last step as Keras reports it: the data loss plus the regularization penalty.
    public var loss: Double { dataLoss + penalty }

    /// The mean of the per-row losses of the last step.
    public var dataLoss: Double {
        guard let id = plan.loss else { return .nan }
        let p = pointer(id)
        let n = plan[id].elements
        var sum = 0.0
        for i in 0..<n { sum += Double(p[i]) }
        return sum / Double(n)
    }

    /// The last step's L1/L2 penalty (0 when the spec declares none).
    public var penalty: Double { plan.penalty.map { Double(pointer($0).pointee) } ?? 0 }

    /// The last step's global gradient norm before clipping (plans with `clip_norm` only).
    public var gradientNorm: Double? { plan.gradientNorm.map { Double(pointer($0).pointee) } }

    /// Runs the plan's `prepare` instructions (folding batchnorm into weights); call after
    /// setting parameters.
    public func prepare() {
        for i in plan.prepare.indices { execute(plan.prepare[i], operandStart[i], learningRate: 0) }
    }

    /// One step with each instruction timed: seconds per instruction, for `nnc bench --profile`.
    public func profile(learningRate: Float = 0) -> [Double] {
        let offset = plan.prepare.count
        var seconds: [Double] = []
        for i in plan.instructions.indices {
            let start = DispatchTime.now().uptimeNanoseconds
            execute(plan.instructions[i], operandStart[offset + i], learningRate: learningRate)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        if plan.options.mode == .training { steps += 1 }
        return seconds
    }

    /// One step: forward (and loss, backward and updates when training). `learningRate` is
    /// this step's scheduled rate.
    public func run(learningRate: Float = 0) {
        let offset = plan.prepare.count
        for i in plan.instructions.indices {
            execute(plan.instructions[i], operandStart[offset + i], learningRate: learningRate)
        }
        if plan.options.mode == .training { steps += 1 }
    }

    /// The first half of a training step: forward and the loss, no parameter changed yet,
    /// so a caller can look at the loss before deciding to go on (`runBackward`).
    public func runForward() {
        let end = lossInstruction.map { $0 + 1 } ?? plan.instructions.count
        let offset = plan.prepare.count
        for i in 0..<end { execute(plan.instructions[i], operandStart[offset + i], learningRate: 0) }
    }

    /// The second half of a training step after `runForward`: backward and the updates.
    public func runBackward(learningRate: Float) {
        let start = lossInstruction.map { $0 + 1 } ?? plan.instructions.count
        let offset = plan.prepare.count
        for i in start..<plan.instructions.count {
            execute(plan.instructions[i], operandStart[offset + i], learningRate: learningRate)
        }
        if plan.options.mode == .training { steps += 1 }
    }
}
