// The 12×32 AVX-512 microkernel: C[12×32] (+)= A·B over two adjacent 6-row A panels and two
// adjacent 16-column B panels of the AVX2 kernel's packed layout, so packing, workspaces and
// pre-packed weights are shared by both instruction sets. The tile is 24 zmm accumulators
// (12 rows × 2 vectors of 16); per k-step two B vectors are loaded and twelve A values
// broadcast: 24 FMAs for 14 loads, against 12 for 8 in the 6×16 AVX2 kernel, with half the
// instructions per FMA. Cores with two 512-bit FMA units run it at twice the AVX2 peak; cores
// that split a 512-bit FMA in two (AMD Zen 4) at the same peak with fewer instructions.
// Both kernels also read A's rows in place (lda floats apart) where packing A would not pay
// (gemm.c's A_IN_PLACE_COLS): the same loop, other strides.
//
// Every C element is summed as the 6×16 kernels sum it (k in order, one FMA per step from
// zero, then C added when accumulating), so both instruction sets give the same bits.

#include "nnc_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

// One k-step of six rows of the tile: row r (at a + r·rs) times the two B vectors.
#define ROWS6(a, rs, b0, b1, c0, c1, c2, c3, c4, c5, d0, d1, d2, d3, d4, d5)                                      \
    {                                                                                                             \
        __m512 x;                                                                                                 \
        x = _mm512_set1_ps((a)[0]); c0 = _mm512_fmadd_ps(x, b0, c0); d0 = _mm512_fmadd_ps(x, b1, d0);             \
        x = _mm512_set1_ps((a)[rs]); c1 = _mm512_fmadd_ps(x, b0, c1); d1 = _mm512_fmadd_ps(x, b1, d1);            \
        x = _mm512_set1_ps((a)[2 * rs]); c2 = _mm512_fmadd_ps(x, b0, c2); d2 = _mm512_fmadd_ps(x, b1, d2);        \
        x = _mm512_set1_ps((a)[3 * rs]); c3 = _mm512_fmadd_ps(x, b0, c3); d3 = _mm512_fmadd_ps(x, b1, d3);        \
        x = _mm512_set1_ps((a)[4 * rs]); c4 = _mm512_fmadd_ps(x, b0, c4); d4 = _mm512_fmadd_ps(x, b1, d4);        \
        x = _mm512_set1_ps((a)[5 * rs]); c5 = _mm512_fmadd_ps(x, b0, c5); d5 = _mm512_fmadd_ps(x, b1, d5);        \
    }

AVX512 static inline void store_row(float *c, __m512 lo, __m512 hi, int accumulate) {
    if (accumulate) {
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(c));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(c + 16));
    }
    _mm512_storeu_ps(c, lo);
    _mm512_storeu_ps(c + 16, hi);
}

