import NNCDiagnostics

/// One kind of a family: `dense` among layers, `adam` among optimizers, `relu` among activations.
public struct ComponentKind: Sendable {
    public var name: String
    /// Other spellings accepted on input (`logistic` for `sigmoid`, `xavier_uniform` for `glorot_uniform`).
    public var aliases: [String]
    public var doc: String
    public var attributes: [Attribute]
    /// Attributes set, in order, by the short form: `dense: 128`, `conv2d: [6, 5]`.
    public var shortForm: [String]
    /// Spatial dimensions for `.spatial` attributes: 1 for conv1d, 2 for conv2d, 0 elsewhere.
    public var spatialRank: Int

    public init(
        _ name: String, aliases: [String] = [], doc: String, short: [String] = [],
        spatialRank: Int = 0, _ attributes: [Attribute] = []
    ) {
        self.name = name
        self.aliases = aliases
        self.doc = doc
        self.attributes = attributes
        self.shortForm = short
        self.spatialRank = spatialRank
    }

    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }
}

/// A family of named components: layers, activations, initializers, regularizers,
/// constraints, losses, metrics, optimizers, schedules.
public final class Family: Sendable {
    public let name: String
    public let article: String
    public let kinds: [ComponentKind]
    private let index: [String: Int]

    public init(name: String, article: String = "a", kinds: [ComponentKind]) {
        self.name = name
        self.article = article
        self.kinds = kinds
        var index: [String: Int] = [:]
        for (i, kind) in kinds.enumerated() {
            index[kind.name] = i
            for alias in kind.aliases { index[alias] = i }
        }
        self.index = index
    }

    /// The kind named `name` or one of its aliases.
    public func kind(_ name: String) -> ComponentKind? { index[name].map { kinds[$0] } }

    /// Every accepted spelling, canonical names first.
    public var allNames: [String] { kinds.map(\.name) + kinds.flatMap(\.aliases) }

    /// `layers`, `losses`, `momentum schedules`: the family's name for several kinds.
    public var pluralName: String { name.hasSuffix("s") ? name + "es" : name + "s" }

    /// Help for an unknown name: the closest spelling, or else every kind.
    public func help(forUnknown word: String) -> String? {
        Suggestions.help(word, in: allNames, known: kinds.map(\.name), what: "\(name) kinds")
    }
}
