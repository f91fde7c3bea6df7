import Foundation
import NNCData
import NNCDiagnostics
import NNCGraph

/// The data as the model sees them (after preprocessing): class balance, classes that never
/// appear, the input scale, and samples shared between training and evaluation.
extension Examination {
    /// One class with more than this many times the samples of another is imbalance.
    static let imbalanceRatio = 10.0
    /// Inputs whose mean or standard deviation (after preprocessing) exceeds this are unscaled
    /// (raw pixels: mean 33, std 78); single outliers of standardized data are not.
    static let largestScale = 5.0

    mutating func examineData() {
        let start = findings.count
        var parts = ["\(data.train.count.grouped) training samples"]
        if let counts = classCounts() { parts.append(examineClasses(counts)) }
        if case .real = data.train.input { parts.append(examineScale()) }
        parts.append(examineOverlap())
        record("data", since: start, parts.joined(separator: "; "))
    }

    /// Samples per class among the training labels (classification only).
    func classCounts() -> [Int]? {
        guard let classes, case .classes(let labels, _) = data.train.targets else { return nil }
        var counts = [Int](repeating: 0, count: classes)
        for label in labels where label >= 0 && Int(label) < classes { counts[Int(label)] += 1 }
        return counts
    }

    /// D0401 (a class never appears) and D0402 (imbalance).
    mutating func examineClasses(_ counts: [Int]) -> String {
        let missing = counts.indices.filter { counts[$0] == 0 }
        if !missing.isEmpty {
            let list = missing.prefix(10).map(String.init).joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
            let offByOne = missing == [0] ? " (class numbers counted from 1 instead of 0?)" : ""
            findings.append(
                Diagnostic.warning(
                    .doctorMissingClass,
                    "the output has \(counts.count) classes but \(missing.count == 1 ? "class" : "classes") \(list) never \(missing.count == 1 ? "appears" : "appear") among the \(data.train.count.grouped) training labels\(offByOne)",
                    at: dataLocation,
                    help:
                        "class numbers run from 0 to classes − 1: renumber the labels, or give the output as many units as there are classes"
                ))
        }
        let present = counts.filter { $0 > 0 }
        let most = present.max() ?? 0
        let fewest = present.min() ?? 0
        if fewest > 0, Double(most) > Self.imbalanceRatio * Double(fewest) {
            let big = counts.firstIndex(of: most)!
            let small = counts.firstIndex(of: fewest)!
            findings.append(
                Diagnostic.warning(
                    .doctorImbalancedClasses,
                    "class \(big) has \(most.grouped) training samples and class \(small) only \(fewest.grouped) (\(format(Double(most) / Double(fewest))) times fewer): accuracy will favour the common classes",
                    at: dataLocation,
                    help: "report per-class metrics, resample the rare classes, or weight the loss"))
        }
        let each = fewest == most ? most.grouped : "\(fewest.grouped)–\(most.grouped)"
        return "\(counts.count) classes, \(each) samples each"
    }

    /// D0403: inputs far from unit scale after preprocessing (or all the same).
    mutating func examineScale() -> String {
        let values = data.train.features
        guard !values.isEmpty else { return "no inputs" }
        var low = Float.infinity
        var high = -Float.infinity
        var sum = 0.0
        var squares = 0.0
        for v in values {
            low = min(low, v)
            high = max(high, v)
            sum += Double(v)
            squares += Double(v) * Double(v)
        }
        let n = Double(values.count)
        let mean = sum / n
        let std = max(squares / n - mean * mean, 0).squareRoot()
        let summary =
            "inputs \(format(Double(low))) to \(format(Double(high))) (mean \(format(mean)), std \(format(std)))"
        let location = spec.data?.valueLocation("preprocess") ?? dataLocation
        if std > Self.largestScale || abs(mean) > Self.largestScale {
            findings.append(
                Diagnostic.warning(
                    .doctorInputScale,
                    "the inputs have mean \(format(mean)) and standard deviation \(format(std)) after preprocessing (\(format(Double(low))) to \(format(Double(high)))): large inputs make large first-layer outputs and gradients",
                    at: location,
                    help:
                        "scale them to about [0, 1] or [−1, 1]: `preprocess: {scale: 1/255}` for pixels, `{standardize: true}` otherwise"
                ))
        } else if std == 0 {
            findings.append(
                Diagnostic.warning(
                    .doctorInputScale, "every input value is \(format(mean)): the model sees nothing to learn from",
                    at: location, help: "check the inputs file and the feature columns"))
        }
        return summary
    }

    /// D0404: samples (inputs and labels) of the validation or test data also in the training data.
    mutating func examineOverlap() -> String {
        var seen = Set<Int>()
        for i in 0..<data.train.count { seen.insert(sampleHash(data.train, i)) }
        var parts: [String] = []
        for (name, split) in [("validation", data.validation), ("test", data.test)] {
            guard let split else { continue }
            // Hash matches are confirmed against the training samples' values.
            let candidates = (0..<split.count).filter { seen.contains(sampleHash(split, $0)) }
            var shared = 0
            if !candidates.isEmpty {
                var byHash: [Int: [Int]] = [:]
                for i in 0..<data.train.count { byHash[sampleHash(data.train, i), default: []].append(i) }
                shared =
                    candidates.filter { i in
                        byHash[sampleHash(split, i)]!.contains { data.train.sample($0) == split.sample(i) }
                    }.count
            }
            parts.append("\(shared.grouped) of \(split.count.grouped) \(name) samples also in training")
            guard shared > 0 else { continue }
            findings.append(
                Diagnostic.warning(
                    .doctorSharedSamples,
                    "\(shared.grouped) of the \(split.count.grouped) \(name) samples (\(percent(Double(shared) / Double(split.count)))) \(shared == 1 ? "is also a training sample" : "are also training samples"): their \(name) score measures memory, not generalization",
                    at: spec.data?.valueLocation(name) ?? dataLocation,
                    help: "remove the duplicates from one side before splitting"))
        }
        return parts.isEmpty ? "no validation or test data" : parts.joined(separator: ", ")
    }

    /// The hash of a sample's values.
    func sampleHash(_ dataset: Dataset, _ i: Int) -> Int {
        var hasher = Hasher()
        for v in dataset.sample(i) { hasher.combine(v.bitPattern) }
        return hasher.finalize()
    }

    /// D0501: a batch size changed on the command line keeps the spec's learning rate.
    mutating func examineSettings() {
        let start = findings.count
        let given = graph.training.train.batchSize
        let rate = options.baseLearningRate
        guard let batch = settings.overrides.batchSize, batch != given else {
            record("learning rate", since: start, "\(format(rate)) at batch \(options.batchSize) (the spec's)")
            return
        }
        let scaled = rate * Double(batch) / Double(given)
        findings.append(
            Diagnostic.warning(
                .doctorBatchScaling,
                "--batch-size \(batch) replaces the spec's \(given), but the learning rate \(format(rate)) was chosen for \(given): by the linear-scaling rule, batch \(batch) wants about \(format(scaled))",
                at: learningRateLocation, label: "learning rate \(format(rate)) for batch \(given)",
                help:
                    "set the learning rate to \(format(scaled)) (with a few epochs of warm-up when it grows), or keep batch \(given)"
            ))
        record("learning rate", since: start, "\(format(rate)) chosen for batch \(given), used at \(batch)")
    }
}
