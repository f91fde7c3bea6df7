import Foundation
import NNCData
import NNCGraph
import NNCSpec

/// Binds a model's symbolic sizes (`input: [T, 128]`) to numbers: from `--bind T=28`, or
/// from the sample shape of the spec's data (its first split that has one), then checks the
/// bound spec as if the numbers had been written in. A convolution or pool left without
/// output by the bound value is reported with the smallest value that works (E0324).
public enum SymbolBinding {
    /// Where a binding came from, for messages.
    public enum Origin: Sendable {
        case option
        case data(file: String, location: SourceLocation)

        var phrase: String {
            switch self {
            case .option: "given by --bind"
            case .data(let file, _): "from the sample shape of \(file)"
            }
        }
    }

    /// Parses `--bind` values (`T=28`); a malformed one is a usage error.
    public static func parse(_ arguments: [String]) throws -> [String: Int] {
        var values: [String: Int] = [:]
        for argument in arguments {
            for part in argument.split(separator: ",") {
                let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pieces.count == 2, SizeSymbol.isName(pieces[0]), let value = Int(pieces[1]), value >= 1 else {
                    throw DriverError(
                        "--bind takes NAME=SIZE with an upper-case name and a positive size, such as T=28; got '\(part)'"
                    )
                }
                values[pieces[0]] = value
            }
        }
        return values
    }

    /// The values the spec's data gives its symbols, or nil with the diagnostics that stop it.
    static func fromData(_ spec: ModelSpec, graph: Graph, diagnostics: inout Diagnostics) -> (
        values: [String: Int], origin: Origin
    )? {
        let data = graph.training.data
        let names = spec.symbolNames.joined(separator: ", ")
        let splits: [(String, DataConfiguration.Split?)] = [
            ("train", data.train), ("validation", data.validation), ("test", data.test),
        ]
        guard let found = splits.first(where: { $0.1 != nil }), let split = found.1 else {
            diagnostics.error(
                .unboundSymbol,
                "the symbolic size\(spec.symbolNames.count == 1 ? "" : "s") \(names) of `input:` must be bound to numbers before the model runs; the spec has no `data:` to take them from",
                at: spec.symbols[0].location, help: "add a `data:` section, or write the numbers in `input:`")
            return nil
        }
        switch split.source {
        case .idx, .npy, .csv, .cifar, .generated: break
        case .tokens, .text, .trees, .imageFolder:
            diagnostics.error(
                .unboundSymbol,
                "the symbolic size\(spec.symbolNames.count == 1 ? "" : "s") \(names) must be bound from the data's sample shape, but token, text, tree and image-folder data take their sizes from `input:`",
                at: spec.symbols[0].location, labels: [DiagnosticLabel(split.inputsLocation, "this data")],
                help:
                    "write the numbers in `input:` (the length sequences are cut or padded to, the rows trees fill, the size images are resized to)"
            )
            return nil
        }
        let source = DataLoading.source(split.source, spec, graph: graph, split: found.0, seed: 0, vocabulary: nil)
        let sample: [Int]
        let file = DataCheck.files(of: source).first ?? "the generated data"
        if let reshape = data.preprocess.reshape {
            sample = reshape
        } else {
            do throws(DataError) {
                guard let shape = try DataReader.summary(source, labels: .none).sampleShape else {
                    throw DataError(
                        Diagnostic.error(
                            .unboundSymbol, "the data's header does not give a sample shape to bind \(names) from",
                            at: split.inputsLocation, help: "write the numbers in `input:`"))
                }
                sample = shape
            } catch {
                diagnostics.append(DataCheck.relocated(error.diagnostic, source: source, split: split))
                return nil
            }
        }
        let fileName = (file as NSString).lastPathComponent
        let origin = Origin.data(file: fileName, location: split.inputsLocation)
        let input = spec.input ?? []
        let written =
            "["
            + input.indices.map { axis in
                spec.symbols.first { $0.axis == axis }?.name ?? String(input[axis])
            }.joined(separator: ", ") + "]"
        func mismatch(_ message: String, _ diagnostics: inout Diagnostics) -> (values: [String: Int], origin: Origin)? {
            diagnostics.error(
                .symbolMismatch, message, at: split.inputsLocation,
                labels: [DiagnosticLabel(spec.inputLocation, "input: \(written)")],
                help: "give each axis that differs its own name, or use data of the input's shape")
            return nil
        }
        guard sample.count == input.count else {
            return mismatch(
                "the data's samples must have the input's \(input.count) axes to bind \(names); \(fileName) has samples of \(TensorShape(sample).perSample) for `input: \(written)`",
                &diagnostics
            )
        }
        var values: [String: Int] = [:]
        for axis in input.indices {
            guard let symbol = spec.symbols.first(where: { $0.axis == axis }) else {
                if input[axis] != sample[axis] {
                    return mismatch(
                        "the data's samples must match the input's numbers; \(fileName) has \(TensorShape(sample).perSample), `input: \(written)` has \(input[axis]) on axis \(axis + 1)",
                        &diagnostics
                    )
                }
                continue
            }
            if let earlier = values[symbol.name], earlier != sample[axis] {
                return mismatch(
                    "every use of a symbolic size must get one value; \(symbol.name) is \(earlier) and \(sample[axis]) in the samples \(TensorShape(sample).perSample) of \(fileName)",
                    &diagnostics
                )
            }
            values[symbol.name] = sample[axis]
        }
        return (values, origin)
    }

