import NNCDiagnostics

/// Typed id of a node in a `Graph` (its index in topological order).
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "%\(rawValue)" }
}

/// One parameter tensor of a layer, e.g. `kernel [5, 5, 1, 6]`.
public struct ParameterTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var trainable: Bool
    public var count: Int { shape.reduce(1, *) }
}

/// A formula with its numbers filled in, e.g. `(784 + 1) × 128 = 100,480`.
public struct Explanation: Sendable, Equatable {
    /// What is computed: "params", "output", "flops", "receptive field".
    public var topic: String
    public var text: String

    public init(topic: String, text: String) {
        self.topic = topic
        self.text = text
    }
}

/// How far one output cell sees into the model input, per spatial dimension.
public struct ReceptiveField: Sendable, Equatable {
    /// Input cells one output cell depends on.
    public var size: [Int]
    /// Input cells between neighbouring output cells.
    public var jump: [Int]
}

/// A checked layer: its op, inputs, output shape, parameters, cost and explanations.
public struct Node: Sendable {
    public var id: NodeID
    public var name: String
    /// The operation with its attributes, decoded once when the node is made.
    public var op: Op
    /// False freezes the layer's parameters (`trainable:`, a key of every layer).
    public var trainable = true
    public var inputs: [NodeID]
    /// The output shape; nil when the layer could not be checked (its error is reported once).
    public var shape: TensorShape?
    /// Token ids rather than real numbers (the model input of an embedding model).
    public var isInteger = false
    public var parameters: [ParameterTensor] = []
    /// State a framework keeps beside the parameters, not among them: batchnorm's running
    /// statistics under the PyTorch convention (its `register_buffer`). Empty for Keras,
    /// which counts them as non-trainable parameters.
    public var buffers: [ParameterTensor] = []
    /// Forward multiply-accumulates per sample (dense, conv and recurrent matmuls).
    public var macs = 0
    /// Forward floating-point operations per sample at inference (see `GraphBuilder+Flops.swift`).
    public var flops = 0
    /// Per spatial dimension, for convolutions and pools.
    public var arithmetic: [ConvArithmetic] = []
    public var receptiveField: ReceptiveField?
    public var explanations: [Explanation] = []
    public var location: SourceLocation

    public var trainableParams: Int { parameters.filter(\.trainable).reduce(0) { $0 + $1.count } }
    public var nonTrainableParams: Int { parameters.filter { !$0.trainable }.reduce(0) { $0 + $1.count } }
    public var paramCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public var bufferCount: Int { buffers.reduce(0) { $0 + $1.count } }
    public var typeName: String { op.kind.rawValue }
}
