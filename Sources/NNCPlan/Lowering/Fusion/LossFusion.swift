import NNCGraph

/// Loss fusion: picks the loss kernel, and whether it takes the output's activation. Cross-
/// entropy takes a final softmax (binary cross-entropy a final sigmoid) and works from
/// logits in one stable kernel that needs no probabilities buffer; the output's value is
/// then its logits (`ExecutionPlan.outputIsLogits`), and that activation is applied nowhere
/// (not in the output layer, not as its producer's epilogue). A loss declared `from_logits`
/// uses the same kernel on a linear output. Decided for training and evaluation plans.
struct LossFusion {
    /// The output node.
    var node: NodeID
    var function: LossFunction
    /// The loss took the output's softmax or sigmoid.
    var takesActivation: Bool

    /// Nil when the plan computes no loss (inference) or the spec declares none.
    init?(_ graph: Graph, _ options: LoweringOptions) {
        guard options.mode == .training || options.evaluatesLoss, let outputID = graph.output,
            let loss = graph.training.loss
        else { return nil }
        let output = graph[outputID]
        // The output's final activation: its own (dense, conv) or the layer itself.
        let final: LayerActivation? = output.op.kind == .softmax ? .softmax : output.op.activation
        let finalSoftmax = final == .softmax
        let finalSigmoid = if case .function(let f)? = final { f.kind == .sigmoid } else { false }
        let takes: Bool
        let function: LossFunction
        func crossEntropy(sparse: Bool, fromLogits: Bool, smoothing: Double) -> (LossFunction, Bool) {
            if fromLogits || (finalSoftmax && options.optimize) {
                return (.softmaxCrossEntropy(sparse: sparse, smoothing: smoothing), !fromLogits)
            }
            return (.categoricalCrossEntropy(sparse: sparse, smoothing: smoothing), false)
        }
        switch loss {
        case .categoricalCrossEntropy(let fromLogits, let smoothing):
            (function, takes) = crossEntropy(sparse: false, fromLogits: fromLogits, smoothing: smoothing)
        case .sparseCategoricalCrossEntropy(let fromLogits):
            (function, takes) = crossEntropy(sparse: true, fromLogits: fromLogits, smoothing: 0)
        case .binaryCrossEntropy(let fromLogits, let smoothing):
            let fuse = !fromLogits && finalSigmoid && options.optimize
            function = .binaryCrossEntropy(fromLogits: fromLogits || fuse, smoothing: smoothing)
            takes = fuse
        case .sumOfSquares:
            function = .sumOfSquares
            takes = false
        case .meanSquaredError:
            function = .meanSquaredError
            takes = false
        }
        self.init(node: outputID, function: function, takesActivation: takes)
    }

    /// True when `id` is the output and the loss took its activation.
    func tookActivation(of id: NodeID) -> Bool { takesActivation && node == id }

    init(node: NodeID, function: LossFunction, takesActivation: Bool) {
        self.node = node
        self.function = function
        self.takesActivation = takesActivation
    }
}
