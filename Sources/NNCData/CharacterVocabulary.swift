/// The character-to-id map of a text data set, built from the training file and saved in
/// `Preprocessing` so test data and `nnc predict` encode text with the same ids.
///
/// Characters are Unicode scalars. Id 0 is the padding, id 1 `<unk>` (any character the
/// training file did not contain), and the known characters follow in ascending code-point
/// order from id 2, so the same file always gives the same ids. The embedding that reads
/// the ids needs `size` inputs.
public struct CharacterVocabulary: Sendable, Equatable, Codable {
    public static let padding: Int32 = 0
    public static let unknown: Int32 = 1

    /// The known characters in id order (character i has id i + 2).
    public let scalars: [Unicode.Scalar]

    /// Ids in use: the known characters plus padding and `<unk>`.
    public var size: Int { scalars.count + 2 }

    public init(_ scalars: some Sequence<Unicode.Scalar>) {
        self.scalars = Set(scalars).sorted()
    }

    /// The id of `scalar`: its place among the known characters, or `unknown`.
    public func id(of scalar: Unicode.Scalar) -> Int32 {
        var lo = 0
        var hi = scalars.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if scalars[mid] < scalar { lo = mid + 1 } else { hi = mid }
        }
        return lo < scalars.count && scalars[lo] == scalar ? Int32(lo + 2) : Self.unknown
    }

    // Saved as one readable string of the known characters, in id order.
    private enum CodingKeys: String, CodingKey { case characters }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try container.decode(String.self, forKey: .characters).unicodeScalars)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        try container.encode(String(text), forKey: .characters)
    }
}
