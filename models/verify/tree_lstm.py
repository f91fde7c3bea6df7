#!/usr/bin/env python3
"""nnc's `tree_lstm` against Tai et al. (2015)'s equations, written out in numpy.

  tree_lstm.py WEIGHTS TREES.npy PREDICTIONS.json [--tolerance T]

WEIGHTS is an nnc weights (or checkpoint) file of the model

  input: [N, 1 + K]
  layers:
    - tree_lstm: {units: U, input_dim: V, embedding_dim: E, variant: child_sum or n_ary, name: tree_lstm}
    - dense: {units: C, name: dense}

TREES.npy holds rows [token, child slot 1, …, child slot K] per node (−1: none), N rows per
sample, root in row 0; PREDICTIONS.json is `nnc predict --weights WEIGHTS --input TREES.npy
--format json` on it. No PyTorch or Keras layer exists to compare with, so this is the paper's
model (Tai, Socher and Manning, "Improved Semantic Representations From Tree-Structured Long
Short-Term Memory Networks", ACL 2015, equations 2–8 and 9–14) evaluated recursively from the
root, in float64, with nnc's weights: embeddings [V, E]; kernel [E, 4U] with the columns of W⁽ⁱ⁾,
W⁽ᶠ⁾, W⁽ᵘ⁾, W⁽ᵒ⁾; bias [4U] (b⁽ⁱ⁾, b⁽ᶠ⁾, b⁽ᵘ⁾, b⁽ᵒ⁾); recurrent_kernel, Child-Sum [U, 4U] (U⁽ⁱ⁾, U⁽ᶠ⁾,
U⁽ᵘ⁾, U⁽ᵒ⁾), N-ary [K·U, (3 + K)·U] (row block l: child l; column blocks U⁽ⁱ⁾, U⁽ᶠ⁾ for each
child k, U⁽ᵘ⁾, U⁽ᵒ⁾):

  Child-Sum:  h̃ = Σ_k h_k    i = σ(W⁽ⁱ⁾x + U⁽ⁱ⁾h̃ + b⁽ⁱ⁾)    f_k = σ(W⁽ᶠ⁾x + U⁽ᶠ⁾h_k + b⁽ᶠ⁾)
              o = σ(W⁽ᵒ⁾x + U⁽ᵒ⁾h̃ + b⁽ᵒ⁾)    u = tanh(W⁽ᵘ⁾x + U⁽ᵘ⁾h̃ + b⁽ᵘ⁾)
  N-ary:      i = σ(W⁽ⁱ⁾x + Σ_l U_l⁽ⁱ⁾h_l + b⁽ⁱ⁾)    f_k = σ(W⁽ᶠ⁾x + Σ_l U_kl⁽ᶠ⁾h_l + b⁽ᶠ⁾)   (o, u as i)
  both:       c = i⊙u + Σ_k f_k⊙c_k    h = o⊙tanh(c)

It prints the paper's parameter count from those shapes (V·E + 4·E·U + 4·U, plus 4·U² for
Child-Sum or K·(3 + K)·U² for N-ary) and fails unless it equals the tensors nnc wrote for the
layer, then the largest difference between the dense layer on the root's h and nnc's outputs,
failing above T (default 1e-5). Needs numpy only (the safetensors file is read by hand).
"""
import argparse
import sys

import numpy as np

from verify_common import compare_with_predictions, read_safetensors


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def node_state(rows, j, w, child_sum):
    """(c, h) of node j of one tree, its children first (recursively)."""
    table, kernel, recurrent = w["tree_lstm.embeddings"], w["tree_lstm.kernel"], w["tree_lstm.recurrent_kernel"]
    bias = w.get("tree_lstm.bias", np.zeros(kernel.shape[1]))
    u = kernel.shape[1] // 4
    k = rows.shape[1] - 1
    children = [int(c) if c >= 0 else None for c in rows[j, 1:]]
    states = [node_state(rows, c, w, child_sum) if c is not None else (np.zeros(u), np.zeros(u)) for c in children]
    z = table[int(rows[j, 0])] @ kernel + bias
    zi, zf, zu, zo = z[:u], z[u:2 * u], z[2 * u:3 * u], z[3 * u:]
    if child_sum:
        h_sum = sum((h for (c, h), child in zip(states, children) if child is not None), np.zeros(u))
        r = h_sum @ recurrent
        i, uu, o = sigmoid(zi + r[:u]), np.tanh(zu + r[2 * u:3 * u]), sigmoid(zo + r[3 * u:])
        forgets = [sigmoid(zf + h @ recurrent[:, u:2 * u]) for (c, h) in states]
    else:
        r = np.concatenate([h for (c, h) in states]) @ recurrent
        i, uu, o = sigmoid(zi + r[:u]), np.tanh(zu + r[(1 + k) * u:(2 + k) * u]), sigmoid(zo + r[(2 + k) * u:])
        forgets = [sigmoid(zf + r[(1 + q) * u:(2 + q) * u]) for q in range(k)]
    c = i * uu + sum((f * cc for f, (cc, h), child in zip(forgets, states, children) if child is not None), np.zeros(u))
    return c, o * np.tanh(c)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights")
    parser.add_argument("trees")
    parser.add_argument("predictions")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    w = read_safetensors(args.weights)
    v, e = w["tree_lstm.embeddings"].shape
    u = w["tree_lstm.kernel"].shape[1] // 4
    rows, columns = w["tree_lstm.recurrent_kernel"].shape
    child_sum = rows == u and columns == 4 * u
    x = np.load(args.trees).astype(np.float64)
    k = x.shape[2] - 1
    recurrent = 4 * u * u if child_sum else k * (3 + k) * u * u
    paper_count = v * e + 4 * e * u + recurrent + (4 * u if "tree_lstm.bias" in w else 0)
    nnc_count = sum(t.size for name, t in w.items() if name.startswith("tree_lstm."))
    variant = "Child-Sum" if child_sum else f"{k}-ary"
    print(f"{variant} Tree-LSTM({u}) on {e}-wide embeddings of {v} tokens: paper counts {paper_count:,}, nnc wrote {nnc_count:,}")
    if paper_count != nnc_count:
        sys.exit("parameter counts differ")
    h = np.stack([node_state(sample, 0, w, child_sum)[1] for sample in x])
    y = h @ w["dense.kernel"] + w["dense.bias"]
    compare_with_predictions(y, args.predictions, args.tolerance)


if __name__ == "__main__":
    main()
