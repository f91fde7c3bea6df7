import NNCData
import NNCGraph
import NNCRuntime

extension Pictures {
    /// A layer's kernel as tiles: a conv2d's filters (kh×kw; RGB with 3 input channels, gray
    /// with 1, otherwise a row per filter with one gray tile per input channel); a dense layer
    /// fed by an image (through flatten, or the model's flat input whose data file holds
    /// images) as one H×W tile per unit; any other dense layer as a heat map of its matrix, a
    /// row per unit. Default normalization: the shared symmetric range.
    public static func weights(model: String, settings: Settings) throws(TrainingFailure) -> Picture {
        let loaded = try load(model: model, settings: settings)
        let graph = loaded.session.graph
        let node = try layer(settings.layer, in: graph)
        let (tiles, grid) = try weightTiles(
            node, graph, kernel: loaded.session.weights["\(node.name).kernel"],
            normalization: settings.normalization ?? .shared,
            dataImageShape: { (try? loaded.session.data(seed: 0, purpose: .prediction))?.train.imageShape })
        return Picture(
            model: graph.name, subject: "weights", layer: node.name, layerType: node.typeName, tiles: tiles, grid: grid,
            weightsPath: loaded.session.weightsPath, sample: nil,
            runDirectory: loaded.session.runFolder
                ?? TrainingOptions(graph: graph, modelFile: loaded.session.spec.file).outputDirectory)
    }

    /// `node`'s `kernel` as tiles (what `weights` draws; `train --tensorboard`'s image of the
    /// first layer). `dataImageShape`: the training data's image shape, read only for a dense
    /// layer on the model's flat input. E0561 when the layer has no kernel to draw.
    static func weightTiles(
        _ node: Node, _ graph: Graph, kernel: SafeTensors.Tensor?, normalization: Normalization,
        dataImageShape: () -> [Int]?
    ) throws(TrainingFailure) -> (String, TileGrid) {
        guard let kernel, node.parameters.contains(where: { $0.name == "kernel" }) else {
            throw undrawable(
                node, "it has no kernel (weights are drawn for conv2d and dense layers)",
                help: "name a conv2d or dense layer with --layer")
        }
        if case .conv2d = node.op { return filters(kernel, normalization) }
        if case .dense = node.op {
            if let image = imageShape(feeding: node, graph, dataImageShape: dataImageShape) {
                return unitImages(kernel, image: image, normalization)
            }
            return matrix(kernel, normalization)
        }
        throw undrawable(
            node, "only conv2d filters and dense weights are drawn", help: "name a conv2d or dense layer with --layer")
    }

    /// conv2d kernel [kh, kw, cin, filters].
    static func filters(_ kernel: SafeTensors.Tensor, _ normalization: Normalization) -> (String, TileGrid) {
        let (kh, kw, cin, count) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        func value(_ y: Int, _ x: Int, _ c: Int, _ f: Int) -> Float {
            kernel.values[((y * kw + x) * cin + c) * count + f]
        }
        let scale = TileGrid.scale(max(kh, kw), target: 64)
        if cin == 1 || cin == 3 {
            let tiles = (0..<count).map { f in
                Tile(
                    width: kw, height: kh, channels: cin,
                    values: (0..<kh).flatMap { y in (0..<kw).flatMap { x in (0..<cin).map { value(y, x, $0, f) } } })
            }
            let kind = cin == 3 ? "RGB (the input's 3 channels)" : "gray"
            return (
                "one \(kh)×\(kw) \(kind) tile per filter",
                TileGrid(tiles: tiles, scaleX: scale, scaleY: scale, normalization: normalization)
            )
        }
        let tiles = (0..<count).flatMap { f in
            (0..<cin).map { c in
                Tile(width: kw, height: kh, values: (0..<kh).flatMap { y in (0..<kw).map { x in value(y, x, c, f) } })
            }
        }
        return (
            "a row per filter, one \(kh)×\(kw) gray tile per input channel (\(cin))",
            TileGrid(tiles: tiles, columns: cin, scaleX: scale, scaleY: scale, normalization: normalization)
        )
    }

    /// dense kernel [inputs, units] whose inputs are an image [H, W, C] read flat (channels last).
    static func unitImages(_ kernel: SafeTensors.Tensor, image: [Int], _ normalization: Normalization)
        -> (String, TileGrid)
    {
        let (h, w, c, units) = (image[0], image[1], image[2], kernel.shape[1])
        let scale = TileGrid.scale(max(h, w), target: 64)
        func column(_ u: Int, channels: [Int]) -> [Float] {
            (0..<(h * w)).flatMap { p in channels.map { kernel.values[(p * c + $0) * units + u] } }
        }
        if c == 1 || c == 3 {
            let tiles = (0..<units).map {
                Tile(width: w, height: h, channels: c, values: column($0, channels: Array(0..<c)))
            }
            return (
                "one \(h)×\(w) \(c == 3 ? "RGB" : "gray") tile per unit: its weights on the input image",
                TileGrid(tiles: tiles, scaleX: scale, scaleY: scale, normalization: normalization)
            )
        }
        let tiles = (0..<units).flatMap { u in
            (0..<c).map { Tile(width: w, height: h, values: column(u, channels: [$0])) }
        }
        return (
            "a row per unit, one \(h)×\(w) gray tile per input channel (\(c))",
            TileGrid(tiles: tiles, columns: c, scaleX: scale, scaleY: scale, normalization: normalization)
        )
    }

    /// dense kernel [inputs, units] as one heat map, a row per unit, a column per input.
    static func matrix(_ kernel: SafeTensors.Tensor, _ normalization: Normalization) -> (String, TileGrid) {
        let (inputs, units) = (kernel.shape[0], kernel.shape[1])
        let values = (0..<units).flatMap { u in (0..<inputs).map { kernel.values[$0 * units + u] } }
        return (
            "one heat map of the \(inputs)×\(units) matrix: a row per unit, a column per input",
            TileGrid(
                tiles: [Tile(width: inputs, height: units, values: values)],
                scaleX: TileGrid.scale(inputs, target: 256), scaleY: TileGrid.scale(units, target: 256),
                normalization: normalization)
        )
    }

    /// [H, W, C] of the image a dense layer reads: through dropout and flatten back to a rank-2
    /// or rank-3 shape, or, for the model's flat input, the data file's image shape ([28, 28] in
    /// an IDX file read as [784]) when the spec's training data can be read.
    static func imageShape(feeding node: Node, _ graph: Graph, dataImageShape: () -> [Int]?) -> [Int]? {
        guard var source = node.inputs.first.map({ graph[$0] }) else { return nil }
        while case .dropout = source.op, let next = source.inputs.first { source = graph[next] }
        var shape = source.shape?.dims ?? []
        if case .flatten = source.op, let next = source.inputs.first { shape = graph[next].shape?.dims ?? [] }
        if case .input = source.op, shape.count == 1 {
            guard let image = dataImageShape() else { return nil }
            shape = image
            guard shape.reduce(1, *) == source.shape?.elementCount else { return nil }
        }
        switch shape.count {
        case 2: return shape + [1]
        case 3: return shape
        default: return nil
        }
    }
}
