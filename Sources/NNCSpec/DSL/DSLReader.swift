import NNCDiagnostics

/// Reads the compact DSL (`.nn` files) into the same `SpecNode` tree the YAML reader
/// makes, so decoding, defaults and checks are shared. Grammar: Grammar/nnc-dsl.ebnf.
/// Syntax errors are reported for every bad line (recovering at the next one); with any,
/// no tree is returned, as for YAML.
public enum DSLReader {
    public static func read(_ file: SourceFile, into diagnostics: inout Diagnostics) -> SpecNode? {
        var parser = DSLParser(file: file)
        let node = parser.parseFile()
        diagnostics.append(contentsOf: parser.diagnostics)
        return parser.diagnostics.hasErrors ? nil : node
    }
}
