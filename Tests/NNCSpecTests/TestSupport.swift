import NNCSpec

/// Decodes YAML text as a model file.
func load(_ yaml: String, path: String = "test.yaml") -> (ModelSpec?, Diagnostics) {
    SpecLoader.load(SourceFile(path: path, text: yaml))
}

/// "E0201@4:26" for each diagnostic, in file order: compact expectations.
func codes(_ diagnostics: Diagnostics) -> [String] {
    diagnostics.sorted.map { "\($0.code.rawValue)@\($0.location.line):\($0.location.column)" }
}
