import Foundation
import NNCDiagnostics
import NNCGraph

/// A compiled model: instructions over typed buffers, the persistent segment (parameters,
/// optimizer state, statistics) and the planned arena of everything transient.
public struct ExecutionPlan: Sendable {
    public var model: String
    public var options: LoweringOptions
    public var buffers: [PlanBuffer]
    /// Run once after the parameters are set (batchnorm folding in inference plans).
    public var prepare: [Instruction]
    /// One step: forward (and loss, backward, updates when training).
    public var instructions: [Instruction]
    public var parameters: [ParameterBinding]
    public var input: BufferID
    /// The model's output value (logits when the loss took the final softmax).
    public var output: BufferID
    public var target: BufferID?
    public var loss: BufferID?
    /// The loss kernel's function (training and evaluation plans).
    public var lossFunction: LossFunction?
    /// The output's final softmax or sigmoid was taken into the loss: `output` holds logits.
    public var outputIsLogits: Bool
    /// The step's L1/L2 penalty (1 float), when the spec declares one: the reported loss is
    /// the mean of `loss` plus this.
    public var penalty: BufferID?
    /// The global L2 norm of the parameter gradients before clipping (1 float), in plans
    /// with `regularization.clip_norm`.
    public var gradientNorm: BufferID?
    /// Starting values of persistent buffers that do not start at zero.
    public var initialValues: [BufferID: Double]
    /// Byte offset of each persistent buffer in the persistent segment.
    public var persistentOffsets: [BufferID: Int]
    public var persistentBytes: Int
    /// Where each transient buffer lives, with the arena, naive and lower-bound figures.
    public var layout: ArenaLayout
    /// Seconds the memory planner took.
    public var planningSeconds: Double

    public subscript(id: BufferID) -> PlanBuffer { buffers[id.rawValue] }

    /// The buffer that owns a view's bytes (itself for non-views).
    public func root(_ id: BufferID) -> BufferID { buffers[id.rawValue].viewOf ?? id }

    public var arenaBytes: Int { layout.arenaBytes }
    /// Arena plus persistent segment: the memory a run of this plan takes for tensors.
    public var totalBytes: Int { layout.arenaBytes + persistentBytes }
}

/// Compile errors nnc can only see while lowering (a layer kind it cannot compile yet).
public struct LoweringFailure: Error, Sendable {
    public var diagnostics: Diagnostics
}

extension ExecutionPlan {
    /// Lowers a checked, complete graph and plans its memory with `planner`.
    public static func compile(
        _ graph: Graph, options: LoweringOptions,
        planner: MemoryPlanner = GreedyPlanner()
    ) throws(LoweringFailure) -> ExecutionPlan {
        precondition(graph.isComplete, "compile a graph that checked without errors")
        precondition(options.batch >= 1, "a batch has at least one sample")
        if let symbolic = graph.symbolic {
            // The graph's numbers are stand-ins: only a bound spec compiles.
            var diagnostics = Diagnostics()
            let names = symbolic.namesText
            diagnostics.error(
                .unboundSymbol,
                "a model is compiled only once its symbolic sizes are numbers; \(names) of `input:` \(symbolic.names.count == 1 ? "has" : "have") no value here",
                at: symbolic.symbols[0].location,
                help:
                    "train, eval, doctor and lr-find take \(names) from the data's sample shape; other commands take --bind \(symbolic.names.map { "\($0)=…" }.joined(separator: ","))"
            )
            throw LoweringFailure(diagnostics: diagnostics)
        }
        var lowerer = Lowerer(graph: graph, options: options)
        lowerer.run()
        if lowerer.diagnostics.hasErrors { throw LoweringFailure(diagnostics: lowerer.diagnostics) }
        if let tooLarge = KernelSizeLimit.check(
            lowerer.builder.buffers, lowerer.builder.prepare + lowerer.builder.instructions, graph: graph,
            batch: options.batch)
        {
            var diagnostics = Diagnostics()
            diagnostics.append(tooLarge)
            throw LoweringFailure(diagnostics: diagnostics)
        }
        var buffers = lowerer.builder.buffers
        let output = lowerer.value[graph.output!]!
        if options.optimize {
            InPlacePass.run(
                &buffers, lowerer.builder.instructions,
                keep: [output, lowerer.lossBuffer, lowerer.inputBuffer, lowerer.targetBuffer].compactMap { $0 })
        }
        // Persistent segment: in buffer order, each aligned.
        var persistentOffsets: [BufferID: Int] = [:]
        var next = 0
        for b in buffers where b.role.isPersistent && b.viewOf == nil {
            persistentOffsets[b.id] = next
            next += ArenaLayout.align(b.bytes)
        }
        // Without updates the parameter gradients are the plan's results: they stay live to the end.
        let results = options.updates ? [] : lowerer.parameters.bindings.compactMap(\.gradient)
        // The input and targets stay live for the whole step too: what the caller wrote is
        // still there for the next step (a benchmark or a repeated batch writes it once).
        let reported = [lowerer.updates.penalty, lowerer.updates.gradientNorm].compactMap { $0 }
        let lifetimes = Liveness.lifetimes(
            buffers, lowerer.builder.instructions,
            liveToEnd: [output, lowerer.lossBuffer, lowerer.inputBuffer, lowerer.targetBuffer].compactMap { $0 }
                + results + reported)
        let start = DispatchTime.now().uptimeNanoseconds
        let layout = planner.plan(lifetimes)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return ExecutionPlan(
            model: graph.name, options: options, buffers: buffers, prepare: lowerer.builder.prepare,
            instructions: lowerer.builder.instructions, parameters: lowerer.parameters.bindings,
            input: lowerer.inputBuffer,
            output: output, target: lowerer.targetBuffer, loss: lowerer.lossBuffer,
            lossFunction: lowerer.lossBuffer == nil ? nil : lowerer.fusion.loss?.function,
            outputIsLogits: lowerer.lossBuffer != nil && lowerer.fusion.loss?.takesActivation == true,
            penalty: lowerer.updates.penalty, gradientNorm: lowerer.updates.gradientNorm,
            initialValues: lowerer.builder.initialValues, persistentOffsets: persistentOffsets, persistentBytes: next,
            layout: layout, planningSeconds: seconds)
    }
}
