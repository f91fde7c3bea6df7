#!/usr/bin/env python3
"""nnc's `lstm` with `peephole: true` against tf.keras's PeepholeLSTMCell, written out in numpy.

  peephole_lstm.py WEIGHTS INPUTS.npy PREDICTIONS.json [--tolerance T]

WEIGHTS is an nnc weights (or checkpoint) file of the model

  input: [T, F]
  layers:
    - lstm: {units: U, peephole: true, name: lstm}
    - dense: {units: K, name: dense}

PREDICTIONS.json is `nnc predict --weights WEIGHTS --input INPUTS.npy --format json` on it.
tf.keras is not installed here (Keras 3 dropped PeepholeLSTMCell), so this is its recurrence
as tf.keras 2 wrote it (keras/layers/rnn/lstm.py with PeepholeLSTMCell._compute_carry_and_output),
in float64, with its weights: kernel [F, 4U], recurrent_kernel [U, 4U], bias [4U] (gates i, f, c,
o), and three peephole vectors [U] (input_gate_, forget_gate_, output_gate_peephole_weights),
nnc's `peephole_weights` rows i, f, o:

  i = σ(xWᵢ + hUᵢ + bᵢ + pᵢ⊙cₜ₋₁)    f = σ(xW_f + hU_f + b_f + p_f⊙cₜ₋₁)
  cₜ = f⊙cₜ₋₁ + i⊙tanh(xW_c + hU_c + b_c)
  o = σ(xW_o + hU_o + b_o + p_o⊙cₜ)   hₜ = o⊙tanh(cₜ)

It prints Keras's parameter count of the layer from those shapes (4·(U·(F + U) + U) + 3·U) and
fails unless it equals the tensors nnc wrote for the layer, then the largest difference between
the dense layer on the last hₜ and nnc's outputs, failing above T (default 1e-5).
Needs numpy only (the safetensors file is read by hand).
"""
import argparse
import sys

import numpy as np

from verify_common import compare_with_predictions, read_safetensors


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def peephole_lstm(x, kernel, recurrent_kernel, bias, p_i, p_f, p_o):
    """The last hₜ of tf.keras's PeepholeLSTMCell over x [N, T, F]."""
    n, steps, _ = x.shape
    u = recurrent_kernel.shape[0]
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    for t in range(steps):
        z = x[:, t, :] @ kernel + h @ recurrent_kernel + bias
        z_i, z_f, z_c, z_o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        i = sigmoid(z_i + p_i * c)
        f = sigmoid(z_f + p_f * c)
        c = f * c + i * np.tanh(z_c)
        o = sigmoid(z_o + p_o * c)
        h = o * np.tanh(c)
    return h


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights")
    parser.add_argument("inputs")
    parser.add_argument("predictions")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    w = read_safetensors(args.weights)
    kernel, recurrent_kernel, bias = w["lstm.kernel"], w["lstm.recurrent_kernel"], w["lstm.bias"]
    peepholes = w["lstm.peephole_weights"]
    features, u = kernel.shape[0], recurrent_kernel.shape[0]
    # Keras's weights of the cell, by their shapes.
    keras_shapes = [(features, 4 * u), (u, 4 * u), (4 * u,), (u,), (u,), (u,)]
    keras_count = sum(int(np.prod(s)) for s in keras_shapes)
    nnc_count = sum(t.size for name, t in w.items() if name.startswith("lstm."))
    print(f"PeepholeLSTMCell({u}) over {features} features: Keras counts {keras_count:,}, nnc wrote {nnc_count:,}")
    if keras_count != nnc_count or keras_count != 4 * (u * (features + u) + u) + 3 * u:
        sys.exit("parameter counts differ")
    x = np.load(args.inputs).astype(np.float64)
    h = peephole_lstm(x, kernel, recurrent_kernel, bias, peepholes[0], peepholes[1], peepholes[2])
    y = h @ w["dense.kernel"] + w["dense.bias"]
    compare_with_predictions(y, args.predictions, args.tolerance)


if __name__ == "__main__":
    main()
