"""What the numpy verification scripts here share: reading an nnc weights or checkpoint file
(safetensors, float32) by hand, and comparing a script's outputs with `nnc predict`'s."""
import json
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", f"{name}: {entry['dtype']}"
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").astype(np.float64).reshape(entry["shape"])
    return tensors


def compare_with_predictions(y, predictions, tolerance):
    """Prints the largest difference between `y` and the outputs of `nnc predict --format json`
    in the file `predictions`; exits with an error above `tolerance`."""
    with open(predictions) as f:
        expected = np.array([p["output"] for p in json.load(f)], dtype=np.float64)
    assert y.shape == expected.shape, f"numpy gives {y.shape}, nnc {expected.shape}"
    worst = float(np.max(np.abs(y - expected)))
    print(f"max abs difference {worst:.3g} over {expected.size} outputs")
    if not worst <= tolerance:
        sys.exit(f"numpy and nnc differ by {worst:.3g} > {tolerance}")
