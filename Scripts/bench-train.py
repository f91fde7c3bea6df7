#!/usr/bin/env python3
"""Whole-epoch training throughput and peak memory of `nnc train`, 1 and 2 threads.

The training issue's models on the bundled MNIST 5k (4,000 training digits), each with SGD
(0.1) and Adam (1e-3): the MLP 784-128-10 and 784-500-500-10 at batch 128, LeNet-5 at batch 64.
Every run is a whole process,
  nnc train SPEC --epochs E --threads T --quiet --format json --out TMP
whose `samples_per_second` counts whole epochs: data filling, shuffling, augmentation,
metrics and the plan (validation, checkpoints and the test pass are outside the epochs).
Peak resident memory comes from /usr/bin/time. Rounds interleave the models and thread
counts, so a busy neighbour slows all of them alike; the medians are printed.
Build first (`swift build -c release`), then
  Scripts/bench-train.py [--rounds 5] [--epochs 3] [--nnc .build/release/nnc]
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


def train(nnc, spec, threads, epochs, out):
    stats = out + ".time"
    result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", stats, nnc, "train", spec, "--epochs", str(epochs),
                             "--threads", str(threads), "--quiet", "--format", "json", "--out", out],
                            check=True, capture_output=True, text=True)
    with open(stats) as f:
        peak_kib = int(f.read().split()[-1])
    return json.loads(result.stdout)["samples_per_second"], peak_kib / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for opt, spec in OPTIMIZERS.items():
            cases.append((f"mlp 784-128-10 {opt}", variant("mnist_mlp", spec)))
            cases.append((f"mlp 784-500-500-10 {opt}", variant("mnist_mlp", spec, MLP_500 * 2)))
            cases.append((f"lenet-5 {opt}", variant("lenet5", spec)))
        paths = []
        for name, text in cases:
            paths.append(os.path.join(tmp, name.replace(" ", "_") + ".yaml"))
            with open(paths[-1], "w") as f:
                f.write(text)
        runs = {(name, t): [] for name, _ in cases for t in (1, 2)}
        peaks = {key: [] for key in runs}
        for _ in range(args.rounds):
            for (name, _), path in zip(cases, paths):
                for threads in (1, 2):
                    speed, peak = train(args.nnc, path, threads, args.epochs, os.path.join(tmp, "run"))
                    runs[(name, threads)].append(speed)
                    peaks[(name, threads)].append(peak)
        print(f"nnc train, samples/s over whole epochs ({args.epochs} per run), median of {args.rounds} interleaved runs")
        print(f"  {'model':28s} {'1 thread':>10s} {'2 threads':>10s} {'peak RSS (2 threads)':>22s}")
        for name, _ in cases:
            one, two = statistics.median(runs[(name, 1)]), statistics.median(runs[(name, 2)])
            print(f"  {name:28s} {one:10,.0f} {two:10,.0f} {statistics.median(peaks[(name, 2)]):19.1f} MB")


if __name__ == "__main__":
    main()
