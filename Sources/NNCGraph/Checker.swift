import NNCSpec

/// The checking stage: builds the typed graph and checks the training sections against it.
public enum Checker {
    /// A spec with symbolic sizes (`input: [T, 128]`) is checked for every value of them
    /// (`SymbolicChecker`); its graph's numbers are stand-ins until it is bound.
    public static func check(_ spec: ModelSpec, convention: Convention = .keras) -> (Graph, Diagnostics) {
        if !spec.symbols.isEmpty { return SymbolicChecker(spec: spec, convention: convention).check() }
        var builder = GraphBuilder(spec: spec, convention: convention)
        let graph = builder.build()
        return (graph, builder.diagnostics)
    }
}
