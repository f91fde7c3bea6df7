#!/usr/bin/env python3
"""The peers Scripts/bench.py times nnc against: each subcommand is one whole process that
measures one case and prints one JSON object. Each is the fastest honest use of its library:
data in memory, threads set, no per-batch work that nnc does not also do.

  bench_peers.py gemm SHAPES_JSON THREADS           numpy's bundled OpenBLAS, GFLOP/s per shape
  bench_peers.py train MODEL OPTIMIZER THREADS EPOCHS   PyTorch training on the bundled MNIST 5k
  bench_peers.py ort MODEL BATCH THREADS            ONNX Runtime inference, samples/s
  bench_peers.py torch-infer MODEL BATCH THREADS    PyTorch eager inference (inference_mode), samples/s

MODEL: mlp128 | mlp500 | lenet5 | lstm | gru (the networks of models/mnist_mlp.yaml, its
784-500-500-10 variant, models/lenet5.yaml, models/lstm_classifier.yaml and
models/gru_classifier.yaml); OPTIMIZER: sgd (0.1) | adam (1e-3).
"""
import gzip, json, os, statistics, sys, time

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "data")
STEPS, FEATURES, UNITS, CLASSES = 28, 28, 128, 10


def median_seconds(run, seconds=1.5, samples=7):
    """The median time of `run()` over `samples` timed batches of runs (about `seconds` in
    all) after a warm-up: the same statistic `nnc bench` reports."""
    for _ in range(5):
        run()
    t0 = time.perf_counter(); n = 0
    while time.perf_counter() - t0 < 0.1:
        run(); n += 1
    per = max(1, int(n * seconds / samples / 0.1))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(per):
            run()
        times.append((time.perf_counter() - t0) / per)
    return statistics.median(times)


# MARK: GEMM

def gemm(shapes, threads):
    """GFLOP/s of numpy's matmul (OpenBLAS; OPENBLAS_NUM_THREADS is set by the caller) per shape."""
    import numpy as np
    out = []
    for s in shapes:
        m, n, k = s["m"], s["n"], s["k"]
        a = (np.arange(m * k, dtype=np.float32) % 7 * 0.25 - 0.5).reshape(m, k)
        b = (np.arange(k * n, dtype=np.float32) % 5 * 0.5 - 0.25).reshape(k, n)
        c = np.empty((m, n), dtype=np.float32)
        out.append(2 * m * n * k / median_seconds(lambda: np.matmul(a, b, out=c), seconds=0.3, samples=9) / 1e9)
    return {"gflops": out, "threads": threads, "numpy": np.__version__}


# MARK: Models