// The 12×32 tile with A's rows 0–5 at a0 and 6–11 at a1: row r's element of step q at
// a0[q·qs + r·rs]. Packed panels: qs 6, rs 1. Rows read in place: qs 1, rs lda. Inlined with
// constant strides, so each layout gets its own loop.
AVX512 static inline __attribute__((always_inline)) void full_tile(int kc, const float *a0, const float *a1, size_t rs,
                                                                   size_t qs, const float *bp, int bstep, int bsecond,
                                                                   float *c, int ldc, int accumulate) {
    const float *b0p = bp, *b1p = bp + bsecond;
    for (int i = 0; i < 12; i++) _mm_prefetch((const char *)(c + (size_t)i * ldc), _MM_HINT_T0);
    __m512 c00 = _mm512_setzero_ps(), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00;
    __m512 c01 = c00, c11 = c00, c21 = c00, c31 = c00, c41 = c00, c51 = c00;
    __m512 e00 = c00, e10 = c00, e20 = c00, e30 = c00, e40 = c00, e50 = c00;
    __m512 e01 = c00, e11 = c00, e21 = c00, e31 = c00, e41 = c00, e51 = c00;
    for (int q = 0; q < kc; q++, a0 += qs, a1 += qs, b0p += bstep, b1p += bstep) {
        if (qs == 6) {  // packed panels: 16 steps ahead
            _mm_prefetch((const char *)(a0 + 96), _MM_HINT_T0);
            _mm_prefetch((const char *)(a1 + 96), _MM_HINT_T0);
        } else if ((q & 15) < 12) {  // rows in place: one row's line two lines ahead per step
            int r = q & 15;
            const float *row = r < 6 ? a0 + r * rs : a1 + (r - 6) * rs;
            _mm_prefetch((const char *)(row + 32), _MM_HINT_T0);
        }
        _mm_prefetch((const char *)(b0p + 16 * (size_t)bstep), _MM_HINT_T0);
        _mm_prefetch((const char *)(b1p + 16 * (size_t)bstep), _MM_HINT_T0);
        __m512 b0 = _mm512_loadu_ps(b0p), b1 = _mm512_loadu_ps(b1p);
        ROWS6(a0, rs, b0, b1, c00, c10, c20, c30, c40, c50, c01, c11, c21, c31, c41, c51)
        ROWS6(a1, rs, b0, b1, e00, e10, e20, e30, e40, e50, e01, e11, e21, e31, e41, e51)
    }
    store_row(c, c00, c01, accumulate);
    store_row(c + (size_t)ldc, c10, c11, accumulate);
    store_row(c + 2 * (size_t)ldc, c20, c21, accumulate);
    store_row(c + 3 * (size_t)ldc, c30, c31, accumulate);
    store_row(c + 4 * (size_t)ldc, c40, c41, accumulate);
    store_row(c + 5 * (size_t)ldc, c50, c51, accumulate);
    store_row(c + 6 * (size_t)ldc, e00, e01, accumulate);
    store_row(c + 7 * (size_t)ldc, e10, e11, accumulate);
    store_row(c + 8 * (size_t)ldc, e20, e21, accumulate);
    store_row(c + 9 * (size_t)ldc, e30, e31, accumulate);
    store_row(c + 10 * (size_t)ldc, e40, e41, accumulate);
    store_row(c + 11 * (size_t)ldc, e50, e51, accumulate);
}

/// C[12×32] (+)= A[12×kc]·B[kc×32]: `ap` the first of two 6-row A panels (the second follows
/// at ap + 6·kc); B's row q is the 16 floats at bp + q·bstep and the 16 at bp + bsecond +
/// q·bstep: two packed 16-column panels (bstep 16, bsecond 16·kc) or B in place (bstep its
/// row stride, bsecond 16).
AVX512 void nnc_microkernel_avx512(int kc, const float *ap, const float *bp, int bstep, int bsecond, float *c, int ldc,
                                   int accumulate) {
    full_tile(kc, ap, ap + 6 * (size_t)kc, 1, 6, bp, bstep, bsecond, c, ldc, accumulate);
}

/// The same tile with A's 12 rows read in place, `lda` floats apart: the same sums in the same
/// order, without packing A (which costs a tenth of a product with few column panels).
AVX512 void nnc_microkernel_avx512_rows(int kc, const float *a, int lda, const float *bp, int bstep, int bsecond,
                                        float *c, int ldc, int accumulate) {
    full_tile(kc, a, a + 6 * (size_t)lda, (size_t)lda, 1, bp, bstep, bsecond, c, ldc, accumulate);
}

