#!/usr/bin/env python3
"""Training-step throughput of nnc on the models the training targets name, 1 and 2 threads.

Writes SGD and Adam variants of the MLP 784-128-10 (batch 128), the MLP 784-500-500-10
(batch 128) and LeNet-5 (batch 64) to a temporary directory and runs, `--rounds` times each,
  nnc bench MODEL --batch B --threads T --format json       (its own median of 7)
then prints the median samples/s over the rounds, one thread and two threads side by side.
Build first (`swift build -c release`), then
  Scripts/bench-training.py [--rounds 3] [--nnc .build/release/nnc]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPTIMIZERS = {"sgd": "{sgd: 0.1}", "adam": "{adam: 0.001}"}


def mlp(name, sizes, optimizer):
    layers = "".join(f"  - dense: {{units: {n}, activation: relu}}\n" for n in sizes[1:-1])
    return (f"model: {name}\ninput: [{sizes[0]}]\nlayers:\n{layers}  - dense: {{units: {sizes[-1]}, activation: softmax}}\n"
            f"loss: categorical_crossentropy\noptimizer: {optimizer}\n")


def lenet5(optimizer):
    with open(os.path.join(ROOT, "models", "lenet5.yaml")) as f:
        lines = [l for l in f if not l.startswith(("data:", "  train:", "  test:", "  preprocess:"))]
    return "".join(f"optimizer: {optimizer}\n" if l.startswith("optimizer:") else l for l in lines)


def samples_per_second(nnc, path, batch, threads):
    out = subprocess.run([nnc, "bench", path, "--batch", str(batch), "--threads", str(threads), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["samples_per_second"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for opt, spec in OPTIMIZERS.items():
            cases.append((f"mlp 784-128-10 {opt}", mlp("mlp_784_128_10", [784, 128, 10], spec), 128))
            cases.append((f"mlp 784-500-500-10 {opt}", mlp("mlp_784_500_500_10", [784, 500, 500, 10], spec), 128))
            cases.append((f"lenet-5 {opt}", lenet5(spec), 64))
        print(f"nnc training step, samples/s, median of {args.rounds} rounds (each a median of 7 timed batches)")
        for name, text, batch in cases:
            path = os.path.join(tmp, name.replace(" ", "_") + ".yaml")
            with open(path, "w") as f:
                f.write(text)
            runs = {1: [], 2: []}
            for _ in range(args.rounds):
                for threads in runs:
                    runs[threads].append(samples_per_second(args.nnc, path, batch, threads))
            one, two = statistics.median(runs[1]), statistics.median(runs[2])
            print(f"  {name:28s} batch {batch:3d}   1 thread {one:10,.0f}   2 threads {two:10,.0f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
