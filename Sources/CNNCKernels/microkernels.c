// The MR×NR = 6×16 microkernels: C[6×16] (+)= Ap[6×kc]·Bp[kc×16] over packed panels
// (microkernel_avx512.c has the 12×32 one over two of each), and instruction-set selection.
// The AVX2/FMA one keeps the tile in 12 ymm registers (6 rows × 2 vectors of 8) and per
// step loads two B vectors and broadcasts six A values: 12 FMAs for 8 loads.

#include "nnc_kernels.h"
#include <math.h>
#include <stdatomic.h>

void nnc_microkernel_rows_portable(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate);
void nnc_gemv_portable(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// Writes (or adds) the 6×16 tile held as 12 vectors to C.
__attribute__((target("avx2,fma")))
static inline void store_tile(float *c, int ldc, const __m256 rows[12], int accumulate) {
    for (int i = 0; i < 6; i++) {
        float *ci = c + (size_t)i * ldc;
        __m256 lo = rows[2 * i], hi = rows[2 * i + 1];
        if (accumulate) {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(ci));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(ci + 8));
        }
        _mm256_storeu_ps(ci, lo);
        _mm256_storeu_ps(ci + 8, hi);
    }
}

// One k-step of the 6×16 tile: two B vectors, six broadcasts of A, twelve FMAs.
#define STEP6x16(a, b)                                                                                        \
    {                                                                                                         \
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps((b) + 8), x;                                      \
        x = _mm256_broadcast_ss((a) + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01); \
        x = _mm256_broadcast_ss((a) + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11); \
        x = _mm256_broadcast_ss((a) + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21); \
        x = _mm256_broadcast_ss((a) + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31); \
        x = _mm256_broadcast_ss((a) + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41); \
        x = _mm256_broadcast_ss((a) + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51); \
    }

// Unrolled four k-steps deep, with the A panel (streamed from L2) prefetched 16 steps ahead
// and C's rows prefetched before the loop: measured +10–15% over one step per iteration on
// the MLP shapes (A/B in one process, tiles swept as the GEMM sweeps them).
__attribute__((target("avx2,fma")))
void nnc_microkernel_avx2(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate) {
    for (int i = 0; i < 6; i++) _mm_prefetch((const char *)(c + (size_t)i * ldc), _MM_HINT_T0);
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    int q = 0;
    for (; q + 4 <= kc; q += 4, ap += 24, bp += 64) {
        _mm_prefetch((const char *)(ap + 96), _MM_HINT_T0);
        STEP6x16(ap, bp) STEP6x16(ap + 6, bp + 16) STEP6x16(ap + 12, bp + 32) STEP6x16(ap + 18, bp + 48)
    }
    for (; q < kc; q++, ap += 6, bp += 16) STEP6x16(ap, bp)
    __m256 rows[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    store_tile(c, ldc, rows, accumulate);
}

// The same microkernel reading A unpacked: six row pointers `a + i*lda`, one broadcast
// per row per step. Used when C has a single column panel, so a packed A would be read
// only once and packing it would cost as much as the arithmetic.
__attribute__((target("avx2,fma")))
void nnc_microkernel_avx2_rows(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate) {
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * (size_t)lda, *a3 = a + 3 * (size_t)lda;
    const float *a4 = a + 4 * (size_t)lda, *a5 = a + 5 * (size_t)lda;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int q = 0; q < kc; q++) {
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 x;
        x = _mm256_broadcast_ss(a0 + q); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + q); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + q); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + q); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a4 + q); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a5 + q); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        bp += 16;
    }
    __m256 rows[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    store_tile(c, ldc, rows, accumulate);
}

