import Foundation
import NNCTestSupport
import Testing

@testable import NNCData

/// Scaling, standardization fitted on the training split only, reshaping, label checks,
/// and the saved form.
@Suite struct PreprocessingTests {
    let scratch = Scratch()

    /// Relative closeness for statistics computed in a different order (float rounding).

    @Test func standardizationMatchesNumpyOnTheWholeFile() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        let fitted = try Preprocessing(standardize: true, inputShape: [4], targets: .sparse(classes: 3)).fit(on: iris)
        // python3: numpy.loadtxt('iris.csv', delimiter=',')[:, 1:].mean(0) and .std(0) (population)
        let mean = [5.84333333, 3.05733333, 3.758, 1.19933333]
        let std = [0.82530129, 0.43441097, 1.75940407, 0.75969263]
        #expect(zip(fitted.mean, mean).allSatisfy { isClose(Double($0), $1, relative: 1e-6) }, "\(fitted.mean)")
        #expect(
            zip(fitted.standardDeviation, std).allSatisfy { isClose(Double($0), $1, relative: 1e-6) },
            "\(fitted.standardDeviation)")
    }

    @Test func statisticsComeFromTheTrainingSplitOnly() throws {
        let wine = try DataReader.read(Bundled.csv("wine.csv"), labels: .classes)
        let splits = try Splits(wine, validation: 0.25, test: 0, seed: 4)
        let validation = try #require(splits.validation)
        let fitted = try Preprocessing(scale: 0.5, standardize: true, inputShape: [13], targets: .sparse(classes: 3))
            .fit(on: splits.train)
        // The mean of the scaled training features, computed here independently.
        let n = splits.train.count
        for j in 0..<13 {
            let column = (0..<n).map { Double(splits.train.features[$0 * 13 + j]) * 0.5 }
            let mean = column.reduce(0, +) / Double(n)
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
            #expect(
                isClose(Double(fitted.mean[j]), mean, relative: 1e-6)
                    && isClose(Double(fitted.standardDeviation[j]), std, relative: 1e-6))
        }
        let train = try fitted.apply(to: splits.train)
        let held = try fitted.apply(to: validation)
        for j in 0..<13 {
            let trainMean =
                (0..<train.count).map { Double(train.features[$0 * 13 + j]) }.reduce(0, +) / Double(train.count)
            let heldMean = (0..<held.count).map { Double(held.features[$0 * 13 + j]) }.reduce(0, +) / Double(held.count)
            #expect(abs(trainMean) < 1e-5, "feature \(j): training mean \(trainMean)")
            #expect(
                abs(heldMean) > 1e-4, "feature \(j): the validation mean is 0 only if it leaked into the statistics")
        }
        // The whole file's mean differs: the statistics did not see the validation samples.
        let wholeMean = (0..<wine.count).map { Double(wine.features[$0 * 13]) * 0.5 }.reduce(0, +) / Double(wine.count)
        #expect(!isClose(Double(fitted.mean[0]), wholeMean, relative: 1e-7))
    }

    @Test func aConstantFeatureIsDividedByOne() throws {
        let path = scratch.write("c.csv", text: "0,3,1\n1,3,2\n0,3,6\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: path)), labels: .classes)
        let fitted = try Preprocessing(standardize: true, inputShape: [2], targets: .sparse(classes: 2)).fit(on: raw)
        #expect(fitted.mean == [3, 3] && fitted.standardDeviation[0] == 1)
        let data = try fitted.apply(to: raw)
        #expect(data.features[0] == 0 && data.features[2] == 0 && data.features[4] == 0)
        #expect(data.features.allSatisfy { $0.isFinite })
    }

    @Test func scaleAndReshape() throws {
        let raw = try DataReader.read(Bundled.mnistTrain, labels: .classes)
        let data = try Preprocessing(scale: 1.0 / 255, inputShape: [28, 28, 1], targets: .oneHot(classes: 10)).fit(
            on: raw
        ).apply(to: raw)
        #expect(data.sampleShape == [28, 28, 1] && data.inputWidth == 784 && data.targetWidth == 10)
        #expect(data.features.max() == 1 && data.features.min() == 0)
        let digits = try DataReader.read(Bundled.csv("digits_train.csv"), labels: .classes)
        let wrong = try Preprocessing(inputShape: [28, 28, 1], targets: .sparse(classes: 10)).fit(on: digits)
        #expect(
            Bundled.relative(rendered { _ = try wrong.apply(to: digits) }) == """
                models/data/digits_train.csv: error: samples must hold as many values as the model's input [28, 28, 1] (784); the samples of 'models/data/digits_train.csv' are [64] (64 values) [E0504]
                help: set the model's input to [64], or reshape inside the model

                """)
    }

    @Test func labelsOutsideTheClassesNameTheirLineOrRecord() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        let twoClasses = try Preprocessing(inputShape: [4], targets: .sparse(classes: 2)).fit(on: iris)
        #expect(
            Bundled.relative(rendered { _ = try twoClasses.apply(to: iris) }) == """
                models/data/iris.csv:101:1: error: class labels must lie in 0..<2 (the model has 2 classes); line 101 of 'models/data/iris.csv' has label 2 [E0503]
                101 | 2,6.3,3.3,6.0,2.5
                    | `- error: label 2
                help: give the model 3 output units, or relabel the data

                """)
        // After a split, the error still names the original line.
        let validation = try #require(try Splits(iris, validation: 0.2, test: 0, seed: 1).validation)
        guard case .classes(let labels, _) = validation.targets, let first = labels.firstIndex(of: 2) else {
            Issue.record("no label 2")
            return
        }
        let line = Int(validation.records[first]) + 1
        #expect(line >= 101 && first == 20)
        #expect(
            rendered { _ = try twoClasses.apply(to: validation) }.contains(
                "iris.csv:\(line):1: error: class labels must lie in 0..<2"))
        let mnist = try DataReader.read(Bundled.mnistTrain, labels: .classes)
        let five = try Preprocessing(inputShape: [784], targets: .oneHot(classes: 5)).fit(on: mnist)
        #expect(
            Bundled.relative(rendered { _ = try five.apply(to: mnist) }) == """
                models/data/mnist5k-train-labels-idx1-ubyte.gz: error: class labels must lie in 0..<5 (the model has 5 classes); record 5 (byte offset 13) of 'models/data/mnist5k-train-labels-idx1-ubyte.gz' has label 5 [E0503]
                help: give the model 10 output units, or relabel the data

                """)
    }

    @Test func labelsCountedFromOneGetTheRightHelp() throws {
        let path = scratch.write("one.csv", text: "1,0.5\n2,0.25\n")
        let raw = try DataReader.read(.csv(CSVOptions(path: path)), labels: .classes)
        let rendered = rendered {
            _ = try Preprocessing(inputShape: [1], targets: .sparse(classes: 2)).fit(on: raw).apply(to: raw)
        }
        #expect(
            rendered.hasSuffix(
                "help: labels count from 0: subtract 1 from every label, or give the model one more output unit\n"))
    }

    @Test func tokenIDsAreNeverScaled() throws {
        let raw = try DataReader.read(.generated(SequenceTask(.copy, length: 5, samples: 2, seed: 1)), labels: .classes)
        #expect(
            rendered {
                _ = try Preprocessing(scale: 0.5, inputShape: [25], targets: .sparse(classes: 10)).fit(on: raw).apply(
                    to: raw)
            } == """
                the copy task: error: scale and standardize apply to real-valued inputs; 'the copy task' holds token ids [E0504]
                help: remove scale and standardize from data.preprocess

                """)
    }

    @Test func savedAndRestoredIdentically() throws {
        let iris = try DataReader.read(Bundled.csv("iris.csv"), labels: .classes)
        let fitted = try Preprocessing(scale: 0.1, standardize: true, inputShape: [4, 1], targets: .oneHot(classes: 3))
            .fit(on: iris)
        let restored = try JSONDecoder().decode(Preprocessing.self, from: JSONEncoder().encode(fitted))
        #expect(restored == fitted)
        #expect(try restored.apply(to: iris).features == fitted.apply(to: iris).features)
    }
}
