#!/usr/bin/env python3
"""Whole-epoch training throughput and peak memory of `nnc train`, 1 and 2 threads.

The training issues' models on the bundled MNIST 5k (4,000 training digits), each with SGD
(0.1) and Adam (1e-3): the MLP 784-128-10 and 784-500-500-10 at batch 128, LeNet-5 at batch 64,
and the 128-unit LSTM and GRU row classifiers (28 steps of 28 features) at batch 64.
Every run is a whole process,
  nnc train SPEC --epochs E --threads T --quiet --format json --out TMP
whose `samples_per_second` counts whole epochs: data filling, shuffling, augmentation,
metrics and the plan (validation, checkpoints and the test pass are outside the epochs).
Peak resident memory comes from /usr/bin/time. Rounds interleave the models and thread
counts, so a busy neighbour slows all of them alike; the medians are printed.
With --pytorch PYTHON (an interpreter that imports torch), every round also runs
Scripts/pytorch_train_reference.py on the same model, recipe, threads and epochs, and the
table adds PyTorch's medians and nnc's ratio to them: the issue's goals are ratios, and a
reference measured in the same rounds is the only fair one on a shared machine.
Build first (`swift build -c release`), then
  Scripts/bench-train.py [--rounds 5] [--epochs 3] [--nnc .build/release/nnc] [--pytorch PYTHON] [--only mlp,lstm]
"""
import argparse, json, os, re, statistics, subprocess, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")
OPTIMIZERS = {"sgd": "{sgd: 0.1}", "adam": "{adam: 0.001}"}
MLP_500 = "  - dense: {units: 500, activation: relu}\n"


def variant(model, optimizer, extra_layers=""):
    """The bundled spec with absolute data paths, the optimizer swapped, hidden layers added."""
    with open(os.path.join(MODELS, model + ".yaml")) as f:
        text = f.read()
    text = re.sub(r"^optimizer: .*$", f"optimizer: {optimizer}", text, flags=re.M)
    text = text.replace(" data/", " " + os.path.join(MODELS, "data") + "/")
    if extra_layers:
        text = text.replace("  - dense: {units: 128, activation: relu}\n", extra_layers)
    return text


def timed(command, stats):
    """Runs one whole process: its JSON `samples_per_second` and its peak resident memory (MB)."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", stats, *command], check=True, capture_output=True, text=True)
    with open(stats) as f:
        peak_kib = int(f.read().split()[-1])
    return json.loads(result.stdout)["samples_per_second"], peak_kib / 1024


def train(nnc, spec, threads, epochs, out):
    return timed([nnc, "train", spec, "--epochs", str(epochs), "--threads", str(threads), "--quiet", "--format", "json",
                  "--out", out], out + ".time")


def pytorch(python, model, optimizer, threads, epochs, out):
    """The PyTorch reference on the same model, recipe, threads and epochs."""
    script = os.path.join(ROOT, "Scripts", "pytorch_train_reference.py")
    return timed([python, script, model, optimizer, str(threads), str(epochs)], out + ".time")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--pytorch", metavar="PYTHON", help="also run the PyTorch reference with this interpreter")
    parser.add_argument("--only", metavar="WORDS", help="comma-separated words; run the cases whose name has one (mlp,lstm)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for opt, spec in OPTIMIZERS.items():
            cases.append((f"mlp 784-128-10 {opt}", variant("mnist_mlp", spec), ("mlp128", opt)))
            cases.append((f"mlp 784-500-500-10 {opt}", variant("mnist_mlp", spec, MLP_500 * 2), ("mlp500", opt)))
            cases.append((f"lenet-5 {opt}", variant("lenet5", spec), ("lenet5", opt)))
            cases.append((f"lstm 128 {opt}", variant("lstm_classifier", spec), ("lstm", opt)))
            cases.append((f"gru 128 {opt}", variant("gru_classifier", spec), ("gru", opt)))
        cases = [case for case in cases if not args.only or any(word in case[0] for word in args.only.split(","))]
        paths = []
        for name, text, _ in cases:
            paths.append(os.path.join(tmp, name.replace(" ", "_") + ".yaml"))
            with open(paths[-1], "w") as f:
                f.write(text)
        runs = {(tool, name, t): [] for tool in ("nnc", "pytorch") for name, _, _ in cases for t in (1, 2)}
        peaks = {key: [] for key in runs}
        for _ in range(args.rounds):
            for (name, _, reference), path in zip(cases, paths):
                for threads in (1, 2):
                    speed, peak = train(args.nnc, path, threads, args.epochs, os.path.join(tmp, "run"))
                    runs[("nnc", name, threads)].append(speed)
                    peaks[("nnc", name, threads)].append(peak)
                    if args.pytorch:
                        speed, peak = pytorch(args.pytorch, *reference, threads, args.epochs, os.path.join(tmp, "torch"))
                        runs[("pytorch", name, threads)].append(speed)
                        peaks[("pytorch", name, threads)].append(peak)
        def median(tool, name, threads):
            return statistics.median(runs[(tool, name, threads)])
        print(f"samples/s over whole epochs ({args.epochs} per run), median of {args.rounds} interleaved runs; peak RSS at 2 threads")
        if not args.pytorch:
            print(f"  {'nnc train':28s} {'1 thread':>10s} {'2 threads':>10s} {'peak RSS':>10s}")
            for name, _, _ in cases:
                print(f"  {name:28s} {median('nnc', name, 1):10,.0f} {median('nnc', name, 2):10,.0f}"
                      f" {statistics.median(peaks[('nnc', name, 2)]):7.1f} MB")
            return
        print(f"  {'':28s} {'nnc':>21s} {'PyTorch':>21s} {'nnc / PyTorch':>17s} {'peak RSS':>19s}")
        print(f"  {'model':28s} {'1 thread':>10s} {'2 threads':>10s} {'1 thread':>10s} {'2 threads':>10s}"
              f" {'1T':>8s} {'2T':>8s} {'nnc':>9s} {'PyTorch':>9s}")
        for name, _, _ in cases:
            n1, n2, p1, p2 = median("nnc", name, 1), median("nnc", name, 2), median("pytorch", name, 1), median("pytorch", name, 2)
            print(f"  {name:28s} {n1:10,.0f} {n2:10,.0f} {p1:10,.0f} {p2:10,.0f} {n1 / p1:7.2f}× {n2 / p2:7.2f}×"
                  f" {statistics.median(peaks[('nnc', name, 2)]):6.0f} MB {statistics.median(peaks[('pytorch', name, 2)]):6.0f} MB")


if __name__ == "__main__":
    main()
