import NNCGraph
import NNCSpec

/// Decodes and checks YAML text; returns the graph and all diagnostics.
func check(_ yaml: String, convention: Convention = .keras) -> (Graph?, [Diagnostic]) {
    let (spec, decoded) = SpecLoader.load(SourceFile(path: "test.yaml", text: yaml))
    guard let spec else { return (nil, decoded.sorted) }
    var builder = GraphBuilder(spec: spec, convention: convention)
    let graph = builder.build()
    var all = decoded
    all.append(contentsOf: builder.diagnostics)
    return (graph, all.sorted)
}

/// "E0301@5:20" per diagnostic, in file order.
func codes(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { "\($0.code.rawValue)@\($0.location.line):\($0.location.column)" }
}
