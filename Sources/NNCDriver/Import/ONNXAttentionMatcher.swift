import Foundation
import NNCProtobuf
import NNCRuntime

/// A multi-head attention found in an ONNX graph as nnc's exporter writes it (see
/// `ONNXExporter.attention`): per role (query, key, value) MatMul by a [features,
/// heads·size] kernel, an optional bias Add, Reshape to [N, T, heads, size] and Transpose;
/// MatMul of queries and keys, Mul by 1/√key_dim (or Div by √key_dim), an optional causal
/// mask Add, Softmax over the keys, MatMul with the values, Transpose, Reshape to [N, T,
/// heads·size], and the output projection MatMul with its optional bias Add.
struct ONNXAttention {
    /// The node whose output is the layer's output (where the layer is made).
    var last: Int
    /// The Softmax node (its name names the layer).
    var softmax: Int
    /// Every node of the pattern.
    var nodes: Set<Int>
    /// The tensors read as query, key and value.
    var query: String
    var key: String
    var value: String
    var heads: Int
    var keyDim: Int
    var valueDim: Int
    var outputDim: Int
    var useBias: Bool
    /// The causal mask's [queries, keys] when one is added before the softmax.
    var causalMask: [Int]?
    /// Kernels [features, heads·size] and biases per role, and the output kernel [heads·value_dim, output].
    var kernels: [String: ONNXConstant]
    var biases: [String: [Float]]
}

/// Where a candidate attention stops matching: the node that breaks the pattern and why.
struct ONNXPatternBreak: Error {
    var node: Int
    var why: String
}

/// Finds nnc's exported attention pattern around each Softmax whose output a MatMul
/// multiplies by computed values (the one place nnc's other layers never put a Softmax).
struct ONNXAttentionMatcher {
    let graph: Onnx_GraphProto
    let constants: [String: ONNXConstant]
    let consumers: [String: Int]
    let opset: Int
    private var producers: [String: Int] = [:]

    init(graph: Onnx_GraphProto, constants: [String: ONNXConstant], consumers: [String: Int], opset: Int) {
        self.graph = graph
        self.consumers = consumers
        self.opset = opset
        var constants = constants
        for (k, n) in graph.node.enumerated() {
            for o in n.output where !o.isEmpty { producers[o] = k }
            if n.opType == "Constant", let a = n.attribute.first(where: { $0.name == "value" }), a.type == .tensor,
                let name = n.output.first
            {
                var t = a.t
                t.name = name
                if let c = ONNXConstant.decode(t).0 { constants[name] = c }
            }
        }
        self.constants = constants
    }

    /// Nodes `seeds` and every node computing only for them (each output read by them or by
    /// nodes already taken): what a near miss leaves without meaning, refused quietly.
    func region(around seeds: Set<Int>) -> Set<Int> {
        var readers: [String: [Int]] = [:]
        for (k, n) in graph.node.enumerated() {
            for i in n.input where !i.isEmpty { readers[i, default: []].append(k) }
        }
        for o in graph.output { readers[o.name, default: []].append(-1) }
        var taken = seeds
        for k in stride(from: seeds.max() ?? -1, through: 0, by: -1) where !taken.contains(k) {
            let outputs = graph.node[k].output.filter { !$0.isEmpty }
            let read = outputs.flatMap { readers[$0] ?? [] }
            if !read.isEmpty, read.allSatisfy({ taken.contains($0) }) { taken.insert(k) }
        }
        return taken
    }

    /// The MatMul reading Softmax node `k`'s output as its attention weights, if any.
    func context(after k: Int) -> Int? {
        let weights = graph.node[k].output.first ?? ""
        return graph.node.indices.first { j in
            let n = graph.node[j]
            return j > k && n.opType == "MatMul" && n.input.count == 2 && n.input[0] == weights
                && constants[n.input[1]] == nil
        }
    }

