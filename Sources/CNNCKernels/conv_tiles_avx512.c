// The convolutions' AVX-512 tiles (see conv.c for the methods): the AVX2 tiles of
// conv_tiles.c with 16-lane vectors and twice the rows, so each k-step is 12 FMAs on zmm
// registers (12 accumulators, one B vector, 12 broadcasts) instead of 12 on ymm.
//
// forward, implicit GEMM:  12 positions × 16 filters.
// forward, direct:         6 filters × 32 consecutive positions (two vectors per filter).
// backward weights:        12 taps × 16 filters, summed over positions.
// backward data (aligned): 12 positions × the ≤ 16 taps of one run, added from registers.
//
// Masked loads and stores keep every access inside the tile's valid rows and lanes, so these
// tiles need no slack past a row's end. Every element is summed in the AVX2 tiles' order (k in
// order, one FMA per step), so the forward and these weight gradients give the AVX2 tiles' bits;
// backward data adds its tiles to dx in a different order of positions, and the direct weight
// gradients (conv_weights_direct.c) split their partial sums over 16 lanes, so theirs may differ.

#include "conv_internal.h"

#if defined(__x86_64__) || defined(__i386__)

#define AVX512 NNC_AVX512
#define INLINE static inline __attribute__((always_inline))

/// Lanes [0, n) of a 16-lane mask (none for n ≤ 0, all for n ≥ 16).
INLINE __mmask16 lanes16(int n) { return (__mmask16)(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1); }

/// Bias and relu (or nothing) in registers.
AVX512 INLINE __m512 finish(__m512 x, __m512 bias, int relu) {
    x = _mm512_add_ps(x, bias);
    return relu ? _mm512_max_ps(x, _mm512_setzero_ps()) : x;
}

/// Lanes 8–15 (AVX512F has no single-precision 256-bit extract; the double one moves the same bits).
AVX512 INLINE __m256 upper_half(__m512 x) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)); }

// ---- forward, implicit GEMM ----

AVX512 int nnc_conv_implicit_tile_avx512(float *tile, const float *const rp[12], const nnc_conv *cv, patch_runs r,
                                         int group, const float *bp, float *y, int ldy, const float *bias16, int rows,
                                         int cols, nnc_activation act) {
    __m512 c[12];
    for (int i = 0; i < 12; i++) c[i] = _mm512_setzero_ps();
    for (int s = 0; s < r.nseg; s++) {
        size_t o = run_offset(cv, s, group);
        const float *a[12];
        for (int i = 0; i < 12; i++) a[i] = rp[i] + o;
        for (int u = 0; u < r.len; u++, bp += 16) {
            __m512 b = _mm512_loadu_ps(bp);
            for (int i = 0; i < 12; i++) c[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i][u]), b, c[i]);
        }
    }
    if (act != NNC_ACT_LINEAR && act != NNC_ACT_RELU) {
        for (int i = 0; i < 12; i++) _mm512_storeu_ps(tile + 16 * i, c[i]);
        return 0;
    }
    int relu = act == NNC_ACT_RELU;
    __mmask16 m = lanes16(cols);
    __m512 v = _mm512_maskz_loadu_ps(m, bias16);
    for (int i = 0; i < 12; i++)
        if (i < rows) _mm512_mask_storeu_ps(y + (size_t)i * ldy, m, finish(c[i], v, relu));
    return 1;
}

// ---- forward, direct ----

/// The direct tile's sums: six filters (weights broadcast) × 32 consecutive positions (two
/// vectors from the input row, loaded under masks m0 and m1), constants after inlining.
AVX512 INLINE void direct_sums(__m512 lo[6], __m512 hi[6], const float *src, const nnc_conv *cv, const float *w,
                               __mmask16 m0, __mmask16 m1) {
    const nnc_window *g = &cv->g;
    for (int f = 0; f < 6; f++) lo[f] = hi[f] = _mm512_setzero_ps();
    for (int i = 0; i < g->kh; i++) {
        const float *row = src + (size_t)i * g->dh * cv->wp;
        for (int j = 0; j < g->kw; j++, w += 6) {
            const float *s = row + (size_t)j * g->dw;
            __m512 b0 = m0 == 0xFFFF ? _mm512_loadu_ps(s) : _mm512_maskz_loadu_ps(m0, s);
            __m512 b1 = m1 == 0xFFFF ? _mm512_loadu_ps(s + 16) : _mm512_maskz_loadu_ps(m1, s + 16);
            for (int f = 0; f < 6; f++) {
                __m512 x = _mm512_set1_ps(w[f]);
                lo[f] = _mm512_fmadd_ps(x, b0, lo[f]);
                hi[f] = _mm512_fmadd_ps(x, b1, hi[f]);
            }
        }
    }
}

