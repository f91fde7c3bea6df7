#!/usr/bin/env python3
"""Planning on paper: predicted step time and scaling efficiency of data-parallel nnc training
on 2..64 machines at 1, 10 and 25 Gbit/s, from measurements.json (Scripts/bench-mpi.py).

Model (assumptions, stated with the table):
  - strong scaling: the global batch B stays, each of N machines computes B/N samples, in the
    time of one process with one thread on this machine (t1 = B / samples per second at 1x1)
    divided by N (optimistic: small batches run below the large ones' FLOP/s);
  - weak scaling: each machine keeps the spec's batch B (the global batch grows to N·B), so
    compute stays t1 and only the all-reduce grows;
  - a ring all-reduce of the gradient (G bytes) takes 2(N-1)/N * G / bandwidth + 2(N-1) * latency,
    bandwidth the line rate, latency the measured small-message all-reduce time over the veth
    pair (else loopback; or --latency);
  - the overlap hides the fraction of communication measured at 2 ranks (--hidden overrides);
  - strong: step(N) = t1 / N + (1 - hidden) * allreduce(N), efficiency = t1 / (N * step(N));
    weak: step(N) = t1 + (1 - hidden) * allreduce(N), efficiency = t1 / step(N).
"""
import argparse
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measurements")
    parser.add_argument("--latency", type=float, help="seconds per message (default: measured)")
    parser.add_argument("--hidden", type=float, help="fraction of communication hidden (default: measured)")
    parser.add_argument("--machines", default="2,4,8,16,32,64")
    parser.add_argument("--gbits", default="1,10,25")
    args = parser.parse_args()
    with open(args.measurements) as f:
        m = json.load(f)
    links = m["allreduce"]
    link = links.get("veth") or links["loopback"]
    latency = args.latency if args.latency is not None else link["sizes"][0]["seconds"] / 2
    machines = [int(n) for n in args.machines.split(",")]
    speeds = [float(g) for g in args.gbits.split(",")]
    print("PLANNING ON PAPER: a cost model fed with this machine's measurements, not a measurement.")
    print(f"latency per message {latency * 1e6:.1f} µs (from the {'veth' if links.get('veth') else 'loopback'} "
          f"all-reduce of {int(link['sizes'][0]['bytes'])} bytes, which sends 2 messages at 2 ranks)")
    for name, model in m["models"].items():
        two = model["two_by_one"]
        batch = two["batch"]
        t1 = batch / model["one_by_one"]["samples_per_second"]
        rank0 = two["ranks"][0] if two["ranks"] else {}
        measured = 1 - rank0["waited_ms"] / rank0["communication_ms"] if rank0.get("communication_ms") else 0.0
        hidden = args.hidden if args.hidden is not None else max(0.0, min(1.0, measured))
        g = model["gradient_bytes"]
        print(f"\n{name}: batch {batch}, gradient {g:,} bytes, one machine {t1 * 1e3:.3f} ms per step, "
              f"{hidden:.0%} of communication hidden")
        for scaling in ("strong", "weak"):
            what = f"global batch {batch}" if scaling == "strong" else f"batch {batch} per machine"
            print(f"{scaling} scaling ({what})")
            print(f"{'machines':>8} " + " ".join(f"{f'{s:g} Gbit/s step ms':>20} {'eff':>5}" for s in speeds))
            for n in machines:
                cells = []
                for s in speeds:
                    bandwidth = s * 1e9 / 8
                    allreduce = 2 * (n - 1) / n * g / bandwidth + 2 * (n - 1) * latency
                    compute = t1 / n if scaling == "strong" else t1
                    step = compute + (1 - hidden) * allreduce
                    cells.append(f"{step * 1e3:20.3f} {compute / step:5.0%}")
                print(f"{n:8d} " + " ".join(cells))


if __name__ == "__main__":
    main()
