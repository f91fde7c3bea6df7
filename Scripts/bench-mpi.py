#!/usr/bin/env python3
"""Measures data-parallel training on this machine, timed as Scripts/bench.py times (its
Machine: every process under `chrt -r 1` when root, the load recorded, a run disturbed by
other work discarded and rerun, and a run on two cores discarded and rerun when the host
gave it less than two), in interleaved rounds whose order alternates; figures are
medians with min–max. Per model (MLP 784-500-500-10, LeNet-5, LSTM-128 on MNIST 5k, as
bench.py's training suite writes them, Adam): 1 process × 1 thread, 1 process × 2 threads,
and 2 ranks × 1 thread under mpirun (`nnc train --mpi-report`: rank 0's step time, the time it
waited for gradient all-reduces, the time its communication thread spent on them). Then
nnc's all-reduce (`nnc bench allreduce`) on loopback and, as root, across a veth pair between
two network namespaces (the distributed test's two hosts). Writes measurements.json (the
input of Scripts/mpi-cost-model.py) and prints a markdown report.

    Scripts/bench-mpi.py [--rounds 5] [--epochs 3] [--out runs/bench-mpi] [--max-bytes 67108864]
    Scripts/bench-mpi.py --rounds 1 --epochs 2 --max-bytes 4096 --models mlp500   # a quick check that it runs
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Bench, Machine, TRAIN_MODELS, median_range  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPIRUN = ["mpirun", "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"]
REPORT = re.compile(
    r"mpi rank (\d+) of \d+: (\d+) steps, ([\d.]+) ms per step, ([\d.]+) ms waiting for all-reduces, "
    r"([\d.]+) ms all-reducing")
CONFIGS = ("1x1", "1x2", "2x1")


def train(machine, nnc, spec, epochs, config, out, bucket):
    """One whole training process (or mpirun job): steady-state samples/s and, for 2 ranks,
    rank 0's per-step report."""
    shutil.rmtree(out, ignore_errors=True)
    command = [nnc, "train", spec, "--epochs", str(epochs), "--quiet", "--format", "json", "--out", out]
    if config == "2x1":
        command = MPIRUN + ["-np", "2"] + command + ["--mpi-report", "--mpi-bucket-bytes", str(bucket)]
    else:
        command += ["--threads", config[-1]]
    output, _, _ = machine.run(command, threads=2 if config != "1x1" else 1)
    result = {"sps": Bench.steady([e["samples_per_second"] for e in output["history"]])}
    if config == "2x1":
        ranks = {int(m.group(1)): m.groups() for m in REPORT.finditer(machine.last_stderr)}
        _, steps, step, waited, busy = ranks[0]
        result.update(step_ms=float(step), waited_ms=float(waited), communication_ms=float(busy))
    return result


def allreduce(machine, nnc, max_bytes, prefix=(), extra=()):
    output, _, _ = machine.run(list(prefix) + MPIRUN + list(extra) + [
        "-np", "2", nnc, "bench", "allreduce", "--max-bytes", str(max_bytes), "--format", "json"])
    if isinstance(output, str):
        output = json.loads(output.strip().splitlines()[-1])
    return output


