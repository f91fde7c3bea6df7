import CAllocationCounter
import Foundation
import NNCDriver
import NNCKernels
import NNCTestSupport
import Testing

/// The training loop around the plan allocates nothing per batch either: filling the batch
/// from the dataset, the schedule, forward, the loss check, the metric sums, backward and
/// the progress callback. Counted over the middle batches of an epoch (its end — validation,
/// logs, checkpoints — may allocate), on the bundled MNIST MLP with 2 threads.
@Suite(.serialized) struct TrainingLoopAllocationTests {
    final class Counting: TrainingObserver {
        let pool: () -> ThreadPool
        var epoch = 0
        var allocations: UInt64?
        init(pool: @escaping () -> ThreadPool) { self.pool = pool }
        func runStarted(_ header: RunHeader) {}
        func epochStarted(_ epoch: Int, of epochs: Int, batches: Int) { self.epoch = epoch }
        func batchFinished(
            _ batch: Int, of batches: Int, samples: Int, seconds: Double, loss: Double,
            metrics: () -> [(String, Double)]
        ) {
            guard epoch == 2 else { return }
            if batch == 2 {
                ExecutorTests().track(pool())
                nnc_allocation_counter_start()
            } else if batch == batches - 1 {
                allocations = nnc_allocation_counter_stop()
                ExecutorTests().untrack(pool())
            }
        }
        func epochFinished(_ record: EpochRecord, of epochs: Int) {}
        func note(_ text: String) {}
        func testFinished(_ result: SplitResult) {}
    }

    @Test func batchesOfARealRunMakeNoHeapAllocations() throws {
        guard allocationCounterIsActive() else { return }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-alloc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let session = try TrainingSession.make(
            model: modelPath("mnist_mlp.yaml"), resume: nil,
            overrides: .init(epochs: 2, threads: 2, outputDirectory: out))
        let observer = Counting { session.trainer.executor.pool }
        _ = try session.trainer.run(observer: observer)
        let allocations = try #require(observer.allocations)
        #expect(allocations == 0, "\(allocations) allocations in 29 training batches")
    }
}
