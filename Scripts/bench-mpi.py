#!/usr/bin/env python3
"""Measures data-parallel training on this machine; run it on a quiet one (timings of a shared
machine mean nothing). Per model: 1 process x 1 thread and 1 process x 2 threads (nnc train
--format json: samples per second, hence the step time at the spec's batch), and 2 ranks x 1
thread under mpirun (nnc train --mpi-report: each rank's step time, the time it waited for
gradient all-reduces, the time its communication thread spent on them, and so what the overlap
hid). Then nnc's all-reduce (nnc bench allreduce) on loopback and, as root, across a veth pair
between two network namespaces (the distributed test's two hosts). Writes measurements.json
(the input of Scripts/mpi-cost-model.py) and prints a table.

    Scripts/bench-mpi.py [--epochs 2] [--out runs/bench-mpi] [--max-bytes 67108864] [MODEL ...]
    Scripts/bench-mpi.py --epochs 1 --max-bytes 4096 models/iris_mlp.yaml    # a quick check that it runs
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPIRUN = ["mpirun", "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"]
REPORT = re.compile(
    r"mpi rank (\d+) of \d+: (\d+) steps, ([\d.]+) ms per step, ([\d.]+) ms waiting for all-reduces, "
    r"([\d.]+) ms all-reducing")


def run(command, **kwargs):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return result


def single(nnc, model, epochs, threads, out):
    shutil.rmtree(out, ignore_errors=True)
    report = json.loads(run([nnc, "train", model, "--epochs", str(epochs), "--threads", str(threads), "--out", out,
                             "--format", "json", "--quiet"]).stdout)
    return {"samples_per_second": report["samples_per_second"]}


def ranks(nnc, model, epochs, out, bucket):
    shutil.rmtree(out, ignore_errors=True)
    result = run(MPIRUN + ["-np", "2", nnc, "train", model, "--epochs", str(epochs), "--out", out, "--format", "json",
                           "--mpi-report", "--mpi-bucket-bytes", str(bucket)])
    batch = int(re.search(r"each batch of (\d+)", result.stderr).group(1))
    per_rank = []
    for match in REPORT.finditer(result.stderr):
        rank, steps, step, waited, busy = match.groups()
        per_rank.append({"rank": int(rank), "steps": int(steps), "step_ms": float(step), "waited_ms": float(waited),
                         "communication_ms": float(busy)})
    report = json.loads(result.stdout)
    return {"samples_per_second": report["samples_per_second"], "batch": batch,
            "ranks": sorted(per_rank, key=lambda r: r["rank"])}


def allreduce(nnc, max_bytes, prefix=(), extra=()):
    result = run(list(prefix) + MPIRUN + list(extra) + ["-np", "2", nnc, "bench", "allreduce", "--max-bytes",
                                                      str(max_bytes), "--format", "json"])
    return json.loads(result.stdout.strip().splitlines()[-1])


def veth(nnc, max_bytes, folder):
    """The all-reduce between two network namespaces joined by a veth pair (root only)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return None
    a, b = f"nnc-bench-a-{os.getpid()}", f"nnc-bench-b-{os.getpid()}"
    va, vb = f"nba{os.getpid() % 100000}", f"nbb{os.getpid() % 100000}"
    steps = [["netns", "add", a], ["netns", "add", b], ["link", "add", va, "type", "veth", "peer", "name", vb],
             ["link", "set", va, "netns", a], ["link", "set", vb, "netns", b],
             ["netns", "exec", a, "ip", "addr", "add", "10.78.0.1/24", "dev", va],
             ["netns", "exec", b, "ip", "addr", "add", "10.78.0.2/24", "dev", vb],
             ["netns", "exec", a, "ip", "link", "set", "lo", "up"], ["netns", "exec", b, "ip", "link", "set", "lo", "up"],
             ["netns", "exec", a, "ip", "link", "set", va, "up"], ["netns", "exec", b, "ip", "link", "set", vb, "up"]]
    try:
        for step in steps:
            if subprocess.run(["ip"] + step, capture_output=True).returncode != 0:
                return None
        os.makedirs(folder, exist_ok=True)
        hosts, agent = os.path.join(folder, "hostfile"), os.path.join(folder, "netns-shell")
        with open(hosts, "w") as f:
            f.write("10.78.0.1 slots=1\n10.78.0.2 slots=1\n")
        with open(agent, "w") as f:
            f.write(f'#!/bin/sh\nshift\nexec ip netns exec {b} /bin/sh -c "$*"\n')
        os.chmod(agent, 0o755)
        extra = ["--hostfile", hosts, "--mca", "plm_rsh_agent", agent, "--mca", "btl", "tcp,self",
                 "--mca", "btl_tcp_if_include", "10.78.0.0/24", "--mca", "oob_tcp_if_include", "10.78.0.0/24"]
        return allreduce(nnc, max_bytes, prefix=["ip", "netns", "exec", a], extra=[e for e in extra])
    finally:
        subprocess.run(["ip", "netns", "del", a], capture_output=True)
        subprocess.run(["ip", "netns", "del", b], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*",
                        default=["models/mnist_mlp.yaml", "models/lenet5.yaml", "models/lstm_classifier.yaml"])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default="runs/bench-mpi")
    parser.add_argument("--max-bytes", type=int, default=64 << 20)
    parser.add_argument("--bucket-bytes", type=int, default=1 << 20)
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build/release/nnc"))
    args = parser.parse_args()
    os.makedirs(os.path.join(ROOT, args.out), exist_ok=True)
    out = lambda name: os.path.join(ROOT, args.out, name)
    measurements = {"models": {}, "allreduce": {}}
    for model in args.models:
        name = os.path.splitext(os.path.basename(model))[0]
        summary = json.loads(run([args.nnc, "summary", model, "--format", "json"]).stdout)
        entry = {"gradient_bytes": summary["trainable_params"] * 4,
                 "one_by_one": single(args.nnc, model, args.epochs, 1, out(name + "-1x1")),
                 "one_by_two": single(args.nnc, model, args.epochs, 2, out(name + "-1x2")),
                 "two_by_one": ranks(args.nnc, model, args.epochs, out(name + "-2x1"), args.bucket_bytes)}
        measurements["models"][name] = entry
    measurements["allreduce"]["loopback"] = allreduce(args.nnc, args.max_bytes)
    measurements["allreduce"]["veth"] = veth(args.nnc, args.max_bytes, out("hosts"))
    path = out("measurements.json")
    with open(path, "w") as f:
        json.dump(measurements, f, indent=2)
    print(f"{'model':24} {'1x1 samples/s':>14} {'1x2 samples/s':>14} {'2x1 samples/s':>14} "
          f"{'step ms':>8} {'waited ms':>9} {'comm ms':>8} {'hidden':>7}")
    for name, m in measurements["models"].items():
        r0 = m["two_by_one"]["ranks"][0] if m["two_by_one"]["ranks"] else {}
        hidden = max(0.0, 1 - r0["waited_ms"] / r0["communication_ms"]) if r0.get("communication_ms") else 0
        print(f"{name:24} {m['one_by_one']['samples_per_second']:14.0f} {m['one_by_two']['samples_per_second']:14.0f} "
              f"{m['two_by_one']['samples_per_second']:14.0f} {r0.get('step_ms', 0):8.3f} "
              f"{r0.get('waited_ms', 0):9.3f} {r0.get('communication_ms', 0):8.3f} {hidden:7.0%}")
    for link, result in measurements["allreduce"].items():
        if result is None:
            print(f"all-reduce over {link}: not measured (needs root and iproute2)")
            continue
        sizes = result["sizes"]
        print(f"all-reduce over {link}: latency {sizes[0]['seconds'] * 1e6:.1f} µs ({int(sizes[0]['bytes'])} bytes), "
              f"bandwidth {sizes[-1]['bytes_per_second'] / 1e9:.3f} GB/s ({int(sizes[-1]['bytes'])} bytes)")
    print(f"measurements: {path}   prediction: Scripts/mpi-cost-model.py {path}")


if __name__ == "__main__":
    main()
