#ifndef NNC_CONV_INTERNAL_H
#define NNC_CONV_INTERNAL_H
// Private to the convolution kernels (conv.c, conv_tiles.c, conv_backward.c): how a patch
// is read in place, and the tile kernels the drivers call.

#include "nnc_kernels.h"
#include <string.h>

static inline int min_int(int a, int b) { return a < b ? a : b; }
static inline int round_up(int x, int to) { return (x + to - 1) / to * to; }

// The runs of one group's patch.
typedef struct {
    int nseg, len, taps;
} patch_runs;

static inline patch_runs runs_of(const nnc_conv *cv) {
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
static inline size_t run_offset(const nnc_conv *cv, int s, int group) {
    const nnc_window *g = &cv->g;
    if (g->dw == 1 && cv->groups == 1) return (size_t)s * g->dh * cv->wp * g->c;
    int i = s / g->kw, j = s % g->kw;
    return ((size_t)i * g->dh * cv->wp + (size_t)j * g->dw) * g->c + (size_t)group * (g->c / cv->groups);
}

// Where tap t (the weight row (i·kw + j)·c/groups + k) of group `group` is read.
static inline size_t tap_offset(const nnc_conv *cv, patch_runs r, int t, int group) {
    return run_offset(cv, t / r.len, group) + (size_t)(t % r.len);
}

// An output position's sample, row and column, advanced one position at a time by
// next_position so the tile loops divide once per tile row, not per position.
typedef struct {
    int b, oy, ox;
} position;

static inline position position_at(const nnc_conv *cv, int pos) {
    const nnc_window *g = &cv->g;
    position p = {pos / (g->ow * g->oh), pos / g->ow % g->oh, pos % g->ow};
    return p;
}

static inline void next_position(const nnc_conv *cv, position *p) {
    if (++p->ox < cv->g.ow) return;
    p->ox = 0;
    if (++p->oy < cv->g.oh) return;
    p->oy = 0;
    p->b++;
}

// Where the patch of a position starts in the tensor the kernels read.
static inline size_t base_of(const nnc_conv *cv, position p) {
    const nnc_window *g = &cv->g;
    return (((size_t)p.b * cv->hp + (size_t)p.oy * g->sh) * cv->wp + (size_t)p.ox * g->sw) * g->c;
}

static inline size_t position_base(const nnc_conv *cv, int pos) { return base_of(cv, position_at(cv, pos)); }

// Backward data's panels of Wᵀ: 16 taps each, across runs, or, when runs are long enough to
// waste at most a quarter of the lanes, within runs (every panel one contiguous run, added
// straight from registers).
static inline int runs_aligned(patch_runs r) { return (round_up(r.len, 16) - r.len) * 4 <= r.len; }
static inline int data_panels(patch_runs r) { return runs_aligned(r) ? r.nseg * ((r.len + 15) / 16) : (r.taps + 15) / 16; }

// The taps [t0, t1) of backward data's panel j (consecutive panels cover consecutive taps).
static inline void panel_taps(patch_runs r, int j, int *t0, int *t1) {
    if (runs_aligned(r)) {
        int per = (r.len + 15) / 16;
        *t0 = j / per * r.len + j % per * 16;
        *t1 = min_int(*t0 + 16, (j / per + 1) * r.len);
    } else {
        *t0 = 16 * j;
        *t1 = min_int(*t0 + 16, r.taps);
    }
}

void nnc_conv_tile_epilogue(float *tile, int rows, int width, const float *bias, int bias_by_row, nnc_activation act,
                            float param);
void nnc_conv_implicit_tile_portable(float *tile, const float *const rp[6], const nnc_conv *cv, patch_runs r, int group,
                                   const float *bp);
void nnc_conv_direct_tile_portable(float *tile, const float *src, const nnc_conv *cv, const float *w);
void nnc_conv_weights_tile_portable(float *tile, int rows, int width, const float *xs, const float *dz, const size_t *off,
                                  int cols, const nnc_conv *cv, int r0, int r1);

/// Whether the AVX2/FMA tiles run (the CPU has them and the build targets x86).
int nnc_conv_have_avx2(void);
/// Whether the AVX-512 tiles run (conv_tiles_avx512.c): the active instruction set is AVX-512.
int nnc_conv_have_avx512(void);
void nnc_conv_rows_tile_portable(float *tile, const float *const ar[6], int k, const float *bp);

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

AVX2 int nnc_conv_implicit_tile_avx2(float *tile, const float *const rp[6], const nnc_conv *cv, patch_runs r, int group,
                                   const float *bp, float *y, int ldy, const float *bias16, int full, nnc_activation act);
AVX2 int nnc_conv_direct_tile_avx2(float *tile, const float *src, const nnc_conv *cv, const float *w, float *out, int n,
                                 const float *bias6, nnc_activation act);
void nnc_conv_weights_tile(float *tile, int rows, int narrow, const float *xs, const float *dz, const size_t *off, int cols,
                         const nnc_conv *cv, int r0, int r1, int masked);
AVX2 void nnc_conv_rows_tile_avx2(float *tile, const float *const ar[6], int k, const float *bp);

NNC_AVX512 int nnc_conv_implicit_tile_avx512(float *tile, const float *const rp[12], const nnc_conv *cv, patch_runs r,
                                             int group, const float *bp, float *y, int ldy, const float *bias16, int rows,
                                             int cols, nnc_activation act);
NNC_AVX512 int nnc_conv_direct_tile_avx512(float *tile, const float *src, const nnc_conv *cv, const float *w, float *out,
                                           int n, int whole, const float *bias6, nnc_activation act);
NNC_AVX512 void nnc_conv_weights_tile_avx512(float *tile, const float *xs, const float *dz, const size_t *off, int cols,
                                             const nnc_conv *cv, int r0, int r1, int masked);
NNC_AVX512 void nnc_conv_data_panel_avx512(float *const dst[12], int rows, int n, const float *ap, int k,
                                           const float *bp);

/// Backward weights with positions along the lanes, for direct convolutions that fit its
/// buffers (conv_weights_direct.c).
int nnc_conv_direct_weights_fits(const nnc_conv *cv);
void nnc_conv_direct_weights(float *dw, const float *xs, const float *dz, const nnc_conv *cv, int b0, int b1);
#endif

#endif