def idx(name):
    import numpy as np
    with gzip.open(os.path.join(DATA, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def torch_model(name):
    """The network in PyTorch and its training batch size."""
    from torch import nn

    class LastState(nn.Module):
        """A recurrent layer over the rows of an image and a dense layer over its last state."""

        def __init__(self, cell):
            super().__init__()
            self.rnn = cell(FEATURES, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, CLASSES)

        def forward(self, x):
            states, _ = self.rnn(x.reshape(-1, STEPS, FEATURES))
            return self.dense(states[:, -1])

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


def train(name, optimizer, threads, epochs):
    """PyTorch training: the lean loop an expert writes (index a preloaded tensor by a
    permutation, no DataLoader), Adam with fused=True (PyTorch's fastest CPU Adam), the
    recurrent models' gradient clipped to norm 1 as their specs' clip_norm does, the
    accuracy counted per batch as nnc's metrics are. Samples/s of each epoch."""
    import numpy as np
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    images = torch.from_numpy(idx("mnist5k-train-images-idx3-ubyte.gz").astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    labels = torch.from_numpy(idx("mnist5k-train-labels-idx1-ubyte.gz").astype(np.int64))
    net, batch = torch_model(name)
    step = torch.optim.SGD(net.parameters(), lr=0.1) if optimizer == "sgd" else torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    loss_fn = nn.CrossEntropyLoss()
    clip = name in ("lstm", "gru")
    count = images.shape[0]
    correct, speeds = 0, []
    for _ in range(epochs):
        start = time.perf_counter()
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
            correct += int((logits.argmax(1) == y).sum())
        speeds.append(count / (time.perf_counter() - start))
    return {"epoch_samples_per_second": speeds, "train_accuracy": correct / (epochs * count),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


# MARK: Inference

def onnx_graph(name):
    """The network as an ONNX graph with random weights (inference: softmax output)."""
    import numpy as np
    from onnx import helper, TensorProto, numpy_helper
    rng = np.random.default_rng(1)
    nodes, inits = [], []

    def dense_stack(h, layers):
        for i, (n_in, n_out, act) in enumerate(layers):
            inits.append(numpy_helper.from_array((rng.standard_normal((n_in, n_out)) * 0.05).astype("float32"), f"w{i}"))
            inits.append(numpy_helper.from_array(np.zeros(n_out, "float32"), f"b{i}"))
            nodes.append(helper.make_node("Gemm", [h, f"w{i}", f"b{i}"], [f"g{i}"]))
            nodes.append(helper.make_node(act, [f"g{i}"], [f"a{i}"]))
            h = f"a{i}"
        return h

    if name in ("mlp128", "mlp500"):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 784])
        layers = [(784, 128, "Relu"), (128, 10, "Softmax")] if name == "mlp128" else \
            [(784, 500, "Relu"), (500, 500, "Relu"), (500, 10, "Softmax")]
        h = dense_stack("x", layers)
    elif name == "lenet5":
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])

        def conv(prefix, cin, cout, pad, inp):
            inits.append(numpy_helper.from_array((rng.standard_normal((cout, cin, 5, 5)) * 0.1).astype("float32"), prefix + "_w"))
            inits.append(numpy_helper.from_array(np.zeros(cout, "float32"), prefix + "_b"))
            nodes.append(helper.make_node("Conv", [inp, prefix + "_w", prefix + "_b"], [prefix], kernel_shape=[5, 5], pads=[pad] * 4))
            nodes.append(helper.make_node("Relu", [prefix], [prefix + "_r"]))
            nodes.append(helper.make_node("MaxPool", [prefix + "_r"], [prefix + "_p"], kernel_shape=[2, 2], strides=[2, 2]))
            return prefix + "_p"
        h = conv("c2", 6, 16, 0, conv("c1", 1, 6, 2, "x"))
        nodes.append(helper.make_node("Flatten", [h], ["f"]))
        h = dense_stack("f", [(400, 120, "Relu"), (120, 84, "Relu"), (84, 10, "Softmax")])
    elif name in ("lstm", "gru"):
        gates = 4 if name == "lstm" else 3
        inits += [numpy_helper.from_array((rng.standard_normal((1, gates * UNITS, FEATURES)) * 0.1).astype("float32"), "W"),
                  numpy_helper.from_array((rng.standard_normal((1, gates * UNITS, UNITS)) * 0.1).astype("float32"), "R"),
                  numpy_helper.from_array(np.zeros((1, 2 * gates * UNITS), "float32"), "B"),
                  numpy_helper.from_array(np.array([0], "int64"), "axes")]
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [STEPS, "N", FEATURES])
        extra = {"linear_before_reset": 1} if name == "gru" else {}  # Keras's reset_after
        nodes += [helper.make_node(name.upper(), ["x", "W", "R", "B"], ["", "h"], hidden_size=UNITS, **extra),
                  helper.make_node("Squeeze", ["h", "axes"], ["h2"])]
        h = dense_stack("h2", [(UNITS, CLASSES, "Softmax")])
    else:
        raise SystemExit(f"unknown model {name}")
    y = helper.make_tensor_value_info(h, TensorProto.FLOAT, ["N", CLASSES])
    graph = helper.make_graph(nodes, "bench", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def input_shape(name, batch, time_major):
    if name == "lenet5":
        return (batch, 1, 28, 28)
    if name in ("lstm", "gru"):
        return (STEPS, batch, FEATURES) if time_major else (batch, STEPS, FEATURES)
    return (batch, 784)


def ort(name, batch, threads):
    """ONNX Runtime's CPU inference (all graph optimizations, intra-op threads set)."""
    import numpy as np
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(onnx_graph(name), options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(2).standard_normal(input_shape(name, batch, True)).astype("float32")
    return {"samples_per_second": batch / median_seconds(lambda: session.run(None, {"x": x})),
            "onnxruntime": onnxruntime.__version__}


def torch_infer(name, batch, threads):
    """PyTorch's eager inference under inference_mode (softmax output, random weights)."""
    import torch
    torch.set_num_threads(threads)
    net, _ = torch_model(name)
    net.eval()
    x = torch.randn(*input_shape(name, batch, False))

    def run():
        with torch.inference_mode():
            return torch.softmax(net(x), dim=1)
    return {"samples_per_second": batch / median_seconds(run), "torch": torch.__version__}


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "gemm":
        result = gemm(json.loads(args[0]), int(args[1]))
    elif command == "train":
        result = train(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "ort":
        result = ort(args[0], int(args[1]), int(args[2]))
    elif command == "torch-infer":
        result = torch_infer(args[0], int(args[1]), int(args[2]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
