# The one sanitizer build both Scripts/test-asan.sh and Scripts/fuzz.sh use (sourced): nnc's
# Swift modules with AddressSanitizer and libFuzzer's coverage instrumentation (NNC_SANITIZE=1,
# read by Package.swift; the Swift packages nnc uses stay plain), all C code with
# AddressSanitizer, and libFuzzer's runtime (without its main) linked into every program, so
# the same build runs the test suite under ASan and nnc-fuzz as a fuzzer (its main calls
# libFuzzer's driver when the runtime is there; CNNCFuzz). Release: the numeric tests need it.
fuzzer_runtime=$(ls "$(dirname "$(readlink -f "$(command -v swiftc)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)
[ -n "$fuzzer_runtime" ] || { echo "libclang_rt.fuzzer_no_main not found beside swiftc: a Swift toolchain for Linux has it" >&2; exit 1; }
asan_scratch=${NNC_ASAN_SCRATCH:-.build-asan}
asan_flags=(-c release --scratch-path "$asan_scratch"
    -Xswiftc -enable-testing -Xcc -fsanitize=address
    -Xlinker --whole-archive -Xlinker "$fuzzer_runtime" -Xlinker --no-whole-archive -Xlinker -lstdc++)
export NNC_SANITIZE=1
# ASan and libFuzzer report; the Swift runtime's backtracer would only slow a report down.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0"
