import Foundation
import Testing

@testable import NNCData

/// Token and text sequence files, and the generated tasks with the statistics their
/// papers state.
@Suite struct SequenceTests {
    let scratch = Scratch()

    @Test func tokenSequencesArePaddedAndTruncatedAtTheChosenEnd() throws {
        let path = scratch.write("seq.tsv", text: "1\t5 6\n0\t1 2 3 4 5 6\n2\t\n")
        func read(_ padding: SequenceOptions.End, _ truncating: SequenceOptions.End) throws -> [Float] {
            try DataReader.read(
                .tokens(
                    path: path,
                    SequenceOptions(
                        timesteps: 4, vocabularySize: 10, paddingID: 9, padding: padding, truncating: truncating)),
                labels: .classes
            ).features
        }
        #expect(try read(.pre, .pre) == [9, 9, 5, 6, /**/ 3, 4, 5, 6, /**/ 9, 9, 9, 9])
        #expect(try read(.post, .post) == [5, 6, 9, 9, /**/ 1, 2, 3, 4, /**/ 9, 9, 9, 9])
        let data = try DataReader.read(
            .tokens(path: path, SequenceOptions(timesteps: 4, vocabularySize: 10)), labels: .classes)
        #expect(data.sampleShape == [4] && data.inputKind == .tokens(vocabulary: 10))
        #expect(data.targets == .classes([1, 0, 2], perSample: 1))
    }

    @Test func textIsEncodedWithTheTrainingVocabulary() throws {
        let train = scratch.write("train.tsv", text: "0\tabba\n1\tcab\n")
        let test = scratch.write("test.tsv", text: "1\tabz\n")
        let data = try DataReader.read(
            .text(path: train, SequenceOptions(timesteps: 3, padding: .post, truncating: .post)), labels: .classes)
        let vocabulary = try #require(data.vocabulary)
        #expect(vocabulary.scalars == ["a", "b", "c"] && vocabulary.size == 5)
        #expect(data.features == [2, 3, 3, /**/ 4, 2, 3])
        #expect(data.inputKind == .tokens(vocabulary: 5))
        let preprocessing = try Preprocessing(inputShape: [3], targets: .sparse(classes: 2)).fit(on: data)
        let other = try DataReader.read(
            .text(path: test, SequenceOptions(timesteps: 4, padding: .post, vocabulary: preprocessing.vocabulary)),
            labels: .classes)
        // 'z' was not in the training file: <unk> (1); then padding (0).
        #expect(other.features == [2, 3, 1, 0])
        let json = try JSONEncoder().encode(preprocessing)
        #expect(String(decoding: json, as: UTF8.self).contains(#""characters":"abc""#))
        #expect(try JSONDecoder().decode(Preprocessing.self, from: json) == preprocessing)
    }