    /// The attention around Softmax node `s` and its context MatMul `c`.
    func match(softmax s: Int, context c: Int) throws -> ONNXAttention {
        var nodes: Set<Int> = [s, c]
        let softmax = graph.node[s]
        let axis = softmax.attribute.first { $0.name == "axis" }.map { Int($0.i) } ?? (opset >= 13 ? -1 : 1)
        guard axis == -1 || axis == 3 else {
            throw ONNXPatternBreak(node: s, why: "the softmax runs over axis \(axis), not the keys (the last axis)")
        }
        try readOnce(softmax.output[0], of: s)
        // Scores: [mask Add ∘] scale ∘ MatMul(queries, keys).
        var tensor = softmax.input[0]
        var at = try producer(tensor, reader: s)
        var causalMask: [Int]?
        if graph.node[at].opType == "Add" {
            let (mask, other) = try constantAndComputed(at, "the mask added to the scores")
            guard mask.shape.count == 2, let values = mask.floats, Self.isCausal(values, mask.shape) else {
                throw ONNXPatternBreak(
                    node: at,
                    why:
                        "the \(ONNXImporter.describe(mask.shape)) constant added to the scores is not a causal mask (0 on and below the diagonal, ≤ −10⁴ above)"
                )
            }
            causalMask = mask.shape
            nodes.insert(at)
            tensor = other
            at = try producer(tensor, reader: at)
        }
        let scaling = at
        let op = graph.node[scaling].opType
        guard op == "Mul" || op == "Div" else {
            throw ONNXPatternBreak(
                node: scaling, why: "the scores are \(op), not the product of queries and keys scaled by 1/√key_dim")
        }
        let (factor, products) = try constantAndComputed(scaling, "the scores' scale")
        guard let f = factor.floats, f.count == 1 else {
            throw ONNXPatternBreak(node: scaling, why: "the scores' scale is not one number")
        }
        let scale = op == "Mul" ? Double(f[0]) : 1 / Double(f[0])
        nodes.insert(scaling)
        let product = try producer(products, reader: scaling)
        let p = graph.node[product]
        guard p.opType == "MatMul", p.input.count == 2, constants[p.input[0]] == nil, constants[p.input[1]] == nil
        else {
            throw ONNXPatternBreak(node: product, why: "the scores are not a MatMul of queries and keys")
        }
        nodes.insert(product)
        let query = try projection(p.input[0], reader: product, perm: [0, 2, 1, 3], role: "query")
        let key = try projection(p.input[1], reader: product, perm: [0, 2, 3, 1], role: "key")
        let value = try projection(graph.node[c].input[1], reader: c, perm: [0, 2, 1, 3], role: "value")
        for other in [key, value] where other.heads != query.heads {
            throw ONNXPatternBreak(
                node: other.reshape, why: "it splits \(other.heads) heads where the query has \(query.heads)")
        }
        guard key.size == query.size else {
            throw ONNXPatternBreak(
                node: key.reshape, why: "the keys have \(key.size) features per head, the queries \(query.size)")
        }
        guard abs(scale * Double(query.size).squareRoot() - 1) < 1e-5 else {
            throw ONNXPatternBreak(
                node: scaling,
                why:
                    "the scores are scaled by \(scale), not 1/√\(query.size) = \(1 / Double(query.size).squareRoot())")
        }
        nodes.formUnion(query.nodes)
        nodes.formUnion(key.nodes)
        nodes.formUnion(value.nodes)
        // Context: Transpose [0, 2, 1, 3] → Reshape [N, T, heads·value_dim] → output MatMul [+ bias].
        let h = query.heads
        try readOnce(graph.node[c].output[0], of: c)
        let steps = try next(graph.node[c].output[0], after: c, "Transpose")
        guard graph.node[steps].attribute.first(where: { $0.name == "perm" })?.ints == [0, 2, 1, 3] else {
            throw ONNXPatternBreak(node: steps, why: "the context is not transposed back to [N, T, heads, size]")
        }
        try readOnce(graph.node[steps].output[0], of: steps)
        let joined = try next(graph.node[steps].output[0], after: steps, "Reshape")
        guard let target = constant(graph.node[joined], 1)?.integers, target.count == 3, target[2] == h * value.size
        else {
            throw ONNXPatternBreak(node: joined, why: "the heads are not joined to [N, T, \(h * value.size)]")
        }
        try readOnce(graph.node[joined].output[0], of: joined)
        let projected = try next(graph.node[joined].output[0], after: joined, "MatMul")
        guard let w = constant(graph.node[projected], 1), w.floats != nil, w.shape.count == 2,
            w.shape[0] == h * value.size
        else {
            throw ONNXPatternBreak(
                node: projected, why: "the output projection is not a constant [\(h * value.size), output] kernel")
        }
        nodes.formUnion([steps, joined, projected])
        var last = projected
        var outputBias: [Float]?
        let out = graph.node[projected].output[0]
        if consumers[out] == 1, let k = graph.node.indices.first(where: { graph.node[$0].input.contains(out) }),
            graph.node[k].opType == "Add",
            let b = graph.node[k].input.compactMap({ constants[$0] }).first, b.shape == [w.shape[1]]
        {
            outputBias = b.floats
            last = k
            nodes.insert(k)
        }
        let roles = [("query", query), ("key", key), ("value", value)]
        let useBias = query.bias != nil
        for (role, r) in roles where (r.bias != nil) != useBias {
            throw ONNXPatternBreak(
                node: r.matmul,
                why:
                    "the \(role) projection \(useBias ? "lacks" : "has") the bias the query \(useBias ? "has" : "lacks")"
            )
        }
        if (outputBias != nil) != useBias {
            throw ONNXPatternBreak(
                node: projected,
                why:
                    "the output projection \(useBias ? "lacks" : "has") the bias the query \(useBias ? "has" : "lacks")"
            )
        }
        var kernels = Dictionary(uniqueKeysWithValues: roles.map { ("\($0.0)", $0.1.kernel) })
        kernels["output"] = w
        var biases: [String: [Float]] = [:]
        for (role, r) in roles { if let b = r.bias { biases[role] = b } }
        if let outputBias { biases["output"] = outputBias }
        return ONNXAttention(
            last: last, softmax: s, nodes: nodes, query: query.source, key: key.source, value: value.source,
            heads: h, keyDim: query.size, valueDim: value.size, outputDim: w.shape[1], useBias: useBias,
            causalMask: causalMask, kernels: kernels, biases: biases)
    }

