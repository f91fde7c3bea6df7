/// One picture of a grid: a 2-D array of values, gray (one channel) or RGB (three), row-major
/// with channels last.
public struct Tile: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var values: [Float]

    public init(width: Int, height: Int, channels: Int = 1, values: [Float]) {
        precondition(values.count == width * height * channels && (channels == 1 || channels == 3))
        self.width = width
        self.height = height
        self.channels = channels
        self.values = values
    }
}

/// How values become colors.
public enum Normalization: String, Sendable, CaseIterable {
    /// Each tile's own minimum to maximum: gray from black (minimum) to white (maximum); RGB
    /// tiles stretch their three channels together.
    case tile
    /// One symmetric range [−m, m] for the whole picture, m the largest |value|: diverging blue
    /// (−m), white (0), red (+m); RGB tiles map −m…m to 0…255 per channel (gray at 0).
    case shared
}

/// Tiles laid out in rows of `columns`, each value drawn as a `scaleX × scaleY` block of
/// pixels, tiles 1 pixel apart on a dark gray ground (`separator`), which also fills the cells
/// left over in the last row. All tiles have one size.
public struct TileGrid: Sendable {
    public var tiles: [Tile]
    public var columns: Int
    public var scaleX: Int
    public var scaleY: Int
    public var normalization: Normalization

    public static let separator: (UInt8, UInt8, UInt8) = (64, 64, 64)

    public init(tiles: [Tile], columns: Int? = nil, scaleX: Int, scaleY: Int, normalization: Normalization) {
        precondition(!tiles.isEmpty)
        self.tiles = tiles
        self.columns = max(1, min(columns ?? Self.squareColumns(tiles.count), tiles.count))
        self.scaleX = scaleX
        self.scaleY = scaleY
        self.normalization = normalization
    }

    /// ⌈√n⌉ columns: the grid as square as the count allows.
    static func squareColumns(_ n: Int) -> Int {
        var c = 1
        while c * c < n { c += 1 }
        return c
    }

    /// A whole-number scale that brings `side` pixels up to about `target` (at least 1).
    public static func scale(_ side: Int, target: Int) -> Int { max(1, target / max(side, 1)) }

    public var rows: Int { (tiles.count + columns - 1) / columns }
    public var tileWidth: Int { tiles[0].width * scaleX }
    public var tileHeight: Int { tiles[0].height * scaleY }
    public var width: Int { columns * tileWidth + (columns - 1) }
    public var height: Int { rows * tileHeight + (rows - 1) }

    /// The smallest and largest value of every tile.
    public var range: (min: Float, max: Float) {
        var low = Float.infinity
        var high = -Float.infinity
        for tile in tiles {
            for v in tile.values {
                low = Swift.min(low, v)
                high = Swift.max(high, v)
            }
        }
        return (low, high)
    }

    /// m of the shared range [−m, m].
    public var symmetricBound: Float {
        tiles.reduce(0) { Swift.max($0, $1.values.reduce(0) { Swift.max($0, abs($1)) }) }
    }

    /// The picture.
    public func render() -> PNGImage {
        var image = PNGImage(width: width, height: height, fill: Self.separator)
        let bound = symmetricBound
        for (index, tile) in tiles.enumerated() {
            let x0 = (index % columns) * (tileWidth + 1)
            let y0 = (index / columns) * (tileHeight + 1)
            let colors = self.colors(tile, bound: bound)
            for y in 0..<tiles[0].height {
                for x in 0..<tiles[0].width {
                    let color = colors[y * tile.width + x]
                    for dy in 0..<scaleY {
                        for dx in 0..<scaleX { image[x0 + x * scaleX + dx, y0 + y * scaleY + dy] = color }
                    }
                }
            }
        }
        return image
    }

    /// Each value's color under the normalization (`bound`: the shared range's m).
    public func colors(_ tile: Tile, bound: Float) -> [(UInt8, UInt8, UInt8)] {
        let pixels = tile.width * tile.height
        switch normalization {
        case .tile:
            let low = tile.values.min() ?? 0
            let high = tile.values.max() ?? 0
            let span = high - low
            func level(_ v: Float) -> UInt8 { span > 0 ? Self.byte((v - low) / span) : 128 }
            return (0..<pixels).map { i in
                if tile.channels == 1 {
                    let g = level(tile.values[i])
                    return (g, g, g)
                }
                return (level(tile.values[3 * i]), level(tile.values[3 * i + 1]), level(tile.values[3 * i + 2]))
            }
        case .shared:
            let m = bound > 0 ? bound : 1
            return (0..<pixels).map { i in
                if tile.channels == 1 { return Self.diverging(tile.values[i] / m) }
                func level(_ v: Float) -> UInt8 { Self.byte(0.5 + v / (2 * m)) }
                return (level(tile.values[3 * i]), level(tile.values[3 * i + 1]), level(tile.values[3 * i + 2]))
            }
        }
    }

    /// Blue (−1), white (0), red (+1).
    public static func diverging(_ t: Float) -> (UInt8, UInt8, UInt8) {
        let t = Swift.max(-1, Swift.min(1, t))
        return t < 0 ? (byte(1 + t), byte(1 + t), 255) : (255, byte(1 - t), byte(1 - t))
    }

    /// 0…1 to 0…255, rounded, clamped.
    public static func byte(_ x: Float) -> UInt8 { UInt8(Swift.max(0, Swift.min(255, (x * 255).rounded()))) }
}
