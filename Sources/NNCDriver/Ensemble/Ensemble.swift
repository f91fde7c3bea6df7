import Foundation
import NNCData
import NNCDiagnostics
import NNCRuntime
import NNCSpec

/// A committee of nets (the notes' ensembles): members of one spec trained with different
/// seeds (`nnc train --seeds N`, each on a bootstrap sample of the training data with
/// `--bagging`), combined by averaging their outputs (probabilities for classifiers, values
/// for regression) or, for classifiers, by a majority vote. An ensemble folder holds one run
/// folder per member (`member-1`, …) and `ensemble.json`, which lists their weights.
public enum Ensemble {
    /// The file in an ensemble folder that lists its members' weights.
    public static let manifestName = "ensemble.json"

    /// What `ensemble.json` holds.
    public struct Manifest: Codable, Sendable {
        public var model: String
        /// Weights files, relative to the ensemble folder.
        public var members: [String]
        public var seeds: [UInt64]
        public var bagging: Bool
        public init(model: String, members: [String], seeds: [UInt64], bagging: Bool) {
            self.model = model
            self.members = members
            self.seeds = seeds
            self.bagging = bagging
        }
    }

    /// How members' outputs are combined.
    public enum Rule: String, Sendable { case mean, vote }

    /// One member's score, or the ensemble's.
    public struct Score: Sendable {
        public var weights: String
        /// Classifiers: the fraction of samples whose most probable class is the label.
        public var accuracy: Double?
        /// Cross-entropy of the (combined) probabilities, or the mean squared error for regression.
        public var loss: Double?
    }

    public struct Evaluation: Sendable {
        public var model: String
        public var split: String
        public var samples: Int
        public var rule: Rule
        public var members: [Score]
        public var ensemble: Score
        /// The members' outputs combined, one row per sample (what `predict` prints).
        public var combined: [[Float]]
        public var dataset: Dataset
        public var isClassifier: Bool
        /// The first member's class names (image folders), for predictions.
        public var classNames: [String]?
    }

    /// The weights files named: each file as given, each ensemble folder as its members.
    public static func weightsFiles(_ given: [String]) throws(TrainingFailure) -> [String] {
        var files: [String] = []
        for path in given {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(path)
                continue
            }
            files += try manifest(in: path).members.map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }

