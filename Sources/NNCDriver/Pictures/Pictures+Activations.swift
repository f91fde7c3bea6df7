import NNCData
import NNCDiagnostics
import NNCGraph
import NNCPlan
import NNCRuntime

extension Pictures {
    /// One sample of the spec's data (the test split, else validation, else train, split as
    /// training split it) or of an `--input` file run through the trained model, and a layer's
    /// output drawn: feature maps [H, W, C] as C gray tiles, a vector as a strip, a sequence
    /// [T, F] as a heat map.
    /// Default normalization: each tile's own min–max.
    public static func activations(model: String, settings: Settings) throws(TrainingFailure) -> Picture {
        let loaded = try load(model: model, settings: settings)
        let session = loaded.session
        let graph = session.graph
        let node = try layer(settings.layer, in: graph)
        let (split, dataset) = try samples(session, settings)
        guard (0..<dataset.count).contains(settings.sample) else {
            let count = "\(dataset.count) \(dataset.count == 1 ? "sample" : "samples")"
            throw TrainingFailure([
                Diagnostic.error(
                    .showSampleOutOfRange,
                    settings.input.map { "sample \(settings.sample) is not in '\($0)', which has \(count)" }
                        ?? "sample \(settings.sample) is not in the \(split) split, which has \(count)",
                    at: settings.input.map { SourceLocation(file: SourceFile(path: $0, text: ""), line: 0, column: 0) }
                        ?? session.spec.data?.valueLocation(split) ?? session.spec.data?.location
                        ?? session.spec.inputLocation,
                    help: dataset.count == 0
                        ? "give a file that holds samples" : "choose --sample from 0 to \(dataset.count - 1)")
            ])
        }
        let run = loaded.executor
        do throws(DataError) {
            try BatchFiller(dataset).fill(
                run, order: (0..<Int32(dataset.count)).map { $0 }, positions: settings.sample..<(settings.sample + 1),
                epoch: 0, augment: false, zeroPad: true)
        } catch {
            throw TrainingFailure([error.diagnostic])
        }
        let outputs = forward(run, graph)
        guard let values = output(of: node, outputs, graph), let shape = node.shape?.dims else {
            throw undrawable(
                node, "the plan computes no separate output for it",
                help: "name the layer before or after it with --layer")
        }
        let normalization = settings.normalization ?? .tile
        let tiles: String
        let grid: TileGrid
        switch shape.count {
        case 1:
            tiles = "one strip of the \(shape[0]) outputs"
            grid = TileGrid(
                tiles: [Tile(width: shape[0], height: 1, values: values)],
                scaleX: TileGrid.scale(shape[0], target: 256),
                scaleY: 24, normalization: normalization)
        case 2:
            tiles = "one heat map of the \(shape[0])×\(shape[1]) outputs: a row per step, a column per feature"
            grid = TileGrid(
                tiles: [Tile(width: shape[1], height: shape[0], values: values)],
                scaleX: TileGrid.scale(shape[1], target: 256), scaleY: TileGrid.scale(shape[0], target: 256),
                normalization: normalization)
        case 3:
            let (h, w, c) = (shape[0], shape[1], shape[2])
            tiles = "one \(h)×\(w) gray tile per channel (feature map)"
            let maps = (0..<c).map { k in Tile(width: w, height: h, values: (0..<(h * w)).map { values[$0 * c + k] }) }
            let scale = TileGrid.scale(max(h, w), target: 64)
            grid = TileGrid(tiles: maps, scaleX: scale, scaleY: scale, normalization: normalization)
        default:
            throw undrawable(
                node,
                "its output \(node.shape!.perSample) has rank \(shape.count); vectors, sequences and feature maps are drawn",
                help: "name a layer whose output has rank 1, 2 or 3 with --layer")
        }
        return Picture(
            model: graph.name, subject: "activations", layer: node.name, layerType: node.typeName, tiles: tiles,
            grid: grid, weightsPath: session.weightsPath,
            sample: Sample(
                split: split, index: settings.sample, count: dataset.count, label: label(dataset, settings.sample),
                file: settings.input),
            runDirectory: session.runFolder
                ?? TrainingOptions(graph: graph, modelFile: session.spec.file).outputDirectory)
    }

    /// The samples to choose from: the `--input` file's, read and prepared as `nnc predict
    /// --input` prepares them, else the spec's test split (else validation, else train).
    static func samples(_ session: InferenceSession, _ settings: Settings) throws(TrainingFailure)
        -> (split: String, dataset: Dataset)
    {
        if let input = settings.input { return ("input", try session.inputs(from: input)) }
        let data = try session.data(seed: TrainingOptions(graph: session.graph, modelFile: session.spec.file).seed)
        return data.test.map { ("test", $0) } ?? data.validation.map { ("validation", $0) } ?? ("train", data.train)
    }

    /// Every layer's output of the sample in row 0, read right after the last instruction that
    /// writes it (the arena reuses its memory later), as `nnc doctor` reads them.
    static func forward(_ run: Executor, _ graph: Graph) -> [String: [Float]] {
        let plan = run.plan
        let names = Set(graph.nodes.map(\.name))
        var outputs: [String: [Float]] = [:]
        run.runForward { instruction in
            for id in instruction.writes where plan[id].role == .activation && plan[id].type == .float32 {
                guard names.contains(plan[id].name) else { continue }
                outputs[plan[id].name] = run.read(id)
            }
        }
        return outputs
    }

    /// A layer's output; a layer that only reshapes or passes its input on at inference
    /// (flatten, reshape, dropout) has its input's values.
    static func output(of node: Node, _ outputs: [String: [Float]], _ graph: Graph) -> [Float]? {
        if let values = outputs[node.name], values.count == node.shape?.elementCount { return values }
        let passesInputOn = [Op.Kind.flatten, .reshape, .dropout, .alphaDropout].contains(node.op.kind)
        return passesInputOn ? node.inputs.first.flatMap { output(of: graph[$0], outputs, graph) } : nil
    }

    /// The sample's class label, when the data have one class per sample.
    static func label(_ dataset: Dataset, _ index: Int) -> Int? {
        guard case .classes(let labels, 1) = dataset.targets else { return nil }
        return Int(labels[index])
    }
}
