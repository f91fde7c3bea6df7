import NNCDiagnostics

/// Phase 1: decode written items into `Item`s, substituting block arguments.
extension LayerExpander {
    static let groupKeys: Set<String> = ["repeat", "block", "args", "layers", "name", "inputs"]
    static let siblingKeys: Set<String> = ["name", "inputs", "trainable"]

    mutating func decodeList(_ node: SpecNode, blockStack: [String]) -> [Item] {
        guard let items = node.items else {
            decoder.diagnostics.error(
                .wrongType, "'layers' must be a list of layers; got \(node.kindDescription)", at: node.location,
                help: "start each layer with '- ', e.g. `- dense: 128`")
            return []
        }
        var decoded: [Item] = []
        for item in items {
            decodedItems += 1
            if decodedItems > Self.maxLayers { reportLimit(at: item.location) }
            if limitReported { break }
            if let value = decodeItem(item, blockStack: blockStack) { decoded.append(value) }
        }
        return decoded
    }

    private mutating func decodeItem(_ node: SpecNode, blockStack: [String]) -> Item? {
        switch node.kind {
        case .scalar(let text, _):
            if let kind = Registry.layers.kind(text) {
                return decoder.body(SpecNode(.null, at: node.location), kind: kind, at: node.location)
                    .map { .layer($0, name: nil, inputs: nil) }
            }
            let help =
                blocks[text] != nil
                ? "to use block '\(text)', write `- block: \(text)`"
                : Registry.layers.help(forUnknown: text)
            decoder.diagnostics.error(.unknownValue, "unknown layer kind '\(text)'", at: node.location, help: help)
            return nil
        case .mapping(let pairs):
            if pairs.contains(where: { $0.key == "repeat" || $0.key == "block" }) {
                return decodeGroup(node, pairs, blockStack: blockStack)
            }
            return decodeLayer(node, pairs)
        case .sequence, .null:
            decoder.diagnostics.error(
                .wrongType,
                "a layer must be a kind (`flatten`) or a mapping (`dense: 128`); got \(node.kindDescription)",
                at: node.location)
            return nil
        }
    }

    private mutating func decodeLayer(_ node: SpecNode, _ pairs: [SpecNode.Pair]) -> Item? {
        let kinds = pairs.filter { Registry.layers.kind($0.key) != nil }
        let siblings = pairs.filter { Self.siblingKeys.contains($0.key) }
        let unknown = pairs.filter { Registry.layers.kind($0.key) == nil && !Self.siblingKeys.contains($0.key) }
        if kinds.count > 1 {
            decoder.diagnostics.error(
                .conflictingKeys,
                "a layer item names exactly one layer kind; found '\(kinds[0].key)' and '\(kinds[1].key)'",
                at: kinds[1].keyLocation, labels: [DiagnosticLabel(kinds[0].keyLocation, "first kind")],
                help: "start a new list item with '- ' for the second layer")
            return nil
        }
        guard let kindPair = kinds.first else {
            let first = unknown.first ?? pairs.first
            if let first {
                decoder.diagnostics.error(
                    .unknownValue, "unknown layer kind '\(first.key)'", at: first.keyLocation,
                    help: blocks[first.key] != nil
                        ? "to use block '\(first.key)', write `- block: \(first.key)`"
                        : Registry.layers.help(forUnknown: first.key))
            } else {
                decoder.diagnostics.error(.wrongType, "an empty mapping is not a layer", at: node.location)
            }
            return nil
        }
        for extra in unknown {
            decoder.diagnostics.error(
                .unknownKey, "unknown key '\(extra.key)' beside layer '\(kindPair.key)'", at: extra.keyLocation,
                help: Suggestions.didYouMean(extra.key, in: Array(Self.siblingKeys))
                    .map { "\($0) (layer attributes go inside `\(kindPair.key): {…}`)" }
                    ?? "layer attributes go inside `\(kindPair.key): {…}`; only name, inputs and trainable may stand beside it"
            )
        }
        let kind = Registry.layers.kind(kindPair.key)!
        guard let component = decoder.body(kindPair.value, kind: kind, at: kindPair.keyLocation, extra: siblings)
        else { return nil }
        let name = component.string("name").map { LocatedName($0, at: component.valueLocation("name")!) }
        return .layer(component, name: name, inputs: component.names("inputs"))
    }

