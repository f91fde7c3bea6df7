import Foundation
import NNCGraph
import NNCPlan
import NNCSpec

/// Plans are refused before their arenas are allocated when they need more memory than the
/// machine has free: an arena is zeroed when it is made, so a plan larger than memory would
/// abort in the allocator or be killed, not fail with a message.
public enum MemoryBudget {
    /// Bytes this process can still take: the memory the system reports available (Linux's
    /// MemAvailable, else the physical memory), and no more than an address-space or data
    /// limit (`ulimit -v`, `ulimit -d`) leaves beside what the process already maps.
    public static func availableBytes() -> Int {
        var available = systemAvailableBytes() ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let mapped = mappedBytes()
        for resource in [RLIMIT_AS, RLIMIT_DATA] {
            var limit = rlimit()
            // Glibc types the resource as its own enum; other C libraries as an int.
            guard getrlimit(resourceArgument(resource), &limit) == 0, limit.rlim_cur != unlimited else { continue }
            available = min(available, max(0, Int(clamping: limit.rlim_cur) - mapped))
        }
        return available
    }

    /// E0403 when `bytes` (every plan allocated together) exceed `available`: the size, what
    /// is free, and the largest batch whose `mode` plan fits; nil when they fit.
    public static func refusal(
        needing bytes: Int, what: String, mode: LoweringOptions.Mode, batch: Int, graph: Graph, spec: ModelSpec,
        at location: SourceLocation, available: Int = availableBytes()
    ) -> Diagnostic? {
        guard bytes > available else { return nil }
        let fit = MemoryReport.largestBatch(graph, spec, mode: mode, budget: available, limit: max(1, batch - 1))
        let help =
            fit > 0
            ? "the largest batch whose \(mode.rawValue) plan fits is \(fit.grouped); use a smaller batch size"
            : "even batch 1 needs more; the model is too large for this machine's free memory"
        return .error(
            .outOfMemory,
            "a compiled plan must fit in the memory available; \(what) at batch \(batch.grouped) needs "
                + "\(SummaryTable.bytes(bytes)) (\(bytes.grouped) bytes) but \(SummaryTable.bytes(available)) are available",
            at: location, notes: ["`nnc summary --memory SIZE` prints the largest batch within a budget"], help: help)
    }

    /// Linux's MemAvailable: free memory plus what the kernel can reclaim without swapping.
    static func systemAvailableBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            return kibibytes.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kibibytes * 1024
        }
        return nil
    }

    /// The process's mapped size (Linux's /proc/self/statm), or 0 where it cannot be read.
    static func mappedBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").first.flatMap({ Int($0) })
        else { return 0 }
        return pages * Int(getpagesize())
    }

    #if canImport(Glibc)
        /// RLIM_INFINITY, which Swift does not import from Glibc (it is `(rlim_t) -1`).
        static let unlimited = rlim_t.max
        static func resourceArgument(_ resource: __rlimit_resource) -> __rlimit_resource_t {
            __rlimit_resource_t(resource.rawValue)
        }
    #else
        static let unlimited = RLIM_INFINITY
        static func resourceArgument(_ resource: Int32) -> Int32 { resource }
    #endif
}
