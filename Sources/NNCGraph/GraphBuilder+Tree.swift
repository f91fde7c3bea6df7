import NNCDiagnostics
import NNCSpec

/// The Tree-LSTM's shape rule, parameters and cost. Its input is the model input of
/// `format: trees` data, [N, 1 + K]: N node slots, each a token id and K child slots.
extension GraphBuilder {
    mutating func treeShape(_ node: inout Node, _ t: TreeLSTM, layer: LayerSpec, input: Node) -> TensorShape? {
        let x = input.shape!
        guard input.op.kind == .input, x.rank == 2, x.dims[1] >= 2 else {
            let why =
                input.op.kind != .input
                ? "its input must be the model input"
                : "its input must be [nodes, 1 + max children], at least 2 columns"
            diagnostics.error(
                .inputRank,
                "'tree_lstm' reads trees, one row per node (a token id, then its children's slots), so \(why); got \(x) from '\(input.name)'",
                at: layer.location, labels: [inputLabel(input, layer)],
                help:
                    "put the tree_lstm first, declare `input: [nodes, 1 + max children]` (e.g. [15, 3] for binary trees of up to 15 nodes) and read `format: trees` data"
            )
            return nil
        }
        let (n, k) = (x.dims[0], x.dims[1] - 1)
        let order = t.variant == .nAry ? "ordered, each position with its own weights" : "unordered"
        node.explanations.append(
            Explanation(
                topic: "output",
                text:
                    "[\(n), 1 + \(k)]: \(n) node slots, each a token and up to \(k) \(k.noun("child", plural: "children")) (\(order)) → the root's hidden state [\(t.units)]"
            ))
        return TensorShape([t.units])
    }

    /// embeddings [V, E], kernel [E, 4U] (gates i, f, u, o), the recurrent kernel — Child-Sum
    /// [U, 4U]; N-ary [K·U, (3 + K)·U] (rows: child positions; columns i, f₁…f_K, u, o) — and
    /// the bias [4U] (one forget-gate bias shared by the children, as in Tai et al.).
    static func treeParameters(_ t: TreeLSTM, children k: Int) -> [(name: String, shape: [Int])] {
        let u = t.units
        let recurrent = t.variant == .childSum ? [u, 4 * u] : [k * u, (3 + k) * u]
        return [("embeddings", [t.inputDim, t.embeddingDim]), ("kernel", [t.embeddingDim, 4 * u])]
            + [("recurrent_kernel", recurrent)] + (t.useBias ? [("bias", [4 * u])] : [])
    }

    func treeFormula(_ t: TreeLSTM, children k: Int) -> String {
        let (v, e, u) = (t.inputDim, t.embeddingDim, t.units)
        let count = Self.treeParameters(t, children: k).reduce(0) { $0 + $1.shape.reduce(1, *) }
        let recurrent = t.variant == .childSum ? "\(u)·4·\(u)" : "\(k)·\(u)·(3 + \(k))·\(u)"
        return "embeddings \(v)·\(e) + kernel \(e)·4·\(u) + recurrent \(recurrent)"
            + (t.useBias ? " + bias 4·\(u)" : "") + " = \(count.grouped)"
    }

    /// A tree filling its N slots has N − 1 edges. Per node: the input product x·W (4U
    /// columns) with the bias, Child-Sum's product of the children's summed state with the
    /// i, f, u, o columns (f unused: one product for all four) and per edge the child's own
    /// forget-gate product; N-ary's product of the children's joined states with (3 + K)U
    /// columns. Leaves skip the recurrent products, so those are upper bounds for trees with
    /// fewer internal nodes. Element-wise: sigmoid i, o and each edge's f, tanh u and c, the
    /// sums and products of c = i⊙u + Σ f_k⊙c_k and h = o⊙tanh(c), Child-Sum's sum of the
    /// children's states.
    func treeFlops(_ t: TreeLSTM, nodes n: Int, children k: Int) -> (macs: Int, flops: Int, text: String) {
        let (e, u) = (t.embeddingDim, t.units)
        let (sig, tanh) = (Activation.sigmoid.flops, Activation.tanh.flops)
        let edges = max(n - 1, 0)
        let perNodeMacs = t.variant == .childSum ? e * 4 * u + u * 4 * u : e * 4 * u + k * u * (3 + k) * u
        let edgeMacs = t.variant == .childSum ? u * u : 0
        let macs = n.saturatingTimes(perNodeMacs).saturatingPlus(edges.saturatingTimes(edgeMacs))
        let bias = t.useBias ? 4 * u : 0
        let perNode = bias + 2 * u * sig + 2 * u * tanh + 2 * u + 2 * u
        let perEdge = u * sig + 2 * u + (t.variant == .childSum ? u : 0)
        let flops = (2 * macs).saturatingPlus(n.saturatingTimes(perNode)).saturatingPlus(
            edges.saturatingTimes(perEdge))
        let nodeText =
            t.variant == .childSum ? "\(e)·4·\(u) + \(u)·4·\(u)" : "\(e)·4·\(u) + \(k)·\(u)·(3 + \(k))·\(u)"
        let edgeText = t.variant == .childSum ? "\(u)·\(u) MACs + " : ""
        let text =
            "\(n) \(n.noun("node")) × (2·(\(nodeText)) MACs\(t.useBias ? " + 4·\(u) bias" : "") + 2·\(u)·\(sig) sigmoid i, o + 2·\(u)·\(tanh) tanh u, c + 4·\(u) state)"
            + " + \(edges) \(edges.noun("edge")) × (2·\(edgeText)\(u)·\(sig) sigmoid f + 2·\(u) f⊙c\(t.variant == .childSum ? " + \(u) sum" : ""))"
            + " = \(flops.grouped) (recurrent products counted for every node; leaves skip them)"
        return (macs, flops, text)
    }
}
