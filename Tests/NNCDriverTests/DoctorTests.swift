import Foundation
import NNCData
import NNCSpec
import Testing

@testable import NNCDriver

/// `nnc doctor`. Fixtures in Tests/Fixtures/doctor are broken models on small real data, each
/// with its expected findings inline on the line they point at (`# expect-finding D0201`) and
/// its command-line settings on a first line `# doctor --steps 50`; the doctor must report
/// exactly those. The bundled models with data are healthy (no error), and the command
/// prints its table, JSON and exit status as a user sees them.
@Suite(.serialized) struct DoctorTests {
    static let folder = Repo.root.appendingPathComponent("Tests/Fixtures/doctor")
    static let fixtures: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    /// "D0201@8" for each expectation, sorted.
    static func expectations(_ text: String) -> [String] {
        var expected: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let range = line.range(of: "# expect-finding") else { continue }
            for code in line[range.upperBound...].split(separator: " ") { expected.append("\(code)@\(index + 1)") }
        }
        return expected.sorted()
    }

    /// The settings of a `# doctor --steps N --batch-size N` first line.
    static func settings(_ text: String) -> Doctor.Settings {
        var settings = Doctor.Settings(overrides: .init(threads: 2))
        guard let first = text.split(separator: "\n").first, first.hasPrefix("# doctor ") else { return settings }
        let words = first.dropFirst("# doctor ".count).split(separator: " ").map(String.init)
        for (flag, value) in zip(words, words.dropFirst()) {
            if flag == "--steps" { settings.steps = Int(value)! }
            if flag == "--batch-size" { settings.overrides.batchSize = Int(value)! }
        }
        return settings
    }

    static func examine(_ name: String) throws -> (Doctor.Report, String) {
        let url = folder.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        return (try Doctor.examine(SourceFile(path: url.path, text: text), settings: settings(text)), text)
    }

    @Test(arguments: fixtures)
    func reportsExactlyTheInlineFindings(_ name: String) throws {
        let (report, text) = try Self.examine(name)
        let actual = report.findings.map { "\($0.code.rawValue)@\($0.location.line)" }.sorted()
        #expect(
            actual == Self.expectations(text),
            "\(name): \(report.findings.map { "\($0.location.line) \($0.code.rawValue) \($0.message)" })")
        // The verdict follows the findings: a check line fails exactly when an error was found.
        #expect(report.hasErrors == report.checks.contains { $0.verdict == .failed })
    }

    /// Every doctor code is triggered by a fixture, except D0205 (a frozen tensor changed),
    /// which nnc's own update rules cannot produce; its check is proven able to fail below.
    @Test func everyDoctorCodeHasAFixture() throws {
        var covered: Set<String> = []
        for name in Self.fixtures {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
            for expectation in Self.expectations(text) { covered.insert(String(expectation.prefix(5))) }
        }
        let missing = DiagnosticCode.allCases.filter {
            $0.rawValue.hasPrefix("D") && $0 != .doctorFrozenChanged && !covered.contains($0.rawValue)
        }
        #expect(missing.isEmpty, "doctor codes without a fixture: \(missing.map(\.rawValue))")
    }

    /// The frozen-tensor check fires when a frozen tensor changed, and stays quiet otherwise.
    @Test func aChangedFrozenTensorIsReported() throws {
        let url = Self.folder.appendingPathComponent("D0501-batch-scaling.yaml")
        let source = SourceFile(path: url.path, text: try String(contentsOf: url, encoding: .utf8))
        let checked = Driver.check(source, readingData: true)
        let spec = try #require(checked.spec)
        let graph = try #require(checked.graph)
        let options = TrainingOptions(graph: graph, modelFile: source)
        let data = try DataLoading.load(spec, graph: graph, seed: options.seed)
        var examination = Examination(
            spec: spec, graph: graph, options: options, data: data,
            settings: Doctor.Settings(overrides: .init(threads: 1)))
        func tensor(changed: Bool) -> Doctor.TensorStatistics {
            Doctor.TensorStatistics(
                layer: "dense", name: "kernel", trainable: false, weightNorm: 1, gradientNorm: nil,
                relativeUpdate: changed ? 0.1 : 0, changed: changed)
        }
        examination.tensors = [tensor(changed: false)]
        examination.examineUpdates(rate: 0.05)
        #expect(!examination.findings.contains { $0.code == .doctorFrozenChanged })
        examination.tensors = [tensor(changed: true)]
        examination.examineUpdates(rate: 0.05)
        let finding = try #require(examination.findings.first { $0.code == .doctorFrozenChanged })
        #expect(finding.message == "one training step changed dense.kernel, which is frozen (`trainable: false`)")
        #expect(finding.location.line == 6)
    }

    /// The bundled models with data pass (no error finding), each in seconds.
    @Test(arguments: Self.bundledWithData)
    func bundledModelsAreHealthy(_ model: String) throws {
        let path = Repo.models.appendingPathComponent(model).path
        let report = try Doctor.examine(
            try Driver.loadSource(path), settings: Doctor.Settings(overrides: .init(threads: 2)))
        #expect(!report.hasErrors, "\(model): \(report.findings.map { "\($0.code.rawValue) \($0.message)" })")
        #expect(
            report.checks.map(\.name) == [
                "initial loss", "one step", "gradients", "activations", "one batch", "data", "learning rate",
            ])
    }

    static let bundledWithData: [String] =
        ((try? FileManager.default.contentsOfDirectory(atPath: Repo.models.path)) ?? [])
        .filter { name in
            guard name.hasSuffix(".yaml"),
                let text = try? String(contentsOf: Repo.models.appendingPathComponent(name), encoding: .utf8)
            else { return false }
            return text.contains("\ndata:")
        }.sorted()

    /// The Hinton et al. 2012 recipe as it was (ReLU units, steps of ε/(1 − μ)·g) is the
    /// broken variant the doctor must explain: its single batch diverges, the ReLU units die,
    /// and the note names the paper's step form.
    @Test func theOldHintonRecipeIsDiagnosed() throws {
        let s = try Scratch()
        var text = try String(
            contentsOf: Repo.models.appendingPathComponent("hinton_dropout_mlp.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "activation: sigmoid", with: "activation: relu")
            .replacingOccurrences(of: ", dampening_from_momentum: true", with: "")
            .replacingOccurrences(of: "data/", with: Repo.models.path + "/data/")
        let model = try s.spec("hinton_relu.yaml", text)
        let run = try Binary.run(["doctor", model, "--threads", "2"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("  one batch      failed   100 samples: loss"), "\(run.stdout)")
        #expect(run.stderr.contains("the learning rate 10 is too large for this model [D0201]"), "\(run.stderr)")
        #expect(run.stderr.contains("of the ReLU units of 'dense' output 0 on every sample"), "\(run.stderr)")
        #expect(run.stderr.contains("mean `dampening_from_momentum: true`"), "\(run.stderr)")
    }

    /// The command as a user runs it: the table on stdout, findings on stderr, exit 0 when
    /// healthy; one JSON object with --format json; exit 1 with an error finding.
    @Test func theCommandPrintsATableOrJSONAndExitsByTheFindings() throws {
        let healthy = try Binary.run(["doctor", "models/iris_mlp.yaml", "--threads", "2"])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        #expect(healthy.stdout.hasPrefix("nnc doctor: 'iris_mlp' (models/iris_mlp.yaml), seed 1, 2 threads, batch 16"))
        #expect(healthy.stdout.contains("  initial loss   ok       "), "\(healthy.stdout)")
        #expect(healthy.stdout.contains("    dense.kernel "), "\(healthy.stdout)")
        #expect(healthy.stdout.hasSuffix("healthy: no finding\n"), "\(healthy.stdout)")

        let json = try Binary.run(["doctor", "models/iris_mlp.yaml", "--threads", "2", "--format", "json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        #expect(object["healthy"] as? Bool == true && object["errors"] as? Int == 0)
        #expect((object["checks"] as? [[String: Any]])?.count == 7)
        #expect(((object["one_batch_losses"] as? [Any])?.count ?? 0) > 1)

        let broken = Self.folder.appendingPathComponent("D0201-diverged.yaml").path
        let failed = try Binary.run(["doctor", broken, "--threads", "2", "--format", "json"])
        #expect(failed.status == 1)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any], "\(failed.stdout)")
        let codes = (report["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        #expect(codes.contains("D0201") && report["healthy"] as? Bool == false, "\(codes)")

        let noData = try Binary.run(["doctor", "models/alvinn.yaml"])
        #expect(noData.status == 1 && noData.stderr.contains("training needs data"), "\(noData.stderr)")
        let usage = try Binary.run(["doctor", "models/iris_mlp.yaml", "--steps", "0"])
        #expect(usage.status == 64, "\(usage.stderr)")
    }
}
