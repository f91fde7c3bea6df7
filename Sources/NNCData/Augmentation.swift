/// Random changes to training images, drawn per sample when a batch is filled.
///
/// For samples [H, W] or [H, W, C]: the image moves by (dy, dx), each uniform in
/// −shift...shift (content moves down by dy and right by dx; vacated pixels become 0), then
/// is mirrored left–right (`horizontal`) and/or top–bottom (`vertical`), each with
/// probability ½ (`both` draws the two independently). The choices for a sample are a
/// hash of (seed, epoch, position in the epoch's order), so they repeat exactly on resume.
public struct Augmentation: Sendable, Equatable, Codable {
    public enum Flip: String, Sendable, Codable, CaseIterable { case none, horizontal, vertical, both }

    public var shift: Int
    public var flip: Flip

    public init(shift: Int = 0, flip: Flip = .none) {
        precondition(shift >= 0, "a shift is at least 0")
        self.shift = shift
        self.flip = flip
    }

    public static let none = Augmentation()

    public var isNone: Bool { shift == 0 && flip == .none }

    /// What is done to one sample.
    public struct Choice: Sendable, Equatable {
        public var dy: Int, dx: Int
        public var mirrorRows: Bool, mirrorColumns: Bool
    }

    /// The choice for the sample at `position` of epoch `epoch`'s order.
    public func choice(seed: UInt64, epoch: Int, position: Int) -> Choice {
        var random = CounterRandom(seed: seed, stream: .augment, counter: UInt64(epoch), UInt64(position))
        let span = 2 * shift + 1
        let dy = random.below(span) - shift
        let dx = random.below(span) - shift
        let columns = (flip == .horizontal || flip == .both) && random.coin()
        let rows = (flip == .vertical || flip == .both) && random.coin()
        return Choice(dy: dy, dx: dx, mirrorRows: rows, mirrorColumns: columns)
    }

    /// Writes `source` ([height, width, channels]) changed by `choice` into `out`.
    static func apply(
        _ choice: Choice, _ out: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>,
        height: Int, width: Int, channels: Int
    ) {
        for y in 0..<height {
            // Output row y shows row yy of the shifted image, which is source row yy − dy.
            let sy = (choice.mirrorRows ? height - 1 - y : y) - choice.dy
            for x in 0..<width {
                let sx = (choice.mirrorColumns ? width - 1 - x : x) - choice.dx
                let target = out + (y * width + x) * channels
                if sy >= 0 && sy < height && sx >= 0 && sx < width {
                    target.update(from: source + (sy * width + sx) * channels, count: channels)
                } else {
                    target.update(repeating: 0, count: channels)
                }
            }
        }
    }
}
