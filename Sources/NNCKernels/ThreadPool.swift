import Foundation

/// A fixed pool of worker threads, made once per executor (`--threads`). `run` hands parts
/// 0..<parts of one job to the calling thread and the workers and returns when all are
/// done. Part p always runs the same code on the same data whatever thread takes it, so
/// results depend on the number of parts, never on timing. `run` allocates nothing.
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

    /// Runs `body(p)` for p in 0..<parts across the pool and waits for all of them.
    public func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || threads == 1 {
            for p in 0..<max(parts, 0) { body(p) }
            return
        }
        shared.run(parts: parts, body)
    }
}

/// The state the caller and the workers share (workers keep it, not the pool, alive).
private final class Shared: @unchecked Sendable {
    private let condition = NSCondition()
    private var generation = 0
    private var job: ((Int) -> Void)?
    private var parts = 0
    private var nextPart = 0
    private var unfinished = 0
    private var stopping = false

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    func run(parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            condition.lock()
            job = body
            self.parts = parts
            nextPart = 0
            unfinished = parts
            generation &+= 1
            condition.broadcast()
            condition.unlock()
            drain(body)
            condition.lock()
            while unfinished > 0 { condition.wait() }
            job = nil
            condition.unlock()
        }
    }

    /// Takes parts until none are left.
    private func drain(_ body: (Int) -> Void) {
        while true {
            condition.lock()
            guard nextPart < parts else {
                condition.unlock()
                return
            }
            let p = nextPart
            nextPart += 1
            condition.unlock()
            body(p)
            condition.lock()
            unfinished -= 1
            if unfinished == 0 { condition.broadcast() }
            condition.unlock()
        }
    }

    func work() {
        var seen = 0
        while true {
            condition.lock()
            while generation == seen && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            seen = generation
            let body = job
            condition.unlock()
            if let body { drain(body) }
        }
    }
}
