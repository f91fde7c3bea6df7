import Foundation
import NNCGraph
import NNCRuntime
import NNCSpec

/// Turns a checked graph and its trained weights into an ONNX inference graph, layer by
/// layer in topological order (`ONNXExporter+Layers.swift`). nnc's tensors are
/// channels-last ([N, H, W, C], [N, T, C]) as in Keras, and the exported graph keeps them
/// so: only ONNX's convolutions and pools, which read channels-first, are wrapped in
/// Transpose nodes (`channelsFirst`, `channelsLast`), so flatten, reshape, dense and concat
/// see exactly nnc's element order and ONNX Runtime's layout optimizer removes the
/// transposes that meet back to back.
struct ONNXExporter {
    let graph: Graph
    /// The weights file's tensors by name (`layer.parameter`), checked against the graph.
    let tensors: [String: SafeTensors.Tensor]
    var writer = ONNXGraphWriter()
    /// Each exported node's output tensor.
    var values: [NodeID: String] = [:]
    /// Channels-first copies already made of a channels-last tensor.
    var transposed: [String: String] = [:]
    /// Layers that cannot be exported, each a located error naming the layer and its kind.
    var refusals: [Diagnostic] = []
    /// Layers left out of the inference graph (dropout), by name.
    var dropped: [String] = []
    /// Write batchnorm as BatchNormalization and dropout as Dropout (`--keep-training-layers`),
    /// so `nnc import` gives back the same spec.
    var keepTrainingLayers = false

    init(graph: Graph, weights: SafeTensors) {
        self.graph = graph
        var byName: [String: SafeTensors.Tensor] = [:]
        for t in weights.tensors { byName[t.name] = t }
        tensors = byName
    }

    /// The trained values of `node`'s parameter `name` (present with its shape: checked before export).
    func parameter(_ node: Node, _ name: String) -> SafeTensors.Tensor { tensors["\(node.name).\(name)"]! }

    /// The parameter as an initializer named `layer.parameter`, unchanged.
    mutating func initializer(_ node: Node, _ name: String) -> String {
        let t = parameter(node, name)
        return writer.constant("\(node.name).\(name)", t.shape, t.values)
    }

    /// The parameter with its axes permuted (`perm[i]` is the source axis of axis i), read
    /// as `layout` first when given (the same elements: a depthwise kernel [kh, kw, C, m] is
    /// the grouped kernel [kh, kw, 1, C·m]).
    mutating func initializer(_ node: Node, _ name: String, as layout: [Int]? = nil, permuted perm: [Int]) -> String {
        let t = parameter(node, name)
        let (shape, values) = Self.permute(t.values, layout ?? t.shape, perm)
        return writer.constant("\(node.name).\(name)", shape, values)
    }

    /// The input tensor of `node` (its `k`-th input).
    func input(_ node: Node, _ k: Int = 0) -> String { values[node.inputs[k]]! }
    /// The per-sample shape of `node`'s `k`-th input.
    func inputShape(_ node: Node, _ k: Int = 0) -> [Int] { graph[node.inputs[k]].shape!.dims }

    /// A channels-first copy of the channels-last `x` of per-sample rank `rank`:
    /// [N, …, C] → [N, C, …], made once per tensor.
    mutating func channelsFirst(_ x: String, rank: Int, layer: String) -> String {
        if let known = transposed[x] { return known }
        let perm = [0, rank] + Array(1..<rank)
        let t = writer.op(
            "Transpose", [x], name: "\(layer)/to_channels_first", [ONNXAttribute.ints("perm", perm)])
        transposed[x] = t
        return t
    }

    /// The channels-last copy of the channels-first `x`: [N, C, …] → [N, …, C].
    mutating func channelsLast(_ x: String, rank: Int, layer: String) -> String {
        let perm = [0] + Array(2...rank) + [1]
        let t = writer.op("Transpose", [x], name: "\(layer)/to_channels_last", [ONNXAttribute.ints("perm", perm)])
        transposed[t] = x
        return t
    }

    /// Refuses `node`: its kind, or `why` (one of its settings), has no ONNX form here.
    mutating func refuse(_ node: Node, _ why: String, help: String) {
        refusals.append(
            Diagnostic.error(
                .exportUnsupportedLayer,
                "layer '\(node.name)' (\(node.op.kind.rawValue)) cannot be exported to ONNX: \(why)",
                at: node.location, label: "no ONNX form", help: help))
    }

    /// `values` of `shape` with its axes permuted: axis i of the result is axis `perm[i]` of the source.
    static func permute(_ values: [Float], _ shape: [Int], _ perm: [Int]) -> (shape: [Int], values: [Float]) {
        let rank = shape.count
        let outShape = perm.map { shape[$0] }
        var sourceStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1] }
        let strides = perm.map { sourceStrides[$0] }
        var out = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: rank)
        for k in 0..<values.count {
            var offset = 0
            for i in 0..<rank { offset += index[i] * strides[i] }
            out[k] = values[offset]
            var i = rank - 1
            while i >= 0 {
                index[i] += 1
                if index[i] < outShape[i] { break }
                index[i] = 0
                i -= 1
            }
        }
        return (outShape, out)
    }
}