    /// One role's projection: MatMul(x, kernel) [+ bias] → Reshape [N, T, heads, size] → Transpose `perm`.
    private struct Projection {
        var source: String
        var kernel: ONNXConstant
        var bias: [Float]?
        var heads: Int
        var size: Int
        var nodes: Set<Int>
        var matmul: Int
        var reshape: Int
    }

    private func projection(_ tensor: String, reader: Int, perm: [Int], role: String) throws -> Projection {
        try readOnce(tensor, of: reader)
        let transpose = try producer(tensor, reader: reader)
        guard graph.node[transpose].opType == "Transpose",
            graph.node[transpose].attribute.first(where: { $0.name == "perm" })?.ints.map(Int.init) == perm
        else {
            throw ONNXPatternBreak(
                node: transpose, why: "the \(role)s are not split into heads by a Transpose with perm \(perm)")
        }
        let split = graph.node[transpose].input[0]
        try readOnce(split, of: transpose)
        let reshape = try producer(split, reader: transpose)
        guard graph.node[reshape].opType == "Reshape", let target = constant(graph.node[reshape], 1)?.integers,
            target.count == 4, target[2] > 0, target[3] > 0
        else {
            throw ONNXPatternBreak(node: reshape, why: "the \(role)s are not reshaped to [N, T, heads, size]")
        }
        let (heads, size) = (target[2], target[3])
        var nodes: Set<Int> = [transpose, reshape]
        var projected = graph.node[reshape].input[0]
        try readOnce(projected, of: reshape)
        var at = try producer(projected, reader: reshape)
        var bias: [Float]?
        if graph.node[at].opType == "Add" {
            let (b, other) = try constantAndComputed(at, "the \(role) bias")
            guard let values = b.floats, values.count == heads * size, b.shape.filter({ $0 != 1 }).count <= 1 else {
                throw ONNXPatternBreak(node: at, why: "the \(role) bias does not hold \(heads * size) values")
            }
            bias = values
            nodes.insert(at)
            projected = other
            try readOnce(projected, of: at)
            at = try producer(projected, reader: at)
        }
        let m = graph.node[at]
        guard m.opType == "MatMul", m.input.count == 2, constants[m.input[0]] == nil,
            let kernel = constants[m.input[1]],
            kernel.floats != nil, kernel.shape.count == 2, kernel.shape[1] == heads * size
        else {
            throw ONNXPatternBreak(
                node: at, why: "the \(role)s are not a MatMul by a constant [features, \(heads * size)] kernel")
        }
        nodes.insert(at)
        return Projection(
            source: m.input[0], kernel: kernel, bias: bias, heads: heads, size: size, nodes: nodes, matmul: at,
            reshape: reshape)
    }

