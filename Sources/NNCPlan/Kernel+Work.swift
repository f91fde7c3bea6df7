/// The arithmetic of an instruction, for reports of how close a kernel runs to the machine's
/// peak (`nnc bench --profile`).
extension Kernel {
    /// Multiply-adds of the kernel's matrix products: rows × inner × columns of every GEMM it
    /// runs (a convolution's implicit GEMM, a recurrent layer's per-step products). Zero for
    /// kernels bound by memory rather than arithmetic (elementwise, pooling, normalization,
    /// losses, updates, packing), whose speed is not measured in FLOP/s.
    public var multiplyAdds: Int {
        switch self {
        case .dense(let rows, let inputs, let units, _, _, _), .denseBackwardData(let rows, let inputs, let units),
            .denseBackwardWeights(let rows, let inputs, let units, _):
            rows * inputs * units
        case .convolution(let s, _, _), .convolutionBackwardData(let s), .convolutionBackwardWeights(let s, _),
            .convolutionMaxPool(let s, _, _, _, _):
            s.window.positions * s.patch * s.filters
        case .recurrent(let s):
            s.batch * s.steps * (s.units + (s.fusedProjection ? s.inputs : 0)) * s.gateWidth
        case .recurrentBackward(let s), .recurrentWeightsGradient(let s):
            s.batch * s.steps * s.units * s.gateWidth
        case .headProduct(let p): p.multiplyAdds
        case .treeLSTM(let s): s.multiplyAdds
        case .treeLSTMBackward(let s): 2 * s.multiplyAdds
        case .biasActivation, .columnSums, .maxPool, .maxPoolBackward, .averagePool, .averagePoolBackward,
            .globalAveragePool,
            .globalAveragePoolBackward,
            .activation, .activationBackward, .softmax, .softmaxBackward, .dropout, .dropoutBackward,
            .batchNormTraining,
            .batchNormInference, .batchNormBackward, .packWeights, .foldBatchNorm, .layerNorm, .layerNormBackward, .add,
            .accumulate, .concat, .concatBackward, .embedding, .embeddingBackward, .loss, .update, .penalty,
            .penaltyGradient,
            .clipByValue, .clipByGlobalNorm, .weightDecay, .constrain, .swishLearnable, .swishLearnableBackward,
            .packRecurrentWeights, .dropoutMask, .scaleSteps, .sequenceMask, .merge, .mergeBackward, .combine,
            .combineBackward, .attentionMask, .addPositions, .addPositionsBackward, .reframe, .upsample,
            .upsampleBackward, .alphaDropout, .alphaDropoutBackward, .prelu, .preluBackward, .broadcast,
            .broadcastBackward, .groupNorm,
            .groupNormBackward, .l2Pool, .l2PoolBackward:
            0
        }
    }
}
