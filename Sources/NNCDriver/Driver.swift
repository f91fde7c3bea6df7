import Foundation
import NNCGraph
import NNCPlan
import NNCSpec

/// An environment problem (not a spec problem): unreadable file, bad arguments.
public struct DriverError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The result of checking one model: what could be built, and every diagnostic.
public struct CheckResult: Sendable {
    public var file: SourceFile
    public var spec: ModelSpec?
    public var graph: Graph?
    /// All diagnostics, in file order.
    public var diagnostics: [Diagnostic]

    public init(file: SourceFile, spec: ModelSpec?, graph: Graph?, diagnostics: [Diagnostic]) {
        self.file = file
        self.spec = spec
        self.graph = graph
        self.diagnostics = diagnostics
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}

/// The pipeline as plain functions: the CLI and the tests both call these in-process.
public enum Driver {
    /// Reads a model argument: a file path, or an MLP shorthand such as `784-128-10`.
    public static func loadSource(_ argument: String) throws -> SourceFile {
        if MLPShorthand.matches(argument), !FileManager.default.fileExists(atPath: argument) {
            return SourceFile(path: argument, text: argument)
        }
        let data = try ModelFile.read(argument)
        guard let text = String(data: data, encoding: .utf8) else {
            throw DriverError("'\(argument)' is not UTF-8 text")
        }
        return SourceFile(path: argument, text: text)
    }

    /// Parses, decodes and checks a model; with `readingData`, a model that checks is
    /// compared with its data files' headers too (`DataCheck`). A model with symbolic sizes
    /// (`input: [T, 128]`) is bound first to `bindings` (`--bind T=28`), then, with
    /// `bindingData`, to its data's sample shape; without them it stays symbolic (it checks
    /// and summarizes but does not compile), and `readingData` checks the data against the
    /// model bound to it.
    public static func check(
        _ file: SourceFile, readingData: Bool, bindings: [String: Int] = [:], bindingData: Bool = false
    ) -> CheckResult {
        let (loadedSpec, specDiagnostics) = loadSpec(file)
        var spec = loadedSpec
        var diagnostics = specDiagnostics
        guard let loaded = spec else {
            return CheckResult(file: file, spec: nil, graph: nil, diagnostics: diagnostics.sorted)
        }
        let checked = Checker.check(loaded)
        var graph = checked.0
        diagnostics.append(contentsOf: checked.1)
        var bindingDiagnostics = Diagnostics()
        if !diagnostics.hasErrors, !loaded.symbols.isEmpty, !bindings.isEmpty {
            if let unknown = bindings.keys.sorted().first(where: { !loaded.symbolNames.contains($0) }) {
                diagnostics.error(
                    .symbolMismatch,
                    "--bind may name only the input's symbolic sizes; '\(unknown)' is not one of \(loaded.symbolNames.joined(separator: ", "))",
                    at: loaded.symbols[0].location, help: Suggestions.didYouMean(unknown, in: loaded.symbolNames))
            } else {
                let bound = SymbolBinding.bind(loaded, bindings, origin: .option)
                (spec, graph) = (bound.0, bound.1)
                diagnostics = specDiagnostics
                diagnostics.append(contentsOf: bound.2)
            }
        }
        // `check` compares data that is there; a run needs its numbers from the data.
        let data = graph.training.data
        let hasData = data.train != nil || data.validation != nil || data.test != nil
        if !diagnostics.hasErrors, let symbolic = spec, !symbolic.symbols.isEmpty, bindingData || readingData && hasData
        {
            if let fromData = SymbolBinding.fromData(symbolic, graph: graph, diagnostics: &diagnostics) {
                let (bound, boundGraph, boundFound) = SymbolBinding.bind(
                    symbolic, fromData.values, origin: fromData.origin)
                if bindingData {
                    (spec, graph) = (bound, boundGraph)
                    diagnostics = specDiagnostics
                    diagnostics.append(contentsOf: boundFound)
                } else {
                    for d in boundFound.errors { diagnostics.append(d) }
                    if !boundFound.hasErrors, readingData {
                        for d in DataCheck.diagnostics(bound, graph: boundGraph) { bindingDiagnostics.append(d) }
                    }
                }
            }
        }
        if !diagnostics.hasErrors, readingData, let checked = spec, !graph.isSymbolic, graph.isComplete {
            for d in DataCheck.diagnostics(checked, graph: graph) { bindingDiagnostics.append(d) }
        }
        diagnostics.append(contentsOf: bindingDiagnostics)
        return CheckResult(file: file, spec: spec, graph: graph, diagnostics: diagnostics.sorted)
    }

