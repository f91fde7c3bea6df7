import NNCSpec

/// Name resolution and topological ordering of the layers.
extension GraphBuilder {
    /// One layer in execution order: its index in `spec.layers`, its inputs as
    /// 0 (the model input) or 1 + a layer index, and whether it may be checked.
    struct OrderedLayer {
        var index: Int
        var inputs: [Int]
        var valid: Bool
    }

    /// Resolves `inputs` names, reports duplicates, unknown names and cycles, and returns
    /// the layers in an order where every layer follows its inputs (written order where possible).
    mutating func resolveOrder() -> [OrderedLayer] {
        let layers = spec.layers
        var indexOfName: [String: Int] = [:]
        var valid = [Bool](repeating: true, count: layers.count)
        for (i, layer) in layers.enumerated() {
            if !layer.component.isValid { valid[i] = false }
            if layer.name == ModelSpec.inputName {
                diagnostics.error(
                    .duplicateLayerName, "'input' is the model input's name and cannot name a layer",
                    at: layer.nameLocation, help: "choose another name")
                continue
            }
            if let first = indexOfName[layer.name] {
                let origin = layer.origin.map { [$0] } ?? []
                diagnostics.error(
                    .duplicateLayerName, "layer names must be unique; '\(layer.name)' is already used",
                    at: layer.nameLocation, label: "second '\(layer.name)'",
                    labels: [DiagnosticLabel(layers[first].nameLocation, "first '\(layer.name)'")],
                    notes: origin, help: "rename one of them")
                valid[i] = false
                continue
            }
            indexOfName[layer.name] = i
        }
        var inputs = [[Int]](repeating: [], count: layers.count)
        for (i, layer) in layers.enumerated() {
            for ref in layer.inputs {
                if ref.name == ModelSpec.inputName {
                    inputs[i].append(0)
                } else if let j = indexOfName[ref.name] {
                    if j == i {
                        diagnostics.error(
                            .cycle, "a layer cannot read its own output; '\(layer.name)' lists itself in 'inputs'",
                            at: ref.location)
                        valid[i] = false
                    }
                    inputs[i].append(j + 1)
                } else {
                    let names = [ModelSpec.inputName] + layers.map(\.name)
                    diagnostics.error(
                        .unknownLayerName,
                        "'inputs' must name a layer defined in the model; there is no layer '\(ref.name)'",
                        at: ref.location, notes: layer.origin.map { [$0] } ?? [],
                        help: Suggestions.didYouMean(ref.name, in: names))
                    valid[i] = false
                }
            }
        }
        return topologicalOrder(inputs: inputs, valid: valid)
    }

    /// Kahn's algorithm, taking the lowest ready index first so sequential models keep their order.
    private mutating func topologicalOrder(inputs: [[Int]], valid: [Bool]) -> [OrderedLayer] {
        let n = inputs.count
        var pending = [Int](repeating: 0, count: n)
        var consumers = [[Int]](repeating: [], count: n)
        for (i, list) in inputs.enumerated() {
            for input in list where input > 0 && input - 1 != i {
                pending[i] += 1
                consumers[input - 1].append(i)
            }
        }
        var ready = MinHeap((0..<n).filter { pending[$0] == 0 })
        var order: [OrderedLayer] = []
        order.reserveCapacity(n)
        var placed = [Bool](repeating: false, count: n)
        var validNow = valid
        while let i = ready.pop() {
            placed[i] = true
            // A layer whose input is invalid is silently skipped (its input already reported).
            if inputs[i].contains(where: { $0 > 0 && !validNow[$0 - 1] }) { validNow[i] = false }
            // A self-reference was reported (E0305); the node must not point at itself.
            order.append(OrderedLayer(index: i, inputs: inputs[i].filter { $0 - 1 != i }, valid: validNow[i]))
            for c in consumers[i] {
                pending[c] -= 1
                if pending[c] == 0 { ready.push(c) }
            }
        }
        let stuck = (0..<n).filter { !placed[$0] }
        if !stuck.isEmpty { reportCycle(stuck, inputs: inputs) }
        // Layers in a cycle still appear (unchecked) so summaries can list them.
        for i in stuck {
            order.append(OrderedLayer(index: i, inputs: inputs[i].filter { $0 == 0 || placed[$0 - 1] }, valid: false))
        }
        return order
    }

    private mutating func reportCycle(_ stuck: [Int], inputs: [[Int]]) {
        // Walk back along inputs from the first stuck layer until a layer repeats.
        let stuckSet = Set(stuck)
        var path: [Int] = []
        var seenAt: [Int: Int] = [:]
        var current = stuck[0]
        while seenAt[current] == nil {
            seenAt[current] = path.count
            path.append(current)
            guard let next = inputs[current].first(where: { $0 > 0 && stuckSet.contains($0 - 1) }) else { break }
            current = next - 1
        }
        // Walking inputs goes against the data flow: reverse, then start at the first layer written.
        var cycle = Array((seenAt[current].map { Array(path[$0...]) } ?? path).reversed())
        if let first = cycle.indices.min(by: { cycle[$0] < cycle[$1] }) {
            cycle = Array(cycle[first...] + cycle[..<first])
        }
        let names = cycle.map { spec.layers[$0].name }
        let first = spec.layers[cycle.first!]
        diagnostics.error(
            .cycle, "layers must not form a cycle; \((names + [names[0]]).map { "'\($0)'" }.joined(separator: " → "))",
            at: first.location,
            labels: cycle.dropFirst().map {
                DiagnosticLabel(spec.layers[$0].location, "'\(spec.layers[$0].name)' is part of the cycle")
            },
            help: "one of these layers must read an earlier layer instead")
    }
}

/// A small binary min-heap of ints.
struct MinHeap {
    private var items: [Int]
    init(_ items: [Int]) {
        self.items = []
        for item in items { push(item) }
    }
    mutating func push(_ value: Int) {
        items.append(value)
        var i = items.count - 1
        while i > 0, items[(i - 1) / 2] > items[i] {
            items.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }
    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
