// Convolutions without an im2col buffer. Each output position's patch is read in place from
// the input (a zero-padded copy when the convolution pads) as `nseg` runs of `len`
// contiguous floats: one run per kernel row when a patch row is contiguous (no column
// dilation, one group), else one run of c/groups channels per tap.
//
// forward:          tiles of 6 positions × 16 filters (the GEMM microkernel's shape, with A
//                   broadcast straight from the patches and B the packed weights); with one
//                   input channel at unit column stride ("direct"), tiles of 6 filters × 16
//                   consecutive positions of an output row, so few filters still fill the lanes.
// backward weights: tiles of taps × filters summed over every position (A from the patches,
//                   B the rows of dz): 6×16, or 12×8 and 6×8 for 8 filters or fewer.
// backward data:    tiles of 6 positions × 16 taps (rows of dz times packed Wᵀ), each added
//                   straight back into the patch it belongs to (col2im without the columns).

#include "nnc_kernels.h"
#include <string.h>

static int min_int(int a, int b) { return a < b ? a : b; }
static int round_up(int x, int to) { return (x + to - 1) / to * to; }

// The runs of one group's patch.
typedef struct {
    int nseg, len, taps;
} patch_runs;

static patch_runs runs_of(const nnc_conv *cv) {
    const nnc_window *g = &cv->g;
    int cg = g->c / cv->groups;
    patch_runs r;
    if (g->dw == 1 && cv->groups == 1) {
        r.nseg = g->kh;
        r.len = g->kw * g->c;
    } else {
        r.nseg = g->kh * g->kw;
        r.len = cg;
    }
    r.taps = g->kh * g->kw * cg;
    return r;
}

// Where run s of group `group` starts, relative to a position's base.
static size_t run_offset(const nnc_conv *cv, int s, int group) {
    const nnc_window *g = &cv->g;
    if (g->dw == 1 && cv->groups == 1) return (size_t)s * g->dh * cv->wp * g->c;
    int i = s / g->kw, j = s % g->kw;
    return ((size_t)i * g->dh * cv->wp + (size_t)j * g->dw) * g->c + (size_t)group * (g->c / cv->groups);
}

// Where tap t (the weight row (i·kw + j)·c/groups + k) of group `group` is read.
static size_t tap_offset(const nnc_conv *cv, patch_runs r, int t, int group) {
    return run_offset(cv, t / r.len, group) + (size_t)(t % r.len);
}

// Where the patch of output position `pos` starts in the tensor the kernels read.
static size_t position_base(const nnc_conv *cv, int pos) {
    const nnc_window *g = &cv->g;
    int ox = pos % g->ow, oy = pos / g->ow % g->oh, b = pos / (g->ow * g->oh);
    return (((size_t)b * cv->hp + (size_t)oy * g->sh) * cv->wp + (size_t)ox * g->sw) * g->c;
}

// Backward data's panels of Wᵀ: 16 taps each, across runs, or, when runs are long enough to
// waste at most a quarter of the lanes, within runs (every panel one contiguous run, added
// straight from registers).
static int runs_aligned(patch_runs r) { return (round_up(r.len, 16) - r.len) * 4 <= r.len; }
static int data_panels(patch_runs r) { return runs_aligned(r) ? r.nseg * ((r.len + 15) / 16) : (r.taps + 15) / 16; }

// The taps [t0, t1) of backward data's panel j (consecutive panels cover consecutive taps).
static void panel_taps(patch_runs r, int j, int *t0, int *t1) {
    if (runs_aligned(r)) {
        int per = (r.len + 15) / 16;
        *t0 = j / per * r.len + j % per * 16;
        *t1 = min_int(*t0 + 16, (j / per + 1) * r.len);
    } else {
        *t0 = 16 * j;
        *t1 = min_int(*t0 + 16, r.taps);
    }
}

size_t nnc_conv_packed_floats(nnc_conv cv) {
    patch_runs r = runs_of(&cv);
    int fg = cv.filters / cv.groups;
    return cv.direct ? (size_t)round_up(cv.filters, 6) * r.taps : (size_t)cv.groups * round_up(fg, 16) * r.taps;
}

