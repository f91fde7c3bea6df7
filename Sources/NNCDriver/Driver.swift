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
    /// compared with its data files' headers too (`DataCheck`).
    public static func check(_ file: SourceFile, readingData: Bool) -> CheckResult {
        var result = check(file)
        guard readingData, !result.hasErrors, let spec = result.spec, let graph = result.graph, graph.isComplete else {
            return result
        }
        var diagnostics = Diagnostics()
        for d in result.diagnostics { diagnostics.append(d) }
        for d in DataCheck.diagnostics(spec, graph: graph) { diagnostics.append(d) }
        result.diagnostics = diagnostics.sorted
        return result
    }

    /// Parses, decodes and checks a model.
    public static func check(_ file: SourceFile) -> CheckResult {
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
        var graph: Graph?
        if let spec {
            let (built, more) = Checker.check(spec)
            graph = built
            diagnostics.append(contentsOf: more)
        }
        return CheckResult(file: file, spec: spec, graph: graph, diagnostics: diagnostics.sorted)
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
    public static func compile(_ file: SourceFile, options: LoweringOptions, planner: MemoryPlanner = GreedyPlanner())
        -> CompileResult
    {
        compile(file, planner: planner) { _ in options }
    }

    /// Compiles at `batch`, or when it is nil at the batch `nnc summary` reports: the spec's
    /// `train.batch_size` (else 32), or the largest size its `batch_schedule` reaches.
    public static func compile(
        _ file: SourceFile, mode: LoweringOptions.Mode, batch: Int?, planner: MemoryPlanner = GreedyPlanner()
    ) -> CompileResult {
        compile(file, planner: planner) { graph in
            LoweringOptions(mode: mode, batch: batch ?? graph.training.train.largestBatch)
        }
    }

    /// Compiles with options chosen from the checked graph (its batch size, say).
    public static func compile(
        _ file: SourceFile, planner: MemoryPlanner = GreedyPlanner(), options: (Graph) -> LoweringOptions
    ) -> CompileResult {
        let checked = check(file)
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
        path argument: String, options: LoweringOptions, planner: MemoryPlanner = GreedyPlanner()
    ) throws -> CompileResult {
        compile(try loadSource(argument), options: options, planner: planner)
    }

    public static func compile(
        path argument: String, mode: LoweringOptions.Mode, batch: Int?, planner: MemoryPlanner = GreedyPlanner()
    ) throws -> CompileResult {
        compile(try loadSource(argument), mode: mode, batch: batch, planner: planner)
    }
}
