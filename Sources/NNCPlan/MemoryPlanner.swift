/// Places transient buffers in one arena so that no two buffers live at the same time
/// share bytes. Implementations trade planning effort for arena size; every layout
/// reports the naive sum and the lower bound so the choice can be judged.
public protocol MemoryPlanner: Sendable {
    var name: String { get }
    func plan(_ buffers: [BufferLifetime]) -> ArenaLayout
}

/// The baseline: every buffer gets its own bytes, one after another. Arena = naive sum.
public struct LinearPlanner: MemoryPlanner {
    public init() {}
    public var name: String { "linear" }

    public func plan(_ buffers: [BufferLifetime]) -> ArenaLayout {
        var offsets: [BufferID: Int] = [:]
        var next = 0
        for b in buffers {
            offsets[b.id] = next
            next += b.alignedBytes
        }
        return ArenaLayout(buffers: buffers, offsets: offsets, planner: name)
    }
}
