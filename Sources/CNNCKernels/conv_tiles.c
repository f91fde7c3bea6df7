// The convolutions' tile kernels, portable and AVX2/FMA (see conv.c for the methods).

#include "conv_internal.h"

// Bias and activation on a tile of `rows` × `width` (rows: positions or filters, as
// `bias_by_row` says).
void nnc_conv_tile_epilogue(float *tile, int rows, int width, const float *bias, int bias_by_row, nnc_activation act,
                            float param) {
    if (bias)
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < width; j++) tile[i * width + j] += bias_by_row ? bias[i] : bias[j];
    if (act != NNC_ACT_LINEAR) nnc_activation_forward(tile, tile, rows * width, act, param);
}

// ---- tiles, portable ----

void nnc_conv_implicit_tile_portable(float *tile, const float *const rp[6], const nnc_conv *cv, patch_runs r, int group,
                                   const float *bp) {
    float acc[96] = {0};
    for (int s = 0; s < r.nseg; s++) {
        size_t o = run_offset(cv, s, group);
        for (int u = 0; u < r.len; u++, bp += 16)
            for (int i = 0; i < 6; i++) {
                float a = rp[i][o + u];
                for (int j = 0; j < 16; j++) acc[i * 16 + j] += a * bp[j];
            }
    }
    memcpy(tile, acc, sizeof acc);
}

void nnc_conv_direct_tile_portable(float *tile, const float *src, const nnc_conv *cv, const float *w) {
    const nnc_window *g = &cv->g;
    float acc[96] = {0};
    for (int i = 0; i < g->kh; i++)
        for (int j = 0; j < g->kw; j++, w += 6) {
            const float *s = src + (size_t)i * g->dh * cv->wp + (size_t)j * g->dw;
            for (int f = 0; f < 6; f++)
                for (int x = 0; x < 16; x++) acc[f * 16 + x] += w[f] * s[x];
        }
    memcpy(tile, acc, sizeof acc);
}

// Taps × filters over the positions of output rows [r0, r1), added to the tile:
// tile[rr·width + f] += Σ x[off[rr]]·dz[f].
void nnc_conv_weights_tile_portable(float *tile, int rows, int width, const float *xs, const float *dz, const size_t *off,
                                  int cols, const nnc_conv *cv, int r0, int r1) {
    const nnc_window *g = &cv->g;
    size_t step = (size_t)g->sw * g->c;
    for (int r = r0; r < r1; r++) {
        int b = r / g->oh, oy = r % g->oh;
        const float *xr = xs + ((size_t)b * cv->hp + (size_t)oy * g->sh) * cv->wp * g->c;
        const float *d = dz + (size_t)r * g->ow * cv->filters;
        for (int ox = 0; ox < g->ow; ox++, xr += step, d += cv->filters)
            for (int rr = 0; rr < rows; rr++)
                for (int f = 0; f < cols; f++) tile[rr * width + f] += xr[off[rr]] * d[f];
    }
}

// tile[6×16] = Σ_q a_i[q]·bp[q·16 + j] with six row pointers.
void nnc_conv_rows_tile_portable(float *tile, const float *const ar[6], int k, const float *bp) {
    float acc[96] = {0};
    for (int q = 0; q < k; q++, bp += 16)
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 16; j++) acc[i * 16 + j] += ar[i][q] * bp[j];
    memcpy(tile, acc, sizeof acc);
}

// ---- tiles, AVX2/FMA ----

#if defined(__x86_64__) || defined(__i386__)

