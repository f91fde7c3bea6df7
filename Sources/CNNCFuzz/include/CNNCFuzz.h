#ifndef CNNCFUZZ_H
#define CNNCFUZZ_H
#include <stddef.h>
#include <stdint.h>

/// One fuzz input, as libFuzzer passes it.
typedef int (*nnc_fuzz_callback)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver on `callback` when the executable was linked with its runtime
/// (`-sanitize=fuzzer`), returning its exit status; -1 in an ordinary build.
int nnc_fuzz_run_driver(int *argc, char ***argv, nnc_fuzz_callback callback);

#endif
