#ifndef NNC_ALLOCATION_COUNTER_H
#define NNC_ALLOCATION_COUNTER_H
#include <stdint.h>

/// Heap allocations (malloc, calloc, realloc, aligned forms) made by tracked threads of
/// this process since the counter started. The test process's malloc family is interposed and
/// forwards to glibc's; counting costs one atomic add per allocation.
void nnc_allocation_counter_start(void);
uint64_t nnc_allocation_counter_stop(void);
/// Counts only allocations made by threads that called this with 1 (the test's thread and
/// the thread pool's workers), so other tests running at the same time do not interfere.
void nnc_allocation_counter_track_this_thread(int on);
/// Sets tracking for the calling thread, then waits until `threads` threads have arrived
/// (run as the parts of one thread-pool job, it reaches every worker exactly once).
void nnc_allocation_counter_track_at_barrier(int *claimed, int threads, int on);
/// 1 when the interposed allocator is the one the process uses (glibc on Linux).
int nnc_allocation_counter_active(void);

#endif
