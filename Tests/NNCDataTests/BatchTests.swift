import CAllocationCounter
import Foundation
import NNCTestSupport
import Testing

@testable import NNCData

/// Filling input and target buffers from an epoch's order, augmentation, and the absence
/// of heap allocations while doing so.
@Suite struct BatchTests {
    let scratch = Scratch()

    /// Three samples of 2 features with labels 2, 0, 1.
    func small(_ targets: TargetEncoding, labels: LabelMode = .classes) throws -> Dataset {
        let path = scratch.write("s.csv", text: "2,1,2\n0,3,4\n1,5,6\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: path)), labels: labels)
        return try Preprocessing(inputShape: [2], targets: targets).fit(on: raw).apply(to: raw)
    }

    @Test func rowsFollowTheOrderAndTargetsTheirEncoding() throws {
        let order: [Int32] = [2, 0, 1]
        let sparse = try BatchFiller(small(.sparse(classes: 3)))
        var inputs = [Float](repeating: 0, count: 4)
        var ids = [Int32](repeating: -1, count: 2)
        try sparse.fillInputs(&inputs, order: order, positions: 1..<3, epoch: 0, augment: false)
        try sparse.fillTargets(&ids, order: order, positions: 1..<3)
        #expect(inputs == [1, 2, 3, 4] && ids == [2, 0])
        let oneHot = try BatchFiller(small(.oneHot(classes: 3)))
        var vectors = [Float](repeating: 7, count: 9)
        try oneHot.fillTargets(&vectors, order: order, positions: 0..<3)
        #expect(vectors == [0, 1, 0, /**/ 0, 0, 1, /**/ 1, 0, 0])
        let values = try BatchFiller(small(.values, labels: .values))
        var reals = [Float](repeating: 0, count: 2)
        try values.fillTargets(&reals, order: order, positions: 0..<2)
        #expect(reals == [1, 2])
    }

    @Test func tokenIDsFillInt32Inputs() throws {
        let raw = try DataReader.read(
            .generated(SequenceTask(.copy, length: 3, samples: 2, seed: 5, remember: 2)), labels: .classes)
        let filler = try BatchFiller(
            Preprocessing(inputShape: [7], targets: .sparse(classes: 10)).fit(on: raw).apply(to: raw))
        var ids = [Int32](repeating: -1, count: 7)
        var targets = [Int32](repeating: -1, count: 7)
        try filler.fillInputs(&ids, order: [1, 0], positions: 0..<1)
        try filler.fillTargets(&targets, order: [1, 0], positions: 0..<1)
        #expect(ids == raw.features[7..<14].map { Int32($0) })
        #expect(ids[4] == 9 && Array(targets[5...]) == Array(ids[0..<2]))
    }

    /// A 3×4 image, one channel: value 10·row + column + 1.
    let image: [Float] = [1, 2, 3, 4, /**/ 11, 12, 13, 14, /**/ 21, 22, 23, 24]

    func augmented(_ choice: Augmentation.Choice, channels: Int = 1, source: [Float]? = nil) -> [Float] {
        let source = source ?? image
        var out = [Float](repeating: -1, count: source.count)
        source.withUnsafeBufferPointer {
            Augmentation.apply(choice, &out, $0.baseAddress!, height: 3, width: 4, channels: channels)
        }
        return out
    }

    @Test func shiftsMoveContentAndFillWithZero() {
        // Down one row, left one column.
        #expect(
            augmented(.init(dy: 1, dx: -1, mirrorRows: false, mirrorColumns: false)) == [
                0, 0, 0, 0, /**/ 2, 3, 4, 0, /**/ 12, 13, 14, 0,
            ])
        // Up one row, right two columns.
        #expect(
            augmented(.init(dy: -1, dx: 2, mirrorRows: false, mirrorColumns: false)) == [
                0, 0, 11, 12, /**/ 0, 0, 21, 22, /**/ 0, 0, 0, 0,
            ])
        #expect(augmented(.init(dy: 0, dx: 0, mirrorRows: false, mirrorColumns: false)) == image)
    }

    @Test func flipsMirrorTheShiftedImage() {
        #expect(
            augmented(.init(dy: 0, dx: 0, mirrorRows: false, mirrorColumns: true)) == [
                4, 3, 2, 1, /**/ 14, 13, 12, 11, /**/ 24, 23, 22, 21,
            ])
        #expect(
            augmented(.init(dy: 0, dx: 0, mirrorRows: true, mirrorColumns: false)) == [
                21, 22, 23, 24, /**/ 11, 12, 13, 14, /**/ 1, 2, 3, 4,
            ])
        // Shift right by one, then mirror left–right: the zero column ends up on the right.
        #expect(
            augmented(.init(dy: 0, dx: 1, mirrorRows: false, mirrorColumns: true)) == [
                3, 2, 1, 0, /**/ 13, 12, 11, 0, /**/ 23, 22, 21, 0,
            ])
        // Channels move together.
        let rgb = image.flatMap { [$0, -$0] }
        #expect(
            augmented(.init(dy: 0, dx: 0, mirrorRows: false, mirrorColumns: true), channels: 2, source: rgb)
                == [4, -4, 3, -3, 2, -2, 1, -1, 14, -14, 13, -13, 12, -12, 11, -11, 24, -24, 23, -23, 22, -22, 21, -21])
    }

    @Test func choicesCoverTheRangeAndRepeatForTheSamePlace() {
        let augmentation = Augmentation(shift: 2, flip: .both)
        var shifts = Set<Int>()
        var mirrored = 0
        var rows = 0
        for p in 0..<4000 {
            let c = augmentation.choice(seed: 3, epoch: 1, position: p)
            shifts.insert(c.dy)
            shifts.insert(c.dx)
            if c.mirrorColumns { mirrored += 1 }
            if c.mirrorRows { rows += 1 }
            #expect(c == augmentation.choice(seed: 3, epoch: 1, position: p))
        }
        #expect(shifts == Set(-2...2))
        // 4,000 fair coins: 2,000, sd ≈ 32; allow 5.
        #expect(abs(mirrored - 2000) < 160 && abs(rows - 2000) < 160, "\(mirrored) \(rows)")
        #expect(
            augmentation.choice(seed: 3, epoch: 1, position: 5) != augmentation.choice(seed: 3, epoch: 2, position: 5)
                || augmentation.choice(seed: 3, epoch: 1, position: 6)
                    != augmentation.choice(seed: 3, epoch: 2, position: 6)
        )
        let horizontal = Augmentation(flip: .horizontal)
        #expect((0..<100).allSatisfy { !horizontal.choice(seed: 1, epoch: 0, position: $0).mirrorRows })
    }

    @Test func trainingBatchesAreAugmentedReproduciblyAndEvaluationBatchesNot() throws {
        let raw = try DataReader.read(Bundled.mnistTrain, labels: .classes)
        let data = try Preprocessing(scale: 1.0 / 255, inputShape: [28, 28, 1], targets: .sparse(classes: 10)).fit(
            on: raw
        ).apply(to: raw)
        let augmentation = Augmentation(shift: 2, flip: .horizontal)
        let filler = try BatchFiller(data, augmentation: augmentation, seed: 8)
        let order = EpochOrder(sampleCount: data.count, batchSize: 16, seed: 8)
        let epoch = order.order(epoch: 4)
        let positions = order.batch(3)
        var batch = [Float](repeating: 0, count: 16 * 784)
        var again = batch
        var plain = batch
        try filler.fillInputs(&batch, order: epoch, positions: positions, epoch: 4, augment: true)
        // A fresh filler and order (a resumed run) write the same batch.
        try BatchFiller(data, augmentation: augmentation, seed: 8)
            .fillInputs(
                &again, order: EpochOrder(sampleCount: data.count, batchSize: 16, seed: 8).order(epoch: 4),
                positions: positions, epoch: 4, augment: true)
        #expect(batch == again)
        try filler.fillInputs(&plain, order: epoch, positions: positions, epoch: 4, augment: false)
        for (row, p) in positions.enumerated() {
            let sample = Array(data.features[(Int(epoch[p]) * 784)..<(Int(epoch[p]) * 784 + 784)])
            #expect(Array(plain[(row * 784)..<(row * 784 + 784)]) == sample)
            let expected = sample.withUnsafeBufferPointer { source in
                var out = [Float](repeating: 0, count: 784)
                Augmentation.apply(
                    augmentation.choice(seed: 8, epoch: 4, position: p), &out, source.baseAddress!, height: 28,
                    width: 28, channels: 1)
                return out
            }
            #expect(Array(batch[(row * 784)..<(row * 784 + 784)]) == expected)
        }
        #expect(batch != plain)
    }

    @Test func augmentationNeedsImages() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        let data = try Preprocessing(inputShape: [4], targets: .sparse(classes: 3)).fit(on: iris).apply(to: iris)
        #expect(
            Bundled.relative(rendered { _ = try BatchFiller(data, augmentation: Augmentation(shift: 1)) }) == """
                models/data/iris.csv: error: augmentation shifts and flips images, [H, W] or [H, W, C]; the samples of 'models/data/iris.csv' are [4] [E0504]
                help: give the model an image input such as [28, 28, 1], or read images from a file that stores them as [H, W]

                """)
    }

    /// Images stored as [28, 28] and fed to a flat [784] input (the deformed-MNIST MLPs) are
    /// shifted as images, then read flat: the same values as with a [28, 28, 1] input.
    @Test func flatInputsOfStoredImagesAreAugmentedAsImages() throws {
        let raw = try DataReader.read(Bundled.mnistTrain, labels: .classes)
        let preprocessing = Preprocessing(scale: 1.0 / 255, inputShape: [784], targets: .sparse(classes: 10))
        let flat = try preprocessing.fit(on: raw).apply(to: raw)
        #expect(flat.sampleShape == [784] && flat.imageShape == [28, 28])
        let image = try Preprocessing(scale: 1.0 / 255, inputShape: [28, 28, 1], targets: .sparse(classes: 10)).fit(
            on: raw
        ).apply(to: raw)
        let augmentation = Augmentation(shift: 2)
        let order = EpochOrder(sampleCount: flat.count, batchSize: 8, seed: 3)
        var a = [Float](repeating: 0, count: 8 * 784)
        var b = a
        var plain = a
        try BatchFiller(flat, augmentation: augmentation, seed: 3).fillInputs(
            &a, order: order.order(epoch: 1), positions: order.batch(2), epoch: 1, augment: true)
        try BatchFiller(image, augmentation: augmentation, seed: 3).fillInputs(
            &b, order: order.order(epoch: 1), positions: order.batch(2), epoch: 1, augment: true)
        try BatchFiller(flat).fillInputs(
            &plain, order: order.order(epoch: 1), positions: order.batch(2), epoch: 1, augment: false)
        #expect(a == b)
        #expect(a != plain)
    }

    /// After warm-up, ordering an epoch and filling its batches (augmented inputs, one-hot
    /// and sparse targets) makes no heap allocation.
    @Test func fillingAllocatesNothing() throws {
        guard allocationCounterIsActive() else { return }
        let raw = try DataReader.read(Bundled.mnistTrain, labels: .classes)
        let preprocessing = try Preprocessing(scale: 1.0 / 255, inputShape: [28, 28, 1], targets: .oneHot(classes: 10))
            .fit(on: raw)
        let filler = try BatchFiller(
            preprocessing.apply(to: raw), augmentation: Augmentation(shift: 2, flip: .both), seed: 1)
        let sparse = try BatchFiller(
            Preprocessing(inputShape: [784], targets: .sparse(classes: 10)).fit(on: raw).apply(to: raw))
        let epochs = EpochOrder(sampleCount: raw.count, batchSize: 64, seed: 1)
        let inputs = UnsafeMutableBufferPointer<Float>.allocate(capacity: 64 * 784)
        let targets = UnsafeMutableBufferPointer<Float>.allocate(capacity: 64 * 10)
        let ids = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 64)
        defer {
            inputs.deallocate()
            targets.deallocate()
            ids.deallocate()
        }
        var order: [Int32] = []
        func run(epoch: Int) throws {
            epochs.fill(&order, epoch: epoch)
            for b in 0..<epochs.batchCount {
                let positions = epochs.batch(b)
                try filler.fillInputs(inputs, rows: 64, order: order, positions: positions, epoch: epoch, augment: true)
                try filler.fillTargets(targets, rows: 64, order: order, positions: positions)
                try sparse.fillTargets(ids, rows: 64, order: order, positions: positions)
            }
        }
        try run(epoch: 0)
        nnc_allocation_counter_track_this_thread(1)
        defer { nnc_allocation_counter_track_this_thread(0) }
        nnc_allocation_counter_start()
        try run(epoch: 1)
        try run(epoch: 2)
        let allocations = nnc_allocation_counter_stop()
        #expect(allocations == 0, "\(allocations) allocations in two epochs of filling")
        // The counter counts: one array is one allocation at least.
        nnc_allocation_counter_start()
        let array = [Float](repeating: 1, count: 100)
        #expect(nnc_allocation_counter_stop() >= 1 && array.count == 100)
    }
}
