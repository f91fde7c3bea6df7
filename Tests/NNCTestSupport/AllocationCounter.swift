import CAllocationCounter
import Testing

/// Whether the interposed allocator counts this process's heap allocations (glibc). When it
/// does not, the allocation tests record an issue instead of passing on a counter that sees
/// nothing. The interposer learns it is active on the first allocation it serves, hence the
/// array made before asking twice.
public func allocationCounterIsActive(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    if nnc_allocation_counter_active() == 0 { _ = [Int](repeating: 0, count: 1000) }
    guard nnc_allocation_counter_active() != 0 else {
        Issue.record("the allocation counter is not active on this platform", sourceLocation: sourceLocation)
        return false
    }
    return true
}
