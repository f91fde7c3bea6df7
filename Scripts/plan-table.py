#!/usr/bin/env python3
"""The memory plan of every model in models/ at batches 1, 32 and 128, training and inference.

Runs `nnc plan FILE --batch N [--inference] --format json` and prints, per plan, the arena
against the lower bound (the largest sum of simultaneously live bytes), the naive sum of all
buffers and the planning time, then the worst ratios and the slowest planning. Models that
do not compile (none should) are listed with their error. Build first, then
  Scripts/plan-table.py [--nnc .build/release/nnc]
"""
import argparse, glob, json, os, subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    args = parser.parse_args()
    models = sorted(glob.glob(os.path.join(ROOT, "models", "*.yaml")) + glob.glob(os.path.join(ROOT, "models", "*.nn")))
    print(f"{'model':26s} {'mode':9s} {'batch':>5s} {'arena':>13s} {'lower bound':>13s} {'arena/lb':>8s} "
          f"{'naive/arena':>11s} {'buffers':>7s} {'plan ms':>8s}")
    worst = {"training": 0.0, "inference": 0.0}
    slowest = (0.0, "")
    for path in models:
        name = os.path.basename(path)
        for mode in ("inference", "training"):
            for batch in (1, 32, 128):
                command = [args.nnc, "plan", path, "--batch", str(batch), "--format", "json"]
                if mode == "inference":
                    command.append("--inference")
                run = subprocess.run(command, capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"{name:26s} {mode:9s} {batch:5d}  does not compile: {run.stdout.strip()[:80]}")
                    continue
                plan = json.loads(run.stdout)
                ratio = plan["arena_bytes"] / max(plan["lower_bound_bytes"], 1)
                worst[mode] = max(worst[mode], ratio)
                slowest = max(slowest, (plan["planning_ms"], f"{name} {mode} batch {batch}"))
                print(f"{name:26s} {mode:9s} {batch:5d} {plan['arena_bytes']:13,d} {plan['lower_bound_bytes']:13,d} "
                      f"{ratio:8.3f} {plan['naive_bytes'] / max(plan['arena_bytes'], 1):11.2f} "
                      f"{len(plan.get('buffers', [])):7d} {plan['planning_ms']:8.3f}")
    print(f"worst arena/lower bound: inference {worst['inference']:.3f}, training {worst['training']:.3f}; "
          f"slowest planning {slowest[0]:.2f} ms ({slowest[1]})")


if __name__ == "__main__":
    main()