    private mutating func decodeGroup(_ node: SpecNode, _ pairs: [SpecNode.Pair], blockStack: [String]) -> Item? {
        var group = Group(
            baseName: "repeat", nameLocation: node.location, hasExplicitName: false, count: 1, isRepeat: false,
            blockName: nil, inputs: nil, body: [], location: node.location)
        var layersNode: SpecNode?
        var argsNode: SpecNode?
        var blockNode: (name: String, location: SourceLocation)?
        var ok = true
        for pair in pairs {
            switch pair.key {
            case "repeat":
                group.isRepeat = true
                group.location = pair.keyLocation
                if let count = decoder.integer(pair.value, .atLeastOne, what: "'repeat'") {
                    group.count = count
                } else {
                    ok = false
                }
            case "block":
                guard let name = pair.value.scalarText else {
                    decoder.diagnostics.error(
                        .wrongType, "'block' must name a block; got \(pair.value.kindDescription)",
                        at: pair.value.location)
                    ok = false
                    continue
                }
                blockNode = (name, pair.value.location)
                if !group.isRepeat { group.location = pair.keyLocation }
            case "args": argsNode = pair.value
            case "layers": layersNode = pair.value
            case "name":
                if let name = pair.value.scalarText {
                    group.baseName = name
                    group.hasExplicitName = true
                    group.nameLocation = pair.value.location
                }
            case "inputs":
                if case .names(let names)? = decoder.decode(pair.value, as: .layerNames, rank: 0, what: "'inputs'") {
                    group.inputs = names
                }
            default:
                decoder.diagnostics.error(
                    .unknownKey, "unknown key '\(pair.key)' in a \(group.isRepeat ? "repeat" : "block use")",
                    at: pair.keyLocation,
                    help: Suggestions.didYouMean(pair.key, in: Array(Self.groupKeys))
                        ?? "known keys: block, args, repeat, layers, name, inputs")
                ok = false
            }
        }
        if let blockNode {
            if layersNode != nil {
                decoder.diagnostics.error(
                    .conflictingKeys, "an item uses either a 'block' or its own 'layers', not both",
                    at: blockNode.location)
                return nil
            }
            if !group.hasExplicitName { group.baseName = blockNode.name }
            group.blockName = blockNode.name
            guard
                let body = instantiateBlock(
                    blockNode.name, at: blockNode.location, args: argsNode, blockStack: blockStack)
            else { return nil }
            group.body = body
        } else {
            if argsNode != nil {
                decoder.diagnostics.error(.badBlock, "'args' belongs to a 'block' use", at: node.location)
                ok = false
            }
            guard let layersNode else {
                decoder.diagnostics.error(
                    .missingKey, "'repeat' needs the 'layers' (or the 'block') to repeat", at: group.location)
                return nil
            }
            group.body = decodeList(layersNode, blockStack: blockStack)
            if group.body.isEmpty { return nil }
        }
        return ok ? .group(group) : nil
    }

    /// Substitutes the arguments into a block's layer list and decodes it.
    private mutating func instantiateBlock(
        _ name: String, at location: SourceLocation, args: SpecNode?, blockStack: [String]
    ) -> [Item]? {
        guard let block = blocks[name] else {
            decoder.diagnostics.error(
                .badBlock, "unknown block '\(name)'", at: location,
                help: Suggestions.didYouMean(name, in: blocks.keys)
                    ?? (blocks.isEmpty
                        ? "define it under `blocks:`"
                        : "defined blocks: \(blocks.keys.sorted().joined(separator: ", "))"))
            return nil
        }
        usedBlocks.insert(name)
        if blockStack.contains(name) {
            decoder.diagnostics.error(
                .badBlock, "block '\(name)' uses itself (\((blockStack + [name]).joined(separator: " → ")))",
                at: location, help: "a block cannot contain itself, directly or through another block")
            return nil
        }
        var values: [String: SpecNode] = [:]
        var ok = true
        for pair in args?.pairs ?? [] {
            guard block.params.contains(where: { $0.name == pair.key }) else {
                decoder.diagnostics.error(
                    .badBlock, "block '\(name)' has no parameter '\(pair.key)'", at: pair.keyLocation,
                    help: Suggestions.didYouMean(pair.key, in: block.params.map(\.name))
                        ?? (block.params.isEmpty
                            ? "it takes no parameters"
                            : "its parameters: \(block.params.map(\.name).joined(separator: ", "))"))
                ok = false
                continue
            }
            values[pair.key] = pair.value
        }
        if let args, args.pairs == nil, !args.isNull {
            decoder.diagnostics.error(
                .wrongType, "'args' must be a mapping of parameter names to values", at: args.location)
            ok = false
        }
        for param in block.params where values[param.name] == nil {
            if let value = param.default {
                values[param.name] = value
            } else {
                decoder.diagnostics.error(
                    .badBlock, "block '\(name)' needs the argument '\(param.name)'", at: location,
                    help: "add `args: {\(param.name): …}`")
                ok = false
            }
        }
        guard ok else { return nil }
        let errors = decoder.diagnostics.errorCount
        let body = substitute(block.layers, values, block: name)
        // An unknown `$param` was reported; decoding the body would only add follow-on errors.
        guard decoder.diagnostics.errorCount == errors else { return nil }
        return decodeList(body, blockStack: blockStack + [name])
    }

    /// Replaces every scalar `$param` with the argument's node.
    private mutating func substitute(_ node: SpecNode, _ values: [String: SpecNode], block: String) -> SpecNode {
        switch node.kind {
        case .scalar(let text, _) where text.hasPrefix("$"):
            let param = String(text.dropFirst())
            if let value = values[param] { return value }
            decoder.diagnostics.error(
                .badBlock, "block '\(block)' has no parameter '\(param)'", at: node.location,
                help: Suggestions.didYouMean(param, in: values.keys) ?? "declare it under the block's `params:`")
            return node
        case .scalar, .null:
            return node
        case .sequence(let items):
            return SpecNode(.sequence(items.map { substitute($0, values, block: block) }), at: node.location)
        case .mapping(let pairs):
            return SpecNode(
                .mapping(
                    pairs.map {
                        SpecNode.Pair(
                            key: $0.key, keyLocation: $0.keyLocation, value: substitute($0.value, values, block: block))
                    }), at: node.location)
        }
    }
}
