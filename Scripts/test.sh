#!/usr/bin/env bash
# The README's test command. Some tests check nnc's files with the readers people use them with:
# ONNX Runtime and onnx's checker run exported models, TensorBoard's reader loads event files,
# a JSON Schema validator checks the bundled models against the schema editors use.
# Those Python packages are installed here when missing (pinned, from PyPI), and so are the
# image libraries nnc loads at run time to decode PNG and JPEG files (Debian's packages, as
# root), and Open MPI for the distributed tests (mpirun, libmpi; nnc loads it only under mpirun);
# then the whole suite runs in release, where the numeric tests (gradient checks,
# training steps) are fast enough.
# Arguments pass through to `swift test` (for example --filter SuiteName).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(onnx==1.23.2 onnxruntime==1.32.0 tensorboard==2.21.0 jsonschema==4.26.0 pyyaml==6.0.3)
if ! python3 -c 'import onnx, onnxruntime, tensorboard, jsonschema, yaml' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check "${packages[@]}"
fi
if ! ldconfig -p | grep -q 'libturbojpeg\.so\.0' || ! ldconfig -p | grep -q 'libpng16\.so\.16'; then
    apt-get update -qq && apt-get install -y -qq libturbojpeg0 libpng16-16 > /dev/null
fi
if ! command -v mpirun > /dev/null || ! ldconfig -p | grep -q 'libmpi\.so\.40'; then
    apt-get update -qq && apt-get install -y -qq openmpi-bin libopenmpi3 > /dev/null
fi
if ! ldconfig -p | grep -q 'libhdf5\(_serial\)\?\.so\.'; then
    apt-get update -qq && apt-get install -y -qq libhdf5-103-1 > /dev/null
fi
swift test -c release -Xswiftc -enable-testing "$@"
