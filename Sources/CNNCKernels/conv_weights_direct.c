// Backward weights of direct convolutions (one input channel, unit column stride, one group:
// the first layer of an image model), with output positions along the vector lanes.
//
// dW[i][j][f] = Σ over output rows Σ_ox x[row + i·dh][ox + j·dw] · dz[row][ox][f]. The general
// kernel (conv_backward.c) puts filters along the lanes, which wastes a quarter of them and a
// sixth of its tap tiles on LeNet's 6 filters × 25 taps. Here a row's dz is first transposed to
// [filter][ox] (zeros past ow and past the last filter), so 8 consecutive positions of one
// filter are one vector; x's row at offset j·dw is the matching vector of inputs. A block of
// up to 6 taps (one kernel row) × 2 filters keeps 12 accumulators in registers over a chunk of
// output rows; the accumulators (vectors of 8 partial sums) are kept across chunks and summed
// across their lanes once at the end.
//
// With AVX-512 the same runs on 16-lane vectors (16 positions per vector, row length
// round_up(ow, 16)); its partial sums are split over 16 lanes instead of 8, so its bits differ
// from the AVX2 kernel's.
//
// Limits: direct convolutions only (their padded copy is wide enough for whole vectors:
// wp ≥ round_up(ow, 16) + (kw − 1)·dw), and the transposed rows and the partial sums must fit
// the fixed stack buffers below (nnc_conv_direct_weights_fits); otherwise the general kernel
// runs. Cost: the multiply-adds of the definition on round_up(ow, 8) lanes per row, plus one
// 8×8 transpose per 8 positions × 8 filters of dz.

#include "conv_internal.h"

#if defined(__x86_64__) || defined(__i386__)

enum {
    TRANSPOSED_FLOATS = 4096,  // a chunk's transposed dz rows, with the x rows, stay in L1
    SUM_VECTORS = 512,         // taps × even filters
};

/// Positions per vector: 16 with AVX-512, else 8.
static int lanes(void) { return nnc_conv_have_avx512() ? 16 : 8; }

int nnc_conv_direct_weights_fits(const nnc_conv *cv) {
    const nnc_window *g = &cv->g;
    int fp = round_up(cv->filters, 2), owl = round_up(g->ow, lanes());
    return cv->direct && (size_t)fp * owl <= TRANSPOSED_FLOATS && (size_t)g->kh * g->kw * fp <= SUM_VECTORS;
}

// t[rr][f][ox] = dz[r0 + rr][ox][f] for rows [r0, r0 + rows) (each filter's row ow8 floats, a
// multiple of 8), zeros past ow and for f ≥ F.
// Lanes past the last filter are loaded from the next position (and dropped by the
// transpose's unused rows) unless that would read past dz's end, `end`.
AVX2 static void transpose_rows(float *t, const float *dz, const float *end, const nnc_conv *cv, int r0, int rows, int fp,
                                int ow8) {
    int ow = cv->g.ow, F = cv->filters;
    for (int rr = 0; rr < rows; rr++) {
        const float *d = dz + (size_t)(r0 + rr) * ow * F;
        float *out = t + (size_t)rr * fp * ow8;
        for (int x0 = 0; x0 < ow8; x0 += 8)
            for (int f8 = 0; f8 < fp; f8 += 8) {
                __m256i valid = nnc_lanes(F - f8);
                __m256 m[8];
                for (int q = 0; q < 8; q++) {
                    const float *p = d + (size_t)(x0 + q) * F + f8;
                    m[q] = x0 + q >= ow ? _mm256_setzero_ps()
                           : p + 8 <= end ? _mm256_and_ps(_mm256_loadu_ps(p), _mm256_castsi256_ps(valid))
                                          : _mm256_maskload_ps(p, valid);
                }
                nnc_transpose8(m);
                for (int k = 0; k < 8 && f8 + k < fp; k++) _mm256_storeu_ps(out + (size_t)(f8 + k) * ow8 + x0, m[k]);
            }
    }
}

// sums[(i·kw + j)·fp + f] += Σ over the chunk's rows and positions, for taps j0 ≤ j < j0 + N of
// kernel row i and filters f0, f0 + 1, with vectors of type V (LANES positions, loaded by LOAD,
// multiplied and added by FMA). N is a constant after inlining, so the accumulator array lives
// in registers.
#define TAP_BLOCK(NAME, ATTR, V, LANES, LOAD, FMA)                                                                  \
    ATTR static inline __attribute__((always_inline)) void NAME(V *sums, const float *const *xrows, const float *t, \
                                                                const nnc_conv *cv, int i, int j0, const int N,     \
                                                                int f0, int rows, int fp, int owl) {                \
        const nnc_window *g = &cv->g;                                                                               \
        V a[6][2];                                                                                                  \
        for (int jj = 0; jj < N; jj++) {                                                                            \
            a[jj][0] = sums[(size_t)(i * g->kw + j0 + jj) * fp + f0];                                               \
            a[jj][1] = sums[(size_t)(i * g->kw + j0 + jj) * fp + f0 + 1];                                           \
        }                                                                                                           \
        for (int rr = 0; rr < rows; rr++) {                                                                         \
            const float *xr = xrows[rr] + (size_t)i * g->dh * cv->wp + (size_t)j0 * g->dw;                          \
            const float *d = t + ((size_t)rr * fp + f0) * owl;                                                      \
            for (int v = 0; v < owl; v += LANES) {                                                                  \
                V d0 = LOAD(d + v), d1 = LOAD(d + owl + v);                                                         \
                for (int jj = 0; jj < N; jj++) {                                                                    \
                    V x = LOAD(xr + v + (size_t)jj * g->dw);                                                        \
                    a[jj][0] = FMA(x, d0, a[jj][0]);                                                                \
                    a[jj][1] = FMA(x, d1, a[jj][1]);                                                                \
                }                                                                                                   \
            }                                                                                                       \
        }                                                                                                           \
        for (int jj = 0; jj < N; jj++) {                                                                            \
            sums[(size_t)(i * g->kw + j0 + jj) * fp + f0] = a[jj][0];                                               \
            sums[(size_t)(i * g->kw + j0 + jj) * fp + f0 + 1] = a[jj][1];                                           \
        }                                                                                                           \
    }

