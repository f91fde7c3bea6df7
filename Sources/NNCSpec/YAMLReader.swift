import NNCDiagnostics
import Yams

/// Reads YAML text into a `SpecNode` tree with `Yams.compose`, which keeps every node's mark,
/// once `YAMLNodeBudget` has counted what its aliases expand to.
public enum YAMLReader {
    public static func read(_ file: SourceFile, into diagnostics: inout Diagnostics) -> SpecNode? {
        if let excess = YAMLNodeBudget.excess(in: file.text) {
            diagnostics.error(
                .tooLarge,
                "a model file may stand for at most \(YAMLNodeBudget.limit.grouped) YAML nodes, each alias counted as "
                    + "the nodes it repeats; it reaches \(excess.nodes.grouped) here",
                at: file.location(line: excess.line, column: excess.column),
                label: "\(excess.nodes.grouped) nodes so far",
                help: "an alias repeats its anchor's whole node, and aliases inside anchored nodes multiply; "
                    + "repeat layers with `repeat:` or `blocks:` instead")
            return nil
        }
        do {
            // The basic resolver tags every plain scalar a string: the decoder reads scalars by
            // the type the schema expects, and Yams's regular-expression tag resolution
            // (run on every key it hashes for duplicates) was a third of checking a large file.
            guard let node = try Yams.compose(yaml: file.text, .basic) else {
                return SpecNode(.null, at: file.location(line: 1, column: 1))
            }
            return convert(node, file)
        } catch let error as YamlError {
            diagnostics.append(diagnostic(for: error, in: file))
        } catch {
            diagnostics.error(
                .yamlSyntax, "the file is not valid YAML: \(error)", at: file.location(line: 1, column: 1))
        }
        return nil
    }

    private static func convert(_ node: Node, _ file: SourceFile) -> SpecNode {
        let location = node.mark.map { file.location(line: $0.line, column: $0.column) } ?? .unknown
        switch node {
        case .scalar(let scalar):
            let quoted = scalar.style != .plain
            if !quoted, ["~", "null", "Null", "NULL", ""].contains(scalar.string) {
                return SpecNode(.null, at: location)
            }
            return .scalar(scalar.string, quoted: quoted, at: location)
        case .sequence(let sequence):
            return SpecNode(.sequence(sequence.map { convert($0, file) }), at: location)
        case .mapping(let mapping):
            var pairs: [SpecNode.Pair] = []
            var merged: [SpecNode.Pair] = []
            for (key, value) in mapping {
                // YAML merge keys (`<<: *defaults`) bring in the pairs the mapping lacks.
                if key.string == "<<", case .scalar = key {
                    let sources = convert(value, file)
                    for source in sources.items ?? [sources] { merged += source.pairs ?? [] }
                    continue
                }
                pairs.append(
                    SpecNode.Pair(
                        key: key.string ?? "\(key)",
                        keyLocation: key.mark.map { file.location(line: $0.line, column: $0.column) } ?? location,
                        value: convert(value, file)))
            }
            for pair in merged where !pairs.contains(where: { $0.key == pair.key }) { pairs.append(pair) }
            return SpecNode(.mapping(pairs), at: location)
        case .alias:
            return SpecNode(.null, at: location)
        }
    }

    private static func diagnostic(for error: YamlError, in file: SourceFile) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { file.location(line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var labels: [DiagnosticLabel] = []
            if let context, context.mark.line != mark.line || context.mark.column != mark.column {
                labels.append(DiagnosticLabel(at(context.mark), context.text))
            }
            return .error(
                .yamlSyntax, "yaml syntax: \(problem)", at: at(mark), label: problem, labels: labels,
                help: yamlHelp(problem))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let location = duplicateLocation(of: key, in: file) ?? at(context.mark)
            return .error(
                .duplicateKey, "a key may appear only once in a mapping; '\(key)' is repeated",
                at: location, label: "second '\(key)'",
                help: "remove one of the '\(key)' entries or merge them")
        case .reader(let problem, _, _, _):
            return .error(.yamlSyntax, "yaml syntax: \(problem)", at: file.location(line: 1, column: 1))
        default:
            return .error(.yamlSyntax, "the file is not valid YAML: \(error)", at: file.location(line: 1, column: 1))
        }
    }

    private static func yamlHelp(_ problem: String) -> String? {
        if problem.contains("tab") { return "indent with spaces; YAML does not allow tabs" }
        if problem.contains("mapping values are not allowed") {
            return "put a space after ':' only between a key and its value, or quote the value"
        }
        return nil
    }

    /// Yams reports the first occurrence of a duplicated key; point at the second instead.
    private static func duplicateLocation(of key: String, in file: SourceFile) -> SourceLocation? {
        var seen: [Int: Int] = [:]  // indentation -> count
        for (index, line) in file.lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "-" }
            guard trimmed.hasPrefix(key + ":") else { continue }
            let indent = line.count - trimmed.count
            seen[indent, default: 0] += 1
            if seen[indent]! == 2 { return file.location(line: index + 1, column: indent + 1) }
        }
        return nil
    }
}