// y[n] (+)= x[k]·B[k×n] for one row. Four rows of B at a time stream contiguously while
// y stays in L1: one load and store of y per four FMAs, every byte of B read once.
__attribute__((target("avx2,fma")))
void nnc_gemv_avx2(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate) {
    if (!accumulate)
        for (int j = 0; j < n; j++) y[j] = 0.0f;
    int q = 0;
    for (; q + 4 <= k; q += 4) {
        const float *b0 = b + (size_t)q * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
        __m256 x0 = _mm256_broadcast_ss(x + q), x1 = _mm256_broadcast_ss(x + q + 1);
        __m256 x2 = _mm256_broadcast_ss(x + q + 2), x3 = _mm256_broadcast_ss(x + q + 3);
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 acc = _mm256_loadu_ps(y + j);
            acc = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b0 + j), acc);
            acc = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b1 + j), acc);
            acc = _mm256_fmadd_ps(x2, _mm256_loadu_ps(b2 + j), acc);
            acc = _mm256_fmadd_ps(x3, _mm256_loadu_ps(b3 + j), acc);
            _mm256_storeu_ps(y + j, acc);
        }
        // The last columns as the vector lanes: one FMA per step, in order (the same bits as
        // gemm.c's packed matrix–vector product).
        for (; j < n; j++) {
            float sum = fmaf(x[q + 1], b1[j], fmaf(x[q], b0[j], y[j]));
            y[j] = fmaf(x[q + 3], b3[j], fmaf(x[q + 2], b2[j], sum));
        }
    }
    for (; q < k; q++) {
        const float *row = b + (size_t)q * ldb;
        for (int j = 0; j < n; j++) y[j] = fmaf(x[q], row[j], y[j]);
    }
}

static int detect(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
void nnc_microkernel_avx2(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate) {
    nnc_microkernel_portable(kc, ap, bp, c, ldc, accumulate);
}
void nnc_microkernel_avx2_rows(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate) {
    nnc_microkernel_rows_portable(kc, a, lda, bp, c, ldc, accumulate);
}
void nnc_gemv_avx2(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate) {
    nnc_gemv_portable(y, x, b, ldb, n, k, accumulate);
}
static int detect(void) { return 0; }
#endif

void nnc_gemv_portable(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate) {
    if (!accumulate)
        for (int j = 0; j < n; j++) y[j] = 0.0f;
    for (int q = 0; q < k; q++) {
        const float *row = b + (size_t)q * ldb;
        float xq = x[q];
        for (int j = 0; j < n; j++) y[j] += xq * row[j];
    }
}

void nnc_microkernel_rows_portable(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate) {
    float tile[6][16] = {{0}};
    for (int q = 0; q < kc; q++) {
        for (int i = 0; i < 6; i++) {
            float x = a[(size_t)i * lda + q];
            for (int j = 0; j < 16; j++) tile[i][j] += x * bp[j];
        }
        bp += 16;
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 16; j++) c[(size_t)i * ldc + j] = (accumulate ? c[(size_t)i * ldc + j] : 0.0f) + tile[i][j];
}

void nnc_microkernel_portable(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate) {
    float tile[6][16] = {{0}};
    for (int q = 0; q < kc; q++) {
        for (int i = 0; i < 6; i++) {
            float a = ap[i];
            for (int j = 0; j < 16; j++) tile[i][j] += a * bp[j];
        }
        ap += 6;
        bp += 16;
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 16; j++) c[(size_t)i * ldc + j] = (accumulate ? c[(size_t)i * ldc + j] : 0.0f) + tile[i][j];
}

// The detected set is cached (an idempotent race, so a relaxed atomic); an override is the
// calling thread's, and the pool hands the caller's to the threads that run its parts, so a
// test forcing one path never changes the kernels another thread's work runs.
static _Atomic int detected = -1;
static _Thread_local int override = -1;

int nnc_cpu_has_avx512(void);

nnc_isa nnc_detected_isa(void) {
    int d = atomic_load_explicit(&detected, memory_order_relaxed);
    if (d < 0) {
        d = !detect() ? NNC_ISA_PORTABLE : nnc_cpu_has_avx512() ? NNC_ISA_AVX512 : NNC_ISA_AVX2_FMA;
        atomic_store_explicit(&detected, d, memory_order_relaxed);
    }
    return (nnc_isa)d;
}

nnc_isa nnc_active_isa(void) {
    nnc_isa best = nnc_detected_isa();
    // An override picks a set at most as capable as the CPU's (the sets are ordered).
    if (override < 0 || override >= (int)best) return best;
    return (nnc_isa)override;
}

int nnc_has_avx2(void) { return nnc_active_isa() >= NNC_ISA_AVX2_FMA; }

void nnc_set_isa(nnc_isa isa) { override = (int)isa; }

int nnc_isa_override(void) { return override; }
void nnc_set_isa_override(int isa) { override = isa; }
