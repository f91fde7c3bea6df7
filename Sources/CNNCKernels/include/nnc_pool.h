#ifndef NNC_POOL_H
#define NNC_POOL_H

// A fixed pool of worker threads that runs the parts of one job at a time (fork/join).

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnc_pool nnc_pool;

/// Part `part` of a job; `context` is the caller's (usually a struct on its stack).
typedef void (*nnc_pool_task)(void *context, long part);

/// A pool of `threads` threads in all: the caller of nnc_pool_run plus threads − 1 workers.
/// Returns NULL if the threads cannot be started.
nnc_pool *nnc_pool_create(int threads);
/// Stops and joins the workers and frees the pool (no job may be running).
void nnc_pool_destroy(nnc_pool *pool);

/// Runs task(context, p) for p in [0, parts) on the caller and the workers and returns when
/// every part is done. Parts are claimed one at a time by whichever thread is free, the
/// caller from the first part up and the workers from the last part down, so a busy or
/// sleeping worker delays nothing and with two threads each keeps its end of the parts;
/// the code a part runs never depends on the thread that takes it. Allocates nothing. One
/// caller at a time; parts < 2^20.
void nnc_pool_run(nnc_pool *pool, long parts, nnc_pool_task task, void *context);

#ifdef __cplusplus
}
#endif

#endif
