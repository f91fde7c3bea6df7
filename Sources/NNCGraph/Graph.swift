import NNCDiagnostics

/// The checked model: nodes in topological order (node 0 is the input), every shape known
/// for nodes that checked, parameters and costs counted.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    /// The node whose output is the model's output (nil when the model has errors there).
    public var output: NodeID?
    /// True when every layer checked and the model has no errors.
    public var isComplete: Bool
    /// The loss, optimizer, schedules, regularization and training settings, typed.
    public var training: TrainingConfiguration
    /// Where the layer list was written (for messages about the model as a whole).
    public var layersLocation: SourceLocation
    /// Set for a model checked with symbolic sizes: its numbers are stand-ins (see `SymbolicSizes`).
    public var symbolic: SymbolicSizes? = nil

    public subscript(id: NodeID) -> Node { nodes[id.rawValue] }

    public var totalParams: Int { sum(\.paramCount) }
    public var trainableParams: Int { sum(\.trainableParams) }
    public var nonTrainableParams: Int { sum(\.nonTrainableParams) }
    /// Values kept as buffers rather than parameters (see `Node.buffers`).
    public var bufferCount: Int { sum(\.bufferCount) }
    public var macs: Int { sum(\.macs) }
    public var flops: Int { sum(\.flops) }

    /// A sum over nodes that saturates at Int.max instead of trapping (the builder reports it).
    private func sum(_ value: (Node) -> Int) -> Int {
        var total = 0
        for node in nodes {
            let (result, overflow) = total.addingReportingOverflow(value(node))
            if overflow { return Int.max }
            total = result
        }
        return total
    }
    /// Bytes of all parameters in float32.
    public var parameterBytes: Int { totalParams * 4 }
    /// Bytes of every layer's output for one sample in float32 (the input included).
    public var activationBytesPerSample: Int { nodes.reduce(0) { $0 + ($1.shape?.elementCount ?? 0) * 4 } }
    /// True when some layer has several inputs or feeds several layers.
    public var isSequential: Bool {
        var consumers = [Int](repeating: 0, count: nodes.count)
        for node in nodes { for input in node.inputs { consumers[input.rawValue] += 1 } }
        return nodes.allSatisfy { $0.inputs.count <= 1 } && consumers.allSatisfy { $0 <= 1 }
    }
}
