import CNNCKernels
import Foundation

/// A fixed pool of worker threads, made once per executor (`--threads`). `run` hands parts
/// 0..<parts of one job to the calling thread and the workers and returns when all are
/// done. Part p always runs the same code on the same data whatever thread takes it, so
/// results depend on the number of parts, never on timing.
///
/// A job is a C function and a pointer to its arguments (usually a struct on the
/// caller's stack), not a Swift closure: handing a closure to other threads costs a heap
/// allocation per call, and a training step must make none. The fork/join itself is C
/// (`pool.c`): a dispatch is a few atomic operations, and idle workers spin about a
/// millisecond before they sleep, so the gaps inside a training step cost no wake-up.
public final class ThreadPool: @unchecked Sendable {
    /// Threads that work on a job, the caller included.
    public let threads: Int
    private let pool: OpaquePointer

    /// A pool of `threads` threads in all: the caller plus `threads − 1` workers.
    public init(threads: Int) {
        let threads = max(1, threads)
        guard let pool = nnc_pool_create(Int32(clamping: threads)) else {
            fatalError("nnc: cannot start \(threads - 1) worker threads")
        }
        self.threads = threads
        self.pool = pool
    }

    /// Workers stop once the pool is gone.
    deinit { nnc_pool_destroy(pool) }

    /// The cores this machine offers; the default pool size.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// A job: part p of the work described by `context`.
    public typealias Task = @convention(c) (UnsafeMutableRawPointer?, Int) -> Void

    /// The most parts one job may have.
    public static let maximumParts = (1 << 20) - 1

    /// Runs `task(context, p)` for p in 0..<parts across the pool and waits for all of them.
    public func run(parts: Int, context: UnsafeMutableRawPointer, task: Task) {
        precondition(parts <= Self.maximumParts, "a job has at most \(Self.maximumParts) parts")
        nnc_pool_run(pool, parts, task, context)
    }

    /// Runs `task(&arguments, p)` for p in 0..<parts; `arguments` lives on the caller's stack.
    public func run<Arguments>(
        parts: Int, _ arguments: inout Arguments,
        _ task: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void
    ) {
        withUnsafeMutablePointer(to: &arguments) { run(parts: parts, context: UnsafeMutableRawPointer($0), task: task) }
    }
}
