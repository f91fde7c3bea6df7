#!/usr/bin/env python3
"""GEMM GFLOP/s of nnc next to numpy's bundled OpenBLAS on the same shapes, 1 and 2 threads.

Runs `nnc bench gemm --format json` and a numpy timing of the same shapes alternately
(interleaved, so a busy neighbour affects both alike), several rounds, and prints the
median GFLOP/s of each and their ratio. Build first (`swift build -c release`), then
  Scripts/bench-gemm.py [--rounds 5] [--nnc .build/release/nnc] [--threads 1 2]
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
args = parser.parse_args()
ROUNDS, NNC = args.rounds, args.nnc

NUMPY = r'''
import json, sys, time, numpy as np
shapes = json.loads(sys.argv[1])
out = []
for s in shapes:
    m, n, k = s["m"], s["n"], s["k"]
    a = (np.arange(m * k, dtype=np.float32) % 7 * 0.25 - 0.5).reshape(m, k)
    b = (np.arange(k * n, dtype=np.float32) % 5 * 0.5 - 0.25).reshape(k, n)
    for _ in range(3): a @ b
    t = time.perf_counter(); [a @ b for _ in range(3)]; once = max(1e-7, (time.perf_counter() - t) / 3)
    reps = max(1, int(0.02 / once)); times = []
    for _ in range(9):
        t = time.perf_counter()
        for _ in range(reps): a @ b
        times.append((time.perf_counter() - t) / reps)
    out.append(2 * m * n * k / sorted(times)[4] / 1e9)
print(json.dumps(out))
'''

def run_nnc(threads):
    out = subprocess.run([NNC, "bench", "gemm", "--threads", str(threads), "--format", "json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)

def run_numpy(shapes, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    # Older OpenBLAS builds need these on some CPUs; they slow a current numpy, so they are unset here only.
    env.pop("OPENBLAS_CORETYPE", None); env.pop("OPENBLAS_L2_SIZE", None)
    out = subprocess.run([sys.executable, "-c", NUMPY, json.dumps(shapes)], check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)

for threads in args.threads:
    nnc_runs, np_runs, shapes = [], [], None
    for _ in range(ROUNDS):
        rows = run_nnc(threads)
        shapes = [{"m": r["m"], "n": r["n"], "k": r["k"], "shape": r["shape"]} for r in rows]
        nnc_runs.append([r["gflops"] for r in rows])
        np_runs.append(run_numpy(shapes, threads))
    print(f"threads {threads} (median of {ROUNDS} interleaved rounds)")
    print(f"  {'shape':40} {'nnc':>8} {'numpy':>8} {'ratio':>6}")
    for i, s in enumerate(shapes):
        a = statistics.median(r[i] for r in nnc_runs); b = statistics.median(r[i] for r in np_runs)
        print(f"  {s['shape']:40} {a:8.1f} {b:8.1f} {a / b:6.2f}")