    /// The manifest of the ensemble folder `folder`.
    public static func manifest(in folder: String) throws(TrainingFailure) -> Manifest {
        let path = (folder as NSString).appendingPathComponent(manifestName)
        let empty = SourceFile(path: path, text: "")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingFailure([
                Diagnostic.error(
                    .unreadableWeights,
                    "a folder given as weights must be an ensemble folder with an '\(manifestName)'; '\(folder)' has none",
                    at: SourceLocation(file: empty, line: 0, column: 0),
                    help: "name its weights file, or train an ensemble with nnc train MODEL --seeds N")
            ])
        }
        do {
            let manifest = try JSONDecoder().decode(Manifest.self, from: data)
            guard !manifest.members.isEmpty else { throw CocoaError(.coderValueNotFound) }
            return manifest
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unreadableWeights, "'\(path)' must list the ensemble's members (model, members, seeds, bagging)",
                    at: SourceLocation(file: empty, line: 0, column: 0),
                    help: "train the ensemble again with nnc train MODEL --seeds N")
            ])
        }
    }

    /// Runs every member on `dataset` (prepared by `prepare` with that member's saved
    /// preprocessing) and scores the members and their combination.
    public static func evaluate(
        model: String, weights: [String], rule: Rule, threads: Int, split: String, readingData: Bool = true,
        prepare: (InferenceSession) throws(TrainingFailure) -> Dataset
    ) throws(TrainingFailure) -> Evaluation {
        var outputs: [[[Float]]] = []
        var first: (session: InferenceSession, dataset: Dataset)?
        for path in weights {
            let session = try InferenceSession.make(model: model, weights: path, readingData: readingData)
            let dataset = try prepare(session)
            if let first, dataset.count != first.dataset.count {
                throw TrainingFailure([
                    Diagnostic.error(
                        .dataSizeMismatch,
                        "every member must see the same samples; '\(path)' prepares \(dataset.count.grouped), the first member \(first.dataset.count.grouped)",
                        at: session.spec.inputLocation)
                ])
            }
            let evaluator = try session.evaluator(
                batch: min(max(dataset.count, 1), 256), threads: threads, withLoss: false)
            do throws(DataError) {
                outputs.append(try evaluator.predict(try BatchFiller(dataset)))
            } catch {
                throw TrainingFailure([error.diagnostic])
            }
            if first == nil { first = (session, dataset) }
        }
        let (session, dataset) = first!
        let classifier = session.isClassifier
        let combined = combine(outputs, rule: classifier ? rule : .mean)
        let members = zip(weights, outputs).map { path, rows in
            score(rows, dataset: dataset, classifier: classifier, weights: path, withLoss: true)
        }
        return Evaluation(
            model: session.spec.name, split: split, samples: dataset.count, rule: classifier ? rule : .mean,
            members: members,
            ensemble: score(
                combined, dataset: dataset, classifier: classifier, weights: "ensemble", withLoss: rule == .mean),
            combined: combined, dataset: dataset, isClassifier: classifier, classNames: session.classNames)
    }

    /// The mean of the members' rows; with `vote`, each member's most probable class counts
    /// one vote and the row holds the fraction of votes per class (ties go to the lower class).
    static func combine(_ outputs: [[[Float]]], rule: Rule) -> [[Float]] {
        let n = Float(outputs.count)
        return outputs[0].indices.map { i in
            let width = outputs[0][i].count
            var row = [Float](repeating: 0, count: width)
            for member in outputs {
                switch rule {
                case .mean:
                    for k in 0..<width { row[k] += member[i][k] / n }
                case .vote:
                    if width == 1 {
                        row[0] += (member[i][0] >= 0.5 ? 1 : 0) / n
                    } else {
                        let best = member[i].indices.max { member[i][$0] < member[i][$1] }!
                        row[best] += 1 / n
                    }
                }
            }
            return row
        }
    }

    /// Accuracy and cross-entropy against class labels, or the mean squared error against
    /// values; no loss for votes, which are no probabilities.
    static func score(_ rows: [[Float]], dataset: Dataset, classifier: Bool, weights: String, withLoss: Bool) -> Score {
        let predictions = Prediction.make(outputs: rows, dataset: dataset, classifier: classifier)
        guard classifier else {
            var sum = 0.0
            var count = 0
            for p in predictions {
                guard let target = p.target else { continue }
                for (y, t) in zip(p.values, target) {
                    sum += Double(y - t) * Double(y - t)
                    count += 1
                }
            }
            return Score(weights: weights, accuracy: nil, loss: count == 0 ? nil : sum / Double(count))
        }
        var loss = 0.0
        var labelled = 0
        for p in predictions {
            guard let label = p.label else { continue }
            let probability = p.values.count == 1 ? (label == 1 ? p.values[0] : 1 - p.values[0]) : p.values[label]
            loss -= log(max(Double(probability), 1e-7))
            labelled += 1
        }
        return Score(
            weights: weights, accuracy: Prediction.accuracy(predictions),
            loss: labelled == 0 || !withLoss ? nil : loss / Double(labelled))
    }

    /// Where an ensemble of `model` goes (`out`, else the spec's run folder) and the seed its
    /// first member starts from (`seed`, else the spec's).
    public static func folder(model: String, out: String?, seed: UInt64?) throws(TrainingFailure) -> (
        path: String, seed: UInt64, name: String
    ) {
        let source = try TrainingSession.sourceFile(model: model, resume: nil)
        let checked = Driver.check(source)
        guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph, graph.isComplete else {
            throw TrainingFailure(checked.diagnostics)
        }
        let options = TrainingOptions(
            graph: graph, modelFile: spec.file, overrides: .init(seed: seed, outputDirectory: out))
        return (options.outputDirectory, options.seed, graph.name)
    }

    /// Writes the ensemble folder's manifest (atomically).
    public static func write(_ manifest: Manifest, in folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(
            to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(manifestName)), options: .atomic)
    }
}
