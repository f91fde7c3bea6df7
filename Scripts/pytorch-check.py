#!/usr/bin/env python3
"""Checks a folder `nnc export --format pytorch` wrote (model.py and model.safetensors) against nnc.

  pytorch-check.py DIR INPUTS.npy PREDICTIONS.json [--tolerance T]
      imports DIR/model.py, builds its one torch.nn.Module, loads DIR/model.safetensors with
      load_state_dict(strict=True), runs it in eval mode on the inputs (all at once and one at a time)
      and compares each output row with the `output` of `nnc predict --format json` on the same
      inputs; prints the class, the state dict's size and the largest absolute difference, and fails
      (exit 1) above T (default 1e-4).

By hand, after training a bundled model:
  nnc export models/lenet5.yaml --format pytorch --run runs/lenet5 -o /tmp/lenet5-torch
  nnc predict models/lenet5.yaml --weights runs/lenet5/weights.safetensors --input x.npy --format json > predictions.json
  python3 Scripts/pytorch-check.py /tmp/lenet5-torch x.npy predictions.json
Needs torch, safetensors and numpy (pip install torch safetensors numpy).
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import safetensors.torch
import torch


def load(folder):
    spec = importlib.util.spec_from_file_location("nnc_exported_model", os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, torch.nn.Module) and c.__module__ == module.__name__]
    assert len(classes) == 1, f"model.py defines {len(classes)} modules, expected one"
    model = classes[0]()
    state = safetensors.torch.load_file(os.path.join(folder, "model.safetensors"))
    model.load_state_dict(state, strict=True)
    model.eval()
    return model, state


def check(args):
    model, state = load(args.folder)
    parameters = sum(t.numel() for t in model.parameters())
    print(f"loaded {type(model).__name__} strictly: {len(state)} tensors, {parameters} parameters")
    x = torch.from_numpy(np.load(args.inputs))
    with open(args.predictions) as f:
        expected = np.array([p["output"] for p in json.load(f)], dtype=np.float64)
    with torch.no_grad():
        whole = model(x).double().numpy().reshape(len(x), -1)
        ones = np.concatenate([model(x[i:i + 1]).double().numpy().reshape(1, -1) for i in range(len(x))])
    worst = 0.0
    for label, got in (("batch", whole), ("batch 1", ones)):
        assert got.shape == expected.shape, f"{label}: torch gives {got.shape}, nnc {expected.shape}"
        worst = max(worst, float(np.max(np.abs(got - expected))))
    print(f"max abs difference {worst:.3g} over {expected.size} outputs at batch {len(x)} and 1")
    if not worst <= args.tolerance:
        sys.exit(f"torch and nnc differ by {worst:.3g} > {args.tolerance}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("inputs")
    parser.add_argument("predictions")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    check(parser.parse_args())


if __name__ == "__main__":
    main()
