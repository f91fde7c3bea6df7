import Foundation
import NNCDriver
import NNCGraph
import NNCPlan
import NNCSpec
import Testing

/// Every integer a spec can hold, at the largest values the decoder accepts, in every
/// layer kind, over small and huge inputs: checking, summarizing, explaining and compiling
/// must end in a result or in located diagnostics. A trap (integer overflow, an Int32
/// conversion) would kill this test process.
@Suite struct HostileSizeTests {
    /// The largest accepted magnitude, its neighbours, and values whose squares or cubes
    /// pass 2³¹, 2³² and 2⁶³.
    static let extremes = ["2147483648", "2147483647", "1073741824", "65536", "46341"]
    static let inputs = [
        "[6, 6, 2]", "[6, 2]", "[3]", "[32768, 32768, 1]", "[2147483648]", "[1073741824, 1]", "[65536, 65536]",
    ]

    /// A small valid value for a required attribute of `type`.
    static func filler(_ type: ValueType) -> String {
        switch type {
        case .int, .spatial, .shape: "2"
        case .float, .number: "0.5"
        case .reshapeTarget: "[-1]"
        case .component(let family): family.kinds[0].name == "simple_rnn" ? "{lstm: 2}" : family.kinds.first!.name
        default: "2"
        }
    }

    static func takesIntegers(_ type: ValueType) -> Bool {
        switch type {
        case .int, .spatial, .shape, .reshapeTarget, .padding: true
        default: false
        }
    }

    /// One spec per (kind, integer attribute, extreme value, input).
    static var specs: [String] {
        var out: [String] = []
        func model(_ input: String, _ kind: ComponentKind, _ given: [String], then next: String) -> String {
            let merge = kind.name == "add" || kind.name == "concat" ? ", inputs: [input, input]" : ""
            return
                "input: \(input)\nlayers:\n  - {\(kind.name): {\(given.joined(separator: ", "))}\(merge)}\n  - \(next)\nloss: mse\n"
        }
        for kind in Registry.layers.kinds {
            let required = kind.attributes.filter(\.isRequired)
            for attribute in kind.attributes where takesIntegers(attribute.type) && attribute.name != "axis" {
                // With 'same' padding a huge kernel still fits its input.
                let paddings =
                    kind.attribute("padding") != nil && attribute.name != "padding" ? [[], ["padding: same"]] : [[]]
                for value in extremes {
                    for padding in paddings {
                        var given =
                            required.filter { $0.name != attribute.name }.map { "\($0.name): \(filler($0.type))" }
                            + padding
                        given.append("\(attribute.name): \(attribute.type.isReshape ? "[\(value)]" : value)")
                        for input in inputs { out.append(model(input, kind, given, then: "{dense: 3}")) }
                    }
                }
            }
            // Each kind on huge inputs with its small defaults, and with huge widths.
            let wide = required.map {
                "\($0.name): \(takesIntegers($0.type) && !$0.type.isReshape ? "65536" : filler($0.type))"
            }
            for input in inputs { out.append(model(input, kind, wide, then: "{dense: 65536}")) }
        }
        for value in extremes {
            for inner in ["simple_rnn", "lstm", "gru"] {
                out.append(
                    "input: [6, 2]\nlayers:\n  - {bidirectional: {\(inner): \(value)}}\n  - {dense: 3}\nloss: mse\n")
                out.append(
                    "input: [\(value), 1]\nlayers:\n  - {\(inner): {units: 4, return_sequences: true}}\n  - {dense: 3}\nloss: mse\n"
                )
            }
        }
        // Models whose totals, not single values, grow past 2⁶³.
        out.append(
            """
            input: [1073741824]
            layers:
              - repeat: 100000
                layers: [dense: 1073741824]
            """)
        // 2⁶⁰ multiply-adds per layer, each tensor within its limit: the FLOPs saturate.
        out.append(
            """
            input: [32768, 32768, 1]
            layers:
              - repeat: 16
                layers: [{conv2d: {filters: 1, kernel: 32768, padding: same}}]
            loss: mse
            """)
        return out
    }

    @Test func extremeSizesNeverTrap() throws {
        for (index, text) in Self.specs.enumerated() {
            let file = SourceFile(path: "hostile\(index).yaml", text: text)
            let result = Driver.check(file)
            if result.hasErrors {
                #expect(
                    result.errors.allSatisfy { $0.location.file != nil },
                    "spec \(index): an error without a location\n\(text)")
            }
            guard let graph = result.graph, let spec = result.spec else { continue }
            _ = SummaryTable.render(graph, explain: true, convention: .keras)
            _ = JSONReports.summary(result, convention: .pytorch)
            _ = ShapeTrace.render(graph)
            guard !result.hasErrors, graph.isComplete else { continue }
            _ = MemoryReport.lines(graph, spec, batch: 32)
            for options in [
                LoweringOptions(mode: .training, batch: 32), LoweringOptions(mode: .inference, batch: 1_000_000),
            ] {
                let compiled = Driver.compile(file, options: options)
                if let plan = compiled.plan {
                    // What the kernels receive fits their 32-bit sizes: every buffer, and
                    // every integer an instruction passes (windows, strides, paddings, ids).
                    #expect(
                        plan.buffers.allSatisfy { $0.elements <= Int(Int32.max) },
                        "spec \(index): a buffer too large for the kernels\n\(text)")
                    let largest = (plan.prepare + plan.instructions).flatMap { Self.integers(in: $0.kernel) }.max() ?? 0
                    #expect(
                        largest <= Int(Int32.max),
                        "spec \(index): an instruction passes \(largest) to the kernels\n\(text)")
                } else {
                    #expect(compiled.hasErrors, "spec \(index): no plan and no error\n\(text)")
                }
            }
        }
    }
}

extension HostileSizeTests {
    /// Every Int inside a value (an instruction's kernel and its payload), by reflection.
    static func integers(in value: Any) -> [Int] {
        if let int = value as? Int { return [int] }
        return Mirror(reflecting: value).children.flatMap { integers(in: $0.value) }
    }
}

extension ValueType {
    var isReshape: Bool {
        if case .reshapeTarget = self { return true }
        return false
    }
}
