import NNCSpec

/// Parameter-count conventions that differ between frameworks (recurrent biases, batchnorm's
/// running statistics).
public enum Convention: String, Sendable, CaseIterable {
    /// One bias per gate (GRU with reset_after: two), as Keras counts.
    case keras
    /// Two biases per gate (b_ih and b_hh), and batchnorm's running statistics as buffers
    /// rather than parameters, as PyTorch counts.
    case pytorch
}

/// Builds the typed `Graph` from a `ModelSpec`: resolves names, orders the layers,
/// infers every shape, counts parameters and FLOPs, and reports what does not fit.
/// A layer whose input failed gets no shape and reports nothing, so one mistake gives
/// one message.
public struct GraphBuilder {
    public let spec: ModelSpec
    public let convention: Convention
    public var diagnostics = Diagnostics()
    var nodes: [Node] = []

    public init(spec: ModelSpec, convention: Convention = .keras) {
        self.spec = spec
        self.convention = convention
    }

    public mutating func build() -> Graph {
        var input = Node(
            id: NodeID(0), name: ModelSpec.inputName, op: .input, inputs: [],
            shape: spec.input.map(TensorShape.init), location: spec.inputLocation)
        if let dims = spec.input, !withinLimits(dims, what: "the input", at: spec.inputLocation) { input.shape = nil }
        nodes = [input]
        // An empty layer list was reported by the spec stage (or every layer failed to decode).
        if spec.layers.isEmpty {
            return Graph(
                name: spec.name, nodes: nodes, output: nil, isComplete: false,
                training: TrainingConfiguration(decoding: spec), layersLocation: spec.layersLocation)
        }
        let order = resolveOrder()
        var nodeOfLayer = [Int: NodeID]()
        for entry in order {
            let layer = spec.layers[entry.index]
            let id = NodeID(nodes.count)
            nodeOfLayer[entry.index] = id
            var node = Node(
                decoding: layer, id: id, inputs: entry.inputs.map { $0 == 0 ? NodeID(0) : nodeOfLayer[$0 - 1]! })
            let inputNodes = node.inputs.map { nodes[$0.rawValue] }
            if entry.valid, inputNodes.allSatisfy({ $0.shape != nil }) {
                node.shape = inferShape(&node, layer: layer, inputs: inputNodes)
                if let shape = node.shape,
                    !withinLimits(shape.dims, what: "the output of '\(layer.name)'", at: layer.location)
                {
                    node.shape = nil
                }
                if node.shape != nil {
                    countParameters(&node, inputs: inputNodes)
                }
                if node.shape != nil {
                    countFlops(&node, inputs: inputNodes)
                    node.receptiveField = receptiveField(of: node, inputs: inputNodes)
                }
            }
            nodes.append(node)
        }
        // An embedding reading the model input makes it token ids.
        nodes[0].isInteger = nodes.contains { $0.op.kind == .embedding && $0.inputs.contains(NodeID(0)) }
        let output = resolveOutput(nodeOfLayer)
        var graph = Graph(
            name: spec.name, nodes: nodes, output: output,
            isComplete: nodes.allSatisfy { $0.shape != nil } && output != nil,
            training: TrainingConfiguration(decoding: spec), layersLocation: spec.layersLocation)
        // With errors the output path itself may be wrong; dead-branch warnings would be noise.
        if !diagnostics.hasErrors { warnDeadBranches(graph) }
        warnDeepSaturatingStack(graph)
        if graph.output != nil, graph[graph.output!].shape != nil {
            var training = TrainingChecker(spec: spec, graph: graph)
            training.check()
            diagnostics.append(contentsOf: training.diagnostics)
        }
        if graph.flops == Int.max || graph.totalParams == Int.max {
            diagnostics.error(
                .tooLarge, "a model's totals must stay below 2⁶³; this one's parameters or FLOPs overflow",
                at: spec.layersLocation)
        }
        graph.isComplete = graph.isComplete && !diagnostics.hasErrors
        return graph
    }

    /// Reports E0401 when a tensor of `dims` exceeds `TensorShape.maxElements`.
    mutating func withinLimits(_ dims: [Int], what: String, at location: SourceLocation) -> Bool {
        if let count = TensorShape.checkedProduct(dims), count <= TensorShape.maxElements { return true }
        diagnostics.error(
            .tooLarge,
            "a tensor may have at most 2³⁰ (\(TensorShape.maxElements.grouped)) elements; \(what) is \(TensorShape(dims).perSample)",
            at: location, help: "check the sizes; nnc cannot run tensors this large")
        return false
    }

    /// The node the model outputs: `output:` if given, else the last layer written.
    private mutating func resolveOutput(_ nodeOfLayer: [Int: NodeID]) -> NodeID? {
        guard let name = spec.output else { return nodeOfLayer[spec.layers.count - 1] }
        if let index = spec.layers.firstIndex(where: { $0.name == name.name }) { return nodeOfLayer[index] }
        diagnostics.error(
            .unknownLayerName, "'output' must name a layer; there is no layer '\(name.name)'", at: name.location,
            help: Suggestions.didYouMean(name.name, in: spec.layers.map(\.name)))
        return nil
    }
}