// A chunk's sums: every kernel row, filter pair and block of up to 6 taps.
#define CHUNK_SUMS(NAME, ATTR, V, BLOCK)                                                                            \
    ATTR static void NAME(V *sums, const float *xs, const float *t, const nnc_conv *cv, int r0, int rows, int fp,    \
                          int owl) {                                                                                \
        const nnc_window *g = &cv->g;                                                                               \
        const float *xrows[TRANSPOSED_FLOATS / 16]; /* each output row's first input row */                        \
        for (int rr = 0; rr < rows; rr++) {                                                                         \
            int r = r0 + rr, b = r / g->oh, oy = r % g->oh;                                                         \
            xrows[rr] = xs + ((size_t)b * cv->hp + (size_t)oy * g->sh) * cv->wp;                                    \
        }                                                                                                           \
        for (int i = 0; i < g->kh; i++)                                                                             \
            for (int f0 = 0; f0 < fp; f0 += 2)                                                                      \
                for (int j0 = 0; j0 < g->kw; j0 += 6) switch (min_int(6, g->kw - j0)) {                             \
                    case 1: BLOCK(sums, xrows, t, cv, i, j0, 1, f0, rows, fp, owl); break;                          \
                    case 2: BLOCK(sums, xrows, t, cv, i, j0, 2, f0, rows, fp, owl); break;                          \
                    case 3: BLOCK(sums, xrows, t, cv, i, j0, 3, f0, rows, fp, owl); break;                          \
                    case 4: BLOCK(sums, xrows, t, cv, i, j0, 4, f0, rows, fp, owl); break;                          \
                    case 5: BLOCK(sums, xrows, t, cv, i, j0, 5, f0, rows, fp, owl); break;                          \
                    default: BLOCK(sums, xrows, t, cv, i, j0, 6, f0, rows, fp, owl); break;                         \
                }                                                                                                   \
    }

TAP_BLOCK(tap_block8, AVX2, __m256, 8, _mm256_loadu_ps, _mm256_fmadd_ps)
TAP_BLOCK(tap_block16, NNC_AVX512, __m512, 16, _mm512_loadu_ps, _mm512_fmadd_ps)
CHUNK_SUMS(chunk_sums8, AVX2, __m256, tap_block8)
CHUNK_SUMS(chunk_sums16, NNC_AVX512, __m512, tap_block16)

NNC_AVX512 static float sum_lanes16(__m512 v) { return _mm512_reduce_add_ps(v); }

AVX2 static float sum_lanes8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The kernel for one vector width: chunks of output rows transposed, their sums accumulated,
// and each tap's vector of partial sums added across its lanes at the end.
#define DIRECT_WEIGHTS(NAME, ATTR, V, LANES, ZERO, CHUNK, SUM)                                                      \
    ATTR static void NAME(float *dw, const float *xs, const float *dz, const nnc_conv *cv, int b0, int b1) {        \
        const nnc_window *g = &cv->g;                                                                               \
        int F = cv->filters, fp = round_up(F, 2), owl = round_up(g->ow, LANES), taps = g->kh * g->kw;               \
        int chunk = TRANSPOSED_FLOATS / (fp * owl);                                                                 \
        __attribute__((aligned(64))) float t[TRANSPOSED_FLOATS];                                                    \
        V sums[SUM_VECTORS];                                                                                        \
        const float *end = dz + (size_t)g->batch * g->oh * g->ow * F;                                               \
        for (int k = 0; k < taps * fp; k++) sums[k] = ZERO();                                                       \
        for (int r0 = b0 * g->oh, last = b1 * g->oh; r0 < last; r0 += chunk) {                                     \
            int rows = min_int(chunk, last - r0);                                                                   \
            transpose_rows(t, dz, end, cv, r0, rows, fp, owl);                                                      \
            CHUNK(sums, xs, t, cv, r0, rows, fp, owl);                                                              \
        }                                                                                                           \
        for (int tap = 0; tap < taps; tap++)                                                                        \
            for (int f = 0; f < F; f++) dw[(size_t)tap * F + f] = SUM(sums[(size_t)tap * fp + f]);                  \
    }

DIRECT_WEIGHTS(direct_weights8, AVX2, __m256, 8, _mm256_setzero_ps, chunk_sums8, sum_lanes8)
DIRECT_WEIGHTS(direct_weights16, NNC_AVX512, __m512, 16, _mm512_setzero_ps, chunk_sums16, sum_lanes16)

void nnc_conv_direct_weights(float *dw, const float *xs, const float *dz, const nnc_conv *cv, int b0, int b1) {
    if (lanes() == 16) direct_weights16(dw, xs, dz, cv, b0, b1);
    else direct_weights8(dw, xs, dz, cv, b0, b1);
}

#endif
