#!/usr/bin/env bash
# Benchmark: whole-process time of `nnc check` and `nnc summary` on the largest model
# (10,000 conv layers), LeNet-5 and a DSL model: release build, mean and range of 15 runs
# after 3 warm-ups.
# Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-release >/dev/null
nnc=.build-release/release/nnc
hyperfine --warmup 3 --runs 15 --export-markdown /dev/stdout \
  "$nnc check models/deep_cnn_10000.yaml" \
  "$nnc summary models/deep_cnn_10000.yaml" \
  "$nnc check models/lenet5.yaml" \
  "$nnc check models/resnet_block.nn"
