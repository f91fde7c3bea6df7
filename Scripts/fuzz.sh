#!/usr/bin/env bash
# Builds nnc-fuzz with libFuzzer and AddressSanitizer (Scripts/asan-build.sh) and fuzzes each target for a bounded
# time. A crash, a trap, an ASan report, a leak, an input slower than -timeout or a process
# above -rss_limit_mb fails the run; the input is saved under $work/crashes.
#
#   Scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s each for yaml dsl data weights)
#
# The seed corpus is Tests/Fuzz/corpus/<target> (read only here); inputs libFuzzer finds
# are kept in $work/corpus/<target>, so a later run continues from them. Replay a file or a
# folder without the sanitizers: swift run -c release nnc-fuzz <target> <path>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml dsl data weights)
source Scripts/asan-build.sh
work="$asan_scratch/fuzz"
mkdir -p "$work"
# The build's log is kept: the linker warns about every ASan symbol it cannot export.
echo "building nnc-fuzz with AddressSanitizer and libFuzzer in $asan_scratch (log: $work/build.log)"
swift build "${asan_flags[@]}" --product nnc-fuzz >"$work/build.log" 2>&1 || { grep -v "Cannot export" "$work/build.log" | tail -40; exit 1; }
binary="$asan_scratch/release/nnc-fuzz"

failed=()
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/crashes"
    dict=()
    case "$target" in yaml|dsl) dict=(-dict=Tests/Fuzz/spec.dict) ;; esac
    log="$work/$target.log"
    echo "fuzzing $target for ${seconds}s (log: $log)"
    status=0
    "$binary" "$target" "$work/corpus/$target" "Tests/Fuzz/corpus/$target" "${dict[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -artifact_prefix="$work/crashes/$target-" -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "  $target: ${runs:-?} executions, exit $status"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        grep -E "ERROR|Fatal error|deadly signal|Test unit written|SUMMARY" "$log" | head -20 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing failed for: ${failed[*]} (inputs in $work/crashes; replay: swift run -c release nnc-fuzz <target> <file>)" >&2
    exit 1
fi
echo "fuzzing: no crash, hang, leak or memory blow-up in ${targets[*]}"
