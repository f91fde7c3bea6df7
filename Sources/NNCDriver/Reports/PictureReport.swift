import Foundation

/// `nnc show`'s output: what was drawn (layer, tiles, grid, value range, colors) and where,
/// as text or one JSON object.
extension Pictures.Picture {
    public func text(path: String) -> String {
        let (low, high) = grid.range
        var lines = ["nnc show \(subject): '\(model)', layer \(layer) (\(layerType)), weights \(weightsPath)"]
        if let sample {
            lines.append(
                "sample \(sample.index) of \(sample.count) in \(sample.file ?? "the \(sample.split) split")"
                    + (sample.label.map { ", label \($0)" } ?? ""))
        }
        lines += [
            "\(grid.tiles.count) \(grid.tiles.count == 1 ? "tile" : "tiles"): \(tiles)",
            "grid \(grid.rows) × \(grid.columns) (rows × columns), each value \(grid.scaleX)×\(grid.scaleY) pixels, 1-pixel separators",
            "values \(format(low)) to \(format(high)); \(colors)",
            "picture: \(path) (\(grid.width) × \(grid.height) pixels)",
        ]
        return lines.joined(separator: "\n")
    }

    /// The normalization and color map in words.
    var colors: String {
        switch grid.normalization {
        case .tile: "normalization tile: each tile's min (black) to max (white)"
        case .shared:
            "normalization shared: −\(format(grid.symmetricBound)) blue, 0 white, +\(format(grid.symmetricBound)) red"
        }
    }

    public func json(path: String) -> String {
        struct Size: Encodable { var width, height: Int }
        struct Grid: Encodable { var rows, columns: Int }
        struct Scale: Encodable { var x, y: Int }
        struct SampleJSON: Encodable {
            var split: String
            var index, count: Int
            var label: Int?
            var file: String?
        }
        struct PictureJSON: Encodable {
            var model, subject, layer, layer_type, tiles_drawn, weights, normalization, path: String
            var tiles, channels: Int
            var tile: Size
            var grid: Grid
            var scale: Scale
            var image: Size
            var min, max: Double
            var shared_bound: Double?
            var sample: SampleJSON?
        }
        let (low, high) = grid.range
        return JSONReports.encode(
            PictureJSON(
                model: model, subject: subject, layer: layer, layer_type: layerType, tiles_drawn: tiles,
                weights: weightsPath, normalization: grid.normalization.rawValue, path: path, tiles: grid.tiles.count,
                channels: grid.tiles[0].channels, tile: Size(width: grid.tiles[0].width, height: grid.tiles[0].height),
                grid: Grid(rows: grid.rows, columns: grid.columns), scale: Scale(x: grid.scaleX, y: grid.scaleY),
                image: Size(width: grid.width, height: grid.height), min: Double(low), max: Double(high),
                shared_bound: grid.normalization == .shared ? Double(grid.symmetricBound) : nil,
                sample: sample.map {
                    SampleJSON(split: $0.split, index: $0.index, count: $0.count, label: $0.label, file: $0.file)
                }))
    }

    func format(_ v: Float) -> String { String(format: "%.4g", Double(v)) }
}
