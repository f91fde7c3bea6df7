import NNCDiagnostics

/// Phase 2: stamp decoded items out into `LayerSpec`s with qualified names.
extension LayerExpander {
    /// Names and counters of one instance body.
    struct Scope {
        var prefix: String
        /// What `input` means here: the model input, or the block's input.
        var inputName: String
        /// Names written in this body (layers and groups), unqualified.
        var localNames: Set<String>
        var counters: [String: Int] = [:]
        var origin: String?

        func qualify(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

        /// Resolves a reference written in this body.
        func resolve(_ ref: LocatedName) -> LocatedName {
            if ref.name == ModelSpec.inputName { return LocatedName(inputName, at: ref.location) }
            if localNames.contains(ref.name) { return LocatedName(qualify(ref.name), at: ref.location) }
            return ref
        }

        /// Keras-style generated names: dense, dense_1, dense_2, …
        mutating func generate(_ base: String) -> String {
            var n = counters[base, default: 0]
            var name: String
            repeat {
                name = n == 0 ? base : "\(base)_\(n)"
                n += 1
            } while localNames.contains(name)
            counters[base] = n
            return name
        }
    }

    static func localNames(_ items: [Item]) -> Set<String> {
        var names: Set<String> = []
        for item in items {
            switch item {
            case .layer(_, let name, _): if let name { names.insert(name.name) }
            case .group(let group) where group.hasExplicitName:
                names.insert(group.baseName)
                if group.isRepeat {
                    for i in 1...min(group.count, 10_000) { names.insert("\(group.baseName)\(i)") }
                }
            case .group: break
            }
        }
        return names
    }

    /// Instantiates `items` in `scope`, chaining from `previous`; returns the last layer's name.
    @discardableResult
    mutating func instantiate(_ items: [Item], scope: inout Scope, previous: String) -> String {
        var previous = previous
        for item in items {
            if reachedLimit(at: location(of: item)) { return previous }
            switch item {
            case .layer(let component, let name, let inputs):
                let local = name?.name ?? scope.generate(component.kind.name)
                let qualified = scope.qualify(local)
                let refs = inputs.map { $0.map(scope.resolve) } ?? [LocatedName(previous, at: component.location)]
                layers.append(
                    LayerSpec(
                        name: qualified, nameLocation: name?.location ?? component.location,
                        hasExplicitName: name != nil, inputs: refs, hasExplicitInputs: inputs != nil,
                        component: component, location: component.location, origin: scope.origin))
                previous = qualified
            case .group(let group):
                let input = group.inputs.map { $0.map(scope.resolve).first!.name } ?? previous
                let base = group.hasExplicitName ? group.baseName : scope.generate(group.baseName)
                let what = group.blockName.map { "block '\($0)'" } ?? "repeat"
                let bodyNames = Self.localNames(group.body)
                for i in 1...group.count {
                    let local = group.isRepeat ? "\(base)\(i)" : base
                    let instanceInput = group.isRepeat && i > 1 ? previous : input
                    var inner = Scope(
                        prefix: scope.qualify(local), inputName: instanceInput, localNames: bodyNames,
                        origin: "in \(what) '\(scope.qualify(local))' (written at \(group.location))")
                    previous = instantiate(group.body, scope: &inner, previous: instanceInput)
                    instanceOutputs[scope.qualify(local)] = previous
                    if reachedLimit(at: group.location) { return previous }
                }
                if group.isRepeat { instanceOutputs[scope.qualify(base)] = previous }
            }
        }
        return previous
    }

    /// Layers `items` expand to, saturating far above `maxLayers` so huge counts never overflow.
    static func expandedCount(_ items: [Item]) -> Int {
        var total = 0
        for item in items {
            switch item {
            case .layer: total += 1
            case .group(let group):
                let body = expandedCount(group.body)
                total += body == 0 ? 0 : (group.count > Int.max / 4 / body ? Int.max / 4 : group.count * body)
            }
            total = min(total, Int.max / 4)
        }
        return total
    }

    /// Reports E0401 at the item that takes the expansion past `maxLayers`; true if it does.
    mutating func exceedsLimit(_ items: [Item]) -> Bool {
        var total = 0
        for item in items {
            total = min(total + Self.expandedCount([item]), Int.max / 4)
            if total > Self.maxLayers {
                limitReported = true
                decoder.diagnostics.error(
                    .tooLarge,
                    "a model may have at most \(Self.maxLayers.grouped) layers after expanding repeats and blocks; this expands to \(total >= Int.max / 4 ? "more" : total.grouped)",
                    at: location(of: item), help: "check the 'repeat' counts")
                return true
            }
        }
        return false
    }

    /// True (reporting it once) when the expansion has gone past `maxLayers`: a safety net,
    /// since `exceedsLimit` counts the expansion before it is built.
    private mutating func reachedLimit(at location: SourceLocation) -> Bool {
        guard layers.count > Self.maxLayers else { return false }
        reportLimit(at: location)
        return true
    }

    /// Reports E0401 for the layer limit, once.
    mutating func reportLimit(at location: SourceLocation) {
        guard !limitReported else { return }
        limitReported = true
        decoder.diagnostics.error(
            .tooLarge, "a model may have at most \(Self.maxLayers.grouped) layers after expanding repeats and blocks",
            at: location, help: "check the 'repeat' counts and how often blocks use other blocks")
    }

    private func location(of item: Item) -> SourceLocation {
        switch item {
        case .layer(let component, _, _): component.location
        case .group(let group): group.location
        }
    }

    /// Rewrites references to block or repeat instances into references to their last layer.
    mutating func resolveInstanceReferences() {
        guard !instanceOutputs.isEmpty else { return }
        for index in layers.indices where layers[index].hasExplicitInputs {
            layers[index].inputs = layers[index].inputs.map { ref in
                instanceOutputs[ref.name].map { LocatedName($0, at: ref.location) } ?? ref
            }
        }
    }
}
