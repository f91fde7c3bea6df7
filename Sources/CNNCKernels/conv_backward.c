// The convolutions' gradients: backward weights and backward data (see conv.c).

#include "conv_internal.h"

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
    int avx2 = nnc_conv_have_avx2();
#if defined(__x86_64__) || defined(__i386__)
    if (avx2 && nnc_conv_direct_weights_fits(&cv)) {
        nnc_conv_direct_weights(dw, xs, dz, &cv, b0, b1);
        return;
    }
#endif
    patch_runs r = runs_of(&cv);
    int F = cv.filters, fg = F / cv.groups;
    int narrow = fg <= 8, chunk = weights_chunk_rows(&cv);
    int wide512 = !narrow && nnc_conv_have_avx512();  // 12 × 16 AVX-512 tiles
    int first = b0 * cv.g.oh, last = b1 * cv.g.oh;
    float tile[12 * 16];
    size_t off[12];
    for (int r0 = first; r0 < last || r0 == first; r0 += chunk) {
        int r1 = min_int(last, r0 + chunk);
        for (int gr = 0; gr < cv.groups; gr++)
            for (int t0 = 0; t0 < r.taps;) {
                // 12 taps at a time when narrow (6 for the last few) or with AVX-512, else 6.
                int rows = wide512 || (narrow && r.taps - t0 > 6) ? 12 : 6, width = narrow ? 8 : 16;
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
                        if (wide512) {
                            nnc_conv_weights_tile_avx512(tile, xs, d, off, cols, &cv, r0, split, 0);
                            nnc_conv_weights_tile_avx512(tile, xs, d, off, cols, &cv, split, r1, 1);
                        } else {
                            nnc_conv_weights_tile(tile, rows, narrow, xs, d, off, cols, &cv, r0, split, 0);
                            nnc_conv_weights_tile(tile, rows, narrow, xs, d, off, cols, &cv, split, r1, 1);
                        }
                    }
                    else
                        nnc_conv_weights_tile_portable(tile, rows, width, xs, d, off, cols, &cv, r0, r1);
#else
                    (void)avx2;
                    nnc_conv_weights_tile_portable(tile, rows, width, xs, d, off, cols, &cv, r0, r1);
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

// A tile's `most` (6 or 12) positions are `span` apart (p, p + span, …, below p1), not
// adjacent: adjacent positions' patches overlap, and adding a row's run right after the
// previous row's store to the overlapping cells stalls on the unfinished store.
static int tile_rows(int p, int span, int p1, int most) {
    int rows = 0;
    while (rows < most && p + rows * span < p1) rows++;
    return rows;
}

// Positions [p0, p1) of one group: tiles of 6 positions × 16 taps (rows of dz times a panel
// of Wᵀ), each run of contiguous taps added to every row's patch. The run and offset of
// tap 16j are kept as the panels advance (no division per tap).
#define BACKWARD_DATA(TILE, ADD)                                                                                   \
    int span = (p1 - p0 + 5) / 6;                                                                                  \
    for (int p = p0; p < p0 + span; p++) {                                                                         \
        int rows = tile_rows(p, span, p1, 6);                                                                      \
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
        int rows = tile_rows(p, span, p1, 6);
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

#if defined(__x86_64__) || defined(__i386__)
// Aligned panels with AVX-512: tiles of 12 positions, their dz rows packed (64 filters at a
// time) once for every panel of the tile, each panel masked to its run's taps.
static void backward_data_aligned_avx512(float *dxs, const float *dz, const float *wt, nnc_conv cv, patch_runs r, int gr,
                                         int p0, int p1) {
    int fg = cv.filters / cv.groups, runs = (r.len + 15) / 16;
    int span = (p1 - p0 + 11) / 12;
    float packed[12 * 64];
    position at[12];  // row i's position p + i·span, advanced with p
    for (int i = 0; i < 12; i++) at[i] = position_at(&cv, p0 + i * span);
    for (int p = p0; p < p0 + span; p++) {
        int rows = tile_rows(p, span, p1, 12);
        size_t base[12];
        for (int i = 0; i < 12; i++) {
            base[i] = base_of(&cv, at[min_int(i, rows - 1)]);
            next_position(&cv, &at[i]);
        }
        for (int f0 = 0; f0 < fg; f0 += 64) {
            int k = min_int(64, fg - f0);
            for (int i = 0; i < 12; i++) {
                const float *row = dz + (size_t)(p + min_int(i, rows - 1) * span) * cv.filters + gr * fg + f0;
                for (int q = 0; q < k; q++) packed[q * 12 + i] = row[q];
            }
            for (int s = 0; s < r.nseg; s++) {
                size_t offset = run_offset(&cv, s, gr);
                for (int j = 0; j < runs; j++) {
                    float *dst[12];
                    for (int i = 0; i < 12; i++) dst[i] = dxs + base[i] + offset + 16 * j;
                    const float *panel = wt + ((size_t)gr * r.nseg * runs + s * runs + j) * 16 * fg + (size_t)f0 * 16;
                    nnc_conv_data_panel_avx512(dst, rows, min_int(16, r.len - 16 * j), packed, k, panel);
                }
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
    BACKWARD_DATA(nnc_conv_rows_tile_portable, add_run_portable)
}

#if defined(__x86_64__) || defined(__i386__)
AVX2 static void backward_data_avx2(float *dxs, const float *dz, const float *wt, nnc_conv cv, patch_runs r, int gr,
                                    int p0, int p1) {
    int fg = cv.filters / cv.groups, panels = data_panels(r), per = cv.g.oh * cv.g.ow;
    size_t sample = (size_t)cv.hp * cv.wp * cv.g.c;
    float tile[96 + 8];  // a run's last vector may read past its row's 16
    BACKWARD_DATA(nnc_conv_rows_tile_avx2, add_run_avx2)
}
#endif

void nnc_conv_backward_data(float *dxs, const float *dz, const float *wt, nnc_conv cv, int b0, int b1) {
    patch_runs r = runs_of(&cv);
    size_t sample = (size_t)cv.hp * cv.wp * cv.g.c;
    memset(dxs + (size_t)b0 * sample, 0, (size_t)(b1 - b0) * sample * sizeof(float));
    int per = cv.g.oh * cv.g.ow;
    for (int gr = 0; gr < cv.groups; gr++) {
#if defined(__x86_64__) || defined(__i386__)
        if (nnc_conv_have_avx2()) {
            if (runs_aligned(r) && nnc_conv_have_avx512())
                backward_data_aligned_avx512(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
            else if (runs_aligned(r)) backward_data_aligned_avx2(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
            else backward_data_avx2(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
            continue;
        }
#endif
        backward_data_portable(dxs, dz, wt, cv, r, gr, b0 * per, b1 * per);
    }
}

