import NNCDiagnostics
import NNCSpec

/// Checks a model whose input has symbolic sizes (`input: [T, 128]`) for every value of
/// them. The graph is built twice with different stand-in values for the symbols; each
/// layer's output size that differs between the two must follow from its input's by a rule
/// nnc can write as an expression (`SizeExpression`: elementwise and dense layers, recurrent
/// steps, window arithmetic, flatten, concatenation), and each layer's parameters must be
/// the same in both. A layer that breaks either is refused (E0321, E0320). The returned
/// graph carries the stand-in numbers and the expressions (`Graph.symbolic`); it is bound
/// to numbers (`ModelSpec.binding`) before it is compiled.
struct SymbolicChecker {
    let spec: ModelSpec
    let convention: Convention
    let probesA: [String: Int]
    let probesB: [String: Int]

    init(spec: ModelSpec, convention: Convention) {
        self.spec = spec
        self.convention = convention
        probesA = Self.probes(spec.symbolNames, second: false)
        probesB = Self.probes(spec.symbolNames, second: true)
    }

    /// The stand-in values of the two builds: distinct primes per symbol, large enough that
    /// half a dozen stride-2 windows keep an output, small enough that tensors stay small.
    static func probes(_ names: [String], second: Bool) -> [String: Int] {
        var values: [String: Int] = [:]
        var candidate = 96
        for (index, name) in (names + names).enumerated() {
            repeat { candidate += 1 } while !(2..<candidate).allSatisfy { candidate % $0 != 0 }
            let isSecond = index >= names.count
            if isSecond == second { values[name] = candidate }
        }
        return values
    }

    func check() -> (Graph, Diagnostics) {
        let names = spec.symbolNames
        var builderA = GraphBuilder(spec: spec.binding(probesA), convention: convention)
        var graph = builderA.build()
        var builderB = GraphBuilder(spec: spec.binding(probesB), convention: convention)
        let graphB = builderB.build()
        var diagnostics = Diagnostics()
        let standIn = names.map { "\($0) = \(probesA[$0]!)" }.joined(separator: ", ")
        let failed = builderA.diagnostics.hasErrors ? builderA.diagnostics : builderB.diagnostics
        // A warning that names a stand-in value (a stride dropping rows of an odd size) waits for the binding.
        func key(_ d: Diagnostic) -> String { "\(d.code.rawValue)|\(d.location)|\(d.message)" }
        let warningsB = Set(builderB.diagnostics.warnings.map(key))
        let warnings = builderA.diagnostics.warnings.filter { warningsB.contains(key($0)) }
        for var d in warnings + failed.errors {
            if d.severity == .error {
                d.notes.append(
                    "checked with the stand-in value\(names.count == 1 ? "" : "s") \(standIn) for the symbolic size\(names.count == 1 ? "" : "s") of `input:`"
                )
            }
            diagnostics.append(d)
        }
        var sizes = SymbolicSizes(symbols: spec.symbols, probes: probesA, dims: [], symbolicFlops: [])
        for node in graph.nodes {
            let other = graphB.nodes[node.id.rawValue]
            // A layer after one that failed reports nothing more.
            guard let a = node.shape, let b = other.shape, node.inputs.allSatisfy({ sizes.dims[$0.rawValue] != nil })
            else {
                sizes.dims.append(nil)
                continue
            }
            if node.flops != other.flops { sizes.symbolicFlops.insert(node.id.rawValue) }
            let dims =
                a.rank == b.rank ? expressions(node, a.dims, b.dims, graph: graph, graphB: graphB, sizes: sizes) : nil
            if dims == nil {
                let axes = names.joined(separator: " and ")
                diagnostics.error(
                    .symbolicShape,
                    "'\(node.name)' (\(node.typeName)) cannot take a size that depends on \(axes): nnc cannot write its output \(a.perSample) (with \(standIn)) in terms of \(axes)",
                    at: node.location,
                    help:
                        "write \(axes) as a number in `input:`, or reduce that axis before this layer (a recurrent layer without return_sequences, a global pool)"
                )
            }
            sizes.dims.append(dims)
            if dims != nil, node.parameters.map(\.shape) != other.parameters.map(\.shape) {
                let inputs = node.inputs.compactMap { sizes.dims[$0.rawValue] }.flatMap { $0 }
                let used = names.filter { name in inputs.contains { $0.symbols.contains(name) } }
                let which = (used.isEmpty ? names : used).joined(separator: " and ")
                let inputShapes = node.inputs.compactMap { sizes.shapeText($0) }.joined(separator: " and ")
                diagnostics.error(
                    .symbolicParameters,
                    "a layer's parameters must not depend on a symbolic size; '\(node.name)' reads \(inputShapes), so it would have \(node.paramCount.grouped) parameters for \(standIn) and \(other.paramCount.grouped) for \(names.map { "\($0) = \(probesB[$0]!)" }.joined(separator: ", "))",
                    at: node.location,
                    help:
                        "fix \(which) to a number in `input:`, or reduce the \(which) axis before this layer (a recurrent layer without return_sequences, a global pool)"
                )
            }
        }
        // The output arithmetic of a layer reading or giving a symbolic size, in terms of the symbols.
        for node in graph.nodes where sizes.dims[node.id.rawValue] != nil {
            let reads = ([node.id] + node.inputs).contains { id in
                sizes.dims[id.rawValue]?.contains { if case .number = $0 { false } else { true } } == true
            }
            guard reads, node.op.kind != .input else { continue }
            var explanations = graph.nodes[node.id.rawValue].explanations.filter { $0.topic != "output" }
            if !node.arithmetic.isEmpty, let names = GraphBuilder.axisNames[node.arithmetic.count] {
                for (axis, a) in node.arithmetic.enumerated() {
                    let text = sizes.expression(node.id, axis: axis)?.description ?? a.formula
                    explanations.append(Explanation(topic: "output", text: "\(names[axis]): \(text)"))
                }
            } else if let shape = sizes.shapeText(node.id) {
                explanations.append(Explanation(topic: "output", text: shape))
            }
            graph.nodes[node.id.rawValue].explanations = explanations
        }
        for index in sizes.symbolicFlops {
            graph.nodes[index].explanations.removeAll { $0.topic == "flops" }
            graph.nodes[index].explanations.append(
                Explanation(
                    topic: "flops",
                    text: "depends on \(sizes.namesText); `nnc summary --bind` gives the number for a value"))
        }
        graph.symbolic = sizes
        graph.isComplete = graph.isComplete && !diagnostics.hasErrors
        return (graph, diagnostics)
    }

