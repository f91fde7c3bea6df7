import ArgumentParser
import Foundation
import NNCDriver
import NNCGraph
import NNCPlan
import NNCSpec

/// Output format shared by every subcommand.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every model-reading subcommand shares.
struct ModelOptions: ParsableArguments {
    @Argument(help: "A model file (.yaml or .nn) or an MLP shorthand such as 784-128-10.")
    var model: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Never color diagnostics (default: color when stderr is a terminal).")
    var noColor = false

    @Option(
        help:
            "Values of the input's symbolic sizes for check, summary, plan, bench and gradcheck, such as T=28 (repeatable, or T=28,H=32); commands that read data take them from it and refuse --bind."
    )
    var bind: [String] = []

    /// A malformed `--bind` is a usage error (exit 64).
    func validate() throws {
        do { _ = try SymbolBinding.parse(bind) } catch { throw ValidationError("\(error)") }
    }

    /// Commands that read the model's data bind its symbolic sizes from it: a `--bind` given
    /// to one is a usage error rather than a value silently ignored.
    func refuseBind(_ command: String) throws {
        guard !bind.isEmpty else { return }
        throw ValidationError(
            "nnc \(command) takes the input's symbolic sizes from the model's data; --bind is for check, summary, plan, bench and gradcheck"
        )
    }

    /// The `--bind` values (checked by `validate`).
    var bindings: [String: Int] { (try? SymbolBinding.parse(bind)) ?? [:] }

    /// Loads and checks the model (and, with `readingData`, compares it with its data
    /// files' headers); an unreadable file becomes an E0105 diagnostic (exit 1).
    func check(readingData: Bool = false) -> CheckResult {
        do {
            return Driver.check(try Driver.loadSource(model), readingData: readingData, bindings: bindings)
        } catch {
            let file = SourceFile(path: model, text: "")
            let d = Diagnostic.error(
                .unreadableFile, "a model file must be readable; \(error)",
                at: SourceLocation(file: file, line: 0, column: 0))
            return CheckResult(file: file, spec: nil, graph: nil, diagnostics: [d])
        }
    }

    /// The model file's text; an unreadable file is reported (E0105) and exits with 1.
    func source() throws -> SourceFile {
        do {
            return try Driver.loadSource(model)
        } catch {
            report(check().diagnostics)
            throw ExitCode(1)
        }
    }

    /// Loads, checks and compiles the model; diagnostics as `check` gives them.
    func compile(_ options: LoweringOptions) -> CompileResult {
        compiling { try Driver.compile(path: model, options: options, bindings: bindings) }
    }

    /// Compiles at `batch`, or when it is nil at the spec's batch size (as `summary` reports).
    func compile(mode: LoweringOptions.Mode, batch: Int?) -> CompileResult {
        compiling { try Driver.compile(path: model, mode: mode, batch: batch, bindings: bindings) }
    }

    /// Compiles with options chosen from the checked graph.
    func compile(choosing options: (Graph) -> LoweringOptions) -> CompileResult {
        compiling { Driver.compile(try Driver.loadSource(model), bindings: bindings, options: options) }
    }

    private func compiling(_ body: () throws -> CompileResult) -> CompileResult {
        do {
            return try body()
        } catch {
            let result = check()
            return CompileResult(check: result, plan: nil, diagnostics: result.diagnostics)
        }
    }

    var useColor: Bool { !noColor && isatty(2) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    /// Prints diagnostics to stderr and a count line.
    func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        Terminal.printError(DiagnosticRenderer(useColor: useColor).render(diagnostics))
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        Terminal.printError("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
    }
}

enum Terminal {
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

extension Convention: ExpressibleByArgument {}

/// Prints a JSON object with sorted keys.
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
