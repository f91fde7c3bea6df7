import Foundation
import NNCKernels
import Synchronization
import Testing

/// The pool's fork/join: every part of every job runs exactly once and is finished when
/// `run` returns, through spinning and sleeping workers, back-to-back jobs whose parts a
/// late worker must not claim, and more parts than threads.
@Suite struct ThreadPoolTests {
    /// One job: part p adds p + 1 to its own slot (so a part run twice or skipped shows) and
    /// counts the parts that ran.
    struct Job {
        var slots: UnsafeMutablePointer<Int>
        var calls: UnsafeMutablePointer<Atomic<Int>>
        /// Nanoseconds each part busy-waits, to let parts overlap across threads.
        var delay: UInt64
    }

    static func runJob(_ pool: ThreadPool, parts: Int, delay: UInt64 = 0) -> (slots: [Int], calls: Int) {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        slots.initialize(repeating: 0, count: parts)
        let calls = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
        calls.initialize(to: Atomic(0))
        defer {
            slots.deallocate()
            calls.deallocate()
        }
        var job = Job(slots: slots, calls: calls, delay: delay)
        pool.run(parts: parts, &job) { context, p in
            let job = context!.assumingMemoryBound(to: Job.self).pointee
            let end = DispatchTime.now().uptimeNanoseconds + job.delay
            while DispatchTime.now().uptimeNanoseconds < end {}
            job.slots[p] += p + 1
            job.calls.pointee.add(1, ordering: .relaxed)
        }
        return (Array(UnsafeBufferPointer(start: slots, count: parts)), calls.pointee.load(ordering: .relaxed))
    }

    @Test(arguments: [1, 2, 3])
    func everyPartRunsOnceInBackToBackJobs(threads: Int) {
        let pool = ThreadPool(threads: threads)
        for round in 0..<5_000 {
            let parts = 1 + round % 7
            let (slots, calls) = Self.runJob(pool, parts: parts, delay: round % 5 == 0 ? 2_000 : 0)
            #expect(calls == parts)
            #expect(slots == (0..<parts).map { $0 + 1 }, "round \(round): \(slots)")
            if slots != (0..<parts).map({ $0 + 1 }) { return }
        }
    }

    /// Jobs after the workers have gone to sleep (longer than their spin) still complete,
    /// and the sleeping workers take parts again.
    @Test func sleepingWorkersWakeForTheNextJob() throws {
        let pool = ThreadPool(threads: 2)
        for _ in 0..<5 {
            Thread.sleep(forTimeInterval: 0.01)
            let (slots, calls) = Self.runJob(pool, parts: 64, delay: 20_000)
            #expect(calls == 64)
            #expect(slots == (0..<64).map { $0 + 1 })
        }
    }

    /// Both threads take parts: with every part waiting until two are running at once, a
    /// job completes only if the worker really runs beside the caller.
    @Test func theWorkerRunsBesideTheCaller() {
        let pool = ThreadPool(threads: 2)
        struct Meeting {
            var arrived: UnsafeMutablePointer<Atomic<Int>>
            var met: UnsafeMutablePointer<Atomic<Bool>>
        }
        let arrived = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
        arrived.initialize(to: Atomic(0))
        let met = UnsafeMutablePointer<Atomic<Bool>>.allocate(capacity: 1)
        met.initialize(to: Atomic(false))
        defer {
            arrived.deallocate()
            met.deallocate()
        }
        var meeting = Meeting(arrived: arrived, met: met)
        pool.run(parts: 2, &meeting) { context, _ in
            let m = context!.assumingMemoryBound(to: Meeting.self).pointee
            m.arrived.pointee.add(1, ordering: .sequentiallyConsistent)
            // Wait up to 5 s for the other part (a caller alone would wait forever).
            let end = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
            while m.arrived.pointee.load(ordering: .sequentiallyConsistent) < 2
                && DispatchTime.now().uptimeNanoseconds < end
            {}
            if m.arrived.pointee.load(ordering: .sequentiallyConsistent) == 2 {
                m.met.pointee.store(true, ordering: .relaxed)
            }
        }
        let bothRan = met.pointee.load(ordering: .relaxed)
        #expect(bothRan)
    }

    /// The caller claims parts from the front and the worker from the back: whatever the
    /// timing, the caller's parts are a prefix and the worker's the rest, so a product split
    /// in two keeps each half on the same thread from one call to the next.
    @Test func theCallerTakesAPrefixAndTheWorkerTheRest() {
        let pool = ThreadPool(threads: 2)
        let parts = 64
        let runners = UnsafeMutablePointer<pthread_t>.allocate(capacity: parts)
        defer { runners.deallocate() }
        for round in 0..<50 {
            runners.initialize(repeating: 0, count: parts)
            pool.run(parts: parts, context: UnsafeMutableRawPointer(runners)) { context, p in
                let end = DispatchTime.now().uptimeNanoseconds + 2_000
                while DispatchTime.now().uptimeNanoseconds < end {}
                context!.assumingMemoryBound(to: pthread_t.self)[p] = pthread_self()
            }
            let ranOnCaller = (0..<parts).map { runners[$0] == pthread_self() }
            let prefix = ranOnCaller.prefix { $0 }.count
            #expect(ranOnCaller[prefix...].allSatisfy { !$0 }, "round \(round): \(ranOnCaller)")
        }
    }

    /// An instruction-set override belongs to the thread that set it and to the parts of the
    /// jobs it starts: a test forcing the portable kernels cannot change another thread's
    /// results (tests run in parallel), and a job's parts all use the same kernels.
    @Test func partsRunWithTheCallersInstructionSet() throws {
        guard GEMM.detectedISA > .portable else { return }
        GEMM.useISA(.portable)
        defer { GEMM.useISA(nil) }
        let pool = ThreadPool(threads: 2)
        let seen = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
        defer { seen.deallocate() }
        pool.run(parts: 64, context: UnsafeMutableRawPointer(seen)) { context, p in
            let end = DispatchTime.now().uptimeNanoseconds + 20_000
            while DispatchTime.now().uptimeNanoseconds < end {}
            context!.assumingMemoryBound(to: Int32.self)[p] = GEMM.activeISA == .portable ? 1 : 0
        }
        #expect(UnsafeBufferPointer(start: seen, count: 64).allSatisfy { $0 == 1 })
        let otherThread = Mutex<GEMM.ISA?>(nil)
        let thread = Thread { otherThread.withLock { $0 = GEMM.activeISA } }
        thread.start()
        while otherThread.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.001) }
        #expect(otherThread.withLock { $0 } == GEMM.detectedISA)
    }

    /// A pool can be made and dropped many times (workers stop and are joined).
    @Test func poolsStopCleanly() {
        for _ in 0..<50 {
            let pool = ThreadPool(threads: 3)
            // Both results used: with the slots dropped, the optimizer released their array
            // before copying into it (a use after free AddressSanitizer reported).
            let (slots, calls) = Self.runJob(pool, parts: 5)
            #expect(calls == 5)
            #expect(slots == [1, 2, 3, 4, 5])
        }
    }
}
