import NNCSpec
import Testing

@Suite struct DecoderTests {
    @Test func shortAndFullFormsDecodeAlike() throws {
        let (short, d1) = load(
            """
            input: [28, 28, 1]
            layers:
              - conv2d: [6, 5]
              - maxpool2d: 2
              - dense: 10
            """)
        let (full, d2) = load(
            """
            input: [28, 28, 1]
            layers:
              - conv2d: {filters: 6, kernel: [5, 5]}
              - maxpool2d: {pool: [2, 2]}
              - dense: {units: 10, activation: linear}
            """)
        #expect(d1.isEmpty && d2.isEmpty)
        let a = try #require(short)
        let b = try #require(full)
        for (x, y) in zip(a.layers, b.layers) {
            #expect(x.component.yamlText == y.component.yamlText)
        }
        #expect(a.layers[0].component.ints("kernel") == [5, 5])
        #expect(a.layers[0].component.ints("stride") == [1, 1])
        #expect(a.layers[0].component.padding("padding") == .valid)
    }

    @Test func defaultsAreFilledAndMarked() throws {
        let (spec, diagnostics) = load("input: [4]\nlayers: [{dense: 3}]\noptimizer: adam\n")
        #expect(diagnostics.isEmpty)
        let adam = try #require(spec?.optimizer)
        #expect(adam.double("learning_rate") == 0.001)
        #expect(adam.double("beta_2") == 0.999)
        #expect(adam.values["beta_2"]?.isDefault == true)
        #expect(spec?.train?.int("batch_size") == 32)
        #expect(spec?.layers[0].component.component("activation")?.name == "linear")
    }

    @Test func unknownKeySuggestsTheClosestAndSuppressesTheMissingOne() {
        let (_, diagnostics) = load(
            """
            input: [28, 28, 1]
            layers:
              - conv2d: {filters: 6, kernal: 5}
            """)
        #expect(codes(diagnostics) == ["E0201@3:26"])
        #expect(diagnostics.all[0].help == "did you mean 'kernel'?")
    }

