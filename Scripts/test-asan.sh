#!/usr/bin/env bash
# The whole test suite once under AddressSanitizer: the Swift code, the C kernels and the
# `nnc` binary the end-to-end tests run, built in .build-asan (Scripts/asan-build.sh) so the
# ordinary build stays.
#   Scripts/test-asan.sh [swift test options, e.g. --filter DataBoundaryTests]
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/asan-build.sh
# The linker warns about every ASan symbol it cannot export: the log keeps them out of sight.
echo "building the tests with AddressSanitizer in $asan_scratch (log: $asan_scratch/build.log)"
mkdir -p "$asan_scratch"
swift build "${asan_flags[@]}" --build-tests >"$asan_scratch/build.log" 2>&1 || { grep -v "Cannot export" "$asan_scratch/build.log" | tail -40; exit 1; }
# Under ASan, whose allocator is the process's, the tests' malloc counter (CAllocationCounter)
# is not interposed: the zero-allocation tests are left to the ordinary run. NNC_ASAN tells the
# end-to-end tests not to put `nnc` under an address-space limit (ASan's shadow needs terabytes).
export NNC_ASAN=1
# Leaks are the fuzzers' to find (per input, Scripts/fuzz.sh): at the exit of a test process
# or of `nnc` after exit(64), LeakSanitizer also counts what Swift globals, Foundation's
# Process and XCTest keep to the end, which are no leaks.
export ASAN_OPTIONS=detect_leaks=0
# Left out, to keep CI well under its 30 minutes (this build also carries libFuzzer's
# coverage instrumentation; with them the run took 14 minutes on 2 cores, without them 1):
# the tests that train bundled examples to their stated results, the finite-difference checks
# of whole bundled models and of the kinks (long double-precision loops over the kernels the
# kernel tests and the per-op gradient checks already run here), the memory planners'
# searches over every bundled model (pure Swift, no unsafe memory) and the corpus replay (the
# fuzzers run every seed first).
swift test "${asan_flags[@]}" --skip-build \
    --skip 'AllocateNothing|AllocatesNothing|MakeNoHeapAllocations|allocationCounterCounts' \
    --skip 'trainsToItsStatedResult|bundledModelsMatchFiniteDifferences|kinksCrossedByTheStep|everyModelPlansWithinItsBounds' \
    --skip 'largePlansPlan|plannersGiveIdenticalResults|corpusReplaysWithoutACrash' "$@"
