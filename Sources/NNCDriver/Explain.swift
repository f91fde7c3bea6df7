import NNCData
import NNCPlan
import NNCSpec

/// `nnc explain`: a code's explanation with its examples run through the checker, so the
/// diagnostic shown is exactly what nnc prints.
public enum Explain {
    /// The code named by `text` (case-insensitive), if any.
    public static func code(_ text: String) -> DiagnosticCode? {
        DiagnosticCode(rawValue: text.uppercased())
    }

    /// Checks an example written in the code's example kind.
    public static func run(_ example: String, kind: String) -> CheckResult? {
        switch kind {
        case "yaml": return Driver.check(SourceFile(path: "example.yaml", text: example))
        case "nn": return Driver.check(SourceFile(path: "example.nn", text: example))
        case "shorthand": return Driver.check(SourceFile(path: example, text: example))
        case "plan":
            // Problems only compiling finds: the result carries the lowering's diagnostics too.
            let compiled = Driver.compile(
                SourceFile(path: "example.yaml", text: example), options: LoweringOptions(mode: .training, batch: 1))
            var result = compiled.check
            result.diagnostics = compiled.diagnostics
            return result
        default: return nil
        }
    }

    public static func render(_ code: DiagnosticCode) -> String {
        let doc = code.documentation
        var out = "\(code.rawValue): \(code.title)\n\n\(wrap(doc.explanation))\n"
        let renderer = DiagnosticRenderer()
        switch doc.exampleKind {
        case "path":
            out +=
                "\nFor example, `nnc check \(doc.badExample)` when that file does not exist; `nnc check \(doc.fixedExample)` works.\n"
        case "run":
            out += "\nFor example:\n\n" + indent(doc.badExample) + "\n\nFixed:\n\n" + indent(doc.fixedExample) + "\n"
        case "shorthand":
            out += "\nFor example, `nnc check \(doc.badExample)`:\n\n"
            if let result = run(doc.badExample, kind: "shorthand") {
                out += renderer.render(result.diagnostics.filter { $0.code == code })
            }
            out += "\nFixed: `nnc check \(doc.fixedExample)`\n"
        case "data path":
            out += "\nFor example, `data: {train: {path: \(doc.badExample)}}` when that file does not exist:\n\n"
            out += renderer.render(DataExample.diagnostics(doc.badExample, kind: doc.exampleKind) ?? [])
            out += "\nFixed: `path: \(doc.fixedExample)`\n"
        case "labels":
            out +=
                "\nFor example, labels.npy of shape \(doc.badExample) for a model with input [4], an output `dense: 1` and `loss: mse`:\n\n"
            out += renderer.render(DataExample.diagnostics(doc.badExample, kind: doc.exampleKind) ?? [])
            out += "\nFixed: labels of shape \(doc.fixedExample)\n"
        case "preprocessing":
            out +=
                "\nFor example, a weights file whose saved preprocessing, for a model with input [4] and 3 classes, is\n\n"
                + indent(doc.badExample) + "\n\n"
            out += renderer.render(DataExample.diagnostics(doc.badExample, kind: doc.exampleKind) ?? [])
            out += "\nFixed:\n\n" + indent(doc.fixedExample) + "\n"
        case "csv", "idx":
            let heading =
                doc.exampleKind == "csv"
                ? "example.csv, for a model with input [4] and 3 classes" : "the bytes of example.idx, in hex"
            out +=
                "\nFor example (\(heading)):\n\n" + indent(doc.badExample)
                + (doc.badExample.hasSuffix("\n") ? "\n" : "\n\n")
            out += renderer.render(DataExample.diagnostics(doc.badExample, kind: doc.exampleKind) ?? [])
            out += "\nFixed:\n\n" + indent(doc.fixedExample) + (doc.fixedExample.hasSuffix("\n") ? "" : "\n")
        default:
            let heading = doc.exampleKind == "plan" ? "`nnc plan example.yaml`" : "example.\(doc.exampleKind)"
            out += "\nFor example (\(heading)):\n\n" + indent(doc.badExample) + "\n"
            if let result = run(doc.badExample, kind: doc.exampleKind) {
                out += renderer.render(result.diagnostics.filter { $0.code == code })
            }
            out += "\nFixed:\n\n" + indent(doc.fixedExample)
        }
        return out
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    \($0)" }.joined(
            separator: "\n")
    }

    /// Wraps prose at 88 columns.
    static func wrap(_ text: String, width: Int = 88) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
