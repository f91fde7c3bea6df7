# The one sanitizer build both Scripts/test-asan.sh and Scripts/fuzz.sh use (sourced): every
# Swift module with AddressSanitizer and libFuzzer's coverage instrumentation, the C code with
# AddressSanitizer, and libFuzzer's runtime (without its main) linked into every program, so
# the same build runs the test suite under ASan and nnc-fuzz as a fuzzer (its main calls
# libFuzzer's driver when the runtime is there; CNNCFuzz). Release: the numeric tests need it.
fuzzer_runtime=$(ls "$(dirname "$(readlink -f "$(command -v swiftc)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)
[ -n "$fuzzer_runtime" ] || { echo "libclang_rt.fuzzer_no_main not found beside swiftc: a Swift toolchain for Linux has it" >&2; exit 1; }
asan_scratch=${NNC_ASAN_SCRATCH:-.build-asan}
asan_flags=(-c release --scratch-path "$asan_scratch"
    -Xswiftc -enable-testing -Xswiftc -sanitize=address
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
    -Xcc -fsanitize=address
    -Xlinker --whole-archive -Xlinker "$fuzzer_runtime" -Xlinker --no-whole-archive -Xlinker -lstdc++)
# ASan and libFuzzer report; the Swift runtime's backtracer would only slow a report down.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0"
