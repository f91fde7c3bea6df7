import NNCPlan

/// The one allocation a plan runs in: the persistent segment (parameters, optimizer state,
/// statistics, folded weights), then the planned arena of transient buffers, then GEMM
/// packing workspace for each thread. 64-byte aligned; zeroed once.
public final class Arena: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let bytes: Int
    public let persistentBytes: Int
    public let arenaBytes: Int
    public let workspaceBytes: Int

    init(persistentBytes: Int, arenaBytes: Int, workspaceBytes: Int) {
        self.persistentBytes = ArenaLayout.align(persistentBytes)
        self.arenaBytes = ArenaLayout.align(arenaBytes)
        self.workspaceBytes = ArenaLayout.align(workspaceBytes)
        bytes = max(ArenaLayout.alignment, self.persistentBytes + self.arenaBytes + self.workspaceBytes)
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: ArenaLayout.alignment)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    deinit { base.deallocate() }

    var transientBase: UnsafeMutableRawPointer { base + persistentBytes }
    var workspace: UnsafeMutablePointer<Float> { (base + persistentBytes + arenaBytes).assumingMemoryBound(to: Float.self) }
}