    /// The node's output sizes as expressions, or nil when a size that differs between the
    /// two builds follows from no rule.
    private func expressions(
        _ node: Node, _ a: [Int], _ b: [Int], graph: Graph, graphB: Graph, sizes: SymbolicSizes
    ) -> [SizeExpression]? {
        if node.op.kind == .input {
            return a.indices.map { axis in
                spec.symbols.first { $0.axis == axis }.map { SizeExpression.symbol($0.name) } ?? .number(a[axis])
            }
        }
        // Every input's sizes with their values in both builds.
        var known: [(expr: SizeExpression, a: Int, b: Int, axis: Int, rank: Int)] = []
        for input in node.inputs {
            guard let exprs = sizes.dims[input.rawValue], let ia = graph[input].shape, let ib = graphB[input].shape
            else { return nil }
            for axis in exprs.indices { known.append((exprs[axis], ia.dims[axis], ib.dims[axis], axis, ia.rank)) }
        }
        var out: [SizeExpression] = []
        for axis in a.indices {
            if a[axis] == b[axis] {
                out.append(.number(a[axis]))
                continue
            }
            var candidates: [SizeExpression] = []
            // A window's spatial axis: its arithmetic over the input's size.
            if axis < node.arithmetic.count, let x = known.first(where: { $0.axis == axis })?.expr {
                let arithmetic = node.arithmetic[axis]
                switch arithmetic.paddingMode {
                case "same": candidates.append(arithmetic.stride == 1 ? x : .ceilDivided(x, by: arithmetic.stride))
                default: if arithmetic.rounding == .floor { candidates.append(.window(x, arithmetic)) }
                }
            }
            // An axis carried through: the same values in both builds, the same axis counted from the end first.
            let carried = known.filter { $0.a == a[axis] && $0.b == b[axis] }
            let aligned = carried.filter { $0.rank - $0.axis == a.count - axis }
            candidates += (aligned + carried).map(\.expr)
            // Flatten: the product of the input's sizes.
            if node.op.kind == .flatten { candidates.append(.product(known.map(\.expr))) }
            // Concatenation along this axis: the sum of the inputs' sizes.
            if node.op.kind == .concat { candidates.append(.sum(known.filter { $0.axis == axis }.map(\.expr))) }
            guard
                let found = candidates.first(where: { $0.value(probesA) == a[axis] && $0.value(probesB) == b[axis] })
            else { return nil }
            out.append(found)
        }
        return out
    }
}
