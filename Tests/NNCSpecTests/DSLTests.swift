import NNCSpec
import Testing

/// The DSL spells the same model as YAML; its syntax errors are located and all reported.
@Suite struct DSLTests {
    func dsl(_ text: String) -> (ModelSpec?, Diagnostics) { load(text, path: "test.nn") }

    /// Layer names, kinds and every attribute, plus every section: what must not differ.
    func canonical(_ spec: ModelSpec?) -> [String] {
        guard let spec else { return [] }
        return spec.layers.map { "\($0.name) <- \($0.inputs.map(\.name)) \($0.component.yamlText)" }
            + spec.sections.orderedValues.map { "\($0.0.name): \($0.1.value.yamlText)" }
    }

    @Test func spellsTheSameModelAsYAML() {
        let (yaml, d1) = load(
            """
            model: m
            input: [32, 32, 3]
            init: {weights: {normal: {std: 0.02}}}
            blocks:
              unit:
                params: {filters: 8}
                layers:
                  - conv2d: {filters: $filters, kernel: 3, padding: same, name: c}
                  - add: {inputs: [input, c]}
            layers:
              - conv2d: {filters: 8, kernel: 3, padding: same}
              - block: unit
                name: u1
              - {repeat: 2, name: r, block: unit, args: {filters: 8}}
              - {repeat: 2, name: s, layers: [{batchnorm: {momentum: 0.9}}, {activation: {leaky_relu: 0.1}}]}
              - global_avgpool
              - dense: {units: 10, activation: softmax, name: out, inputs: [s2.activation]}
            loss: {categorical_crossentropy: {label_smoothing: 0.1}}
            metrics: [accuracy, {top_k_accuracy: {k: 3}}]
            optimizer: {sgd: {learning_rate: 0.1, momentum: 0.9}}
            schedule: {warmup: {duration: 2, unit: epochs, then: {cosine: {duration: 8, unit: epochs}}}}
            momentum_schedule: {linear: {from: 0.5, to: 0.9, duration: 5, unit: epochs}}
            regularization: {l2: 0.0005, clip_norm: 1.0}
            train: {epochs: 10, batch_size: 64, early_stopping: {patience: 3, restore_best: true}}
            data: {train: {path: x.csv, label_column: 0}, preprocess: {standardize: true}}
            """)
        let (nn, d2) = dsl(
            """
            model m
            input [32, 32, 3]
            init weights=normal(std=0.02)
            block unit(filters=8):
              c: conv2d $filters 3 padding=same
              add <- input, c
            conv2d 8 3 padding=same
            use unit as u1
            repeat 2 as r use unit filters=8
            repeat 2 as s:
              batchnorm momentum=0.9
              activation leaky_relu(0.1)
            global_avgpool
            out: dense 10 activation=softmax <- s2.activation
            loss categorical_crossentropy label_smoothing=0.1
            metrics accuracy, top_k_accuracy(k=3)
            optimizer sgd learning_rate=0.1 momentum=0.9
            schedule warmup duration=2 unit=epochs then=cosine(duration=8, unit=epochs)
            momentum_schedule linear from=0.5 to=0.9 duration=5 unit=epochs
            regularization l2=0.0005 clip_norm=1.0
            train epochs=10 batch_size=64 early_stopping(patience=3, restore_best=true)
            data train(path="x.csv", label_column=0) preprocess(standardize=true)
            """)
        #expect(d1.isEmpty, "\(codes(d1))")
        #expect(d2.isEmpty, "\(codes(d2))")
        #expect(canonical(nn) == canonical(yaml))
        #expect(nn?.layers.count == 13)
    }

    @Test func shortFormsAndNamedValuesMix() throws {
        let (spec, diagnostics) = dsl("input 28 28 1\nconv2d 6 5 stride=2 padding=same\n")
        #expect(diagnostics.isEmpty)
        let conv = try #require(spec?.layers.first?.component)
        #expect(conv.int("filters") == 6)
        #expect(conv.ints("kernel") == [5, 5])
        #expect(conv.ints("stride") == [2, 2])
    }

    @Test func syntaxErrorsAreLocatedAndAllReported() {
        let (spec, diagnostics) = dsl(
            """
            input 784
            dense units=
            dense 10 activation=relu)
            \tdense 3
            dense "unterminated
              dense 4
            """)
        #expect(spec == nil)
        #expect(codes(diagnostics) == ["E0102@2:13", "E0102@3:25", "E0102@4:1", "E0102@5:7", "E0102@6:3"])
        #expect(
            diagnostics.sorted.map(\.message) == [
                "expected a value after 'units='",
                "expected the end of the statement; found ')'",
                "indent and separate with spaces; tabs are not allowed",
                "a string must end on the line it starts; add the closing \"",
                "only the body of a 'block' or 'repeat' is indented",
            ])
    }

    @Test func schemaErrorsComeFromTheSharedDecoder() {
        let (_, diagnostics) = dsl("input 784\ndense 10 activaton=relu\nlos mse\n")
        #expect(codes(diagnostics) == ["E0201@2:10", "E0204@3:1"])
        #expect(diagnostics.sorted.first?.help == "did you mean 'activation'?")
    }

    @Test func blockBodiesNeedOneIndentation() {
        let (_, diagnostics) = dsl("input 8\nblock b:\n  dense 8\n    dense 8\nuse b\n")
        #expect(codes(diagnostics) == ["E0102@4:5"])
        let (_, missing) = dsl("input 8\nrepeat 3:\ndense 8\n")
        #expect(codes(missing) == ["E0102@2:10"])
    }

    @Test func tooManyPositionalValuesAreSyntaxErrors() {
        let (_, diagnostics) = dsl("input 8\ndense 8 9 activation=relu\n")
        #expect(codes(diagnostics) == ["E0102@2:9"])
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let (_, diagnostics) = dsl("input \(nested)\n")
        #expect(codes(diagnostics) == ["E0102@1:39"])
    }
}
