import Foundation
import NNCData
import NNCDiagnostics
import NNCGraph
import NNCKernels
import NNCPlan
import NNCRuntime
import NNCSpec

/// `nnc show weights` and `nnc show activations`: the lecture notes' "look at the first layer's
/// weights and at the outputs of the first hidden layer", as a PNG grid of tiles drawn from a
/// trained run's weights (`Pictures+Weights.swift`, `Pictures+Activations.swift`).
public enum Pictures {
    /// What the command line chose.
    public struct Settings: Sendable {
        /// The weights file (default: the run folder's weights.safetensors).
        public var weights: String?
        /// The layer to draw (default: the first layer with trainable parameters).
        public var layer: String?
        /// Default: shared for weights, tile for activations.
        public var normalization: Normalization?
        /// Activations: the sample of the test split (else validation, else train), or of `input`.
        public var sample: Int
        public var threads: Int
        /// Activations: a file of inputs only to take the sample from, read and prepared as
        /// `nnc predict --input` reads it (IDX or NPY images, or a CSV of features).
        public var input: String?

        public init(
            weights: String? = nil, layer: String? = nil, normalization: Normalization? = nil, sample: Int = 0,
            threads: Int = 1, input: String? = nil
        ) {
            self.weights = weights
            self.layer = layer
            self.normalization = normalization
            self.sample = sample
            self.threads = threads
            self.input = input
        }
    }

    /// The sample an activation picture shows.
    public struct Sample: Sendable {
        /// "test", "validation", "train", or "input" for a sample of `file`.
        public var split: String
        public var index: Int
        public var count: Int
        public var label: Int?
        /// The file of inputs the sample was read from (`--input`).
        public var file: String? = nil
    }

    /// A drawn picture and what it shows.
    public struct Picture: Sendable {
        public var model: String
        /// "weights" or "activations".
        public var subject: String
        public var layer: String
        /// The layer's type ("conv2d", "dense").
        public var layerType: String
        /// What one tile is, in words ("one 5×5 gray tile per filter").
        public var tiles: String
        public var grid: TileGrid
        public var weightsPath: String
        public var sample: Sample?
        /// Where the run folder is (the default place of the picture).
        public var runDirectory: String

        public var image: PNGImage { grid.render() }

        /// The file name the picture gets in the run folder.
        public var defaultFileName: String {
            subject == "weights" ? "weights-\(layer).png" : "activations-\(layer)-\(sample?.index ?? 0).png"
        }
    }

    /// The model's weights loaded into a batch-1 inference plan compiled without fusion (so every
    /// layer's output has its own buffer), with the session that read them.
    struct Loaded {
        var session: InferenceSession
        var executor: Executor
    }

    static func load(model: String, settings: Settings) throws(TrainingFailure) -> Loaded {
        let session = try InferenceSession.make(model: model, weights: settings.weights, readingData: false)
        let plan = try Trainer.compile(
            session.graph, session.spec, LoweringOptions(mode: .inference, batch: 1, optimize: false))
        let executor = Executor(plan: plan, pool: ThreadPool(threads: settings.threads))
        let mismatches = executor.load(executor.stateBuffers([.parameter, .statistic]), from: session.weights)
        guard mismatches.isEmpty else {
            throw TrainingFailure([
                Diagnostic.error(
                    .checkpointMismatch,
                    "weights load only into the model they were trained for; \(mismatches.count) tensor\(mismatches.count == 1 ? "" : "s") of '\(session.weightsPath)' differ",
                    at: SourceLocation(file: session.spec.file, line: 0, column: 0),
                    notes: mismatches.map(\.description))
            ])
        }
        executor.prepare()
        return Loaded(session: session, executor: executor)
    }

    /// The named layer, or the first with trainable parameters; E0560 for a name the model lacks.
    static func layer(_ name: String?, in graph: Graph) throws(TrainingFailure) -> Node {
        if let name {
            if let node = graph.nodes.first(where: { $0.name == name }) { return node }
            let names = graph.nodes.map(\.name)
            throw TrainingFailure([
                Diagnostic.error(
                    .showUnknownLayer, "'\(graph.name)' has no layer named '\(name.clipped(to: 40))'",
                    at: graph.layersLocation,
                    notes: ["its layers are " + names.joined(separator: ", ")],
                    help: Suggestions.didYouMean(name, in: names) ?? "name one of its layers with --layer")
            ])
        }
        if let first = graph.nodes.first(where: { $0.trainableParams > 0 }) { return first }
        throw TrainingFailure([
            Diagnostic.error(
                .showUndrawableLayer, "'\(graph.name)' has no layer with trainable weights to draw",
                at: graph.layersLocation, help: "name the layer to draw with --layer")
        ])
    }

    /// E0561: `node` cannot be drawn, and why.
    static func undrawable(_ node: Node, _ why: String, help: String) -> TrainingFailure {
        TrainingFailure([
            Diagnostic.error(
                .showUndrawableLayer, "layer '\(node.name)' (\(node.typeName)) cannot be drawn: \(why)",
                at: node.location, help: help)
        ])
    }

    /// Writes `picture` as a PNG file, creating its folder; E0523 when that fails.
    public static func write(_ picture: Picture, to path: String) throws(TrainingFailure) {
        let folder = (path as NSString).deletingLastPathComponent
        let at = SourceLocation(file: SourceFile(path: path, text: ""), line: 0, column: 0)
        let png: Data
        do {
            png = try picture.image.encoded()
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput, "the picture '\(path)' cannot be written: \(error.description)", at: at,
                    help: error.libraryMissing
                        ? "install libpng (Debian and Ubuntu: apt-get install libpng16-16)" : nil)
            ])
        }
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try AtomicFile.write(png, to: path)
        } catch {
            throw TrainingFailure([
                Diagnostic.error(
                    .unwritableOutput, "the picture '\(path)' cannot be written", at: at,
                    notes: [error.localizedDescription], help: "write it elsewhere with -o FILE.png")
            ])
        }
    }
}
