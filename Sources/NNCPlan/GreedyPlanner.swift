/// The planner used for real plans (the approach of TFLite's greedy planner and of
/// "Efficient memory management for deep neural net inference", Pisarchyk & Lee 2020):
/// take buffers in some order (largest first by default); put each in the smallest gap,
/// among the buffers already placed that are live at the same time, that fits it (best
/// fit), or above them all. Several orderings are tried and the smallest arena kept;
/// trying stops as soon as an arena reaches the lower bound, which no layout can beat.
///
/// Limits: greedy placement is not optimal in general (the problem is NP-hard), so an
/// arena may exceed the lower bound; the reported figures show by how much.
/// Cost: O(n²) per ordering for n buffers.
public struct GreedyPlanner: MemoryPlanner {
    /// The orderings tried, in turn.
    public enum Ordering: String, CaseIterable, Sendable {
        case largestFirst, longestFirst, largestAreaFirst, earliestFirst
    }

    public var orderings: [Ordering]

    public init(orderings: [Ordering] = Ordering.allCases) { self.orderings = orderings }
    public var name: String { "greedy" }

    public func plan(_ buffers: [BufferLifetime]) -> ArenaLayout {
        let bound = ArenaLayout.peak(buffers).bytes
        var best: ArenaLayout?
        for ordering in orderings {
            let layout = ArenaLayout(buffers: buffers, offsets: place(sorted(buffers, ordering)), planner: "\(name) (\(ordering.rawValue))")
            if best == nil || layout.arenaBytes < best!.arenaBytes { best = layout }
            if best!.arenaBytes <= bound { break }
        }
        return best ?? ArenaLayout(buffers: buffers, offsets: [:], planner: name)
    }

    func sorted(_ buffers: [BufferLifetime], _ ordering: Ordering) -> [BufferLifetime] {
        // Ties break on id so plans are deterministic.
        func key(_ b: BufferLifetime) -> (Int, Int, Int) {
            let length = b.last - b.first + 1
            switch ordering {
            case .largestFirst: return (-b.alignedBytes, -length, b.id.rawValue)
            case .longestFirst: return (-length, -b.alignedBytes, b.id.rawValue)
            case .largestAreaFirst: return (-b.alignedBytes * length, -b.alignedBytes, b.id.rawValue)
            case .earliestFirst: return (b.first, -b.alignedBytes, b.id.rawValue)
            }
        }
        return buffers.sorted { key($0) < key($1) }
    }

    /// A placed buffer: its byte range and its lifetime.
    struct Slot {
        var start: Int, end: Int, first: Int, last: Int
    }

    /// Best-fit placement in the given order. Placed buffers are kept sorted by offset, so
    /// one pass over them finds every gap among those live at the same time: O(n) per buffer.
    func place(_ order: [BufferLifetime]) -> [BufferID: Int] {
        var offsets: [BufferID: Int] = [:]
        offsets.reserveCapacity(order.count)
        var slots: [Slot] = []
        slots.reserveCapacity(order.count)
        for b in order {
            let size = b.alignedBytes
            var bestOffset = -1
            var bestGap = Int.max
            var cursor = 0
            for slot in slots where slot.first <= b.last && b.first <= slot.last {
                let gap = slot.start - cursor
                if gap >= size, gap < bestGap {
                    bestGap = gap
                    bestOffset = cursor
                }
                cursor = max(cursor, slot.end)
            }
            let offset = bestOffset >= 0 ? bestOffset : cursor
            offsets[b.id] = offset
            // Insert keeping `slots` sorted by start (binary search for the position).
            var lo = 0, hi = slots.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if slots[mid].start <= offset { lo = mid + 1 } else { hi = mid }
            }
            slots.insert(Slot(start: offset, end: offset + size, first: b.first, last: b.last), at: lo)
        }
        return offsets
    }
}