    @Test func wrongTypesAndRangesAreLocated() {
        let (_, diagnostics) = load(
            """
            input: [28, 28, 1]
            layers:
              - dense: {units: 12.5}
              - dropout: 1.5
              - dense: {units: ten}
            optimizer: {sgd: {momentum: 1.0}}
            train: {epochs: 0, shuffle: maybe}
            """)
        #expect(
            codes(diagnostics) == ["E0202@3:20", "E0203@4:14", "E0202@5:20", "E0203@6:29", "E0203@7:17", "E0202@7:29"])
    }

    @Test func unknownKindsSuggestKnownOnes() {
        let (_, diagnostics) = load(
            "input: [4]\nlayers:\n  - dens: 3\n  - dense: {units: 2, activation: rleu}\nloss: mse\noptimizer: adamm\n")
        #expect(codes(diagnostics) == ["E0204@3:5", "E0204@4:35", "E0204@6:12"])
        #expect(
            diagnostics.sorted.map(\.help) == ["did you mean 'dense'?", "did you mean 'relu'?", "did you mean 'adam'?"])
    }

    @Test func numbersAcceptFractionsAndUnderscores() throws {
        let (spec, diagnostics) = load("input: [4]\nlayers: [{dense: 1_000}]\ndata: {preprocess: {scale: 1/255}}\n")
        #expect(diagnostics.isEmpty)
        #expect(spec?.layers[0].component.int("units") == 1000)
        let scale = try #require(spec?.data?.record("preprocess")?.double("scale"))
        #expect(abs(scale - 1.0 / 255.0) < 1e-15)
    }

    /// Decimal as YAML 1.2 writes it, `_` only between digits; none of the forms Swift's
    /// parsers or YAML 1.1 would also read.
    @Test func numbersAreDecimalWithUnderscoresOnlyBetweenDigits() {
        for text in ["1", "+1", "-1", "1_000", "1_0_0", ".5", "5.", "1.5e-3", "1E3", "2_5.0_1"] {
            #expect(SpecDecoder.plainNumber(text) != nil, "\(text) should be a number")
        }
        for text in [
            "_1", "1_", "1__0", "1_.5", "1._5", "0x10", "0o17", "0b11", "1:30", ".inf", "nan", "inf", "1e", "1e_3", "-",
            ".", "", " 1", "1 ", "٣",
        ] {
            #expect(SpecDecoder.plainNumber(text) == nil, "\(text) should not be a number")
        }
        #expect(SpecDecoder.plainNumber("10_000") == "10000")
    }

    @Test func unknownNamesWithoutACloseMatchListTheVocabulary() {
        let (_, diagnostics) = load("input: [4]\nlayers:\n  - qqqqqq: 3\noptimizer: zzzzzz\n")
        let helps = diagnostics.sorted.compactMap(\.help)
        #expect(helps.count == 2)
        #expect(helps[0].hasPrefix("known layer kinds: dense, conv1d, conv2d,"), "\(helps[0])")
        #expect(helps[1].hasPrefix("known optimizer kinds: sgd,"), "\(helps[1])")
    }

    @Test func quotedNumbersAreStrings() {
        let (_, diagnostics) = load("input: [4]\nlayers: [{dense: \"10\"}]\n")
        #expect(codes(diagnostics) == ["E0202@2:18"])
    }

    @Test func siblingKeysAndInnerKeysAreTheSameAndConflict() throws {
        let (spec, d1) = load("input: [4]\nlayers:\n  - dense: 3\n    name: fc\n    trainable: false\n")
        #expect(d1.isEmpty)
        #expect(spec?.layers[0].name == "fc")
        #expect(spec?.layers[0].component.bool("trainable") == false)
        let (_, d2) = load("input: [4]\nlayers:\n  - dense: {units: 3, name: a}\n    name: b\n")
        #expect(codes(d2) == ["E0103@4:5"])
    }

    @Test func generatedNamesFollowKeras() throws {
        let (spec, _) = load("input: [4]\nlayers: [{dense: 3}, {dense: 3}, relu_layer_typo_free: null]\n")
        _ = spec
        let (ok, d) = load("input: [4]\nlayers: [{dense: 3}, {dense: 3}, flatten, {dense: 3}]\n")
        #expect(d.isEmpty)
        #expect(ok?.layers.map(\.name) == ["dense", "dense_1", "flatten", "dense_2"])
    }

    @Test func blocksExpandWithQualifiedNamesAndArguments() throws {
        let (spec, diagnostics) = load(
            """
            input: [8, 8, 4]
            blocks:
              unit:
                params: {filters: 4}
                layers:
                  - conv2d: {filters: $filters, kernel: 3, padding: same, name: conv1}
                  - add: {inputs: [input, conv1]}
              stage:
                params: [filters]
                layers:
                  - {repeat: 3, name: block, block: unit, args: {filters: $filters}}
            layers:
              - block: stage
                name: stage2
                args: {filters: 4}
              - dense: {units: 2, inputs: [stage2]}
            """)
        #expect(diagnostics.isEmpty, "\(codes(diagnostics))")
        let names = try #require(spec?.layers.map(\.name))
        #expect(
            names == [
                "stage2.block1.conv1", "stage2.block1.add", "stage2.block2.conv1", "stage2.block2.add",
                "stage2.block3.conv1", "stage2.block3.add", "dense",
            ])
        // Each block's `input` is the previous block's output; `stage2` means its last layer.
        #expect(spec?.layers[3].inputs.map(\.name) == ["stage2.block1.add", "stage2.block2.conv1"])
        #expect(spec?.layers[6].inputs.map(\.name) == ["stage2.block3.add"])
        #expect(spec?.layers[4].component.int("filters") == 4)
    }

    @Test func blockMistakesAreReported() {
        let (_, diagnostics) = load(
            """
            input: [4]
            blocks:
              loop:
                layers: [{block: loop}]
              mlp:
                params: [units]
                layers: [{dense: $unit}]
            layers:
              - block: lop
              - block: loop
              - block: mlp
                args: {units: 3}
            """)
        #expect(codes(diagnostics) == ["E0207@4:22", "E0207@7:22", "E0207@9:12"])
    }

    @Test func repeatExpandsLargeCountsQuickly() throws {
        let (spec, diagnostics) = load("input: [8]\nlayers:\n  - repeat: 20000\n    layers: [{dense: 8}]\n")
        #expect(diagnostics.isEmpty)
        #expect(spec?.layers.count == 20000)
        #expect(spec?.layers.last?.name == "repeat20000.dense")
    }

    @Test func expansionLimitStopsRunawayRepeats() {
        let (_, diagnostics) = load(
            "input: [8]\nlayers:\n  - repeat: 2000\n    layers:\n      - repeat: 2000\n        layers: [flatten]\n")
        #expect(codes(diagnostics) == ["E0401@3:5"])
    }

    @Test func yamlSyntaxErrorsPointAtTheProblem() {
        let (spec, diagnostics) = load("input: [28, 28\nlayers:\n  - dense: 3\n")
        #expect(spec == nil)
        #expect(diagnostics.all.first?.code == .yamlSyntax)
        #expect(diagnostics.all.first?.location.line == 2)
    }

    @Test func duplicateYAMLKeysAreErrors() {
        let (_, diagnostics) = load("input: [4]\nlayers: [{dense: 3}]\nloss: mse\nloss: mae\n")
        #expect(codes(diagnostics) == ["E0103@4:1"])
    }

    @Test func paddingForms() throws {
        let (spec, diagnostics) = load(
            """
            input: [9, 9, 1]
            layers:
              - conv2d: {filters: 1, kernel: 3, padding: 1}
              - conv2d: {filters: 1, kernel: 3, padding: [1, 2]}
              - conv2d: {filters: 1, kernel: 3, padding: [[0, 1], [2, 3]]}
              - conv2d: {filters: 1, kernel: 3, padding: [1, 2, 3]}
            """)
        let layers = try #require(spec?.layers)
        #expect(layers[0].component.padding("padding") == .explicit([PadPair(1, 1), PadPair(1, 1)]))
        #expect(layers[1].component.padding("padding") == .explicit([PadPair(1, 1), PadPair(2, 2)]))
        #expect(layers[2].component.padding("padding") == .explicit([PadPair(0, 1), PadPair(2, 3)]))
        #expect(codes(diagnostics) == ["E0208@6:46"])
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let (spec, diagnostics) = load(
            """
            input: [8]
            x-hidden: &hidden {activation: relu, init: he_normal}
            layers:
              - dense: {<<: *hidden, units: 4}
              - dense: {<<: *hidden, units: 2, activation: tanh}
            """)
        #expect(diagnostics.isEmpty, "\(codes(diagnostics))")
        let layers = try #require(spec?.layers)
        #expect(layers[0].component.component("init")?.name == "he_normal")
        #expect(layers[0].component.component("activation")?.name == "relu")
        #expect(layers[1].component.component("activation")?.name == "tanh", "explicit keys win over merged ones")
    }
}