    // MARK: - Steps

    /// The node computing `tensor`, read by node `reader`.
    private func producer(_ tensor: String, reader: Int) throws -> Int {
        guard let k = producers[tensor] else {
            throw ONNXPatternBreak(node: reader, why: "its input '\(tensor)' is not computed by a node")
        }
        return k
    }

    /// The node reading node `reader`'s output `tensor`, which must be an `op`.
    private func next(_ tensor: String, after reader: Int, _ op: String) throws -> Int {
        guard let k = graph.node.indices.first(where: { graph.node[$0].input.contains(tensor) }) else {
            throw ONNXPatternBreak(
                node: reader, why: "its output is not read by the \(op) that continues the attention")
        }
        guard graph.node[k].opType == op else {
            throw ONNXPatternBreak(
                node: k, why: "it is a \(graph.node[k].opType) where the attention continues with a \(op)")
        }
        return k
    }

    /// A tensor inside the pattern is read only by the pattern's next node.
    private func readOnce(_ tensor: String, of node: Int) throws {
        guard consumers[tensor, default: 0] <= 1 else {
            throw ONNXPatternBreak(
                node: producers[tensor] ?? node,
                why: "its output '\(tensor)' is read \(consumers[tensor, default: 0]) times inside an attention")
        }
    }

    /// A two-input node's constant input and its computed one.
    private func constantAndComputed(_ k: Int, _ what: String) throws -> (ONNXConstant, String) {
        let n = graph.node[k]
        guard n.input.count == 2 else { throw ONNXPatternBreak(node: k, why: "\(what) does not have two inputs") }
        if let c = constants[n.input[1]], constants[n.input[0]] == nil { return (c, n.input[0]) }
        if let c = constants[n.input[0]], constants[n.input[1]] == nil, n.opType != "Div" { return (c, n.input[1]) }
        throw ONNXPatternBreak(node: k, why: "\(what) is not one constant and one computed tensor")
    }

    private func constant(_ n: Onnx_NodeProto, _ k: Int) -> ONNXConstant? {
        k < n.input.count ? constants[n.input[k]] : nil
    }

    /// 0 on and below the diagonal, a large negative number above it.
    static func isCausal(_ values: [Float], _ shape: [Int]) -> Bool {
        let (rows, columns) = (shape[0], shape[1])
        for i in 0..<rows {
            for j in 0..<columns {
                let v = values[i * columns + j]
                if j > i ? !(v <= -1e4) : v != 0 { return false }
            }
        }
        return true
    }
}
