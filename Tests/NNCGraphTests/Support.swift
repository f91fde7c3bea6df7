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

/// A small deterministic generator for property tests (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
