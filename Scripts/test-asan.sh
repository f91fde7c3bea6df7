#!/usr/bin/env bash
# The whole test suite once under AddressSanitizer: the Swift code, the C kernels and the
# `nnc` binary the end-to-end tests run, built in .build-asan so the ordinary build stays.
#   Scripts/test-asan.sh [swift test options, e.g. --filter DataBoundaryTests]
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --scratch-path "${NNC_ASAN_SCRATCH:-.build-asan}"
       -Xswiftc -enable-testing -Xswiftc -sanitize=address -Xcc -fsanitize=address)
swift build "${flags[@]}" --build-tests
# ASan reports; the Swift runtime's backtracer would only slow a report down.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0"
swift test "${flags[@]}" --skip-build "$@"
