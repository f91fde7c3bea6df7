// Interposes the malloc family in the test process to count heap allocations, for the
// test that a training step allocates nothing. Linux/glibc only: elsewhere the counter
// reports itself inactive and the test says so.

#include "allocation_counter.h"
#include <stdatomic.h>
#include <stddef.h>

static atomic_int counting;
// Only tracked threads count, so tests running concurrently in the same process do not.
static _Thread_local int tracked;
static atomic_uint_fast64_t allocations;
static atomic_int interposed;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NNC_ADDRESS_SANITIZER 1
#endif
#endif

// Not under AddressSanitizer, whose own malloc must see every allocation.
#if defined(__linux__) && defined(__GLIBC__) && !defined(NNC_ADDRESS_SANITIZER)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static inline void count(void) {
    atomic_store_explicit(&interposed, 1, memory_order_relaxed);
    if (tracked && atomic_load_explicit(&counting, memory_order_relaxed)) atomic_fetch_add(&allocations, 1);
}

void *malloc(size_t n) { count(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t n) { count(); return __libc_memalign(alignment, n); }
void *aligned_alloc(size_t alignment, size_t n) { count(); return __libc_memalign(alignment, n); }
int posix_memalign(void **out, size_t alignment, size_t n) {
    count();
    void *p = __libc_memalign(alignment, n);
    if (!p) return 12; // ENOMEM
    *out = p;
    return 0;
}
#endif

void nnc_allocation_counter_start(void) {
    atomic_store(&allocations, 0);
    atomic_store(&counting, 1);
}

uint64_t nnc_allocation_counter_stop(void) {
    atomic_store(&counting, 0);
    return atomic_load(&allocations);
}

int nnc_allocation_counter_active(void) { return atomic_load(&interposed); }

void nnc_allocation_counter_track_this_thread(int on) { tracked = on; }

void nnc_allocation_counter_track_at_barrier(int *claimed, int threads, int on) {
    tracked = on;
    atomic_int *counter = (atomic_int *)claimed;
    atomic_fetch_add(counter, 1);
    while (atomic_load(counter) < threads) {}
}
