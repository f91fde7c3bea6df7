#!/usr/bin/env python3
"""PyTorch's CPU training throughput on the same models, data and recipes as `nnc train`.

The yardstick `Scripts/bench-train.py --pytorch PYTHON` runs beside nnc in the same
interleaved rounds. One process trains one model on the bundled MNIST 5k (4,000 training
digits, scaled by 1/255) for E epochs and prints one JSON line whose `samples_per_second`
counts whole epochs, as nnc's does: shuffling, batch gathering, forward, loss, backward and
the optimizer step (loading the files and building the model are outside). The loop is the
lean one an expert writes (index a preloaded tensor by a permutation; no DataLoader, whose
per-sample collation would make PyTorch look slower than it is).

  pytorch_train_reference.py MODEL OPTIMIZER THREADS EPOCHS
    MODEL: mlp128 | mlp500 | lenet5 | lstm | gru      OPTIMIZER: sgd | adam
The recurrent models read each image as 28 steps of 28 features (models/lstm_classifier.yaml,
models/gru_classifier.yaml: 128 units, a dense softmax over the last state, batch 64, the
gradient clipped to norm 1 as the specs' clip_norm does).
"""
import gzip, json, os, sys, time

import numpy as np
import torch
from torch import nn

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "data")


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class LastState(nn.Module):
    """A recurrent layer over the rows of an image and a dense layer over its last state."""

    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(28, 128, batch_first=True)
        self.dense = nn.Linear(128, 10)

    def forward(self, x):
        states, _ = self.rnn(x.reshape(-1, 28, 28))
        return self.dense(states[:, -1])


def model(name):
    if name == "mlp128":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)), 128
    if name == "mlp500":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 500), nn.ReLU(),
                             nn.Linear(500, 10)), 128
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)), 64
    if name in ("lstm", "gru"):
        return LastState(nn.LSTM if name == "lstm" else nn.GRU), 64
    raise SystemExit(f"unknown model {name}")


def main():
    name, optimizer, threads, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    images = torch.from_numpy(idx("mnist5k-train-images-idx3-ubyte.gz").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    labels = torch.from_numpy(idx("mnist5k-train-labels-idx1-ubyte.gz").astype(np.int64))
    net, batch = model(name)
    # Adam with fused=True, PyTorch's fastest CPU Adam (the default for-loop one is slower here).
    step = torch.optim.SGD(net.parameters(), lr=0.1) if optimizer == "sgd" else torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    loss_fn = nn.CrossEntropyLoss()
    clip = name in ("lstm", "gru")
    count = images.shape[0]
    start = time.perf_counter()
    correct = 0
    epoch_speeds = []
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        order = torch.randperm(count)
        for first in range(0, count, batch):
            chosen = order[first:first + batch]
            x, y = images[chosen], labels[chosen]
            step.zero_grad(set_to_none=True)
            logits = net(x)
            loss = loss_fn(logits, y)
            loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            step.step()
            correct += int((logits.argmax(1) == y).sum())  # the accuracy metric nnc also keeps
        epoch_speeds.append(count / (time.perf_counter() - epoch_start))
    seconds = time.perf_counter() - start
    print(json.dumps({"samples_per_second": epochs * count / seconds, "train_accuracy": correct / (epochs * count),
                      "epochs": [round(v) for v in epoch_speeds],
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