// The tiles at the edges of a block, which the 12×32 kernel does not fill: R ≤ 12 rows (of one
// or two 6-row A panels, rows past R unread) by V = 1 or 2 vectors of columns, of which the
// masks keep the valid ones on load and store (B and C past the tile are never touched).
// Each element is summed as in the full kernels, so edge and interior give the same bits as
// the 6×16 AVX2 tiles did. Inlined with constant R and V and the row loops unrolled, the
// accumulators stay in registers (at most 24, with the two B vectors and a broadcast 27 of
// the 32). The loops are unrolled by pragma: at SwiftPM's -O2 clang left them rolled, with the
// accumulators on the stack.
AVX512 static inline __attribute__((always_inline)) void edge_tile(const int R, const int V, int kc, const float *a0,
                                                                   const float *a1, size_t rs, size_t qs,
                                                                   const float *bp, int bstep, int bsecond, float *c,
                                                                   int ldc, int accumulate, __mmask16 m0, __mmask16 m1) {
    __m512 lo[12], hi[12];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm512_setzero_ps();
    const float *b0p = bp, *b1p = bp + bsecond;
    for (int q = 0; q < kc; q++, a0 += qs, a1 += qs, b0p += bstep, b1p += bstep) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b0p), b1 = V > 1 ? _mm512_maskz_loadu_ps(m1, b1p) : b0;
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < R; r++) {
            __m512 x = _mm512_set1_ps(r < 6 ? a0[r * rs] : a1[(r - 6) * rs]);
            lo[r] = _mm512_fmadd_ps(x, b0, lo[r]);
            if (V > 1) hi[r] = _mm512_fmadd_ps(x, b1, hi[r]);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < R; r++) {
        float *row = c + (size_t)r * ldc;
        __m512 x = lo[r];
        if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m0, row));
        _mm512_mask_storeu_ps(row, m0, x);
        if (V > 1) {
            __m512 y = hi[r];
            if (accumulate) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m1, row + 16));
            _mm512_mask_storeu_ps(row + 16, m1, y);
        }
    }
}

#define EDGE_ROWS(R, rs, qs)                                                                                      \
    case R:                                                                                                       \
        if (two) edge_tile(R, 2, kc, a0, a1, rs, qs, bp, bstep, bsecond, c, ldc, accumulate, m0, m1);             \
        else edge_tile(R, 1, kc, a0, a1, rs, qs, bp, bstep, bsecond, c, ldc, accumulate, m0, m1);                 \
        break;

#define EDGE_SWITCH(rs, qs)                                                                                       \
    switch (rows) {                                                                                               \
        EDGE_ROWS(1, rs, qs) EDGE_ROWS(2, rs, qs) EDGE_ROWS(3, rs, qs) EDGE_ROWS(4, rs, qs)                       \
        EDGE_ROWS(5, rs, qs) EDGE_ROWS(6, rs, qs) EDGE_ROWS(7, rs, qs) EDGE_ROWS(8, rs, qs)                       \
        EDGE_ROWS(9, rs, qs) EDGE_ROWS(10, rs, qs) EDGE_ROWS(11, rs, qs) EDGE_ROWS(12, rs, qs)                    \
        default: break;                                                                                           \
    }

