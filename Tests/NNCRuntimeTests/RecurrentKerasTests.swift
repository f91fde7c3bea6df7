import Foundation
import NNCDriver
import NNCPlan
import NNCRuntime
import Testing

/// Compiled recurrent plans against real Keras 3: models/verify/keras_recurrent.py builds
/// the same models in Keras (numpy backend), sets the same deterministic weights, and its
/// printed outputs are pinned in keras_recurrent.txt. Agreement checks what gradient checks
/// cannot: Keras's weight layouts and gate order (so checkpoints carry over), both GRU
/// variants, bidirectional merges and alignment, and masking (a padded step carries the
/// state; a plain layer repeats its output there, a bidirectional one outputs zeros).
@Suite struct RecurrentKerasTests {
    static let models: [String: String] = [
        "lstm_stack": "input: [6, 3]\nlayers:\n  - lstm: {units: 5, return_sequences: true}\n  - lstm: 4\n",
        "gru_after_before":
            "input: [6, 3]\nlayers:\n  - gru: {units: 5, return_sequences: true}\n  - gru: {units: 4, reset_after: false}\n",
        "simple_rnn":
            "input: [6, 3]\nlayers:\n  - simple_rnn: {units: 4, activation: relu, return_sequences: true}\n  - simple_rnn: 3\n",
        "bidirectional_merges": """
        input: [6, 3]
        layers:
          - bidirectional: {layer: {lstm: {units: 3, return_sequences: true}}, merge_mode: concat}
          - bidirectional: {layer: {gru: {units: 3, return_sequences: true}}, merge_mode: sum}
          - bidirectional: {layer: {gru: {units: 2, reset_after: false, return_sequences: true}}, merge_mode: mul}
          - bidirectional: {layer: {simple_rnn: 2}, merge_mode: ave}
        """,
        "activations": """
        input: [6, 3]
        layers:
          - lstm: {units: 3, activation: elu, recurrent_activation: softplus, return_sequences: true}
          - gru: {units: 3, activation: {swish: 1.5}, recurrent_activation: {leaky_relu: 0.3}, return_sequences: true}
          - gru: {units: 2, activation: selu, reset_after: false, use_bias: false}
        """,
        "masked_stack": """
        input: [6]
        layers:
          - embedding: {input_dim: 7, output_dim: 3, padding_index: 0}
          - bidirectional: {lstm: {units: 3, return_sequences: true}}
          - gru: {units: 3, return_sequences: true}
          - simple_rnn: 2
        """,
        "masked_sequences":
            "input: [6]\nlayers:\n  - embedding: {input_dim: 7, output_dim: 3, padding_index: 0}\n  - lstm: {units: 3, return_sequences: true}\n",
        "masked_bidirectional_sequences": """
        input: [6]
        layers:
          - embedding: {input_dim: 7, output_dim: 3, padding_index: 0}
          - bidirectional: {gru: {units: 2, return_sequences: true}}
        """,
    ]

    /// Keras's outputs, by case (the script's weights and real inputs are KerasPins').
    static let keras = KerasPins.outputs("keras_recurrent.txt")

    /// The script's token ids for the masked cases (see keras_recurrent.py).
    static let tokens: [Double] = [0, 0, 3, 1, 4, 2, 5, 2, 0, 6, 0, 0]

    @Test func everyCaseHasKerasNumbers() {
        #expect(Set(Self.keras.keys) == Set(Self.models.keys))
    }

    @Test(arguments: models.keys.sorted())
    func outputsMatchKeras(name: String) throws {
        let expected = try #require(Self.keras[name])
        // Inference plans (one and two threads) and the forward of a training plan.
        for (mode, threads) in [(LoweringOptions.Mode.inference, 1), (.inference, 2), (.training, 2)] {
            let yaml = Self.models[name]! + "\nloss: mse\n"
            let plan = try compile(yaml, LoweringOptions(mode: mode, batch: 2, updates: false))
            let x = name.hasPrefix("masked") ? Self.tokens : KerasPins.input(plan[plan.input].elements)
            // Keras computes in float32: agreement to a few float roundings of values below 1.
            try KerasPins.expectAgreement(
                KerasPins.run(plan, threads: threads, input: x), with: expected, tolerance: 2e-6,
                "\(name) \(mode) \(threads) threads")
        }
    }
}
