#!/usr/bin/env python3
"""Recurrent inference throughput of nnc against ONNX Runtime, interleaved.

The MNIST row classifiers (models/lstm_classifier.yaml, models/gru_classifier.yaml: 28
steps of 28 features, 128 units, a dense softmax over the last state) as ONNX graphs with
random weights (ONNX's LSTM and GRU ops; GRU with linear_before_reset = 1, Keras's
reset_after), and, in turn and `--rounds` times each:
  nnc bench MODEL --inference --batch B --threads T --format json    (its own median of 7)
  onnxruntime with intra_op_num_threads=T, the median of 7 timed batches of runs
Prints medians over the rounds and the ratio nnc / ONNX Runtime. With --training it also
times nnc's training step (`nnc bench MODEL --batch B`) for the figures PyTorch is compared with.

  python3 -m venv /tmp/ortenv && /tmp/ortenv/bin/pip install onnxruntime onnx numpy
  /tmp/ortenv/bin/python Scripts/bench-recurrent.py --nnc .build/release/nnc
When the interpreter also imports torch, each round times PyTorch's eager inference of the
same classifier too (`pip install torch` in the same venv).
"""
import argparse, importlib.util, json, os, statistics, subprocess, sys

# The timing loop of bench-inference.py, shared.
_spec = importlib.util.spec_from_file_location("inference", os.path.join(os.path.dirname(__file__), "bench-inference.py"))
inference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(inference)

MODELS = {"lstm": "models/lstm_classifier.yaml", "gru": "models/gru_classifier.yaml"}
STEPS, FEATURES, UNITS, CLASSES = 28, 28, 128, 10


def onnx_model(cell):
    import numpy as np
    from onnx import helper, TensorProto, numpy_helper
    rng = np.random.default_rng(1)
    gates = 4 if cell == "lstm" else 3
    inits = [
        numpy_helper.from_array((rng.standard_normal((1, gates * UNITS, FEATURES)) * 0.1).astype("float32"), "W"),
        numpy_helper.from_array((rng.standard_normal((1, gates * UNITS, UNITS)) * 0.1).astype("float32"), "R"),
        numpy_helper.from_array(np.zeros((1, 2 * gates * UNITS), "float32"), "B"),
        numpy_helper.from_array((rng.standard_normal((UNITS, CLASSES)) * 0.1).astype("float32"), "D"),
        numpy_helper.from_array(np.zeros(CLASSES, "float32"), "d"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [STEPS, "N", FEATURES])
    extra = {"linear_before_reset": 1} if cell == "gru" else {}
    nodes = [
        helper.make_node(cell.upper(), ["x", "W", "R", "B"], ["", "h"], hidden_size=UNITS, **extra),
        helper.make_node("Squeeze", ["h", "axes"], ["h2"]),
        helper.make_node("Gemm", ["h2", "D", "d"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["y"]),
    ]
    inits.append(numpy_helper.from_array(np.array([0], "int64"), "axes"))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", CLASSES])
    graph = helper.make_graph(nodes, "bench", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def ort_samples_per_second(model_bytes, batch, threads):
    import numpy as np, onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(2).standard_normal((STEPS, batch, FEATURES)).astype("float32")
    return batch / inference.median_seconds(lambda: session.run(None, {"x": x}))


def torch_samples_per_second(cell, batch, threads):
    """PyTorch's eager inference of the same classifier (random weights), under inference_mode."""
    import torch
    torch.set_num_threads(threads)
    rnn = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(FEATURES, UNITS, batch_first=True)
    dense = torch.nn.Linear(UNITS, CLASSES)
    x = torch.randn(batch, STEPS, FEATURES)

    def run():
        with torch.inference_mode():
            states, _ = rnn(x)
            return torch.softmax(dense(states[:, -1]), dim=1)
    return batch / inference.median_seconds(run)


def nnc_training_samples_per_second(nnc, model, batch, threads):
    out = subprocess.run([nnc, "bench", model, "--batch", str(batch), "--threads", str(threads), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["samples_per_second"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnc", default=".build/release/nnc")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--training", action="store_true", help="also time nnc's training step at batch 64")
    args = parser.parse_args()
    import onnxruntime
    try:
        import torch
        with_torch = f", PyTorch {torch.__version__}"
    except ImportError:
        with_torch = ""
    print(f"nnc vs ONNX Runtime {onnxruntime.__version__}{with_torch}, inference samples/s, median of {args.rounds} interleaved rounds")
    for cell, model in MODELS.items():
        model_bytes = onnx_model(cell)
        for threads in args.threads:
            for batch in args.batches:
                ours, theirs, eager = [], [], []
                for _ in range(args.rounds):
                    ours.append(inference.nnc_samples_per_second(args.nnc, model, batch, threads))
                    theirs.append(ort_samples_per_second(model_bytes, batch, threads))
                    if with_torch:
                        eager.append(torch_samples_per_second(cell, batch, threads))
                a, b = statistics.median(ours), statistics.median(theirs)
                line = f"  {cell:5s} threads {threads} batch {batch:4d}   nnc {a:10,.0f}   onnxruntime {b:10,.0f}   ratio {a / b:5.2f}"
                if eager:
                    line += f"   pytorch {statistics.median(eager):10,.0f}   ratio {a / statistics.median(eager):5.2f}"
                print(line)
                sys.stdout.flush()
    if args.training:
        print("nnc training step, batch 64, samples/s (median of rounds)")
        for cell, model in MODELS.items():
            for threads in args.threads:
                runs = [nnc_training_samples_per_second(args.nnc, model, 64, threads) for _ in range(args.rounds)]
                print(f"  {cell:5s} threads {threads}   {statistics.median(runs):10,.0f}")


if __name__ == "__main__":
    main()
