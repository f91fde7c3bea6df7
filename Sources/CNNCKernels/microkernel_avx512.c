// The 12×32 AVX-512 microkernel: C[12×32] (+)= A·B over two adjacent 6-row A panels and two
// adjacent 16-column B panels of the AVX2 kernel's packed layout, so packing, workspaces and
// pre-packed weights are shared by both instruction sets. The tile is 24 zmm accumulators
// (12 rows × 2 vectors of 16); per k-step two B vectors are loaded and twelve A values
// broadcast: 24 FMAs for 14 loads, against 12 for 8 in the 6×16 AVX2 kernel, with half the
// instructions per FMA. Cores with two 512-bit FMA units run it at twice the AVX2 peak; cores
// that split a 512-bit FMA in two (AMD Zen 4) at the same peak with fewer instructions.
//
// Every C element is summed as the 6×16 kernels sum it (k in order, one FMA per step from
// zero, then C added when accumulating), so both instruction sets give the same bits.

#include "nnc_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

// One k-step of six rows of the tile: row r of panel `a` times the two B vectors.
#define ROWS6(a, b0, b1, c0, c1, c2, c3, c4, c5, d0, d1, d2, d3, d4, d5)                                          \
    {                                                                                                             \
        __m512 x;                                                                                                 \
        x = _mm512_set1_ps((a)[0]); c0 = _mm512_fmadd_ps(x, b0, c0); d0 = _mm512_fmadd_ps(x, b1, d0);             \
        x = _mm512_set1_ps((a)[1]); c1 = _mm512_fmadd_ps(x, b0, c1); d1 = _mm512_fmadd_ps(x, b1, d1);             \
        x = _mm512_set1_ps((a)[2]); c2 = _mm512_fmadd_ps(x, b0, c2); d2 = _mm512_fmadd_ps(x, b1, d2);             \
        x = _mm512_set1_ps((a)[3]); c3 = _mm512_fmadd_ps(x, b0, c3); d3 = _mm512_fmadd_ps(x, b1, d3);             \
        x = _mm512_set1_ps((a)[4]); c4 = _mm512_fmadd_ps(x, b0, c4); d4 = _mm512_fmadd_ps(x, b1, d4);             \
        x = _mm512_set1_ps((a)[5]); c5 = _mm512_fmadd_ps(x, b0, c5); d5 = _mm512_fmadd_ps(x, b1, d5);             \
    }

AVX512 static inline void store_row(float *c, __m512 lo, __m512 hi, int accumulate) {
    if (accumulate) {
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(c));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(c + 16));
    }
    _mm512_storeu_ps(c, lo);
    _mm512_storeu_ps(c + 16, hi);
}

/// C[12×32] (+)= A[12×kc]·B[kc×32]: `ap` the first of two 6-row A panels (the second follows
/// at ap + 6·kc), `bp` the first of two 16-column B panels (the second at bp + 16·kc).
AVX512 void nnc_microkernel_avx512(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate) {
    const float *a0 = ap, *a1 = ap + 6 * (size_t)kc, *b0p = bp, *b1p = bp + 16 * (size_t)kc;
    for (int i = 0; i < 12; i++) _mm_prefetch((const char *)(c + (size_t)i * ldc), _MM_HINT_T0);
    __m512 c00 = _mm512_setzero_ps(), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00;
    __m512 c01 = c00, c11 = c00, c21 = c00, c31 = c00, c41 = c00, c51 = c00;
    __m512 e00 = c00, e10 = c00, e20 = c00, e30 = c00, e40 = c00, e50 = c00;
    __m512 e01 = c00, e11 = c00, e21 = c00, e31 = c00, e41 = c00, e51 = c00;
    for (int q = 0; q < kc; q++, a0 += 6, a1 += 6, b0p += 16, b1p += 16) {
        _mm_prefetch((const char *)(a0 + 96), _MM_HINT_T0);
        _mm_prefetch((const char *)(a1 + 96), _MM_HINT_T0);
        __m512 b0 = _mm512_loadu_ps(b0p), b1 = _mm512_loadu_ps(b1p);
        ROWS6(a0, b0, b1, c00, c10, c20, c30, c40, c50, c01, c11, c21, c31, c41, c51)
        ROWS6(a1, b0, b1, e00, e10, e20, e30, e40, e50, e01, e11, e21, e31, e41, e51)
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

int nnc_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
void nnc_microkernel_avx512(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate) {
    (void)kc, (void)ap, (void)bp, (void)c, (void)ldc, (void)accumulate;
}
int nnc_cpu_has_avx512(void) { return 0; }
#endif
