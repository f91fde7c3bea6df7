import NNCSpec

/// Builds the typed `Graph` from a `ModelSpec`: resolves names, orders the layers,
/// infers every shape, counts parameters and FLOPs, and reports what does not fit.
public struct GraphBuilder {
    public let spec: ModelSpec
    public var diagnostics = Diagnostics()

    public init(spec: ModelSpec) { self.spec = spec }

    public mutating func build() -> Graph {
        Graph(name: spec.name, nodes: [], output: nil, isComplete: false)
    }
}
