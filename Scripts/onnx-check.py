#!/usr/bin/env python3
"""Checks a model `nnc export --format onnx` wrote, for the export tests (Tests/NNCDriverTests/ExportTests.swift).

  onnx-check.py MODEL.onnx INPUTS.npy PREDICTIONS.json --tolerance T
      passes the model through onnx.checker (full_check), requires the symbolic batch dimension N on
      its input and output, runs it in ONNX Runtime on the inputs (all at once, one at a time, and in
      batches of 7) and compares each output row with the `output` of `nnc predict --format json` on
      the same inputs; prints the opset, the producer and the largest absolute difference, and fails
      above T.
Fails (exit 1) when onnx or onnxruntime cannot be imported: Scripts/test.sh installs both.
"""
import argparse
import json
import sys

import numpy as np
import onnx
import onnxruntime


def symbolic_batch(value):
    dims = value.type.tensor_type.shape.dim
    return len(dims) > 0 and dims[0].dim_param == "N" and not dims[0].HasField("dim_value")


def check(args):
    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    assert len(graph.input) == 1 and len(graph.output) == 1, "one input and one output"
    for value in (graph.input[0], graph.output[0]):
        assert symbolic_batch(value), f"'{value.name}' has no symbolic batch dimension N"
    print(f"checked {args.model}: opset {model.opset_import[0].version}, producer {model.producer_name} "
          f"{model.producer_version}")
    session = onnxruntime.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.load(args.inputs)
    with open(args.predictions) as f:
        expected = np.array([p["output"] for p in json.load(f)], dtype=np.float64)
    whole = session.run(None, {name: x})[0].reshape(len(x), -1)
    ones = np.concatenate([session.run(None, {name: x[i:i + 1]})[0].reshape(1, -1) for i in range(len(x))])
    sevens = np.concatenate([session.run(None, {name: x[i:i + 7]})[0].reshape(-1, whole.shape[1])
                             for i in range(0, len(x), 7)])
    worst = 0.0
    for label, got in (("batch", whole), ("batch 1", ones), ("batch 7", sevens)):
        assert got.shape == expected.shape, f"{label}: ONNX Runtime gives {got.shape}, nnc {expected.shape}"
        worst = max(worst, float(np.max(np.abs(got - expected))))
    print(f"max abs difference {worst:.3g} over {expected.size} outputs at batch {len(x)}, 1 and 7")
    if not worst <= args.tolerance:
        sys.exit(f"ONNX Runtime and nnc differ by {worst:.3g} > {args.tolerance}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("inputs")
    parser.add_argument("predictions")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    check(parser.parse_args())


if __name__ == "__main__":
    main()