/// C[rows×cols] (+)= A·B for 1 ≤ rows ≤ 12, 1 ≤ cols ≤ 32: an edge tile of the 12×32 kernel's
/// layouts, B as for nnc_microkernel_avx512. A is up to two 6-row panels at `a` (lda 0) or
/// rows read in place, lda floats apart (rows past `rows` unread either way).
AVX512 void nnc_microkernel_avx512_edge(int kc, const float *a, int lda, int rows, const float *bp, int bstep,
                                        int bsecond, int cols, float *c, int ldc, int accumulate) {
    int two = cols > 16;
    __mmask16 m0 = (__mmask16)(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
    __mmask16 m1 = (__mmask16)(cols >= 32 ? 0xFFFF : two ? (1u << (cols - 16)) - 1 : 0);
    if (lda) {
        const float *a0 = a, *a1 = rows > 6 ? a + 6 * (size_t)lda : a;
        size_t stride = (size_t)lda;
        EDGE_SWITCH(stride, 1)
    } else {
        const float *a0 = a, *a1 = a + 6 * (size_t)kc;
        EDGE_SWITCH(1, 6)
    }
}

// Columns [j, j + 16·nv) of y (+)= x·B, the last vector masked by `last`: y in nv zmm registers
// over all of K, one B row of the block per step (the AVX2 loop loads and stores y every four).
AVX512 static inline __attribute__((always_inline)) void gemv_block(const int nv, float *y, const float *x,
                                                                    const float *b, size_t ldb, int k, int accumulate,
                                                                    __mmask16 last) {
    __m512 acc[8];
    for (int v = 0; v < nv; v++) {
        __mmask16 m = v == nv - 1 ? last : 0xFFFF;
        acc[v] = accumulate ? _mm512_maskz_loadu_ps(m, y + 16 * v) : _mm512_setzero_ps();
    }
    for (int q = 0; q < k; q++) {
        const float *row = b + (size_t)q * ldb;
        __m512 xq = _mm512_set1_ps(x[q]);
        for (int v = 0; v < nv; v++) {
            __mmask16 m = v == nv - 1 ? last : 0xFFFF;
            acc[v] = _mm512_fmadd_ps(xq, _mm512_maskz_loadu_ps(m, row + 16 * v), acc[v]);
        }
    }
    for (int v = 0; v < nv; v++) _mm512_mask_storeu_ps(y + 16 * v, v == nv - 1 ? last : 0xFFFF, acc[v]);
}

/// y[n] (+)= x[k]·B[k×n], B as stored: blocks of up to 128 columns held in registers over all
/// of K, so B is the only stream. Each element is summed as nnc_gemv_avx2 sums it (k in
/// order, one FMA per step from zero or y), so both give the same bits. C harness, one thread,
/// medians of 15 batches against the AVX2 loop: 1×784·784×128 (B warm in L2) 4.08 → 1.79 µs,
/// 1×37·37×300 0.77 → 0.27 µs; 1×500·500×500 (B 1 MB, streamed from L3) 9.5 → 9.3 µs.
AVX512 void nnc_gemv_avx512(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate) {
    for (int j = 0; j < n; j += 128) {
        int w = n - j < 128 ? n - j : 128, nv = (w + 15) / 16;
        __mmask16 last = (__mmask16)(w % 16 ? (1u << (w % 16)) - 1 : 0xFFFF);
        switch (nv) {
#define GEMV_BLOCK(N) \
    case N: gemv_block(N, y + j, x, b + j, (size_t)ldb, k, accumulate, last); break;
            GEMV_BLOCK(1) GEMV_BLOCK(2) GEMV_BLOCK(3) GEMV_BLOCK(4)
            GEMV_BLOCK(5) GEMV_BLOCK(6) GEMV_BLOCK(7) GEMV_BLOCK(8)
#undef GEMV_BLOCK
            default: break;
        }
    }
}

int nnc_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
void nnc_microkernel_avx512(int kc, const float *ap, const float *bp, int bstep, int bsecond, float *c, int ldc,
                            int accumulate) {
    (void)kc, (void)ap, (void)bp, (void)bstep, (void)bsecond, (void)c, (void)ldc, (void)accumulate;
}
void nnc_microkernel_avx512_rows(int kc, const float *a, int lda, const float *bp, int bstep, int bsecond, float *c,
                                 int ldc, int accumulate) {
    (void)kc, (void)a, (void)lda, (void)bp, (void)bstep, (void)bsecond, (void)c, (void)ldc, (void)accumulate;
}
void nnc_microkernel_avx512_edge(int kc, const float *a, int lda, int rows, const float *bp, int bstep, int bsecond,
                                 int cols, float *c, int ldc, int accumulate) {
    (void)kc, (void)a, (void)lda, (void)rows, (void)bp, (void)bstep, (void)bsecond, (void)cols, (void)c, (void)ldc,
        (void)accumulate;
}
void nnc_gemv_avx512(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate) {
    (void)y, (void)x, (void)b, (void)ldb, (void)n, (void)k, (void)accumulate;
}
int nnc_cpu_has_avx512(void) { return 0; }
#endif
