import NNCDiagnostics
import NNCGraph
import NNCSpec
import Testing

@testable import NNCPlan

/// The fusion passes on their own: for a model and the lowering options, which nodes' work
/// each pass moves where. Layers carry their default names (`dense`, `dense_1`, …).
@Suite struct FusionTests {
    /// The graph of a model that checks cleanly.
    func graph(_ yaml: String) throws -> Graph {
        let (spec, decoded) = SpecLoader.load(SourceFile(path: "test.yaml", text: yaml))
        let (graph, checked) = Checker.check(try #require(spec))
        #expect(!decoded.hasErrors && !checked.hasErrors)
        #expect(graph.isComplete)
        return graph
    }

    func fusion(_ graph: Graph, _ mode: LoweringOptions.Mode, optimize: Bool = true, evaluatesLoss: Bool = false)
        -> Fusion
    {
        Fusion(graph, LoweringOptions(mode: mode, batch: 4, optimize: optimize, evaluatesLoss: evaluatesLoss))
    }

    /// A map between nodes, by name.
    func names(_ map: [NodeID: NodeID], _ graph: Graph) -> [String: String] {
        Dictionary(uniqueKeysWithValues: map.map { (graph[$0.key].name, graph[$0.value].name) })
    }

    func node(_ graph: Graph, _ name: String) throws -> Node { try #require(graph.nodes.first { $0.name == name }) }

    /// An activation layer goes into the GEMM epilogue of the dense before it when that dense
    /// has no activation of its own; in training only when its derivative reads the output
    /// alone (relu, not softplus); a learnable swish β never. Unoptimized plans fuse nothing.
    @Test func activationLayersFuseIntoEpilogues() throws {
        let g = try graph(
            """
            input: [8]
            layers:
              - dense: 6
              - activation: relu
              - dense: 6
              - activation: softplus
              - dense: {units: 6, activation: tanh}
              - activation: relu
              - dense: 6
              - activation: {swish: {learnable: true}}
              - dense: 2
            loss: mse
            """)
        let training = fusion(g, .training)
        #expect(names(training.epilogues.fusedInto, g) == ["activation": "dense"])
        #expect(training.epilogues.epilogue[try node(g, "dense").id]?.kind == .relu)
        #expect(
            training.activations.plan(try node(g, "dense_1"))
                == ActivationPlan(function: .linear, separate: false, softmax: false))
        let inference = fusion(g, .inference)
        #expect(names(inference.epilogues.fusedInto, g) == ["activation": "dense", "activation_1": "dense_1"])
        #expect(inference.activations.plan(try node(g, "dense_1")).function.kind == .softplus)
        #expect(fusion(g, .training, optimize: false).epilogues.fusedInto.isEmpty)
        #expect(fusion(g, .inference, optimize: false).epilogues.fusedInto.isEmpty)
    }

    /// Cross-entropy takes the output's softmax and works from logits (not when unoptimized,
    /// nor in inference plans that compute no loss); the dense's plan then has no softmax.
    @Test func theLossTakesTheOutputSoftmax() throws {
        let g = try graph(
            """
            input: [8]
            layers:
              - dense: {units: 3, activation: softmax}
            loss: categorical_crossentropy
            """)
        let dense = try node(g, "dense")
        let training = try #require(fusion(g, .training).loss)
        #expect(training.function == .softmaxCrossEntropy(sparse: false, smoothing: 0))
        #expect(training.takesActivation && training.node == dense.id)
        #expect(!fusion(g, .training).activations.plan(dense).softmax)
        let evaluation = try #require(fusion(g, .inference, evaluatesLoss: true).loss)
        #expect(evaluation.takesActivation)
        let plain = try #require(fusion(g, .training, optimize: false).loss)
        #expect(plain.function == .categoricalCrossEntropy(sparse: false, smoothing: 0) && !plain.takesActivation)
        #expect(fusion(g, .training, optimize: false).activations.plan(dense).softmax)
        #expect(fusion(g, .inference).loss == nil)
        #expect(fusion(g, .inference).activations.plan(dense).softmax)
    }

    /// An output sigmoid layer that binary cross-entropy takes is no one's epilogue in
    /// training (the loss applies it); an inference plan, which has no loss, fuses it.
    @Test func anActivationTheLossTakesIsNotAnEpilogue() throws {
        let g = try graph(
            """
            input: [8]
            layers:
              - dense: 1
              - activation: sigmoid
            loss: binary_crossentropy
            """)
        let training = fusion(g, .training)
        let loss = try #require(training.loss)
        #expect(loss.function == .binaryCrossEntropy(fromLogits: true, smoothing: 0) && loss.takesActivation)
        #expect(training.epilogues.fusedInto.isEmpty && training.epilogues.epilogue.isEmpty)
        #expect(training.producer(of: try node(g, "activation").id) == nil)
        #expect(names(fusion(g, .inference).epilogues.fusedInto, g) == ["activation": "dense"])
    }

    /// Inference folds a batchnorm into the convolution before it, and a tiling max pool
    /// runs inside the convolution (after the folded batchnorm and the fused activation).
    /// Training folds nothing, so the first pool stays; a convolution whose activation is a
    /// separate instruction in training (softplus) keeps its own output; overlapping
    /// windows never fuse.
    @Test func batchNormFoldsAndPoolsRunInsideConvolutions() throws {
        let g = try graph(
            """
            input: [12, 12, 3]
            layers:
              - conv2d: {filters: 4, kernel: 3, padding: same}
              - batchnorm
              - activation: relu
              - maxpool2d: 2
              - conv2d: {filters: 4, kernel: 3, padding: same, activation: relu}
              - maxpool2d: 2
              - conv2d: {filters: 4, kernel: 1, activation: softplus}
              - maxpool2d: 1
              - conv2d: {filters: 4, kernel: 1, activation: relu}
              - maxpool2d: {pool: 2, stride: 1}
              - flatten
              - dense: {units: 2, activation: softmax}
            loss: categorical_crossentropy
            """)
        let inference = fusion(g, .inference)
        #expect(names(inference.batchNorms.layerOf, g) == ["batchnorm": "conv2d"])
        #expect(names(inference.batchNorms.folded, g) == ["conv2d": "batchnorm"])
        #expect(names(inference.epilogues.fusedInto, g) == ["activation": "conv2d"])
        #expect(
            names(inference.pools.pool, g) == [
                "conv2d": "maxpool2d", "conv2d_1": "maxpool2d_1", "conv2d_2": "maxpool2d_2",
            ])
        #expect(inference.producer(of: try node(g, "maxpool2d").id) == (try node(g, "conv2d")).id)
        let training = fusion(g, .training)
        #expect(training.batchNorms.layerOf.isEmpty)
        #expect(names(training.pools.pool, g) == ["conv2d_1": "maxpool2d_1"])
        #expect(training.activations.plan(try node(g, "conv2d_2")).separate)
        #expect(fusion(g, .inference, optimize: false).pools.pool.isEmpty)
        #expect(fusion(g, .inference, optimize: false).batchNorms.layerOf.isEmpty)
    }
}