// A full tile (6 positions × 16 filters) with a linear or relu epilogue is finished in
// registers and stored to y (row stride ldy); anything else goes to `tile` for the caller.
AVX2 int nnc_conv_implicit_tile_avx2(float *tile, const float *const rp[6], const nnc_conv *cv, patch_runs r, int group,
                                   const float *bp, float *y, int ldy, const float *bias16, int full, nnc_activation act) {
    ZERO12
    for (int s = 0; s < r.nseg; s++) {
        size_t o = run_offset(cv, s, group);
        const float *a0 = rp[0] + o, *a1 = rp[1] + o, *a2 = rp[2] + o, *a3 = rp[3] + o, *a4 = rp[4] + o, *a5 = rp[5] + o;
        for (int u = 0; u < r.len; u++, bp += 16) {
            __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
            STEP6(a0 + u, a1 + u, a2 + u, a3 + u, a4 + u, a5 + u, b0, b1)
        }
    }
    if (!full || (act != NNC_ACT_LINEAR && act != NNC_ACT_RELU)) {
        STORE12(tile)
        return 0;
    }
    int relu = act == NNC_ACT_RELU;
    __m256 v0 = _mm256_loadu_ps(bias16), v1 = _mm256_loadu_ps(bias16 + 8);
    EPILOGUE2(c00, c01, v0, v1, relu) EPILOGUE2(c10, c11, v0, v1, relu) EPILOGUE2(c20, c21, v0, v1, relu)
    EPILOGUE2(c30, c31, v0, v1, relu) EPILOGUE2(c40, c41, v0, v1, relu) EPILOGUE2(c50, c51, v0, v1, relu)
    __m256 rows[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int i = 0; i < 6; i++) {
        _mm256_storeu_ps(y + (size_t)i * ldy, rows[2 * i]);
        _mm256_storeu_ps(y + (size_t)i * ldy + 8, rows[2 * i + 1]);
    }
    return 1;
}

// Six filters (rows, weights broadcast) × 16 consecutive positions (lanes, loaded from the
// row). With at most 6 filters and a linear or relu epilogue, the tile is finished in
// registers, transposed and stored to the n positions at `out` (F floats apart); else it
// goes to `tile` for the caller.
AVX2 int nnc_conv_direct_tile_avx2(float *tile, const float *src, const nnc_conv *cv, const float *w, float *out, int n,
                                 const float *bias6, nnc_activation act) {
    const nnc_window *g = &cv->g;
    ZERO12
    for (int i = 0; i < g->kh; i++) {
        const float *row = src + (size_t)i * g->dh * cv->wp;
        for (int j = 0; j < g->kw; j++, w += 6) {
            const float *s = row + (size_t)j * g->dw;
            __m256 b0 = _mm256_loadu_ps(s), b1 = _mm256_loadu_ps(s + 8);
            STEP6(w, w + 1, w + 2, w + 3, w + 4, w + 5, b0, b1)
        }
    }
    int F = cv->filters;
    if (F > 6 || (act != NNC_ACT_LINEAR && act != NNC_ACT_RELU)) {
        STORE12(tile)
        return 0;
    }
    int relu = act == NNC_ACT_RELU;
    __m256 v;
    v = _mm256_broadcast_ss(bias6 + 0); EPILOGUE2(c00, c01, v, v, relu)
    v = _mm256_broadcast_ss(bias6 + 1); EPILOGUE2(c10, c11, v, v, relu)
    v = _mm256_broadcast_ss(bias6 + 2); EPILOGUE2(c20, c21, v, v, relu)
    v = _mm256_broadcast_ss(bias6 + 3); EPILOGUE2(c30, c31, v, v, relu)
    v = _mm256_broadcast_ss(bias6 + 4); EPILOGUE2(c40, c41, v, v, relu)
    v = _mm256_broadcast_ss(bias6 + 5); EPILOGUE2(c50, c51, v, v, relu)
    __m256 z = _mm256_setzero_ps();
    __m256 lo[8] = {c00, c10, c20, c30, c40, c50, z, z}, hi[8] = {c01, c11, c21, c31, c41, c51, z, z};
    nnc_transpose8(lo);
    nnc_transpose8(hi);
    // Position x's 8 lanes cover its F filters and spill into the positions after it, which
    // are stored later; the positions whose spill would pass the tile's end are stored exactly.
    for (int x = 0; x < n; x++) {
        __m256 v = x < 8 ? lo[x] : hi[x - 8];
        if (x * F + 8 <= n * F) {
            _mm256_storeu_ps(out + (size_t)x * F, v);
        } else {
            float exact[8];
            _mm256_storeu_ps(exact, v);
            memcpy(out + (size_t)x * F, exact, (size_t)F * sizeof(float));
        }
    }
    return 1;
}

