import Foundation
import Synchronization

/// A fixed pool of worker threads, made once per executor (`--threads`). `run` hands parts
/// 0..<parts of one job to the calling thread and the workers and returns when all are
/// done. Part p always runs the same code on the same data whatever thread takes it, so
/// results depend on the number of parts, never on timing.
///
/// A job is a C function and a pointer to its arguments (usually a struct on the
/// caller's stack), not a Swift closure: handing a closure to other threads costs a heap
/// allocation per call, and a training step must make none.
public final class ThreadPool: @unchecked Sendable {
    /// Threads that work on a job, the caller included.
    public let threads: Int
    private let shared = Shared()

    /// A pool of `threads` threads in all: the caller plus `threads − 1` workers.
    public init(threads: Int) {
        self.threads = max(1, threads)
        for index in 1..<self.threads {
            let shared = self.shared
            let worker = Thread { shared.work() }
            worker.name = "nnc-worker-\(index)"
            worker.stackSize = 1 << 20
            worker.start()
        }
    }

    /// Workers stop once the pool is gone.
    deinit { shared.stop() }

    /// The cores this machine offers; the default pool size.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// A job: part p of the work described by `context`.
    public typealias Task = @convention(c) (UnsafeMutableRawPointer?, Int) -> Void

    /// Runs `task(context, p)` for p in 0..<parts across the pool and waits for all of them.
    public func run(parts: Int, context: UnsafeMutableRawPointer, task: Task) {
        if parts <= 1 || threads == 1 {
            for p in 0..<max(parts, 0) { task(context, p) }
            return
        }
        shared.run(parts: parts, context: context, task: task)
    }

    /// Runs `task(&arguments, p)` for p in 0..<parts; `arguments` lives on the caller's stack.
    public func run<Arguments>(parts: Int, _ arguments: inout Arguments,
                               _ task: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void) {
        withUnsafeMutablePointer(to: &arguments) { run(parts: parts, context: UnsafeMutableRawPointer($0), task: task) }
    }
}

/// The state the caller and the workers share (workers keep it, not the pool, alive).
/// Waiting spins briefly on atomics before sleeping on the condition: a job follows the
/// previous one within microseconds during a step, and waking a sleeping thread costs tens.
private final class Shared: @unchecked Sendable {
    private let condition = NSCondition()
    private var generation = 0
    /// `generation`, and unfinished parts plus working workers, readable without the lock.
    private let published = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    /// Spin iterations before sleeping (tens of microseconds).
    private static let spins = 20_000
    private var task: ThreadPool.Task?
    private var context: UnsafeMutableRawPointer?
    private var parts = 0
    private var nextPart = 0
    private var unfinished = 0
    private var stopping = false
    /// Workers working on the current job.
    private var holders = 0

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    func run(parts: Int, context: UnsafeMutableRawPointer, task: ThreadPool.Task) {
        condition.lock()
        self.task = task
        self.context = context
        self.parts = parts
        nextPart = 0
        unfinished = parts
        pending.store(parts + holders, ordering: .releasing)
        generation &+= 1
        published.store(generation, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
        drain(task, context)
        for _ in 0..<Self.spins where pending.load(ordering: .acquiring) > 0 {}
        condition.lock()
        // Wait until every part is done and no worker still uses the context, which lives
        // on the caller's stack.
        while unfinished > 0 || holders > 0 { condition.wait() }
        self.task = nil
        self.context = nil
        condition.unlock()
    }

    /// Takes parts until none are left.
    private func drain(_ task: ThreadPool.Task, _ context: UnsafeMutableRawPointer?) {
        while true {
            condition.lock()
            guard nextPart < parts else {
                condition.unlock()
                return
            }
            let p = nextPart
            nextPart += 1
            condition.unlock()
            task(context, p)
            condition.lock()
            unfinished -= 1
            pending.subtract(1, ordering: .releasing)
            if unfinished == 0 { condition.broadcast() }
            condition.unlock()
        }
    }

    func work() {
        var seen = 0
        while true {
            for _ in 0..<Self.spins where published.load(ordering: .acquiring) == seen {}
            condition.lock()
            while generation == seen && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            seen = generation
            guard let task, let context else {
                condition.unlock()
                continue
            }
            holders += 1
            pending.add(1, ordering: .releasing)
            condition.unlock()
            drain(task, context)
            condition.lock()
            holders -= 1
            pending.subtract(1, ordering: .releasing)
            if holders == 0 { condition.broadcast() }
            condition.unlock()
        }
    }
}
