/// Typed id of a planned buffer.
public struct BufferID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (a: BufferID, b: BufferID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "b\(rawValue)" }
}

/// A transient buffer to place in the arena: its size and the steps (instruction
/// indices, inclusive) from its first write to its last read.
public struct BufferLifetime: Sendable, Equatable {
    public var id: BufferID
    public var bytes: Int
    public var first: Int
    public var last: Int

    public init(id: BufferID, bytes: Int, first: Int, last: Int) {
        precondition(bytes >= 0 && first <= last, "a lifetime needs bytes ≥ 0 and first ≤ last")
        self.id = id
        self.bytes = bytes
        self.first = first
        self.last = last
    }

    /// Bytes rounded up to the arena alignment, so every offset stays aligned.
    public var alignedBytes: Int { ArenaLayout.align(bytes) }

    /// True when both buffers are live at some common step.
    public func overlapsInTime(_ other: BufferLifetime) -> Bool { first <= other.last && other.first <= last }
}