    /// Parses, decodes and checks a model.
    public static func check(_ file: SourceFile) -> CheckResult {
        check(file, readingData: false)
    }

    /// Parses and decodes a model file (YAML, the DSL or the MLP shorthand).
    static func loadSpec(_ file: SourceFile) -> (ModelSpec?, Diagnostics) {
        var diagnostics = Diagnostics()
        let spec: ModelSpec?
        if MLPShorthand.matches(file.path), file.text == file.path {
            if let node = MLPShorthand.node(for: file, into: &diagnostics) {
                let (decoded, more) = SpecLoader.decodeModel(node, file: file, defaultName: file.path)
                spec = decoded
                diagnostics.append(contentsOf: more)
            } else {
                spec = nil
            }
        } else {
            let (decoded, more) = SpecLoader.load(file)
            spec = decoded
            diagnostics.append(contentsOf: more)
        }
        return (spec, diagnostics)
    }

    /// Reads and checks the model at `argument` (a path or an MLP shorthand).
    public static func check(path argument: String) throws -> CheckResult {
        check(try loadSource(argument))
    }
}

/// The result of compiling a model: the plan, or the diagnostics that stopped it.
public struct CompileResult: Sendable {
    public var check: CheckResult
    public var plan: ExecutionPlan?
    /// Check diagnostics plus any lowering errors, in file order.
    public var diagnostics: [Diagnostic]
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    public init(check: CheckResult, plan: ExecutionPlan?, diagnostics: [Diagnostic]) {
        self.check = check
        self.plan = plan
        self.diagnostics = diagnostics
    }
}

extension Driver {
    /// Checks and, when the model is clean, compiles it to an execution plan.
    public static func compile(
        _ file: SourceFile, options: LoweringOptions, planner: MemoryPlanner = GreedyPlanner(),
        bindings: [String: Int] = [:]
    ) -> CompileResult {
        compile(file, planner: planner, bindings: bindings) { _ in options }
    }

    /// Compiles at `batch`, or when it is nil at the batch `nnc summary` reports: the spec's
    /// `train.batch_size` (else 32), or the largest size its `batch_schedule` reaches.
    public static func compile(
        _ file: SourceFile, mode: LoweringOptions.Mode, batch: Int?, planner: MemoryPlanner = GreedyPlanner(),
        bindings: [String: Int] = [:]
    ) -> CompileResult {
        compile(file, planner: planner, bindings: bindings) { graph in
            LoweringOptions(mode: mode, batch: batch ?? graph.training.train.largestBatch)
        }
    }

    /// Compiles with options chosen from the checked graph (its batch size, say); symbolic
    /// sizes bound to `bindings` (`--bind`), or refused by the lowering (E0322).
    public static func compile(
        _ file: SourceFile, planner: MemoryPlanner = GreedyPlanner(), bindings: [String: Int] = [:],
        options: (Graph) -> LoweringOptions
    ) -> CompileResult {
        let checked = check(file, readingData: false, bindings: bindings)
        guard !checked.hasErrors, let graph = checked.graph, checked.spec != nil, graph.isComplete else {
            return CompileResult(check: checked, plan: nil, diagnostics: checked.diagnostics)
        }
        do {
            let plan = try ExecutionPlan.compile(graph, options: options(graph), planner: planner)
            return CompileResult(check: checked, plan: plan, diagnostics: checked.diagnostics)
        } catch {
            var all = Diagnostics()
            for d in checked.diagnostics { all.append(d) }
            all.append(contentsOf: error.diagnostics)
            return CompileResult(check: checked, plan: nil, diagnostics: all.sorted)
        }
    }

    public static func compile(
        path argument: String, options: LoweringOptions, planner: MemoryPlanner = GreedyPlanner(),
        bindings: [String: Int] = [:]
    ) throws -> CompileResult {
        compile(try loadSource(argument), options: options, planner: planner, bindings: bindings)
    }

    public static func compile(
        path argument: String, mode: LoweringOptions.Mode, batch: Int?, planner: MemoryPlanner = GreedyPlanner(),
        bindings: [String: Int] = [:]
    ) throws -> CompileResult {
        compile(try loadSource(argument), mode: mode, batch: batch, planner: planner, bindings: bindings)
    }
}
