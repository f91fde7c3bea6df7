import NNCPlan

/// The one allocation a plan runs in: the persistent segment (parameters, optimizer state,
/// statistics, folded weights), then the planned arena of transient buffers, then GEMM
/// packing workspace for each thread. 64-byte aligned; zeroed once.
///
/// A second plan of the same model (the training plan for a short last batch) can borrow
/// another arena's persistent segment, so both read and update the same parameters and
/// optimizer state; its own allocation then holds only its transient buffers.
public final class Arena: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    /// Where the persistent segment lives: at `base`, or in the arena it was borrowed from.
    public let persistentBase: UnsafeMutableRawPointer
    /// The arena whose persistent segment this one borrows (kept alive while in use).
    let lender: Arena?
    public let bytes: Int
    public let persistentBytes: Int
    public let arenaBytes: Int
    public let workspaceBytes: Int

    init(persistentBytes: Int, arenaBytes: Int, workspaceBytes: Int, borrowingFrom lender: Arena? = nil) {
        self.persistentBytes = ArenaLayout.align(persistentBytes)
        self.arenaBytes = ArenaLayout.align(arenaBytes)
        self.workspaceBytes = ArenaLayout.align(workspaceBytes)
        precondition(
            lender == nil || lender!.persistentBytes == self.persistentBytes,
            "a borrowed persistent segment has the same size")
        self.lender = lender
        let own = lender == nil ? self.persistentBytes : 0
        bytes = max(ArenaLayout.alignment, own + self.arenaBytes + self.workspaceBytes)
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: ArenaLayout.alignment)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        persistentBase = lender?.persistentBase ?? base
        transientBase = base + own
    }

    deinit { base.deallocate() }

    let transientBase: UnsafeMutableRawPointer
    var workspace: UnsafeMutablePointer<Float> { (transientBase + arenaBytes).assumingMemoryBound(to: Float.self) }
}
