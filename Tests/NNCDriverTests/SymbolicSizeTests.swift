import Foundation
import NNCDriver
import NNCGraph
import NNCTestSupport
import Testing

/// Symbolic sizes in `input:` (`[T, 28]`, `[H, W, 1]`): checked once for every value,
/// bound to numbers from the data (or `--bind`) before compiling, and then exactly the model
/// with the numbers written in.
@Suite struct SymbolicSizeTests {
    static let fixtures = Repo.root.appendingPathComponent("Tests/Fixtures/symbolic")

    /// An LSTM over MNIST rows; `INPUT` is replaced by the input shape.
    static let rows = """
        model: rows
        input: INPUT
        layers:
          - lstm: 8
          - dense: {units: 10, activation: softmax}
        loss: categorical_crossentropy
        metrics: [accuracy]
        optimizer: {adam: 0.01}
        train: {epochs: 1, batch_size: 500, seed: 3}
        data:
          train: {images: DATA/mnist5k-test-images-idx3-ubyte.gz, labels: DATA/mnist5k-test-labels-idx1-ubyte.gz}
          preprocess: {scale: 1/255, one_hot: true}
        """

    /// The weights of a safetensors file without its header (whose metadata keeps the spec's text).
    static func tensorBytes(_ path: String) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return data.dropFirst(8 + headerLength)
    }

    @Test func symbolicInputTrainsBitForBitLikeTheWrittenNumbers() throws {
        let s = try Scratch()
        let written = try s.spec("written.yaml", Self.rows.replacingOccurrences(of: "INPUT", with: "[28, 28]"))
        let symbolic = try s.spec("symbolic.yaml", Self.rows.replacingOccurrences(of: "INPUT", with: "[T, 28]"))
        for (spec, out) in [(written, "a"), (symbolic, "b")] {
            let run = try Binary.run(["train", spec, "--quiet", "--threads", "1", "--out", s.path(out)])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let a = try Self.tensorBytes(s.path("a/weights.safetensors"))
        let b = try Self.tensorBytes(s.path("b/weights.safetensors"))
        #expect(a.count > 1000 && a == b)
        // eval binds T from the data again and reads the same weights.
        let eval = try Binary.run(["eval", symbolic, "--weights", s.path("b/weights.safetensors"), "--split", "train"])
        #expect(eval.status == 0, "\(eval.stderr)")
        // check stays symbolic; summary --bind gives the written model's numbers exactly.
        let check = try Binary.run(["check", symbolic])
        #expect(check.status == 0 && check.stdout.contains("input  input  [B, T, 28]"), "\(check.stdout)")
        let bound = try Binary.run(["summary", symbolic, "--bind", "T=28"])
        let plain = try Binary.run(["summary", written])
        #expect(bound.status == 0 && bound.stdout == plain.stdout, "\(bound.stdout)\n\(bound.stderr)")
    }

    @Test func theSymbolicSummaryMatchesItsGolden() throws {
        for name in ["conv_hw.yaml", "lstm_rows.nn"] {
            let result = try Driver.check(path: Self.fixtures.appendingPathComponent(name).path)
            #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
            let graph = try #require(result.graph)
            try Golden.expect(
                SummaryTable.render(graph, explain: true, convention: .keras) + ShapeTrace.render(graph),
                "symbolic/\(name).txt")
        }
    }

    @Test func anEmptyConvolutionAtBindingNamesTheSmallestSize() throws {
        let s = try Scratch()
        let spec = try s.spec(
            "small.yaml",
            """
            input: [H, W, 1]
            layers:
              - conv2d: {filters: 2, kernel: 3}
              - maxpool2d: 2
              - conv2d: {filters: 2, kernel: 3}
              - maxpool2d: 2
              - global_avgpool
              - dense: 2
            """)
        #expect(try Binary.run(["check", spec]).status == 0)
        let run = try Binary.run(["plan", spec, "--bind", "H=4,W=16", "--batch", "2"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("[E0324]"), "\(run.stderr)")
        #expect(run.stderr.contains("with H = 4, W = 16 given by --bind"), "\(run.stderr)")
        #expect(run.stderr.contains("the smallest H that gives every layer an output is 10"), "\(run.stderr)")
        #expect(run.stderr.contains("small.yaml:5:"), "\(run.stderr)")
        #expect(try Binary.run(["plan", spec, "--bind", "H=10,W=16", "--batch", "2", "--inference"]).status == 0)
    }

    @Test func bindingMismatchesAreLocated() throws {
        let s = try Scratch()
        let fourteen = try s.spec("fourteen.yaml", Self.rows.replacingOccurrences(of: "INPUT", with: "[T, 14]"))
        let run = try Binary.run(["train", fourteen, "--quiet", "--out", s.path("run")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("[E0323]") && run.stderr.contains("fourteen.yaml:11:"), "\(run.stderr)")
        #expect(run.stderr.contains("has 14 on axis 2"), "\(run.stderr)")
        let unknown = try Binary.run(["plan", fourteen, "--bind", "X=3"])
        #expect(unknown.status == 1 && unknown.stderr.contains("'X' is not one of T"), "\(unknown.stderr)")
        let malformed = try Binary.run(["plan", fourteen, "--bind", "t=3"])
        #expect(malformed.status == 64, "\(malformed.stderr)")
        let unbound = try Binary.run(["plan", fourteen])
        #expect(unbound.status == 1 && unbound.stderr.contains("[E0322]"), "\(unbound.stderr)")
    }

    /// Commands that read the data bind from it, so a --bind given to one is refused (exit 64)
    /// rather than ignored or used against the data.
    @Test(arguments: [["doctor"], ["lr-find"], ["schedule"], ["tune"], ["show", "weights"], ["show", "activations"]])
    func commandsThatReadDataRefuseBind(_ command: [String]) throws {
        let s = try Scratch()
        let spec = try s.spec("rows.yaml", Self.rows.replacingOccurrences(of: "INPUT", with: "[T, 28]"))
        let run = try Binary.run(command + [spec, "--bind", "T=5"])
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("takes the input's symbolic sizes from the model's data"), "\(run.stderr)")
    }
}
