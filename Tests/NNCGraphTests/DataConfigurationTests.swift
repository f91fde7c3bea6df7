import NNCSpec
import Testing

@testable import NNCGraph

/// The `data:` section decoded once into `DataConfiguration`: every source kind with the
/// registry's defaults, the locations messages point at, and every choice the registry admits.
@Suite struct DataConfigurationTests {
    func data(_ section: String, input: String = "[4]") throws -> DataConfiguration {
        let (graph, _) = check("input: \(input)\nlayers: [{dense: 2}]\ndata:\n" + section)
        return try #require(graph).training.data
    }

    @Test func aSpecWithoutDataHasNoSplitsAndTheDefaults() throws {
        let (graph, _) = check("input: [4]\nlayers: [{dense: 2}]\n")
        let data = try #require(graph).training.data
        #expect(data.train == nil && data.validation == nil && data.test == nil)
        #expect(data.testSplit == 0)
        #expect(
            data.preprocess
                == DataConfiguration.Preprocess(
                    scale: nil, standardize: false, oneHot: false, classes: nil, reshape: nil))
        #expect(data.augment == DataConfiguration.Augment(shift: 0, flip: .none))
    }

    @Test func formatsAreStatedOrInferredFromTheFileNames() throws {
        let data = try data(
            """
              train: {path: d/iris.csv}
              validation: {images: d/x.npy, labels: d/y.npy}
              test: {images: d/i.idx, labels: d/l.idx}
            """)
        #expect(
            data.train?.source
                == .csv(
                    path: "d/iris.csv",
                    DataConfiguration.CSVLayout(
                        labelColumn: 0, featureColumns: nil, header: false,
                        delimiter: ",")))
        #expect(data.validation?.source == .npy(images: "d/x.npy", labels: "d/y.npy"))
        #expect(data.test?.source == .idx(images: "d/i.idx", labels: "d/l.idx"))
        // Messages about inputs point at `images`, about labels at `labels`.
        #expect(data.validation?.inputsLocation.column == 24)
        #expect(data.validation?.labelsLocation.column == 41)
        #expect(data.train?.inputsLocation == data.train?.labelsLocation)
    }

    @Test func sequencesAndTasksCarryTheirSettings() throws {
        let data = try data(
            """
              train: {format: tokens, path: t.txt, padding: post, pad_id: 3}
              validation: {format: text, path: v.txt, truncating: post}
              test: {generate: {copy: {length: 10, remember: 4}}}
            """)
        #expect(
            data.train?.source
                == .tokens(
                    path: "t.txt", DataConfiguration.SequenceLayout(padding: .post, truncating: .pre, paddingID: 3)))
        #expect(
            data.validation?.source
                == .text(
                    path: "v.txt", DataConfiguration.SequenceLayout(padding: .pre, truncating: .post, paddingID: 0)))
        #expect(
            data.test?.source
                == .generated(
                    DataConfiguration.GeneratedTask(
                        kind: .copy(symbols: 8, remember: 4), length: 10,
                        samples: 10_000, seed: nil)))
        let adding = try self.data("  train: {generate: {adding: {length: 20, seed: 5}}}\n")
        #expect(
            adding.train?.source
                == .generated(DataConfiguration.GeneratedTask(kind: .adding, length: 20, samples: 10_000, seed: 5)))
    }

    @Test func treesTakeAPathAndRefuseTheSequenceKeys() throws {
        let data = try data("  train: {format: trees, path: t.txt}\n  test: {format: trees}\n", input: "[11, 3]")
        #expect(data.train?.source == .trees(path: "t.txt") && data.test == nil)
        #expect(data.train?.inputsLocation.column == 32)
        let (_, diagnostics) = check(
            "input: [11, 3]\nlayers: [flatten, {dense: 2}]\ndata:\n  train: {format: trees, path: t.txt, padding: post}\n"
        )
        #expect(codes(diagnostics.filter { $0.severity == .error }) == ["E0206@4:48"])
    }

    /// A split that names no files, or lacks one its format needs, has no typed value (the
    /// checker reports it); so does a value that failed to decode, without trapping.
    @Test func incompleteSplitsHaveNoSource() throws {
        let data = try data(
            """
              train: {format: tokens}
              validation: {label_column: 2}
              test: {format: npy, images: a.idx}
              test_split: 2
              preprocess: {classes: x, standardize: 3}
              augment: {flip: sideways, shift: -1}
            """)
        #expect(data.train == nil && data.validation == nil && data.test == nil)
        #expect(data.testSplit == 0)
        #expect(data.preprocess.classes == nil && !data.preprocess.standardize)
        #expect(data.augment == DataConfiguration.Augment(shift: 0, flip: .none))
    }

    /// Every keyword the registry admits has its case (the decoding traps on none).
    @Test func everyChoiceOfTheRegistryDecodes() throws {
        for flip in ["none", "horizontal", "vertical", "both"] {
            #expect(try data("  augment: {flip: \(flip)}\n").augment.flip.rawValue == flip)
        }
        for end in ["pre", "post"] {
            let layout = try data("  train: {format: tokens, path: t.txt, padding: \(end), truncating: \(end)}\n")
                .train?.source
            #expect(
                layout
                    == .tokens(
                        path: "t.txt",
                        DataConfiguration.SequenceLayout(
                            padding: .init(rawValue: end)!,
                            truncating: .init(rawValue: end)!, paddingID: 0)))
        }
        for mode in ["auto", "min", "max"] {
            let (graph, _) = check("input: [4]\nlayers: [{dense: 2}]\ntrain: {early_stopping: {mode: \(mode)}}\n")
            #expect(try #require(graph).training.train.earlyStopping?.mode.rawValue == mode)
        }
    }

    @Test func preprocessingIsTyped() throws {
        let data = try data(
            "  train: {path: a.csv}\n  preprocess: {scale: 1/255, standardize: true, one_hot: true, classes: 3, reshape: [2, 2]}\n"
        )
        #expect(
            data.preprocess
                == DataConfiguration.Preprocess(
                    scale: 1.0 / 255, standardize: true, oneHot: true, classes: 3, reshape: [2, 2]))
    }
}