AVX2 void nnc_conv_rows_tile_avx2(float *tile, const float *const ar[6], int k, const float *bp) {
    ZERO12
    const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5];
    for (int q = 0; q < k; q++, bp += 16) {
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        STEP6(a0 + q, a1 + q, a2 + q, a3 + q, a4 + q, a5 + q, b0, b1)
    }
    STORE12(tile)
}

// The positions of output rows [r0, r1) (row r = b·oh + oy): `xr` at the patch base, `d` at
// the dz row.
#define FOR_POSITIONS(...)                                                                                    \
    for (int r = r0; r < r1; r++) {                                                                           \
        int b = r / g->oh, oy = r % g->oh;                                                                    \
        const float *xr = xs + ((size_t)b * cv->hp + (size_t)oy * g->sh) * cv->wp * g->c;                   \
        const float *d = dz + (size_t)r * g->ow * cv->filters;                                              \
        for (int ox = 0; ox < g->ow; ox++, xr += g->sw * g->c, d += cv->filters) __VA_ARGS__                 \
    }

// A weight-gradient kernel's position loop twice: with whole-vector loads of dz rows (lanes
// past `cols` read the next position's filters, which the tile discards), or, `masked`,
// loading only the valid lanes, for the last rows of dz, where whole vectors would read past
// its end. Two loops keep the mask out of the fast one's registers.
#define DZ_LOOPS(STEP_BODY)                                                                                   \
    if (masked) {                                                                                             \
        __m256i m0 = nnc_lanes(cols), m1 = nnc_lanes(cols - 8);                                               \
        (void)m1;                                                                                             \
        FOR_POSITIONS({                                                                                       \
            __m256 v0 = _mm256_maskload_ps(d, m0), v1 = _mm256_maskload_ps(d + 8, m1);                        \
            (void)v1;                                                                                         \
            STEP_BODY                                                                                         \
        })                                                                                                    \
    } else {                                                                                                  \
        FOR_POSITIONS({                                                                                       \
            __m256 v0 = _mm256_loadu_ps(d), v1 = width > 8 ? _mm256_loadu_ps(d + 8) : v0;                     \
            (void)v1;                                                                                         \
            STEP_BODY                                                                                         \
        })                                                                                                    \
    }

#define LOAD12(tile)                                                                                           \
    __m256 c00 = _mm256_loadu_ps(tile + 0), c01 = _mm256_loadu_ps(tile + 8), c10 = _mm256_loadu_ps(tile + 16);    \
    __m256 c11 = _mm256_loadu_ps(tile + 24), c20 = _mm256_loadu_ps(tile + 32), c21 = _mm256_loadu_ps(tile + 40);  \
    __m256 c30 = _mm256_loadu_ps(tile + 48), c31 = _mm256_loadu_ps(tile + 56), c40 = _mm256_loadu_ps(tile + 64);  \
    __m256 c41 = _mm256_loadu_ps(tile + 72), c50 = _mm256_loadu_ps(tile + 80), c51 = _mm256_loadu_ps(tile + 88);

// 6 taps × 16 filters, added to `tile`.
AVX2 static void weights_tile_6x16_avx2(float *tile, const float *xs, const float *dz, const size_t *off, int cols,
                                        const nnc_conv *cv, int r0, int r1, int masked) {
    const nnc_window *g = &cv->g;
    const int width = 16;
    size_t o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3], o4 = off[4], o5 = off[5];
    LOAD12(tile)
    DZ_LOOPS(STEP6(xr + o0, xr + o1, xr + o2, xr + o3, xr + o4, xr + o5, v0, v1))
    STORE12(tile)
}

