#!/usr/bin/env python3
"""Inference throughput of nnc against ONNX Runtime on the same models, interleaved.

Builds equivalent ONNX graphs (random weights) for the MLP 784-128-10, the MLP
784-500-500-10 and LeNet-5, and runs, in turn and `--rounds` times each:
  nnc bench MODEL --inference --batch B --threads T --format json    (its own median of 7)
  onnxruntime with intra_op_num_threads=T, the median of 7 timed batches of runs
Prints medians over the rounds and the ratio nnc / ONNX Runtime, and the peak RSS of one
whole `nnc bench` process and of one ONNX Runtime process (ru_maxrss of a child).

  python3 -m venv /tmp/ortenv && /tmp/ortenv/bin/pip install onnxruntime onnx numpy
  /tmp/ortenv/bin/python Scripts/bench-inference.py --nnc .build/release/nnc
"""
import argparse, json, statistics, subprocess, sys, time, resource, os

MODELS = {
    "mlp 784-128-10": ("784-128-10", [("dense", 784, 128, "Relu"), ("dense", 128, 10, "Softmax")]),
    "mlp 784-500-500-10": ("models/hinton_dropout_mlp.yaml",
                           [("dense", 784, 500, "Relu"), ("dense", 500, 500, "Relu"), ("dense", 500, 10, "Softmax")]),
    "lenet-5": ("models/lenet5.yaml", "lenet5"),
}


def onnx_model(layers):
    import numpy as np
    from onnx import helper, TensorProto, numpy_helper
    rng = np.random.default_rng(1)
    nodes, inits = [], []
    if layers == "lenet5":
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])
        def conv(name, cin, cout, pad, inp):
            inits.append(numpy_helper.from_array((rng.standard_normal((cout, cin, 5, 5)) * 0.1).astype("float32"), name + "_w"))
            inits.append(numpy_helper.from_array(np.zeros(cout, "float32"), name + "_b"))
            nodes.append(helper.make_node("Conv", [inp, name + "_w", name + "_b"], [name], kernel_shape=[5, 5], pads=[pad] * 4))
            nodes.append(helper.make_node("Relu", [name], [name + "_r"]))
            nodes.append(helper.make_node("MaxPool", [name + "_r"], [name + "_p"], kernel_shape=[2, 2], strides=[2, 2]))
            return name + "_p"
        h = conv("c1", 1, 6, 2, "x")
        h = conv("c2", 6, 16, 0, h)
        nodes.append(helper.make_node("Flatten", [h], ["f"]))
        h = "f"
        dense = [("dense", 400, 120, "Relu"), ("dense", 120, 84, "Relu"), ("dense", 84, 10, "Softmax")]
    else:
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", layers[0][1]])
        h, dense = "x", layers
    for i, (_, n_in, n_out, act) in enumerate(dense):
        inits.append(numpy_helper.from_array((rng.standard_normal((n_in, n_out)) * 0.05).astype("float32"), f"w{i}"))
        inits.append(numpy_helper.from_array(np.zeros(n_out, "float32"), f"b{i}"))
        nodes.append(helper.make_node("Gemm", [h, f"w{i}", f"b{i}"], [f"g{i}"]))
        nodes.append(helper.make_node(act, [f"g{i}"], [f"a{i}"]))
        h = f"a{i}"
    y = helper.make_tensor_value_info(h, TensorProto.FLOAT, ["N", 10])
    graph = helper.make_graph(nodes, "bench", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def ort_samples_per_second(model_bytes, batch, threads, lenet):
    import numpy as np, onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    shape = (batch, 1, 28, 28) if lenet else (batch, 784)
    x = np.random.default_rng(2).standard_normal(shape).astype("float32")
    return batch / median_seconds(lambda: session.run(None, {"x": x}))


def median_seconds(run):
    """The median time of `run()` over 7 timed batches of runs (~1.5 s in all), after a warm-up."""
    for _ in range(5):
        run()
    t0 = time.perf_counter(); n = 0
    while time.perf_counter() - t0 < 0.1:
        run(); n += 1
    per = max(1, int(n * 1.5 / 7 / 0.1))
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(per):
            run()
        times.append((time.perf_counter() - t0) / per)
    return statistics.median(times)


def nnc_samples_per_second(nnc, model, batch, threads):
    out = subprocess.run([nnc, "bench", model, "--inference", "--batch", str(batch), "--threads", str(threads), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["samples_per_second"]


def peak_rss_mb(command):
    # A fresh wrapper process, so ru_maxrss covers this one child only.
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", wrapper] + command, check=True, capture_output=True, text=True).stdout
    return int(out) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnc", default=".build/release/nnc")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 256])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import onnxruntime
    print(f"nnc vs ONNX Runtime {onnxruntime.__version__}, samples/s, median of {args.rounds} interleaved rounds")
    for name, (model, layers) in MODELS.items():
        model_bytes = onnx_model(layers)
        for threads in args.threads:
            for batch in args.batches:
                ours, theirs = [], []
                for _ in range(args.rounds):
                    ours.append(nnc_samples_per_second(args.nnc, model, batch, threads))
                    theirs.append(ort_samples_per_second(model_bytes, batch, threads, layers == "lenet5"))
                a, b = statistics.median(ours), statistics.median(theirs)
                print(f"  {name:20s} threads {threads} batch {batch:4d}   nnc {a:12,.0f}   onnxruntime {b:12,.0f}   ratio {a / b:5.2f}")
                sys.stdout.flush()
    # Peak memory of one whole process each (this script's children).
    nnc_rss = peak_rss_mb([args.nnc, "bench", "models/lenet5.yaml", "--inference", "--batch", "256", "--seconds", "0.3"])
    code = ("import onnxruntime as o, numpy as n, sys; s=o.InferenceSession(open(sys.argv[1],'rb').read(), providers=['CPUExecutionProvider']);"
            "x=n.zeros((256,1,28,28),'float32');[s.run(None,{'x':x}) for _ in range(20)]")
    path = "/tmp/nnc-bench-lenet5.onnx"
    open(path, "wb").write(onnx_model("lenet5"))
    ort_rss = peak_rss_mb([sys.executable, "-c", code, path])
    print(f"  peak RSS, LeNet-5 batch 256 inference: nnc {nnc_rss:.0f} MB, python + onnxruntime {ort_rss:.0f} MB")


if __name__ == "__main__":
    main()
