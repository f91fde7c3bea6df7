import NNCDiagnostics

/// Expands the `layers:` list — plain layers, `block:` uses and `repeat:` groups — into the
/// flat list of `LayerSpec`s with qualified names. Decoding happens once per written item
/// (a repeat of 10,000 decodes its body once), then instantiation stamps out copies.
struct LayerExpander {
    /// A block definition from `blocks:`.
    struct BlockDefinition {
        var name: LocatedName
        /// Parameter names with their defaults (nil: required).
        var params: [(name: String, default: SpecNode?)]
        var layers: SpecNode
    }

    /// One decoded item of a layer list.
    indirect enum Item {
        case layer(ComponentSpec, name: LocatedName?, inputs: [LocatedName]?)
        case group(Group)
    }

    /// A block use or a repeat: a body instantiated `count` times under a name.
    struct Group {
        var baseName: String
        var nameLocation: SourceLocation
        var hasExplicitName: Bool
        var count: Int
        var isRepeat: Bool
        var blockName: String?
        var inputs: [LocatedName]?
        var body: [Item]
        var location: SourceLocation
    }

    /// Hard limit on expanded layers so a typo like `repeat: 1e9` fails fast instead of hanging.
    /// Far above real models (the bundled 10,000-block CNN has 10,002 layers); checking a
    /// model this large takes about a second, and its expansion is counted before it is built.
    static let maxLayers = 100_000

    var decoder: SpecDecoder
    var blocks: [String: BlockDefinition] = [:]
    var usedBlocks: Set<String> = []
    var layers: [LayerSpec] = []
    /// Qualified names of block/repeat instances mapped to their last layer.
    var instanceOutputs: [String: String] = [:]
    var limitReported = false
    /// Items decoded so far. A block body is decoded at each use, and every decoded item
    /// stands for at least one layer of the expansion, so more than `maxLayers` of them
    /// means the model is too large: blocks nesting blocks stop here, before their uses
    /// multiply (nine blocks of nine uses of the one before would decode 9⁹ items).
    var decodedItems = 0

    init(decoder: SpecDecoder) { self.decoder = decoder }

    // MARK: Block definitions

    mutating func readBlocks(_ node: SpecNode) {
        guard let pairs = node.pairs else {
            if !node.isNull {
                decoder.diagnostics.error(
                    .wrongType, "'blocks' must be a mapping of block names to definitions; got \(node.kindDescription)",
                    at: node.location)
            }
            return
        }
        for pair in pairs {
            let name = LocatedName(pair.key, at: pair.keyLocation)
            if Registry.layers.kind(pair.key) != nil {
                decoder.diagnostics.error(
                    .badBlock, "a block may not be named like a layer kind; '\(pair.key)' is a layer",
                    at: pair.keyLocation, help: "rename the block, e.g. '\(pair.key)_block'")
                continue
            }
            guard let body = pair.value.pairs else {
                decoder.diagnostics.error(
                    .badBlock, "block '\(pair.key)' must be a mapping with 'layers' (and optional 'params')",
                    at: pair.value.location)
                continue
            }
            var params: [(String, SpecNode?)] = []
            var layerList: SpecNode?
            for entry in body {
                switch entry.key {
                case "layers": layerList = entry.value
                case "params": params = readParams(entry.value)
                default:
                    decoder.diagnostics.error(
                        .unknownKey, "unknown key '\(entry.key)' in block '\(pair.key)'", at: entry.keyLocation,
                        help: Suggestions.didYouMean(entry.key, in: ["layers", "params"])
                            ?? "a block has 'layers' and 'params'")
                }
            }
            guard let layerList, let items = layerList.items, !items.isEmpty else {
                decoder.diagnostics.error(
                    .badBlock, "block '\(pair.key)' needs a non-empty 'layers' list", at: pair.keyLocation)
                continue
            }
            blocks[pair.key] = BlockDefinition(name: name, params: params, layers: layerList)
        }
    }

    /// `params: [filters, stride]` (all required) or `params: {filters: 16, stride: 1}` (with defaults; null = required).
    private mutating func readParams(_ node: SpecNode) -> [(String, SpecNode?)] {
        if let items = node.items {
            return items.compactMap { item in item.scalarText.map { ($0, nil) } }
        }
        if let pairs = node.pairs {
            return pairs.map { ($0.key, $0.value.isNull ? nil : $0.value) }
        }
        decoder.diagnostics.error(
            .wrongType, "'params' must be a list of names or a mapping of names to defaults", at: node.location)
        return []
    }

    var unusedBlocks: [LocatedName] {
        blocks.values.filter { !usedBlocks.contains($0.name.name) }.map(\.name).sorted { $0.location < $1.location }
    }
}