    @Test(arguments: [50, 200])
    func addingProblem(length: Int) throws {
        let task = SequenceTask(.adding, length: length, samples: 10_000, seed: 7)
        let data = try DataReader.read(.generated(task), labels: .values)
        #expect(data.sampleShape == [length, 2] && data.count == 10_000)
        guard case .values(let targets, width: 1) = data.targets else {
            Issue.record("no values")
            return
        }
        var squaredError = 0.0
        for i in 0..<data.count {
            let steps = (0..<length).map {
                (value: data.features[(i * length + $0) * 2], marker: data.features[(i * length + $0) * 2 + 1])
            }
            let marked = steps.indices.filter { steps[$0].marker == 1 }
            #expect(
                steps.allSatisfy { $0.marker == 0 || $0.marker == 1 }
                    && steps.allSatisfy { $0.value >= 0 && $0.value < 1 })
            #expect(
                marked.count == 2 && marked[0] < length / 2 && marked[1] >= length / 2,
                "sample \(i): markers at \(marked)")
            #expect(targets[i] == steps[marked[0]].value + steps[marked[1]].value)
            squaredError += Double((targets[i] - 1) * (targets[i] - 1))
        }
        // The baseline the papers quote: always answering 1 has MSE Var(X₁ + X₂) = 1/6. The
        // estimate's standard error over 10,000 samples is about 0.002; allow 5 of them.
        let baseline = squaredError / Double(data.count)
        #expect(abs(baseline - 1.0 / 6) < 0.01, "baseline MSE \(baseline)")
    }

    @Test(arguments: [50, 200])
    func copyTask(length: Int) throws {
        let task = SequenceTask(.copy, length: length, samples: 2_000, seed: 3)
        let data = try DataReader.read(.generated(task), labels: .classes)
        let steps = length + 20
        #expect(data.sampleShape == [steps] && data.inputKind == .tokens(vocabulary: 10))
        guard case .classes(let targets, perSample: steps) = data.targets else {
            Issue.record("no per-step classes")
            return
        }
        var counts = [Int](repeating: 0, count: 10)
        for i in 0..<data.count {
            let input = data.features[(i * steps)..<((i + 1) * steps)].map { Int32($0) }
            let target = Array(targets[(i * steps)..<((i + 1) * steps)])
            let symbols = Array(input[0..<10])
            #expect(symbols.allSatisfy { (1...8).contains($0) })
            #expect(
                input[10..<(length + 9)].allSatisfy { $0 == 0 } && input[length + 9] == 9
                    && input[(length + 10)...].allSatisfy { $0 == 0 })
            #expect(target[..<(length + 10)].allSatisfy { $0 == 0 } && Array(target[(length + 10)...]) == symbols)
            for s in symbols { counts[Int(s)] += 1 }
        }
        // 20,000 uniform draws over 8 symbols: 2,500 each, standard deviation ≈ 47; allow 5.
        #expect(counts[1...8].allSatisfy { abs($0 - 2500) < 235 }, "\(counts)")
        #expect(counts[0] == 0 && counts[9] == 0)
    }

    /// Digit reversal: ids 1...symbols drawn uniformly, the target the input reversed, and a
    /// regression loss refused.
    @Test func reverseTask() throws {
        let task = SequenceTask(.reverse, length: 8, samples: 2_000, seed: 3, symbols: 10)
        let data = try DataReader.read(.generated(task), labels: .classes)
        #expect(data.sampleShape == [8] && data.inputKind == .tokens(vocabulary: 11))
        guard case .classes(let targets, perSample: 8) = data.targets else {
            Issue.record("no per-step classes")
            return
        }
        var counts = [Int](repeating: 0, count: 11)
        for i in 0..<data.count {
            let input = data.features[(i * 8)..<((i + 1) * 8)].map { Int32($0) }
            #expect(Array(targets[(i * 8)..<((i + 1) * 8)]) == input.reversed())
            for d in input { counts[Int(d)] += 1 }
        }
        // 16,000 uniform draws over 10 digits: 1,600 each, standard deviation 38; allow 5.
        #expect(counts[0] == 0 && counts[1...10].allSatisfy { abs($0 - 1600) < 190 }, "\(counts)")
        #expect(throws: DataError.self) { try DataReader.read(.generated(task), labels: .values) }
    }

    @Test func generatedSamplesDependOnlyOnSeedAndIndex() throws {
        let small = try DataReader.read(
            .generated(SequenceTask(.adding, length: 50, samples: 100, seed: 1)), labels: .values)
        let large = try DataReader.read(
            .generated(SequenceTask(.adding, length: 50, samples: 1000, seed: 1)), labels: .values)
        let other = try DataReader.read(
            .generated(SequenceTask(.adding, length: 50, samples: 100, seed: 2)), labels: .values)
        #expect(Array(large.features.prefix(small.features.count)) == small.features)
        #expect(other.features != small.features)
    }

    @Test func splitsOfAGeneratedTaskGetTheirOwnSeeds() {
        let seeds = ["train", "validation", "test"].map { SequenceTask.seed(run: 1, split: $0) }
        #expect(Set(seeds).count == 3)
        #expect(
            SequenceTask.seed(run: 1, split: "train") == seeds[0]
                && SequenceTask.seed(run: 2, split: "train") != seeds[0])
    }

    @Test func tasksNeedTheirKindOfLoss() {
        #expect(
            rendered {
                _ = try DataReader.read(
                    .generated(SequenceTask(.adding, length: 50, samples: 10, seed: 1)), labels: .classes)
            } == """
                the adding task: error: the adding task's targets are real numbers (a sum); it needs a regression loss [E0504]
                help: use loss: mse

                """)
    }

    @Test func copyTaskMeetsAnInputOfOneHotVectors() throws {
        let task = SequenceTask(.copy, length: 5, samples: 3, seed: 1, symbols: 3, remember: 2)
        let raw = try DataReader.read(.generated(task), labels: .classes)
        let dataset = try Preprocessing(inputShape: [9, 5], targets: .oneHot(classes: 5)).fit(on: raw).apply(to: raw)
        #expect(dataset.input == .oneHotTokens(vocabulary: 5) && dataset.inputWidth == 45 && dataset.targetWidth == 45)
        let filler = try BatchFiller(dataset)
        var inputs = [Float](repeating: -1, count: 45)
        var targets = [Float](repeating: -1, count: 45)
        try filler.fillInputs(&inputs, order: [0, 1, 2], positions: 1..<2, epoch: 0, augment: true)
        try filler.fillTargets(&targets, order: [0, 1, 2], positions: 1..<2)
        let ids = raw.features[9..<18].map { Int($0) }
        for t in 0..<9 {
            #expect(inputs[(t * 5)..<(t * 5 + 5)] == ArraySlice((0..<5).map { $0 == ids[t] ? Float(1) : 0 }))
        }
        #expect(targets.reduce(0, +) == 9)
    }
}
