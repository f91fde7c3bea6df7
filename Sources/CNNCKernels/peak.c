// The FMA peak of one core: twelve independent chains of vector FMAs, more than the FMA
// latency (4–5 cycles) times the FMA ports (2) needs, so the loop runs at the issue rate. The
// operands stay in registers; the result is stored so the compiler cannot drop the loop.

#include "nnc_peak.h"
#include "nnc_gemm.h"
#include <time.h>

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

#define BLOCK 100000L

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static double fma_avx2(double seconds) {
    __m256 acc[12];
    __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    long blocks = 0;
    double start = seconds_now(), elapsed;
    do {
        for (long i = 0; i < BLOCK; i++) {
            acc[0] = _mm256_fmadd_ps(acc[0], x, y); acc[1] = _mm256_fmadd_ps(acc[1], x, y);
            acc[2] = _mm256_fmadd_ps(acc[2], x, y); acc[3] = _mm256_fmadd_ps(acc[3], x, y);
            acc[4] = _mm256_fmadd_ps(acc[4], x, y); acc[5] = _mm256_fmadd_ps(acc[5], x, y);
            acc[6] = _mm256_fmadd_ps(acc[6], x, y); acc[7] = _mm256_fmadd_ps(acc[7], x, y);
            acc[8] = _mm256_fmadd_ps(acc[8], x, y); acc[9] = _mm256_fmadd_ps(acc[9], x, y);
            acc[10] = _mm256_fmadd_ps(acc[10], x, y); acc[11] = _mm256_fmadd_ps(acc[11], x, y);
        }
        blocks++;
        elapsed = seconds_now() - start;
    } while (elapsed < seconds);
    volatile float sink;
    __m256 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm256_add_ps(sum, acc[i]);
    sink = _mm256_cvtss_f32(sum);
    (void)sink;
    return (double)blocks * BLOCK * 12 * 8 * 2 / elapsed / 1e9;
}

// The same with 512-bit vectors: twice the AVX2 peak on cores with two 512-bit FMA units.
__attribute__((target("avx512f"))) static double fma_avx512(double seconds) {
    __m512 acc[12];
    __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    long blocks = 0;
    double start = seconds_now(), elapsed;
    do {
        for (long i = 0; i < BLOCK; i++) {
            acc[0] = _mm512_fmadd_ps(acc[0], x, y); acc[1] = _mm512_fmadd_ps(acc[1], x, y);
            acc[2] = _mm512_fmadd_ps(acc[2], x, y); acc[3] = _mm512_fmadd_ps(acc[3], x, y);
            acc[4] = _mm512_fmadd_ps(acc[4], x, y); acc[5] = _mm512_fmadd_ps(acc[5], x, y);
            acc[6] = _mm512_fmadd_ps(acc[6], x, y); acc[7] = _mm512_fmadd_ps(acc[7], x, y);
            acc[8] = _mm512_fmadd_ps(acc[8], x, y); acc[9] = _mm512_fmadd_ps(acc[9], x, y);
            acc[10] = _mm512_fmadd_ps(acc[10], x, y); acc[11] = _mm512_fmadd_ps(acc[11], x, y);
        }
        blocks++;
        elapsed = seconds_now() - start;
    } while (elapsed < seconds);
    volatile float sink;
    __m512 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm512_add_ps(sum, acc[i]);
    sink = _mm512_reduce_add_ps(sum);
    (void)sink;
    return (double)blocks * BLOCK * 12 * 16 * 2 / elapsed / 1e9;
}
#endif

static double fma_portable(double seconds) {
    float acc[12];
    for (int i = 0; i < 12; i++) acc[i] = (float)i;
    const float x = 0.999999f, y = 1e-7f;
    long blocks = 0;
    double start = seconds_now(), elapsed;
    do {
        for (long i = 0; i < BLOCK / 8; i++)
            for (int j = 0; j < 12; j++) acc[j] = acc[j] * x + y;
        blocks++;
        elapsed = seconds_now() - start;
    } while (elapsed < seconds);
    volatile float sink = acc[0];
    (void)sink;
    return (double)blocks * (BLOCK / 8) * 12 * 2 / elapsed / 1e9;
}

double nnc_fma_peak_gflops(double seconds) {
#if defined(__x86_64__) || defined(__i386__)
    if (nnc_active_isa() == NNC_ISA_AVX512) return fma_avx512(seconds);
    if (nnc_has_avx2()) return fma_avx2(seconds);
#endif
    return fma_portable(seconds);
}
