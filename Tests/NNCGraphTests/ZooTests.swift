import Foundation
import NNCGraph
import NNCSpec
import Testing

/// Every model of the zoo checks cleanly and has exactly the parameter counts real Keras 3
/// reports for the same network (models/verify/keras_counts.py prints them), and PyTorch's
/// where the conventions differ (recurrent biases, batchnorm's running statistics).
@Suite struct ZooTests {
    struct Pinned: Sendable, CustomStringConvertible {
        var file: String
        var total: Int
        var trainable: Int
        var nonTrainable: Int
        var pytorch: Int?
        var description: String { file }
    }

    static let pinned: [Pinned] = [
        Pinned(file: "adding_lstm", total: 4_513, trainable: 4_513, nonTrainable: 0, pytorch: 4_641),
        Pinned(file: "alvinn", total: 3_994, trainable: 3_994, nonTrainable: 0),
        Pinned(file: "bigru_classifier", total: 37_386, trainable: 37_386, nonTrainable: 0, pytorch: 37_386),
        Pinned(file: "breast_cancer_mlp", total: 513, trainable: 513, nonTrainable: 0),
        Pinned(file: "causal_tcn", total: 12_673, trainable: 12_673, nonTrainable: 0),
        Pinned(file: "chatterbot_languages", total: 70_533, trainable: 70_533, nonTrainable: 0),
        Pinned(file: "ciresan_mlp", total: 11_972_510, trainable: 11_972_510, nonTrainable: 0),
        Pinned(file: "deep_cnn_10000", total: 23_198_010, trainable: 23_198_010, nonTrainable: 0),
        Pinned(file: "digits_mlp", total: 167_178, trainable: 167_178, nonTrainable: 0),
        Pinned(file: "fashion_mlp", total: 101_770, trainable: 101_770, nonTrainable: 0),
        Pinned(file: "gru_classifier", total: 61_962, trainable: 61_962, nonTrainable: 0, pytorch: 61_962),
        Pinned(file: "hinton_dropout_mlp", total: 648_010, trainable: 648_010, nonTrainable: 0),
        Pinned(file: "imdb_bow_dropout", total: 160_305, trainable: 160_305, nonTrainable: 0),
        Pinned(file: "imdb_bow_l2", total: 160_305, trainable: 160_305, nonTrainable: 0),
        Pinned(file: "imdb_text_cnn", total: 350_751, trainable: 350_751, nonTrainable: 0),
        Pinned(file: "imdb_embedding_bilstm", total: 664_897, trainable: 664_897, nonTrainable: 0, pytorch: 665_153),
        Pinned(file: "iris_mlp", total: 131, trainable: 131, nonTrainable: 0),
        Pinned(file: "iris_regression", total: 161, trainable: 161, nonTrainable: 0),
        Pinned(file: "lenet1", total: 1_806, trainable: 1_806, nonTrainable: 0),
        Pinned(file: "lenet5", total: 61_706, trainable: 61_706, nonTrainable: 0),
        Pinned(file: "mobilenet_block", total: 9_610, trainable: 9_034, nonTrainable: 576, pytorch: 9_034),
        Pinned(file: "mnist_mlp", total: 101_770, trainable: 101_770, nonTrainable: 0),
        Pinned(file: "lstm_classifier", total: 81_674, trainable: 81_674, nonTrainable: 0, pytorch: 82_186),
        Pinned(file: "nielsen_cnn", total: 1_672_570, trainable: 1_672_570, nonTrainable: 0),
        Pinned(file: "resnet_block", total: 25_018, trainable: 24_666, nonTrainable: 352, pytorch: 24_666),
        Pinned(file: "se_cnn", total: 21_042, trainable: 21_042, nonTrainable: 0),
        Pinned(file: "lfw_faces_cnn", total: 5_490, trainable: 5_490, nonTrainable: 0),
        Pinned(file: "snn_mlp", total: 26_122, trainable: 26_122, nonTrainable: 0),
        Pinned(file: "stacked_lstm_layernorm", total: 57_610, trainable: 57_610, nonTrainable: 0, pytorch: 58_122),
        Pinned(file: "transformer_reverse", total: 9_515, trainable: 9_515, nonTrainable: 0),
        // 12·16 + 16·4·64 + 2·64·(3 + 2)·64 + 4·64 (models/verify/tree_lstm.py's count) + 65·2.
        Pinned(file: "tree_arith", total: 45_634, trainable: 45_634, nonTrainable: 0),
        Pinned(file: "unet_small", total: 116_753, trainable: 116_753, nonTrainable: 0),
        Pinned(file: "wine_mlp", total: 275, trainable: 275, nonTrainable: 0),
    ]

    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models")

    static func graph(_ file: String, convention: Convention = .keras) throws -> (Graph, Diagnostics) {
        let url = models.appendingPathComponent("\(file).yaml")
        let (spec, decoded) = SpecLoader.load(
            SourceFile(path: url.path, text: try String(contentsOf: url, encoding: .utf8)))
        var builder = GraphBuilder(spec: try #require(spec), convention: convention)
        let graph = builder.build()
        var all = decoded
        all.append(contentsOf: builder.diagnostics)
        return (graph, all)
    }

    @Test(arguments: pinned)
    func countsEqualKeras(_ model: Pinned) throws {
        let (graph, diagnostics) = try Self.graph(model.file)
        #expect(diagnostics.isEmpty, "\(diagnostics.all.map { "\($0.location) \($0.message)" })")
        #expect(graph.totalParams == model.total)
        #expect(graph.trainableParams == model.trainable)
        #expect(graph.nonTrainableParams == model.nonTrainable)
        #expect(graph.nodes.map(\.paramCount).reduce(0, +) == graph.totalParams)
        let (pytorch, _) = try Self.graph(model.file, convention: .pytorch)
        #expect(pytorch.totalParams == model.pytorch ?? model.total)
    }

    @Test func everyModelIsPinned() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.models.path)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        #expect(Set(files) == Set(Self.pinned.map(\.file)))
    }

    @Test func lenet5LayerShapes() throws {
        let (graph, _) = try Self.graph("lenet5")
        #expect(
            graph.nodes.map { $0.shape?.perSample ?? "?" } == [
                "[28, 28, 1]", "[28, 28, 6]", "[14, 14, 6]", "[10, 10, 16]", "[5, 5, 16]", "[400]", "[120]", "[84]",
                "[10]",
            ])
    }

    @Test func deepModelHasTenThousandConvolutions() throws {
        let (graph, _) = try Self.graph("deep_cnn_10000")
        #expect(graph.nodes.filter { $0.op.kind == .conv2d }.count == 10_000)
    }
}