size_t nnc_conv_workspace_floats(nnc_conv cv, int parts) {
    patch_runs r = runs_of(&cv);
    int fg = cv.filters / cv.groups;
    size_t forward = nnc_conv_packed_floats(cv);
    size_t data = (size_t)cv.groups * data_panels(r) * 16 * fg;
    size_t weights = (size_t)(parts > 1 ? parts - 1 : 0) * r.taps * cv.filters;
    size_t most = forward > data ? forward : data;
    return (most > weights ? most : weights) + 16;
}

void nnc_conv_pad(float *xp, const float *x, nnc_conv cv, int b0, int b1) {
    nnc_window g = cv.g;
    size_t row = (size_t)cv.wp * g.c, inner = (size_t)g.w * g.c, left = (size_t)g.pad_left * g.c;
    for (int b = b0; b < b1; b++)
        for (int py = 0; py < cv.hp; py++) {
            float *out = xp + ((size_t)b * cv.hp + py) * row;
            int iy = py - g.pad_top;
            if (iy < 0 || iy >= g.h) {
                memset(out, 0, row * sizeof(float));
                continue;
            }
            memset(out, 0, left * sizeof(float));
            memcpy(out + left, x + ((size_t)b * g.h + iy) * inner, inner * sizeof(float));
            memset(out + left + inner, 0, (row - left - inner) * sizeof(float));
        }
}

void nnc_conv_unpad(float *dx, const float *dxp, nnc_conv cv, int b0, int b1) {
    nnc_window g = cv.g;
    size_t inner = (size_t)g.w * g.c;
    for (int b = b0; b < b1; b++)
        for (int iy = 0; iy < g.h; iy++)
            memcpy(dx + ((size_t)b * g.h + iy) * inner,
                   dxp + (((size_t)b * cv.hp + iy + g.pad_top) * cv.wp + g.pad_left) * g.c, inner * sizeof(float));
}

void nnc_conv_pack_weights(float *wp, const float *w, nnc_conv cv) {
    patch_runs r = runs_of(&cv);
    int F = cv.filters, fg = F / cv.groups;
    if (cv.direct) {
        // Panels of 6 filters: wp[q][t·6 + i] = W[t][6q + i].
        for (int q = 0; q < F; q += 6)
            for (int t = 0; t < r.taps; t++)
                for (int i = 0; i < 6; i++) *wp++ = q + i < F ? w[(size_t)t * F + q + i] : 0.0f;
        return;
    }
    // Per group, panels of 16 filters: [t·16 + f] = W[t][group·fg + 16j + f].
    for (int gr = 0; gr < cv.groups; gr++)
        for (int j = 0; j < fg; j += 16)
            for (int t = 0; t < r.taps; t++)
                for (int f = 0; f < 16; f++) *wp++ = j + f < fg ? w[(size_t)t * F + gr * fg + j + f] : 0.0f;
}

void nnc_conv_pack_weights_t(float *wt, const float *w, nnc_conv cv) {
    patch_runs r = runs_of(&cv);
    int F = cv.filters, fg = F / cv.groups;
    // Per group, panels of 16 taps [t0, t1): [f·16 + tt] = W[t0 + tt][group·fg + f], zero past t1.
    for (int gr = 0; gr < cv.groups; gr++)
        for (int j = 0; j < data_panels(r); j++) {
            int t0, t1;
            panel_taps(r, j, &t0, &t1);
            for (int f = 0; f < fg; f++)
                for (int tt = 0; tt < 16; tt++) *wt++ = t0 + tt < t1 ? w[(size_t)(t0 + tt) * F + gr * fg + f] : 0.0f;
        }
}

// Bias and activation on a 6×16 tile (rows: positions or filters, as `bias_by_row` says),
// for the `rows` × `cols` valid part.
static void tile_epilogue(float *tile, const float *bias, int bias_by_row, nnc_activation act, float param) {
    if (bias)
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 16; j++) tile[i * 16 + j] += bias_by_row ? bias[i] : bias[j];
    if (act != NNC_ACT_LINEAR) nnc_activation_forward(tile, tile, 96, act, param);
}

