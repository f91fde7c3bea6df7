import Foundation
import Testing

@testable import NNCData

/// Seeded, stratified hold-outs, and the epoch orders and batches training walks.
@Suite struct SplitTests {
    func classCounts(_ data: RawDataset?, _ classes: Int) -> [Int] {
        guard case .classes(let labels, _)? = data?.targets else { return [] }
        return (0..<classes).map { c in labels.filter { $0 == c }.count }
    }

    @Test func irisValidationIsStratifiedAndDisjoint() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        let splits = try Splits(iris, validation: 0.2, test: 0, seed: 9)
        #expect(classCounts(splits.validation, 3) == [10, 10, 10])
        #expect(classCounts(splits.train, 3) == [40, 40, 40])
        #expect(splits.test == nil)
        let held = Set(splits.validation!.records)
        let kept = Set(splits.train.records)
        #expect(held.isDisjoint(with: kept) && held.union(kept) == Set(0..<150))
        // Each part keeps file order.
        #expect(splits.train.records == splits.train.records.sorted())
    }

    @Test func testAndValidationFromOneFileInProportion() throws {
        let wine = try DataReader.read(Bundled.csv("wine.csv"), labels: .classes)
        let splits = try Splits(wine, validation: 0.2, test: 0.1, seed: 2)
        // ⌈0.1 × 178⌉ = 18 and ⌈0.2 × 178⌉ = 36; classes 59, 71, 48 shared by largest remainder.
        #expect(classCounts(splits.test, 3) == [6, 7, 5])
        #expect(classCounts(splits.validation, 3) == [12, 14, 10])
        #expect(splits.train.count == 178 - 18 - 36)
        let parts = [splits.train, splits.validation!, splits.test!].map { Set($0.records) }
        #expect(
            parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2])
                && parts[1].isDisjoint(with: parts[2]))
    }

    @Test func splitsAreSeeded() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        let a = try Splits(iris, validation: 0.2, test: 0, seed: 5)
        let b = try Splits(iris, validation: 0.2, test: 0, seed: 5)
        let c = try Splits(iris, validation: 0.2, test: 0, seed: 6)
        #expect(a.validation!.records == b.validation!.records && a.validation!.features == b.validation!.features)
        #expect(a.validation!.records != c.validation!.records)
    }

    @Test func regressionTargetsSplitPlainly() throws {
        let data = try DataReader.read(
            .generated(SequenceTask(.adding, length: 10, samples: 101, seed: 1)), labels: .values)
        let splits = try Splits(data, validation: 0.1, test: 0, seed: 3)
        #expect(splits.validation!.count == 11 && splits.train.count == 90)
        #expect(Set(splits.validation!.records).isDisjoint(with: Set(splits.train.records)))
    }

    @Test func samplesMadeInMemorySplitAndNameTheirIndex() throws {
        let data = RawDataset(
            name: "memory", sampleShape: [1], features: [0, 1, 2, 3, 4, 5],
            targets: .classes([0, 0, 0, 1, 1, 7], perSample: 1))
        let splits = try Splits(data, validation: 0.3, test: 0, seed: 1)
        #expect(classCounts(splits.validation, 2) == [1, 1] && splits.train.count == 4)
        let encoding = try Preprocessing(inputShape: [1], targets: .sparse(classes: 2)).fit(on: data)
        #expect(
            rendered { _ = try encoding.apply(to: data) } == """
                memory: error: class labels must lie in 0..<2 (the model has 2 classes); sample 5 of 'memory' has label 7 [E0503]
                help: give the model 8 output units, or relabel the data

                """)
    }

    @Test func aSplitMustLeaveTrainingSamples() throws {
        let scratch = Scratch()
        let path = scratch.write("two.csv", text: "0,1\n1,2\n")
        let data = try DataReader.read(.csv(CSVOptions(path: path)), labels: .classes)
        #expect(
            rendered { _ = try Splits(data, validation: 0.5, test: 0.5, seed: 1) }.replacingOccurrences(
                of: path, with: "two.csv") == """
                    two.csv: error: splits must leave training samples; 'two.csv' has 2 samples, and holding out 1 for test and 1 for validation leaves none [E0504]
                    help: lower validation_split or test_split, or use more data

                    """)
    }

    @Test func largestRemainderAllocation() {
        #expect(Splits.allocate(18, fraction: 0.1, sizes: [59, 71, 48], capacity: [59, 71, 48]) == [6, 7, 5])
        // Equal remainders: the earlier group first.
        #expect(Splits.allocate(2, fraction: 0.5, sizes: [1, 1, 1], capacity: [1, 1, 1]) == [1, 1, 0])
        // A full group passes its share on.
        #expect(Splits.allocate(3, fraction: 0.5, sizes: [4, 2], capacity: [4, 0]) == [3, 0])
        #expect(
            Splits.heldOut(0.2, of: 150) == 30 && Splits.heldOut(0.1, of: 150) == 15 && Splits.heldOut(0.1, of: 5) == 1)
    }

    @Test func epochOrdersArePermutationsReproducibleFromSeedAndEpoch() {
        let order = EpochOrder(sampleCount: 1000, batchSize: 32, seed: 11)
        let epochs = (0..<4).map { order.order(epoch: $0) }
        for e in epochs { #expect(e.sorted() == Array(0..<1000)) }
        #expect(Set(epochs).count == 4)
        // A resumed run builds its orders afresh and gets the same ones.
        let resumed = EpochOrder(sampleCount: 1000, batchSize: 32, seed: 11)
        #expect(resumed.order(epoch: 3) == epochs[3])
        #expect(EpochOrder(sampleCount: 1000, batchSize: 32, seed: 12).order(epoch: 3) != epochs[3])
        #expect(EpochOrder(sampleCount: 5, batchSize: 2, shuffle: false, seed: 11).order(epoch: 7) == [0, 1, 2, 3, 4])
    }

    @Test func batchesKeepTheLastPartialOneUnlessDropLast() {
        let kept = EpochOrder(sampleCount: 10, batchSize: 4, seed: 0)
        #expect(kept.batchCount == 3 && (0..<3).map(kept.batch) == [0..<4, 4..<8, 8..<10] && kept.lastBatchSize == 2)
        let dropped = EpochOrder(sampleCount: 10, batchSize: 4, dropLast: true, seed: 0)
        #expect(dropped.batchCount == 2 && (0..<2).map(dropped.batch) == [0..<4, 4..<8] && dropped.lastBatchSize == 4)
        let exact = EpochOrder(sampleCount: 8, batchSize: 4, seed: 0)
        #expect(exact.batchCount == 2 && exact.lastBatchSize == 4)
        #expect(EpochOrder(sampleCount: 3, batchSize: 4, dropLast: true, seed: 0).batchCount == 0)
    }

    @Test func shuffleIsUniformEnough() {
        // Where sample 0 lands over 4,000 epochs of 8 samples: 500 per position, sd ≈ 21; allow 5.
        var counts = [Int](repeating: 0, count: 8)
        let order = EpochOrder(sampleCount: 8, batchSize: 8, seed: 1)
        for e in 0..<4000 { counts[order.order(epoch: e).firstIndex(of: 0)!] += 1 }
        #expect(counts.allSatisfy { abs($0 - 500) < 105 }, "\(counts)")
    }
}
