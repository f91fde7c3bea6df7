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

int nnc_conv_direct_weights_fits(const nnc_conv *cv) {
    const nnc_window *g = &cv->g;
    int fp = round_up(cv->filters, 2), ow8 = round_up(g->ow, 8);
    return cv->direct && (size_t)fp * ow8 <= TRANSPOSED_FLOATS && (size_t)g->kh * g->kw * fp <= SUM_VECTORS;
}

// t[rr][f][ox] = dz[r0 + rr][ox][f] for rows [r0, r0 + rows), zeros past ow and for f ≥ F.
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
// kernel row i and filters f0, f0 + 1. N is a constant after inlining, so the accumulator
// array lives in registers.
AVX2 static inline __attribute__((always_inline)) void tap_block(__m256 *sums, const float *const *xrows, const float *t,
                                                                 const nnc_conv *cv, int i, int j0, const int N, int f0,
                                                                 int rows, int fp, int ow8) {
    const nnc_window *g = &cv->g;
    __m256 a[6][2];
    for (int jj = 0; jj < N; jj++) {
        a[jj][0] = sums[(size_t)(i * g->kw + j0 + jj) * fp + f0];
        a[jj][1] = sums[(size_t)(i * g->kw + j0 + jj) * fp + f0 + 1];
    }
    for (int rr = 0; rr < rows; rr++) {
        const float *xr = xrows[rr] + (size_t)i * g->dh * cv->wp + (size_t)j0 * g->dw;
        const float *d = t + ((size_t)rr * fp + f0) * ow8;
        for (int v = 0; v < ow8; v += 8) {
            __m256 d0 = _mm256_loadu_ps(d + v), d1 = _mm256_loadu_ps(d + ow8 + v);
            for (int jj = 0; jj < N; jj++) {
                __m256 x = _mm256_loadu_ps(xr + v + (size_t)jj * g->dw);
                a[jj][0] = _mm256_fmadd_ps(x, d0, a[jj][0]);
                a[jj][1] = _mm256_fmadd_ps(x, d1, a[jj][1]);
            }
        }
    }
    for (int jj = 0; jj < N; jj++) {
        sums[(size_t)(i * g->kw + j0 + jj) * fp + f0] = a[jj][0];
        sums[(size_t)(i * g->kw + j0 + jj) * fp + f0 + 1] = a[jj][1];
    }
}

AVX2 static void chunk_sums(__m256 *sums, const float *xs, const float *t, const nnc_conv *cv, int r0, int rows, int fp,
                            int ow8) {
    const nnc_window *g = &cv->g;
    const float *xrows[TRANSPOSED_FLOATS / 16];  // each output row's first input row
    for (int rr = 0; rr < rows; rr++) {
        int r = r0 + rr, b = r / g->oh, oy = r % g->oh;
        xrows[rr] = xs + ((size_t)b * cv->hp + (size_t)oy * g->sh) * cv->wp;
    }
    for (int i = 0; i < g->kh; i++)
        for (int f0 = 0; f0 < fp; f0 += 2)
            for (int j0 = 0; j0 < g->kw; j0 += 6) switch (min_int(6, g->kw - j0)) {
                case 1: tap_block(sums, xrows, t, cv, i, j0, 1, f0, rows, fp, ow8); break;
                case 2: tap_block(sums, xrows, t, cv, i, j0, 2, f0, rows, fp, ow8); break;
                case 3: tap_block(sums, xrows, t, cv, i, j0, 3, f0, rows, fp, ow8); break;
                case 4: tap_block(sums, xrows, t, cv, i, j0, 4, f0, rows, fp, ow8); break;
                case 5: tap_block(sums, xrows, t, cv, i, j0, 5, f0, rows, fp, ow8); break;
                default: tap_block(sums, xrows, t, cv, i, j0, 6, f0, rows, fp, ow8); break;
            }
}

AVX2 void nnc_conv_direct_weights(float *dw, const float *xs, const float *dz, const nnc_conv *cv, int b0, int b1) {
    const nnc_window *g = &cv->g;
    int F = cv->filters, fp = round_up(F, 2), ow8 = round_up(g->ow, 8), taps = g->kh * g->kw;
    int chunk = TRANSPOSED_FLOATS / (fp * ow8);
    __attribute__((aligned(32))) float t[TRANSPOSED_FLOATS];
    __m256 sums[SUM_VECTORS];
    const float *end = dz + (size_t)g->batch * g->oh * g->ow * F;
    for (int k = 0; k < taps * fp; k++) sums[k] = _mm256_setzero_ps();
    for (int r0 = b0 * g->oh, last = b1 * g->oh; r0 < last; r0 += chunk) {
        int rows = min_int(chunk, last - r0);
        transpose_rows(t, dz, end, cv, r0, rows, fp, ow8);
        chunk_sums(sums, xs, t, cv, r0, rows, fp, ow8);
    }
    for (int tap = 0; tap < taps; tap++)
        for (int f = 0; f < F; f++) {
            __m256 v = sums[(size_t)tap * fp + f];
            __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
            s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            s = _mm_add_ss(s, _mm_movehdup_ps(s));
            dw[(size_t)tap * F + f] = _mm_cvtss_f32(s);
        }
}

#endif
