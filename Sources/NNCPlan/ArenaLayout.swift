import Foundation

/// Where every transient buffer lives in the arena, with the figures every plan reports:
/// the arena it chose, the naive sum of all buffers, the lower bound (the largest sum of
/// simultaneously live bytes) and the step where that peak occurs.
public struct ArenaLayout: Sendable {
    /// Offsets are multiples of this, so each buffer starts on a cache line (64 bytes).
    public static let alignment = 64

    public static func align(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }

    public var buffers: [BufferLifetime]
    public var offsets: [BufferID: Int]
    /// Bytes the arena needs: the end of the highest-placed buffer.
    public var arenaBytes: Int
    public var naiveBytes: Int
    public var lowerBoundBytes: Int
    /// The step at which the live bytes reach the lower bound.
    public var peakStep: Int
    /// The planner that made it.
    public var planner: String

    public init(buffers: [BufferLifetime], offsets: [BufferID: Int], planner: String) {
        self.buffers = buffers
        self.offsets = offsets
        self.planner = planner
        arenaBytes = buffers.map { offsets[$0.id]! + $0.alignedBytes }.max() ?? 0
        naiveBytes = buffers.reduce(0) { $0 + $1.alignedBytes }
        (lowerBoundBytes, peakStep) = Self.peak(buffers)
    }

    /// The largest sum of simultaneously live (aligned) bytes, and the first step with it:
    /// no placement can use less. A sweep over lifetime starts and ends.
    public static func peak(_ buffers: [BufferLifetime]) -> (bytes: Int, step: Int) {
        var events: [(step: Int, delta: Int)] = []
        for b in buffers {
            events.append((b.first, b.alignedBytes))
            events.append((b.last + 1, -b.alignedBytes))
        }
        // At equal steps, frees (negative) come first: a buffer ending at s − 1 is dead at s.
        events.sort { $0.step != $1.step ? $0.step < $1.step : $0.delta < $1.delta }
        var live = 0
        var best = 0
        var bestStep = 0
        for e in events {
            live += e.delta
            if live > best {
                best = live
                bestStep = e.step
            }
        }
        return (best, bestStep)
    }

    /// Problems with the layout: a buffer without an offset, a misaligned offset, or two
    /// buffers live at the same time whose byte ranges overlap. Empty when correct.
    public func verify() -> [String] {
        var problems: [String] = []
        for b in buffers {
            guard let offset = offsets[b.id] else {
                problems.append("\(b.id) has no offset")
                continue
            }
            if offset % Self.alignment != 0 {
                problems.append("\(b.id) at \(offset) is not \(Self.alignment)-byte aligned")
            }
        }
        // Sort by offset; any overlap in bytes between time-overlapping buffers is an error.
        let placed = buffers.filter { offsets[$0.id] != nil && $0.bytes > 0 }.sorted {
            offsets[$0.id]! < offsets[$1.id]!
        }
        for (i, a) in placed.enumerated() {
            let aEnd = offsets[a.id]! + a.bytes
            for b in placed[(i + 1)...] {
                let bStart = offsets[b.id]!
                if bStart >= aEnd { break }
                if a.overlapsInTime(b) {
                    problems.append(
                        "\(a.id) [\(offsets[a.id]!), \(aEnd)) and \(b.id) [\(bStart), \(bStart + b.bytes)) overlap while both live (steps \(max(a.first, b.first))–\(min(a.last, b.last)))"
                    )
                }
            }
        }
        return problems
    }

    /// An ASCII lifetime map: one row per buffer, `#` where it is live, with its offset.
    public func lifetimeMap(width: Int = 60) -> String {
        let steps = (buffers.map(\.last).max() ?? 0) + 1
        let scale = max(1, (steps + width - 1) / width)
        var out = ""
        for b in buffers.sorted(by: { (offsets[$0.id] ?? 0, $0.id) < (offsets[$1.id] ?? 0, $1.id) }) {
            var row = ""
            for column in 0..<((steps + scale - 1) / scale) {
                let lo = column * scale
                let hi = lo + scale - 1
                row += lo <= b.last && b.first <= hi ? "#" : "."
            }
            let offset = offsets[b.id].map(String.init) ?? "?"
            out +=
                "\(String(describing: b.id).padding(toLength: 6, withPad: " ", startingAt: 0)) @\(offset.padding(toLength: 10, withPad: " ", startingAt: 0)) \(row)\n"
        }
        return out
    }
}