@contextlib.contextmanager
def veth_hosts(folder):
    """Two network namespaces joined by a veth pair (root only): yields the prefix and mpirun
    options that run rank 0 in the first and rank 1 in the second, MPI over TCP on the link."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        yield None
        return
    a, b = f"nnc-bench-a-{os.getpid()}", f"nnc-bench-b-{os.getpid()}"
    va, vb = f"nba{os.getpid() % 100000}", f"nbb{os.getpid() % 100000}"
    steps = [["netns", "add", a], ["netns", "add", b], ["link", "add", va, "type", "veth", "peer", "name", vb],
             ["link", "set", va, "netns", a], ["link", "set", vb, "netns", b],
             ["netns", "exec", a, "ip", "addr", "add", "10.78.0.1/24", "dev", va],
             ["netns", "exec", b, "ip", "addr", "add", "10.78.0.2/24", "dev", vb],
             ["netns", "exec", a, "ip", "link", "set", "lo", "up"], ["netns", "exec", b, "ip", "link", "set", "lo", "up"],
             ["netns", "exec", a, "ip", "link", "set", va, "up"], ["netns", "exec", b, "ip", "link", "set", vb, "up"]]
    try:
        if any(subprocess.run(["ip"] + step, capture_output=True).returncode != 0 for step in steps):
            yield None
            return
        os.makedirs(folder, exist_ok=True)
        hosts, agent = os.path.join(folder, "hostfile"), os.path.join(folder, "netns-shell")
        with open(hosts, "w") as f:
            f.write("10.78.0.1 slots=1\n10.78.0.2 slots=1\n")
        with open(agent, "w") as f:
            f.write(f'#!/bin/sh\nshift\nexec ip netns exec {b} /bin/sh -c "$*"\n')
        os.chmod(agent, 0o755)
        yield (["ip", "netns", "exec", a],
               ["--hostfile", hosts, "--mca", "plm_rsh_agent", agent, "--mca", "btl", "tcp,self",
                "--mca", "btl_tcp_if_include", "10.78.0.0/24", "--mca", "oob_tcp_if_include", "10.78.0.0/24"])
    finally:
        subprocess.run(["ip", "netns", "del", a], capture_output=True)
        subprocess.run(["ip", "netns", "del", b], capture_output=True)


def median_sizes(runs):
    """Per message size, the median time over the rounds' all-reduce runs."""
    sizes = []
    for i, first in enumerate(runs[0]["sizes"]):
        seconds = statistics.median(r["sizes"][i]["seconds"] for r in runs)
        sizes.append({"bytes": first["bytes"], "seconds": seconds, "bytes_per_second": first["bytes"] / seconds,
                      "seconds_min": min(r["sizes"][i]["seconds"] for r in runs),
                      "seconds_max": max(r["sizes"][i]["seconds"] for r in runs)})
    return {"sizes": sizes}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="mlp500,lenet5,lstm", help="of bench.py's training models")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="runs/bench-mpi")
    parser.add_argument("--max-bytes", type=int, default=64 << 20)
    parser.add_argument("--bucket-bytes", type=int, default=1 << 20)
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build/release/nnc"))
    args = parser.parse_args()
    folder = os.path.join(ROOT, args.out)
    os.makedirs(folder, exist_ok=True)
    machine = Machine(args.nnc)
    writer = types.SimpleNamespace(tmp=folder)
    models = {}
    for name in args.models.split(","):
        spec, batch = Bench.training_spec(writer, name, "adam")
        summary = json.loads(subprocess.run([args.nnc, "summary", spec, "--format", "json"], capture_output=True,
                                            text=True, check=True).stdout)
        models[name] = {"title": TRAIN_MODELS[name][0], "spec": spec, "batch": batch,
                        "gradient_bytes": summary["trainable_params"] * 4, "runs": {c: [] for c in CONFIGS}}
    loopback, veth = [], []
    with veth_hosts(os.path.join(folder, "hosts")) as hosts:
        for round in range(args.rounds):
            for name, m in models.items():
                order = CONFIGS if round % 2 == 0 else tuple(reversed(CONFIGS))
                for config in order:
                    m["runs"][config].append(train(machine, args.nnc, m["spec"], args.epochs, config,
                                                   os.path.join(folder, f"{name}-{config}"), args.bucket_bytes))
            loopback.append(allreduce(machine, args.nnc, args.max_bytes))
            if hosts:
                veth.append(allreduce(machine, args.nnc, args.max_bytes, *hosts))
    measurements = {"models": {}, "allreduce": {"loopback": median_sizes(loopback),
                                                "veth": median_sizes(veth) if veth else None}}
    for name, m in models.items():
        two = m["runs"]["2x1"]
        measurements["models"][name] = {
            "gradient_bytes": m["gradient_bytes"],
            "one_by_one": {"samples_per_second": statistics.median(r["sps"] for r in m["runs"]["1x1"])},
            "one_by_two": {"samples_per_second": statistics.median(r["sps"] for r in m["runs"]["1x2"])},
            "two_by_one": {"samples_per_second": statistics.median(r["sps"] for r in two), "batch": m["batch"],
                           "ranks": [{"rank": 0, **{k: statistics.median(r[k] for r in two)
                                                   for k in ("step_ms", "waited_ms", "communication_ms")}}]},
            "runs": m["runs"]}
    path = os.path.join(folder, "measurements.json")
    with open(path, "w") as f:
        json.dump(measurements, f, indent=1)
    loads = machine.loads
    print(f"Measured by `Scripts/bench-mpi.py --rounds {args.rounds} --epochs {args.epochs}`; "
          f"{'every process under chrt -r 1' if machine.realtime else 'NOT under real-time priority (not root)'}; "
          f"load average before the runs {min(loads):.2f}–{max(loads):.2f}; runs discarded as disturbed and rerun: "
          f"{machine.discarded}, kept after 3 disturbed attempts: {machine.disturbed_kept}; runs on two cores rerun "
          f"because the host gave less than two (bench.py's FMA probe): {machine.short_of_cores}, kept after 8 such "
          f"attempts: {machine.short_of_cores_kept}.\n")
    print("| model | batch | 1 × 1 thread | 1 × 2 threads | 2 ranks × 1 thread | 2 ranks / 1 × 2 | "
          "rank 0 step ms | waited ms | all-reducing ms | hidden |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, m in models.items():
        runs = m["runs"]
        sps = {c: [r["sps"] for r in runs[c]] for c in CONFIGS}
        two = runs["2x1"]
        step, waited, busy = (statistics.median(r[k] for r in two) for k in ("step_ms", "waited_ms", "communication_ms"))
        hidden = max(0.0, 1 - waited / busy) if busy else 0.0
        print(f"| {m['title']} | {m['batch']} | {median_range(sps['1x1'])} | {median_range(sps['1x2'])} | "
              f"{median_range(sps['2x1'])} | {statistics.median(sps['2x1']) / statistics.median(sps['1x2']):.2f} | "
              f"{median_range([r['step_ms'] for r in two], '{:.2f}')} | {median_range([r['waited_ms'] for r in two], '{:.3f}')} | "
              f"{busy:.3f} | {hidden:.0%} |")
    print("\nnnc's all-reduce between 2 ranks (`nnc bench allreduce`), median (min–max) over the rounds:\n")
    print("| link | bytes | µs | GB/s |")
    print("| --- | ---: | ---: | ---: |")
    for link, result in measurements["allreduce"].items():
        if result is None:
            print(f"| {link} | not measured (needs root and iproute2) | | |")
            continue
        for size in result["sizes"]:
            if size is result["sizes"][0] or size is result["sizes"][-1] or size["bytes"] in (4096, 1 << 20):
                print(f"| {link} | {int(size['bytes']):,} | {size['seconds'] * 1e6:,.1f} "
                      f"({size['seconds_min'] * 1e6:,.1f}–{size['seconds_max'] * 1e6:,.1f}) | "
                      f"{size['bytes_per_second'] / 1e9:.3f} |")
    print(f"\nmeasurements: {path}   prediction: Scripts/mpi-cost-model.py {path}")


if __name__ == "__main__":
    main()