/// Six filters × 32 consecutive positions of an output row (`whole`: the 32 positions and the
/// kernel's reach lie inside the input row, so whole vectors are loaded; else the loads are
/// masked to the n positions). With at most 6 filters and a linear or relu epilogue, finished
/// in registers and stored transposed to the n positions at `out` (F floats apart); else
/// stored to `tile` (6 × 32).
AVX512 int nnc_conv_direct_tile_avx512(float *tile, const float *src, const nnc_conv *cv, const float *w, float *out,
                                       int n, int whole, const float *bias6, nnc_activation act) {
    __m512 lo[6], hi[6];
    if (whole) direct_sums(lo, hi, src, cv, w, 0xFFFF, 0xFFFF);
    else direct_sums(lo, hi, src, cv, w, lanes16(n), lanes16(n - 16));
    int F = cv->filters;
    if (F > 6 || (act != NNC_ACT_LINEAR && act != NNC_ACT_RELU)) {
        for (int f = 0; f < 6; f++) {
            _mm512_storeu_ps(tile + 32 * f, lo[f]);
            _mm512_storeu_ps(tile + 32 * f + 16, hi[f]);
        }
        return 0;
    }
    int relu = act == NNC_ACT_RELU;
    for (int f = 0; f < 6; f++) {
        __m512 v = _mm512_set1_ps(bias6[f]);
        lo[f] = finish(lo[f], v, relu);
        hi[f] = finish(hi[f], v, relu);
    }
    // Four groups of 8 positions, each transposed as the AVX2 tile's two are: position x's 8
    // lanes hold its F filters and spill into the positions after it, which are stored later;
    // the last positions, whose spill would pass the tile's end, store their F lanes only.
    __m256i exact = nnc_lanes(F);
    for (int k = 0; k < 4 && 8 * k < n; k++) {
        __m256 z = _mm256_setzero_ps(), v[8];
        for (int f = 0; f < 8; f++) {
            __m512 x = k < 2 ? lo[f < 6 ? f : 0] : hi[f < 6 ? f : 0];
            v[f] = f >= 6 ? z : k % 2 ? upper_half(x) : _mm512_castps512_ps256(x);
        }
        nnc_transpose8(v);
        for (int x = 8 * k; x < min_int(n, 8 * k + 8); x++) {
            if (x * F + 8 <= n * F) _mm256_storeu_ps(out + (size_t)x * F, v[x - 8 * k]);
            else _mm256_maskstore_ps(out + (size_t)x * F, exact, v[x - 8 * k]);
        }
    }
    return 1;
}

// ---- backward weights ----

/// The positions of output rows [r0, r1), each a k-step: the 12 taps at `off` from the
/// patch base times the dz row's 16 filters (`m` all lanes, or the valid ones near dz's end).
AVX512 INLINE void weights_steps(__m512 c[12], const float *xs, const float *dz, const size_t *off, const nnc_conv *cv,
                                 int r0, int r1, __mmask16 m) {
    const nnc_window *g = &cv->g;
    for (int r = r0; r < r1; r++) {
        int b = r / g->oh, oy = r % g->oh;
        const float *xr = xs + ((size_t)b * cv->hp + (size_t)oy * g->sh) * cv->wp * g->c;
        const float *d = dz + (size_t)r * g->ow * cv->filters;
        for (int ox = 0; ox < g->ow; ox++, xr += g->sw * g->c, d += cv->filters) {
            __m512 v = m == 0xFFFF ? _mm512_loadu_ps(d) : _mm512_maskz_loadu_ps(m, d);
            for (int i = 0; i < 12; i++) c[i] = _mm512_fmadd_ps(_mm512_set1_ps(xr[off[i]]), v, c[i]);
        }
    }
}

/// 12 taps × 16 filters summed over the positions of output rows [r0, r1), added to `tile`
/// (12 × 16). `masked`: load only the `cols` valid filters of each dz row (for the last rows,
/// where a whole vector would read past dz's end).
AVX512 void nnc_conv_weights_tile_avx512(float *tile, const float *xs, const float *dz, const size_t *off, int cols,
                                         const nnc_conv *cv, int r0, int r1, int masked) {
    if (r0 >= r1) return;
    __m512 c[12];
    for (int i = 0; i < 12; i++) c[i] = _mm512_loadu_ps(tile + 16 * i);
    // Two instantiations keep the mask out of the fast loop.
    if (masked) weights_steps(c, xs, dz, off, cv, r0, r1, lanes16(cols));
    else weights_steps(c, xs, dz, off, cv, r0, r1, 0xFFFF);
    for (int i = 0; i < 12; i++) _mm512_storeu_ps(tile + 16 * i, c[i]);
}

// ---- backward data ----

/// One tile of 12 positions × the n ≤ 16 taps of one run: `ap` the positions' dz rows packed
/// as [k][12] (one pointer, so every broadcast is a plain fused load), `bp` the run's panel of
/// Wᵀ; added to each valid row's patch at dst[i], masked to the n taps, so nothing past the run
/// is read or written.
AVX512 void nnc_conv_data_panel_avx512(float *const dst[12], int rows, int n, const float *ap, int k, const float *bp) {
    __m512 c[12];
    for (int i = 0; i < 12; i++) c[i] = _mm512_setzero_ps();
    for (int q = 0; q < k; q++, ap += 12, bp += 16) {
        __m512 b = _mm512_loadu_ps(bp);
        for (int i = 0; i < 12; i++) c[i] = _mm512_fmadd_ps(_mm512_set1_ps(ap[i]), b, c[i]);
    }
    __mmask16 m = lanes16(n);
    for (int i = 0; i < 12; i++)
        if (i < rows) _mm512_mask_storeu_ps(dst[i], m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst[i]), c[i]));
}

#endif
