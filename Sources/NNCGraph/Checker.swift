import NNCSpec

/// The checking stage: builds the typed graph and checks the training sections against it.
public enum Checker {
    public static func check(_ spec: ModelSpec) -> (Graph, Diagnostics) {
        var builder = GraphBuilder(spec: spec)
        let graph = builder.build()
        return (graph, builder.diagnostics)
    }
}