    /// The spec with `values` written in, checked; a window left without output by a value
    /// becomes E0324 with the smallest value of its symbol that gives every layer an output.
    static func bind(_ spec: ModelSpec, _ values: [String: Int], origin: Origin) -> (ModelSpec, Graph, Diagnostics) {
        let bound = spec.binding(values)
        let (graph, found) = Checker.check(bound)
        let text = values.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
        guard found.errors.contains(where: { $0.code == .kernelTooLarge }) else {
            var diagnostics = Diagnostics()
            for var d in found.all {
                if d.severity == .error { d.notes.append("with \(text) \(origin.phrase)") }
                diagnostics.append(d)
            }
            return (bound, graph, diagnostics)
        }
        var diagnostics = Diagnostics()
        for d in found.all where d.code != .kernelTooLarge { diagnostics.append(d) }
        for empty in found.errors where empty.code == .kernelTooLarge {
            // Each symbol raised alone (the others as bound); those that cannot fix it are left out.
            var smallest = spec.symbolNames.filter { values[$0] != nil }.compactMap { name in
                smallestWorking(spec, values, name: name).map {
                    "the smallest \(name) that gives every layer an output is \($0)"
                }
            }
            if smallest.isEmpty {
                smallest = ["no single size up to \(searchLimit.grouped) gives every layer an output"]
            }
            let layer = graph.nodes.first { $0.arithmetic.contains { !$0.kernelFits } }?.name ?? "a layer"
            var labels = empty.labels
            if case .data(_, let location) = origin { labels.append(DiagnosticLabel(location, "\(text) from here")) }
            diagnostics.error(
                .symbolTooSmall,
                "a bound symbolic size must leave every convolution and pool an output; with \(text) \(origin.phrase), '\(layer)' has none: \(smallest.joined(separator: "; "))",
                at: empty.location, labels: labels, notes: [empty.message] + empty.notes,
                help: "use inputs at least that large (or resize them), or remove a downsampling layer")
        }
        return (bound, graph, diagnostics)
    }

    static let searchLimit = 1 << 20

    /// The smallest value of `name` (the others as bound) for which no window is empty: a
    /// window's output never shrinks as its input grows, so a doubling then bisection finds it.
    static func smallestWorking(_ spec: ModelSpec, _ values: [String: Int], name: String) -> Int? {
        func works(_ value: Int) -> Bool {
            var trial = values
            trial[name] = value
            var builder = GraphBuilder(spec: spec.binding(trial))
            _ = builder.build()
            return !builder.diagnostics.errors.contains { $0.code == .kernelTooLarge }
        }
        var low = values[name]!
        var high = low
        repeat {
            high = min(high * 2, searchLimit)
            if works(high) { break }
            if high == searchLimit { return nil }
            low = high
        } while true
        // works(high), !works(low)
        while high - low > 1 {
            let middle = (low + high) / 2
            if works(middle) { high = middle } else { low = middle }
        }
        return high
    }
}
