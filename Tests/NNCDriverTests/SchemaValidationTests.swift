import Foundation
import Testing

/// Grammar/nnc.schema.json is what an editor's YAML language server checks specs with: every
/// bundled model (search ranges included) must validate against it, with the `jsonschema`
/// package (Scripts/test.sh installs it), and a misspelled key must not.
@Suite struct SchemaValidationTests {
    /// Validates each YAML file named after the schema; prints one line per file with errors.
    /// YAML is read as YAML 1.2 reads numbers (`1e-5` is a float, as nnc and editors read it;
    /// PyYAML's 1.1 rules call it a string).
    static let script = """
        import json, re, sys, jsonschema, yaml
        class Loader(yaml.SafeLoader): pass
        Loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?(\\d+\\.?\\d*|\\.\\d+)[eE][-+]?\\d+$"), list("-+0123456789."))
        validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
        for path in sys.argv[2:]:
            errors = list(validator.iter_errors(yaml.load(open(path), Loader=Loader)))
            if errors: print(path, len(errors), errors[0].message[:200])
        """

    static func invalid(_ files: [String]) throws -> String {
        let schema = Repo.root.appendingPathComponent("Grammar/nnc.schema.json").path
        let run = try Python.run(["-c", script, schema] + files)
        try #require(
            run.status == 0, "python3 with jsonschema and yaml (Scripts/test.sh installs them): \\(run.stderr)")
        return run.stdout
    }

    @Test func everyBundledModelValidates() throws {
        let models = Repo.models.path
        let files = try FileManager.default.subpathsOfDirectory(atPath: models).filter {
            $0.hasSuffix(".yaml") && !$0.hasPrefix("data/")
        }.map { models + "/" + $0 }
        #expect(files.count > 30 && files.contains { $0.hasSuffix("search/iris_mlp.yaml") })
        let invalid = try Self.invalid(files)
        #expect(invalid == "", "\(invalid)")
    }

    @Test func aMisspelledKeyDoesNotValidate() throws {
        let s = try Scratch()
        let model = try s.write("typo.yaml", "input: [4]\nlayers:\n  - dense: {unit: 3}\n")
        #expect(try Self.invalid([model]).hasPrefix(model + " 1 "))
    }
}
