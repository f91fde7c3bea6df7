// Fork/join in a few atomic operations. A training step runs dozens of parallel kernels of
// 5–300 µs each, so what a dispatch costs is paid dozens of times per step: a mutex and a
// condition variable per dispatch (the pool this replaces) cost more than a 2-thread split
// of a 128×128 product saves.
//
// Algorithm: one 64-bit word holds the job — generation (bits 40–63) and the unclaimed parts
// [front (0–19), back (20–39)). The caller writes the task, then publishes the word; every
// thread (the caller included) claims parts by compare-and-swap on the whole word, so a
// thread that wakes late cannot claim a part of a later job, and the task is read only
// after a successful claim, while the caller still waits for that part. The caller claims
// from the front, workers from the back: with two threads the caller runs a prefix of the
// parts and the worker the rest, so a job of two parts runs part 0 on the caller and part 1
// on the worker whenever the worker is awake in time, and each core can keep its half of a
// split product's operands in its own cache from one call to the next (claimed in order of
// arrival, the halves changed cores at random). On the development host this measured no
// faster, within its noise (batch-1 MLP-500, two threads). Finished parts are counted on a
// separate line; the caller returns when all are counted.
//
// Waiting: an idle worker spins (with the CPU's pause hint) for about a millisecond, which
// covers the gaps inside and between training steps, then sleeps on a condition variable;
// a dispatch takes the lock only when a worker sleeps. The store of the job and the load of
// the sleeper count (and the worker's increment and re-check) are sequentially consistent,
// so a wake-up cannot be lost between them.
//
// Cost: a dispatch to a spinning worker is a store, one compare-and-swap per part and a
// counter; the caller runs parts itself, so with no worker awake it only loses the wait.

#include "nnc_pool.h"
#include "nnc_gemm.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define PART_BITS 20
#define PART_MASK ((UINT64_C(1) << PART_BITS) - 1)
#define GENERATION_SHIFT (2 * PART_BITS)
/// How long an idle worker spins before it sleeps, and a caller before it yields its core.
#define WORKER_SPIN_NS 1000000L
#define CALLER_SPIN_NS 200000L

struct nnc_pool {
    int threads;
    pthread_t *workers;
    _Alignas(64) _Atomic uint64_t word;
    _Alignas(64) _Atomic long finished;
    _Alignas(64) _Atomic int sleepers;
    _Atomic int stopping;
    nnc_pool_task task;
    void *context;
    /// The caller's instruction-set override, which its parts run with.
    int isa;
    uint64_t generation;
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

static uint64_t generation_of(uint64_t w) { return w >> GENERATION_SHIFT; }
static uint64_t back_of(uint64_t w) { return (w >> PART_BITS) & PART_MASK; }
static uint64_t front_of(uint64_t w) { return w & PART_MASK; }

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/// Claims and runs parts of job `generation` until none is left: the first unclaimed part
/// each time, or the last one `from_back` (workers).
static void drain(nnc_pool *pool, uint64_t generation, int from_back) {
    uint64_t w = atomic_load_explicit(&pool->word, memory_order_relaxed);
    for (;;) {
        if (generation_of(w) != generation || front_of(w) >= back_of(w)) return;
        uint64_t claimed = from_back ? w - (UINT64_C(1) << PART_BITS) : w + 1;
        if (!atomic_compare_exchange_weak_explicit(&pool->word, &w, claimed, memory_order_acquire, memory_order_relaxed))
            continue;
        nnc_set_isa_override(pool->isa);
        pool->task(pool->context, from_back ? (long)back_of(w) - 1 : (long)front_of(w));
        atomic_fetch_add_explicit(&pool->finished, 1, memory_order_release);
        w = atomic_load_explicit(&pool->word, memory_order_relaxed);
    }
}

/// Sleeps until the generation moves past `seen` or the pool stops.
static void sleep_until_job(nnc_pool *pool, uint64_t seen) {
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add_explicit(&pool->sleepers, 1, memory_order_seq_cst);
    while (generation_of(atomic_load_explicit(&pool->word, memory_order_seq_cst)) == seen &&
           !atomic_load_explicit(&pool->stopping, memory_order_seq_cst))
        pthread_cond_wait(&pool->wake, &pool->lock);
    atomic_fetch_sub_explicit(&pool->sleepers, 1, memory_order_relaxed);
    pthread_mutex_unlock(&pool->lock);
}

static void *work(void *argument) {
    nnc_pool *pool = argument;
    uint64_t seen = 0;  // jobs start at generation 1
    for (;;) {
        long spin_start = now_ns();
        unsigned spins = 0;
        uint64_t w;
        while (generation_of(w = atomic_load_explicit(&pool->word, memory_order_acquire)) == seen) {
            if (atomic_load_explicit(&pool->stopping, memory_order_relaxed)) return NULL;
            relax();
            if (++spins % 64 == 0 && now_ns() - spin_start > WORKER_SPIN_NS) {
                sleep_until_job(pool, seen);
                spin_start = now_ns();
            }
        }
        if (atomic_load_explicit(&pool->stopping, memory_order_relaxed)) return NULL;
        seen = generation_of(w);
        drain(pool, seen, 1);
    }
}

nnc_pool *nnc_pool_create(int threads) {
    nnc_pool *pool = calloc(1, sizeof(nnc_pool));
    if (!pool) return NULL;
    pool->threads = threads < 1 ? 1 : threads;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->workers = calloc((size_t)pool->threads, sizeof(pthread_t));
    if (!pool->workers) {
        free(pool);
        return NULL;
    }
    for (int i = 1; i < pool->threads; i++) {
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setstacksize(&attributes, 1 << 20);
        int failed = pthread_create(&pool->workers[i], &attributes, work, pool);
        pthread_attr_destroy(&attributes);
        if (failed) {
            pool->threads = i;
            nnc_pool_destroy(pool);
            return NULL;
        }
    }
    return pool;
}

void nnc_pool_destroy(nnc_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    atomic_store_explicit(&pool->stopping, 1, memory_order_seq_cst);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->threads; i++) pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

void nnc_pool_run(nnc_pool *pool, long parts, nnc_pool_task task, void *context) {
    if (parts <= 0) return;
    if (pool->threads == 1 || parts == 1) {
        for (long p = 0; p < parts; p++) task(context, p);
        return;
    }
    pool->task = task;
    pool->context = context;
    pool->isa = nnc_isa_override();
    atomic_store_explicit(&pool->finished, 0, memory_order_relaxed);
    pool->generation = (pool->generation + 1) & (UINT64_MAX >> GENERATION_SHIFT);
    uint64_t w = pool->generation << GENERATION_SHIFT | (uint64_t)parts << PART_BITS;
    atomic_store_explicit(&pool->word, w, memory_order_seq_cst);
    if (atomic_load_explicit(&pool->sleepers, memory_order_seq_cst) > 0) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }
    drain(pool, pool->generation, 0);
    long spin_start = 0;
    unsigned spins = 0;
    while (atomic_load_explicit(&pool->finished, memory_order_acquire) < parts) {
        relax();
        if (++spins % 64 == 0) {
            // A worker descheduled in the middle of its part: give it the core.
            if (!spin_start) spin_start = now_ns();
            else if (now_ns() - spin_start > CALLER_SPIN_NS) sched_yield();
        }
    }
}
