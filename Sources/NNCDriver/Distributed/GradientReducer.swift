import Foundation
import NNCPlan
import NNCRuntime

/// The communication thread of a data-parallel run: all-reduces the gradient buckets of a
/// step while the training thread goes on with backward. Everything a step uses is made
/// once: each bucket's packing buffer and gradient addresses, the queue, the semaphores; a
/// step allocates nothing. Only this thread calls MPI during a step (MPI_THREAD_SERIALIZED);
/// the training thread calls it between steps, when this one is idle.
final class GradientReducer: @unchecked Sendable {
    /// One bucket of one plan, ready to go.
    final class Prepared: @unchecked Sendable {
        let sources: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
        let counts: UnsafeMutablePointer<Int>
        let gradientCount: Int
        let packed: UnsafeMutablePointer<Float>
        let elements: Int
        let done = DispatchSemaphore(value: 0)

        init(_ bucket: GradientBuckets.Bucket, executor: Executor) {
            gradientCount = bucket.gradients.count
            sources = .allocate(capacity: gradientCount)
            counts = .allocate(capacity: gradientCount)
            for (i, g) in bucket.gradients.enumerated() {
                sources[i] = executor.pointer(g)
                counts[i] = executor.plan[g].elements
            }
            elements = bucket.elements
            packed = .allocate(capacity: max(1, elements))
        }

        deinit {
            sources.deallocate()
            counts.deallocate()
            packed.deallocate()
        }
    }

    /// A plan's buckets and, per instruction, the buckets to start before it and to wait for.
    struct Schedule {
        let buckets: [Prepared]
        /// startsBefore[i]: buckets whose gradients are final once instruction i − 1 ran.
        let startsBefore: [[Int]]
        let waitsBefore: [[Int]]
    }

    let world: MPIWorld
    private let work = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var queue: UnsafeMutablePointer<Unmanaged<Prepared>>
    private let capacity: Int
    private var head = 0
    private var tail = 0
    /// The first failure of the run (an E0703 message); later buckets are skipped.
    private(set) var failure: [CChar]?
    private var thread: Thread?
    /// Nanoseconds this thread spent reducing buckets (packing, all-reduce, unpacking), and
    /// the training thread spent waiting for them: what `nnc train --mpi-report` prints.
    private(set) var busyNanoseconds: UInt64 = 0
    var waitedNanoseconds: UInt64 = 0

    init(world: MPIWorld, capacity: Int) {
        self.world = world
        self.capacity = max(1, capacity)
        queue = .allocate(capacity: self.capacity)
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = "nnc-mpi"
        self.thread = thread
        thread.start()
    }

    static func schedule(_ buckets: GradientBuckets, executor: Executor) -> Schedule {
        let count = executor.plan.instructions.count + 1
        var starts = [[Int]](repeating: [], count: count)
        var waits = [[Int]](repeating: [], count: count)
        for (b, bucket) in buckets.buckets.enumerated() {
            starts[min(bucket.startsAfter + 1, count - 1)].append(b)
            waits[min(bucket.waitedBefore, count - 1)].append(b)
        }
        return Schedule(
            buckets: buckets.buckets.map { Prepared($0, executor: executor) }, startsBefore: starts,
            waitsBefore: waits)
    }

    /// Waits for a bucket the communication thread has, counting the time.
    func wait(_ bucket: Prepared) {
        let start = DispatchTime.now().uptimeNanoseconds
        bucket.done.wait()
        waitedNanoseconds += DispatchTime.now().uptimeNanoseconds - start
    }

    /// Hands a bucket to the communication thread.
    func start(_ bucket: Prepared) {
        lock.lock()
        queue[tail % capacity] = Unmanaged.passUnretained(bucket)
        tail += 1
        lock.unlock()
        work.signal()
    }

    private func serve() {
        while true {
            work.wait()
            lock.lock()
            let bucket = queue[head % capacity].takeUnretainedValue()
            head += 1
            lock.unlock()
            let start = DispatchTime.now().uptimeNanoseconds
            if failure == nil { reduce(bucket) }
            busyNanoseconds += DispatchTime.now().uptimeNanoseconds - start
            bucket.done.signal()
        }
    }

    /// Packs the bucket's gradients, all-reduces them in rank order, unpacks the average.
    private func reduce(_ bucket: Prepared) {
        var offset = 0
        for i in 0..<bucket.gradientCount {
            (bucket.packed + offset).update(from: bucket.sources[i], count: bucket.counts[i])
            offset += bucket.counts[i]
        }
        if let error = world.allReduce(bucket.packed, count: bucket.elements) {
            failure = error
            return
        }
        offset = 0
        for i in 0..<bucket.gradientCount {
            bucket.sources[i].update(from: bucket.packed + offset, count: bucket.counts[i])
            offset += bucket.counts[i]
        }
    }
}
