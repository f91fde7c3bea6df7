import ArgumentParser
import Foundation
import NNCDriver
import NNCSpec

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a diagnostic code, with a model that triggers it and the same model fixed.",
        discussion:
            "Codes: E01xx syntax, E02xx schema, E03xx shapes and graph, E04xx limits, W… warnings. `nnc explain --list` lists them."
    )

    @Argument(help: "A diagnostic code such as E0301 (case-insensitive).")
    var code: String?

    @Flag(help: "List every code with its title.")
    var list = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        if code == nil, !list { throw ValidationError("name a code (e.g. `nnc explain E0301`) or pass --list") }
        if let code, Explain.code(code) == nil {
            let help =
                Suggestions.didYouMean(code.uppercased(), in: DiagnosticCode.allCases.map(\.rawValue)).map { "; \($0)" }
                ?? ""
            throw ValidationError("unknown diagnostic code '\(code)'\(help) (`nnc explain --list` lists them)")
        }
    }

    func run() throws {
        guard let text = code, let code = Explain.code(text) else {
            for code in DiagnosticCode.allCases { print("\(code.rawValue)  \(code.title)") }
            return
        }
        if format == .json {
            let doc = code.documentation
            let object: [String: String] = [
                "code": code.rawValue, "title": code.title, "explanation": doc.explanation,
                "bad_example": doc.badExample, "fixed_example": doc.fixedExample,
                "example_kind": doc.exampleKind,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Explain.render(code), terminator: "")
        }
    }
}