// 12 (or 6) taps × 8 filters (one vector per tap), added to `tile`: few filters still fill
// most lanes. Named accumulators keep all twelve in registers (an array of them was spilled).
#define FMA8(acc, k) acc = _mm256_fmadd_ps(_mm256_broadcast_ss(xr + off[k]), v0, acc);
#define FMA6 FMA8(a0, 0) FMA8(a1, 1) FMA8(a2, 2) FMA8(a3, 3) FMA8(a4, 4) FMA8(a5, 5)
#define FMA12 FMA6 FMA8(a6, 6) FMA8(a7, 7) FMA8(a8, 8) FMA8(a9, 9) FMA8(a10, 10) FMA8(a11, 11)
AVX2 static void weights_tile_12x8_avx2(float *tile, const float *xs, const float *dz, const size_t *off, int cols,
                                        const nnc_conv *cv, int r0, int r1, int masked) {
    const nnc_window *g = &cv->g;
    const int width = 8;
    __m256 a0 = _mm256_loadu_ps(tile), a1 = _mm256_loadu_ps(tile + 8), a2 = _mm256_loadu_ps(tile + 16);
    __m256 a3 = _mm256_loadu_ps(tile + 24), a4 = _mm256_loadu_ps(tile + 32), a5 = _mm256_loadu_ps(tile + 40);
    __m256 a6 = _mm256_loadu_ps(tile + 48), a7 = _mm256_loadu_ps(tile + 56), a8 = _mm256_loadu_ps(tile + 64);
    __m256 a9 = _mm256_loadu_ps(tile + 72), a10 = _mm256_loadu_ps(tile + 80), a11 = _mm256_loadu_ps(tile + 88);
    DZ_LOOPS(FMA12)
    _mm256_storeu_ps(tile, a0); _mm256_storeu_ps(tile + 8, a1); _mm256_storeu_ps(tile + 16, a2);
    _mm256_storeu_ps(tile + 24, a3); _mm256_storeu_ps(tile + 32, a4); _mm256_storeu_ps(tile + 40, a5);
    _mm256_storeu_ps(tile + 48, a6); _mm256_storeu_ps(tile + 56, a7); _mm256_storeu_ps(tile + 64, a8);
    _mm256_storeu_ps(tile + 72, a9); _mm256_storeu_ps(tile + 80, a10); _mm256_storeu_ps(tile + 88, a11);
}

AVX2 static void weights_tile_6x8_avx2(float *tile, const float *xs, const float *dz, const size_t *off, int cols,
                                       const nnc_conv *cv, int r0, int r1, int masked) {
    const nnc_window *g = &cv->g;
    const int width = 8;
    __m256 a0 = _mm256_loadu_ps(tile), a1 = _mm256_loadu_ps(tile + 8), a2 = _mm256_loadu_ps(tile + 16);
    __m256 a3 = _mm256_loadu_ps(tile + 24), a4 = _mm256_loadu_ps(tile + 32), a5 = _mm256_loadu_ps(tile + 40);
    DZ_LOOPS(FMA6)
    _mm256_storeu_ps(tile, a0); _mm256_storeu_ps(tile + 8, a1); _mm256_storeu_ps(tile + 16, a2);
    _mm256_storeu_ps(tile + 24, a3); _mm256_storeu_ps(tile + 32, a4); _mm256_storeu_ps(tile + 40, a5);
}

void nnc_conv_weights_tile(float *tile, int rows, int narrow, const float *xs, const float *dz, const size_t *off, int cols,
                         const nnc_conv *cv, int r0, int r1, int masked) {
    if (r0 >= r1) return;
    if (!narrow) weights_tile_6x16_avx2(tile, xs, dz, off, cols, cv, r0, r1, masked);
    else if (rows == 12) weights_tile_12x8_avx2(tile, xs, dz, off, cols, cv, r0, r1, masked);
    else weights_tile_6x8_avx2(tile, xs, dz, off, cols, cv, r0, r1, masked);
}

int nnc_conv_have_avx2(void) { return nnc_has_avx2(); }
int nnc_conv_have_avx512(void) { return nnc_active_isa() == NNC_ISA_AVX512; }
#else
int nnc_conv_have_avx2(void) { return 0; }
int nnc_conv_have_avx512(void) { return 0; }
#endif

