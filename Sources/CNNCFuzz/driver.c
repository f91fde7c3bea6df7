#include "CNNCFuzz.h"

// libFuzzer's entry for a program with its own main. Weak: in an ordinary build nothing
// defines it and its address is null, so the same program replays a corpus instead.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t)) __attribute__((weak));

int nnc_fuzz_run_driver(int *argc, char ***argv, nnc_fuzz_callback callback) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
