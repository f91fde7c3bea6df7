/// How an instruction uses an operand.
public enum Access: String, Sendable {
    case read = "in", write = "out", readWrite = "inout"
}

public struct Operand: Sendable, Equatable {
    public var buffer: BufferID
    public var access: Access
    public init(_ buffer: BufferID, _ access: Access) {
        self.buffer = buffer
        self.access = access
    }
}

/// Which part of a training step an instruction belongs to.
public enum Phase: String, Sendable {
    case prepare, forward, loss, backward, update
}

/// One step of a plan: a kernel and its operands in the order the kernel documents.
public struct Instruction: Sendable {
    public var kernel: Kernel
    public var operands: [Operand]
    /// The layer it comes from (the loss and optimizer name themselves).
    public var layer: String
    public var phase: Phase

    public init(_ kernel: Kernel, _ operands: [Operand], layer: String, phase: Phase) {
        self.kernel = kernel
        self.operands = operands
        self.layer = layer
        self.phase = phase
    }

    public var reads: [BufferID] { operands.filter { $0.access != .write }.map(\.buffer) }
    public var writes: [BufferID] { operands.filter { $0.access != .read }.map(\.buffer) }
}