// ---- tiles, portable ----

static void implicit_tile_portable(float *tile, const float *const rp[6], const nnc_conv *cv, patch_runs r, int group,
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

static void direct_tile_portable(float *tile, const float *src, const nnc_conv *cv, const float *w) {
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
static void weights_tile_portable(float *tile, int rows, int width, const float *xs, const float *dz, const size_t *off,
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
static void rows_tile_portable(float *tile, const float *const ar[6], int k, const float *bp) {
    float acc[96] = {0};
    for (int q = 0; q < k; q++, bp += 16)
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 16; j++) acc[i * 16 + j] += ar[i][q] * bp[j];
    memcpy(tile, acc, sizeof acc);
}

// ---- tiles, AVX2/FMA ----

#if defined(__x86_64__) || defined(__i386__)
#include "simd.h"
#define AVX2 NNC_AVX2

#define ZERO12                                                                                                        \
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(); \
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(); \
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

// One step of a 6×16 tile: rows i += a_i · (b0, b1).
#define STEP6(x0, x1, x2, x3, x4, x5, b0, b1)                                                                  \
    {                                                                                                          \
        __m256 a;                                                                                              \
        a = _mm256_broadcast_ss(x0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01); \
        a = _mm256_broadcast_ss(x1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11); \
        a = _mm256_broadcast_ss(x2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21); \
        a = _mm256_broadcast_ss(x3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31); \
        a = _mm256_broadcast_ss(x4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41); \
        a = _mm256_broadcast_ss(x5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51); \
    }

#define STORE12(tile)                                                                                        \
    {                                                                                                        \
        _mm256_storeu_ps(tile + 0, c00); _mm256_storeu_ps(tile + 8, c01); _mm256_storeu_ps(tile + 16, c10);   \
        _mm256_storeu_ps(tile + 24, c11); _mm256_storeu_ps(tile + 32, c20); _mm256_storeu_ps(tile + 40, c21); \
        _mm256_storeu_ps(tile + 48, c30); _mm256_storeu_ps(tile + 56, c31); _mm256_storeu_ps(tile + 64, c40); \
        _mm256_storeu_ps(tile + 72, c41); _mm256_storeu_ps(tile + 80, c50); _mm256_storeu_ps(tile + 88, c51); \
    }

// Bias and relu (or nothing) on the tile's registers, for the in-register epilogues.
#define EPILOGUE2(x0, x1, b0, b1, relu)                                                      \
    {                                                                                        \
        x0 = _mm256_add_ps(x0, b0);                                                          \
        x1 = _mm256_add_ps(x1, b1);                                                          \
        if (relu) {                                                                          \
            x0 = _mm256_max_ps(x0, _mm256_setzero_ps());                                     \
            x1 = _mm256_max_ps(x1, _mm256_setzero_ps());                                     \
        }                                                                                    \
    }

// A full tile (6 positions × 16 filters) with a linear or relu epilogue is finished in
// registers and stored to y (row stride ldy); anything else goes to `tile` for the caller.
AVX2 static int implicit_tile_avx2(float *tile, const float *const rp[6], const nnc_conv *cv, patch_runs r, int group,
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
AVX2 static int direct_tile_avx2(float *tile, const float *src, const nnc_conv *cv, const float *w, float *out, int n,
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

AVX2 static void rows_tile_avx2(float *tile, const float *const ar[6], int k, const float *bp) {
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

static void weights_tile(float *tile, int rows, int narrow, const float *xs, const float *dz, const size_t *off, int cols,
                         const nnc_conv *cv, int r0, int r1, int masked) {
    if (r0 >= r1) return;
    if (!narrow) weights_tile_6x16_avx2(tile, xs, dz, off, cols, cv, r0, r1, masked);
    else if (rows == 12) weights_tile_12x8_avx2(tile, xs, dz, off, cols, cv, r0, r1, masked);
    else weights_tile_6x8_avx2(tile, xs, dz, off, cols, cv, r0, r1, masked);
}

static int have_avx2(void) { return nnc_active_isa() == NNC_ISA_AVX2_FMA; }
#else
static int have_avx2(void) { return 0; }
#endif

// ---- forward ----

// Output rows [r0, r1) (row r = b·oh + oy) of the direct method into y (row r0 at y[0]).
static void direct_rows(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                        float param, int r0, int r1) {
    nnc_window g = cv.g;
    int F = cv.filters, taps = g.kh * g.kw, avx2 = have_avx2();
    float tile[96];
    for (int r = r0; r < r1; r++) {
        int b = r / g.oh, oy = r % g.oh;
        const float *row = xs + ((size_t)b * cv.hp + (size_t)oy * g.sh) * cv.wp;
        for (int ox = 0; ox < g.ow; ox += 16) {
            int n = min_int(16, g.ow - ox);
            float *out = y + ((size_t)(r - r0) * g.ow + ox) * F;
            for (int q = 0; q < F; q += 6) {
                int fv = min_int(6, F - q);
                float b6[6] = {0};
                if (bias)
                    for (int i = 0; i < fv; i++) b6[i] = bias[q + i];
#if defined(__x86_64__) || defined(__i386__)
                if (avx2 && direct_tile_avx2(tile, row + ox, &cv, wp + (size_t)q * taps, out, n, b6, act)) continue;
                if (!avx2) direct_tile_portable(tile, row + ox, &cv, wp + (size_t)q * taps);
#else
                (void)avx2;
                direct_tile_portable(tile, row + ox, &cv, wp + (size_t)q * taps);
#endif
                tile_epilogue(tile, b6, 1, act, param);
                for (int x = 0; x < n; x++)
                    for (int i = 0; i < fv; i++) out[(size_t)x * F + q + i] = tile[i * 16 + x];
            }
        }
    }
}

// The same for the implicit GEMM method: positions [r0·ow, r1·ow), 6 at a time.
static void implicit_rows(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                          float param, int r0, int r1) {
    patch_runs r = runs_of(&cv);
    int F = cv.filters, fg = F / cv.groups, panels = (fg + 15) / 16, avx2 = have_avx2();
    int p0 = r0 * cv.g.ow, p1 = r1 * cv.g.ow;
    float tile[96];
    for (int gr = 0; gr < cv.groups; gr++)
        for (int p = p0; p < p1; p += 6) {
            int rows = min_int(6, p1 - p);
            const float *rp[6];
            for (int i = 0; i < 6; i++) rp[i] = xs + position_base(&cv, p + min_int(i, rows - 1));
            for (int j = 0; j < panels; j++) {
                const float *bp = wp + ((size_t)gr * panels + j) * r.taps * 16;
                int col = gr * fg + 16 * j, cols = min_int(16, fg - 16 * j);
                float b16[16] = {0};
                if (bias)
                    for (int f = 0; f < cols; f++) b16[f] = bias[col + f];
                float *out = y + (size_t)(p - p0) * F + col;
#if defined(__x86_64__) || defined(__i386__)
                if (avx2 && implicit_tile_avx2(tile, rp, &cv, r, gr, bp, out, F, b16, rows == 6 && cols == 16, act)) continue;
                if (!avx2) implicit_tile_portable(tile, rp, &cv, r, gr, bp);
#else
                (void)avx2;
                implicit_tile_portable(tile, rp, &cv, r, gr, bp);
#endif
                tile_epilogue(tile, b16, 0, act, param);
                for (int i = 0; i < rows; i++) memcpy(out + (size_t)i * F, tile + i * 16, (size_t)cols * sizeof(float));
            }
        }
}

static void forward_rows(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                         float param, int r0, int r1) {
    if (cv.direct) direct_rows(y, xs, wp, bias, cv, act, param, r0, r1);
    else implicit_rows(y, xs, wp, bias, cv, act, param, r0, r1);
}

void nnc_conv_forward(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                      float param, int b0, int b1) {
    forward_rows(y + (size_t)b0 * cv.g.oh * cv.g.ow * cv.filters, xs, wp, bias, cv, act, param, b0 * cv.g.oh, b1 * cv.g.oh);
}

// Pooled rows of the largest chunk nnc_conv_forward_maxpool computes at once (a chunk's
// convolution rows stay in L1/L2 until they are pooled).
static int pooled_rows_per_chunk(nnc_conv cv, nnc_window pool) {
    size_t row = (size_t)pool.kh * cv.g.ow * cv.filters;
    int rows = (int)(16384 / (row ? row : 1));
    rows = rows < 1 ? 1 : rows;
    return rows < pool.oh ? rows : pool.oh;
}

size_t nnc_conv_maxpool_buffer_floats(nnc_conv cv, nnc_window pool) {
    return (size_t)pooled_rows_per_chunk(cv, pool) * pool.kh * cv.g.ow * cv.filters;
}

size_t nnc_conv_maxpool_workspace_floats(nnc_conv cv, nnc_window pool, int parts) {
    size_t buffer = (nnc_conv_maxpool_buffer_floats(cv, pool) + 15) / 16 * 16;
    return (nnc_conv_packed_floats(cv) + 15) / 16 * 16 + (size_t)parts * buffer + 16;
}

void nnc_conv_forward_maxpool(float *y, int32_t *argmax, const float *xs, const float *wp, const float *bias, nnc_conv cv,
                              nnc_window pool, nnc_activation act, float param, int b0, int b1, float *buffer) {
    int chunk = pooled_rows_per_chunk(cv, pool), F = cv.filters;
    for (int b = b0; b < b1; b++)
        for (int py = 0; py < pool.oh; py += chunk) {
            int n = min_int(chunk, pool.oh - py);
            int r0 = b * cv.g.oh + py * pool.kh;
            forward_rows(buffer, xs, wp, bias, cv, act, param, r0, r0 + n * pool.kh);
            size_t o = ((size_t)b * pool.oh + py) * pool.ow * F;
            nnc_maxpool_rows(y + o, argmax ? argmax + o : NULL, buffer, n, cv.g.ow, F, pool.kh, pool.kw, pool.ow,
                             (size_t)r0 * cv.g.ow * F);
        }
}

// ---- backward weights ----

// Output rows per pass over the weight tiles: the rows' dz and input rows stay in L2 while
// every tile sums over them.
static int weights_chunk_rows(const nnc_conv *cv) {
    const nnc_window *g = &cv->g;
    size_t bytes = ((size_t)g->ow * cv->filters + (size_t)g->sh * cv->wp * g->c) * sizeof(float);
    size_t rows = (size_t)(192 * 1024) / (bytes ? bytes : 1);
    return rows ? (int)rows : 1;
}

void nnc_conv_backward_weights(float *dw, const float *xs, const float *dz, nnc_conv cv, int b0, int b1) {
    patch_runs r = runs_of(&cv);
    int F = cv.filters, fg = F / cv.groups, avx2 = have_avx2();
    int narrow = fg <= 8, chunk = weights_chunk_rows(&cv);
    int first = b0 * cv.g.oh, last = b1 * cv.g.oh;
    float tile[96];
    size_t off[12];
    for (int r0 = first; r0 < last || r0 == first; r0 += chunk) {
        int r1 = min_int(last, r0 + chunk);
        for (int gr = 0; gr < cv.groups; gr++)
            for (int t0 = 0; t0 < r.taps;) {
                // 12 taps at a time when narrow (6 for the last few), else 6.
                int rows = narrow && r.taps - t0 > 6 ? 12 : 6, width = narrow ? 8 : 16;
                int valid = min_int(rows, r.taps - t0);
                for (int rr = 0; rr < rows; rr++) off[rr] = tap_offset(&cv, r, min_int(t0 + rr, r.taps - 1), gr);
                for (int f0 = 0; f0 < fg; f0 += width) {
                    int cols = min_int(width, fg - f0);
                    float *block = dw + (size_t)t0 * F + gr * fg + f0;
                    // The sums so far (zero before the first chunk), then this chunk's.
                    memset(tile, 0, sizeof tile);
                    if (r0 > first)
                        for (int rr = 0; rr < valid; rr++) memcpy(tile + rr * width, block + (size_t)rr * F, (size_t)cols * sizeof(float));
                    const float *d = dz + gr * fg + f0;
#if defined(__x86_64__) || defined(__i386__)
                    if (avx2) {
                        // Whole vectors at the last positions of dz would read past its end:
                        // those rows take the masked loop.
                        int excess = gr * fg + f0 + width - F, total = cv.g.batch * cv.g.oh;
                        int tail = excess > 0 ? ((excess + F - 1) / F + cv.g.ow - 1) / cv.g.ow : 0;
                        int split = total - tail < r0 ? r0 : (total - tail > r1 ? r1 : total - tail);
                        weights_tile(tile, rows, narrow, xs, d, off, cols, &cv, r0, split, 0);
                        weights_tile(tile, rows, narrow, xs, d, off, cols, &cv, split, r1, 1);
                    }
                    else
                        weights_tile_portable(tile, rows, width, xs, d, off, cols, &cv, r0, r1);
#else
                    (void)avx2;
                    weights_tile_portable(tile, rows, width, xs, d, off, cols, &cv, r0, r1);
#endif
                    for (int rr = 0; rr < valid; rr++) memcpy(block + (size_t)rr * F, tile + rr * width, (size_t)cols * sizeof(float));
                }
                t0 += rows;
            }
        if (r1 >= last) break;
    }
}

// ---- backward data ----

// dst[0..n) += src[0..n) for the n ≤ 16 taps of one run.
static void add_run_portable(float *dst, const float *src, int n, const float *limit) {
    (void)limit;
    for (int q = 0; q < n; q++) dst[q] += src[q];
}

#if defined(__x86_64__) || defined(__i386__)
// The same in vectors, the last one masked (adding zeros to the cells past the run) when it
// ends below `limit`, the end of the sample's part of dxs, which no other thread writes.
// src may be read up to 7 floats past n.
AVX2 static inline void add_run_avx2(float *dst, const float *src, int n, const float *limit) {
    int q = 0;
    for (; q + 8 <= n; q += 8) _mm256_storeu_ps(dst + q, _mm256_add_ps(_mm256_loadu_ps(dst + q), _mm256_loadu_ps(src + q)));
    if (q == n) return;
    if (dst + q + 8 <= limit) {
        __m256 part = _mm256_and_ps(_mm256_loadu_ps(src + q), _mm256_castsi256_ps(nnc_lanes(n - q)));
        _mm256_storeu_ps(dst + q, _mm256_add_ps(_mm256_loadu_ps(dst + q), part));
        return;
    }
    for (; q < n; q++) dst[q] += src[q];
}
#endif

// A tile's 6 positions are `span` apart (p, p + span, …, below p1), not adjacent: adjacent
// positions' patches overlap, and adding a row's run right after the previous row's store
// to the overlapping cells stalls on the unfinished store.
static int tile_rows(int p, int span, int p1) {
    int rows = 0;
    while (rows < 6 && p + rows * span < p1) rows++;
    return rows;
}

// Positions [p0, p1) of one group: tiles of 6 positions × 16 taps (rows of dz times a panel
// of Wᵀ), each run of contiguous taps added to every row's patch. The run and offset of
// tap 16j are kept as the panels advance (no division per tap).
#define BACKWARD_DATA(TILE, ADD)                                                                                   \
    int span = (p1 - p0 + 5) / 6;                                                                                  \
    for (int p = p0; p < p0 + span; p++) {                                                                         \
        int rows = tile_rows(p, span, p1);                                                                         \
        const float *ar[6], *limit[6];                                                                             \
        size_t base[6];                                                                                            \
        for (int i = 0; i < 6; i++) {                                                                              \
            int q = p + min_int(i, rows - 1) * span;                                                               \
            ar[i] = dz + (size_t)q * cv.filters + gr * fg;                                                         \
            base[i] = position_base(&cv, q);                                                                       \
            limit[i] = dxs + (size_t)(q / per + 1) * sample;                                                       \
        }                                                                                                          \
        int s = 0, u = 0;                                                                                          \
        for (int j = 0; j < panels; j++) {                                                                         \
            TILE(tile, ar, fg, wt + ((size_t)gr * panels + j) * 16 * fg);                                          \
            int t0, t1;                                                                                            \
            panel_taps(r, j, &t0, &t1);                                                                            \
            for (int t = t0; t < t1;) {                                                                            \
                int n = min_int(t1 - t, r.len - u);                                                                \
                size_t offset = run_offset(&cv, s, gr) + (size_t)u;                                                \
                for (int i = 0; i < rows; i++) ADD(dxs + base[i] + offset, tile + i * 16 + (t - t0), n, limit[i]); \
                t += n;                                                                                            \
                u += n;                                                                                            \
                if (u == r.len) {                                                                                  \
                    u = 0;                                                                                         \
                    s++;                                                                                           \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }

#if defined(__x86_64__) || defined(__i386__)
// Aligned panels: one tile of 6 positions × the n ≤ 16 taps of one run, added from the
// registers to each row's patch (dst[i]); lanes past n add zeros, so whole vectors are used
// while they end below the row's limit.
AVX2 static void aligned_panel_avx2(float *const dst[6], const float *const limit[6], int rows, int n,
                                    const float *const ar[6], int k, const float *bp) {
    ZERO12
    const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5];
    for (int q = 0; q < k; q++, bp += 16) {
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        STEP6(a0 + q, a1 + q, a2 + q, a3 + q, a4 + q, a5 + q, b0, b1)
    }
    __m256 rows12[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    __m256 m0 = _mm256_castsi256_ps(nnc_lanes(n)), m1 = _mm256_castsi256_ps(nnc_lanes(n - 8));
    for (int i = 0; i < rows; i++) {
        float *d = dst[i];
        if (d + (n > 8 ? 16 : 8) <= limit[i]) {
            _mm256_storeu_ps(d, _mm256_add_ps(_mm256_loadu_ps(d), _mm256_and_ps(rows12[2 * i], m0)));
            if (n > 8) _mm256_storeu_ps(d + 8, _mm256_add_ps(_mm256_loadu_ps(d + 8), _mm256_and_ps(rows12[2 * i + 1], m1)));
        } else {
            float t[16];
            _mm256_storeu_ps(t, rows12[2 * i]);
            _mm256_storeu_ps(t + 8, rows12[2 * i + 1]);
            for (int q = 0; q < n; q++) d[q] += t[q];
        }
    }
}

AVX2 static void backward_data_aligned_avx2(float *dxs, const float *dz, const float *wt, nnc_conv cv, patch_runs r, int gr,
                                            int p0, int p1) {
    int fg = cv.filters / cv.groups, per = cv.g.oh * cv.g.ow, runs = (r.len + 15) / 16;
    size_t sample = (size_t)cv.hp * cv.wp * cv.g.c;
    int span = (p1 - p0 + 5) / 6;
    for (int p = p0; p < p0 + span; p++) {
        int rows = tile_rows(p, span, p1);
        const float *ar[6], *limit[6];
        size_t base[6];
        for (int i = 0; i < 6; i++) {
            int q = p + min_int(i, rows - 1) * span;
            ar[i] = dz + (size_t)q * cv.filters + gr * fg;
            base[i] = position_base(&cv, q);
            limit[i] = dxs + (size_t)(q / per + 1) * sample;
        }
        for (int s = 0; s < r.nseg; s++) {
            size_t offset = run_offset(&cv, s, gr);
            for (int k = 0; k < runs; k++) {
                float *dst[6];
                for (int i = 0; i < 6; i++) dst[i] = dxs + base[i] + offset + 16 * k;
                aligned_panel_avx2(dst, limit, rows, min_int(16, r.len - 16 * k), ar, fg,
                                   wt + ((size_t)gr * r.nseg * runs + s * runs + k) * 16 * fg);
            }
        }
    }
}
#endif

static void backward_data_portable(float *dxs, const float *dz, const float *wt, nnc_conv cv, patch_runs r, int gr,
                                   int p0, int p1) {
    int fg = cv.filters / cv.groups, panels = data_panels(r), per = cv.g.oh * cv.g.ow;
    size_t sample = (size_t)cv.hp * cv.wp * cv.g.c;
    float tile[96 + 8];
    BACKWARD_DATA(rows_tile_portable, add_run_portable)
}

#if defined(__x86_64__) || defined(__i386__)
AVX2 static void backward_data_avx2(float *dxs, const float *dz, const float *wt, nnc_conv cv, patch_runs r, int gr,
                                    int p0, int p1) {
    int fg = cv.filters / cv.groups, panels = data_panels(r), per = cv.g.oh * cv.g.ow;
    size_t sample = (size_t)cv.hp * cv.wp * cv.g.c;
    float tile[96 + 8];  // a run's last vector may read past its row's 16
    BACKWARD_DATA(rows_tile_avx2, add_run_avx2)
}
#endif

void nnc_conv_backward_data(float *dxs, const float *dz, const float *wt, nnc_conv cv, int b0, int b1) {
    patch_runs r = runs_of(&cv);
    size_t sample = (size_t)cv.hp * cv.wp * cv.g.c;
    memset(dxs + (size_t)b0 * sample, 0, (size_t)(b1 - b0) * sample * sizeof(float));
    int per = cv.g.oh * cv.g.ow;
    for (int gr = 0; gr < cv.groups; gr++) {
#if defined(__x86_64__) || defined(__i386__)
        if (have_avx2()) {
            if (runs_aligned(r)) backward_data_aligned_avx2(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
            else backward_data_avx2(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
            continue;
        }
#endif
        backward_data_portable(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
    }
}

// ---- reference twins ----

static size_t x_index(nnc_window g, int b, int y, int x, int c) { return (((size_t)b * g.h + y) * g.w + x) * g.c + c; }

void nnc_conv2d_backward_data_reference(float *dx, const float *dz, const float *w, nnc_window g, int filters, int groups) {
    int cg = g.c / groups, fg = filters / groups;
    for (int b = 0; b < g.batch; b++)
        for (int iy = 0; iy < g.h; iy++)
            for (int ix = 0; ix < g.w; ix++)
                for (int c = 0; c < g.c; c++) {
                    int group = c / cg, k = c % cg;
                    double sum = 0;
                    for (int i = 0; i < g.kh; i++)
                        for (int j = 0; j < g.kw; j++) {
                            // The output (oy, ox) whose tap (i, j) reads (iy, ix), if any.
                            int ny = iy + g.pad_top - i * g.dh, nx = ix + g.pad_left - j * g.dw;
                            if (ny < 0 || nx < 0 || ny % g.sh || nx % g.sw) continue;
                            int oy = ny / g.sh, ox = nx / g.sw;
                            if (oy >= g.oh || ox >= g.ow) continue;
                            for (int f = group * fg; f < (group + 1) * fg; f++)
                                sum += (double)dz[(((size_t)b * g.oh + oy) * g.ow + ox) * filters + f] *
                                       w[(((size_t)i * g.kw + j) * cg + k) * filters + f];
                        }
                    dx[x_index(g, b, iy, ix, c)] = (float)sum;
                }
}

void nnc_conv2d_backward_weights_reference(float *dw, const float *x, const float *dz, nnc_window g, int filters,
                                           int groups) {
    int cg = g.c / groups, fg = filters / groups;
    for (int i = 0; i < g.kh; i++)
        for (int j = 0; j < g.kw; j++)
            for (int k = 0; k < cg; k++)
                for (int f = 0; f < filters; f++) {
                    int c = f / fg * cg + k;
                    double sum = 0;
                    for (int b = 0; b < g.batch; b++)
                        for (int oy = 0; oy < g.oh; oy++)
                            for (int ox = 0; ox < g.ow; ox++) {
                                int iy = oy * g.sh - g.pad_top + i * g.dh, ix = ox * g.sw - g.pad_left + j * g.dw;
                                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                                sum += (double)x[x_index(g, b, iy, ix, c)] *
                                       dz[(((size_t)b * g.oh + oy) * g.ow + ox) * filters + f];
                            }
                    dw[(((size_t)i * g.kw + j) * cg + k) * filters + f] = (float)sum;
                }
}
