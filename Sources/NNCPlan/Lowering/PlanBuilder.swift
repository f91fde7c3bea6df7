/// The plan as it is being built: its buffers, its instructions and the starting values of
/// persistent buffers. It decides nothing; it keeps creation order, which is the plan's
/// identity: a buffer's id is its index (what plan dumps, goldens and the memory planner
/// see), and instructions run in the order they were emitted. Instructions of the
/// `prepare` phase (weights packed or folded once, after the parameters are set) go to
/// their own list; every other phase is one step.
struct PlanBuilder {
    private(set) var buffers: [PlanBuffer] = []
    private(set) var prepare: [Instruction] = []
    private(set) var instructions: [Instruction] = []
    /// Persistent buffers that start at a value other than zero (adagrad's accumulator,
    /// moving variances).
    var initialValues: [BufferID: Double] = [:]

    /// A new buffer; its id is the next index.
    mutating func buffer(
        _ name: String, _ shape: [Int], _ role: BufferRole, type: ElementType = .float32,
        viewOf: BufferID? = nil
    ) -> BufferID {
        let id = BufferID(buffers.count)
        buffers.append(PlanBuffer(id: id, name: name, shape: shape, type: type, role: role, viewOf: viewOf))
        return id
    }

    subscript(id: BufferID) -> PlanBuffer { buffers[id.rawValue] }

    /// Appends an instruction to the step, or to `prepare` when that is its phase.
    mutating func emit(_ kernel: Kernel, _ operands: [Operand], layer: String, phase: Phase) {
        let instruction = Instruction(kernel, operands, layer: layer, phase: phase)
        if phase == .prepare { prepare.append(instruction) } else { instructions.append(instruction) }
    }
}
