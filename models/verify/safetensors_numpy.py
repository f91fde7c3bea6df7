"""Reads an nnc weights or checkpoint file (safetensors, float32) into float64 numpy arrays by
hand, so the verification scripts here need numpy only."""
import json
import struct

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
