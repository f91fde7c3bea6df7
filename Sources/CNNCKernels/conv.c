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
//
// This file: padding, weight packing, the forward drivers and the reference twins;
// conv_tiles.c: the tile kernels; conv_backward.c: the gradient drivers.

#include "conv_internal.h"

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

// ---- forward ----

// Output rows [r0, r1) (row r = b·oh + oy) of the direct method into y (row r0 at y[0]):
// tiles of 6 filters × 16 positions (32 with AVX-512).
static void direct_rows(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                        float param, int r0, int r1) {
    nnc_window g = cv.g;
    int F = cv.filters, taps = g.kh * g.kw, avx2 = nnc_conv_have_avx2(), avx512 = nnc_conv_have_avx512();
    int width = avx512 ? 32 : 16;
    float tile[6 * 32];
    for (int r = r0; r < r1; r++) {
        int b = r / g.oh, oy = r % g.oh;
        const float *row = xs + ((size_t)b * cv.hp + (size_t)oy * g.sh) * cv.wp;
        for (int ox = 0; ox < g.ow; ox += width) {
            int n = min_int(width, g.ow - ox);
            float *out = y + ((size_t)(r - r0) * g.ow + ox) * F;
            for (int q = 0; q < F; q += 6) {
                int fv = min_int(6, F - q);
                float b6[6] = {0};
                if (bias)
                    for (int i = 0; i < fv; i++) b6[i] = bias[q + i];
                const float *wq = wp + (size_t)q * taps;
#if defined(__x86_64__) || defined(__i386__)
                if (avx512) {
                    // Whole vectors while the tile's 32 positions and its kernel's reach lie in the row.
                    int whole = ox + 32 + (g.kw - 1) * g.dw <= cv.wp;
                    if (nnc_conv_direct_tile_avx512(tile, row + ox, &cv, wq, out, n, whole, b6, act)) continue;
                } else if (avx2) {
                    if (nnc_conv_direct_tile_avx2(tile, row + ox, &cv, wq, out, n, b6, act)) continue;
                } else {
                    nnc_conv_direct_tile_portable(tile, row + ox, &cv, wq);
                }
#else
                (void)avx2, (void)avx512;
                nnc_conv_direct_tile_portable(tile, row + ox, &cv, wq);
#endif
                nnc_conv_tile_epilogue(tile, 6, width, b6, 1, act, param);
                for (int x = 0; x < n; x++)
                    for (int i = 0; i < fv; i++) out[(size_t)x * F + q + i] = tile[i * width + x];
            }
        }
    }
}

// The same for the implicit GEMM method: positions [r0·ow, r1·ow), 6 at a time (12 with
// AVX-512).
static void implicit_rows(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                          float param, int r0, int r1) {
    patch_runs r = runs_of(&cv);
    int F = cv.filters, fg = F / cv.groups, panels = (fg + 15) / 16;
    int avx2 = nnc_conv_have_avx2(), avx512 = nnc_conv_have_avx512(), mr = avx512 ? 12 : 6;
    int p0 = r0 * cv.g.ow, p1 = r1 * cv.g.ow;
    float tile[12 * 16];
    for (int gr = 0; gr < cv.groups; gr++) {
        position at = position_at(&cv, p0);  // position p, advanced with it
        for (int p = p0; p < p1; p += mr) {
            int rows = min_int(mr, p1 - p);
            const float *rp[12];
            for (int i = 0; i < mr; i++) {
                rp[i] = xs + base_of(&cv, at);
                if (i < rows - 1) next_position(&cv, &at);
            }
            next_position(&cv, &at);
            for (int j = 0; j < panels; j++) {
                const float *bp = wp + ((size_t)gr * panels + j) * r.taps * 16;
                int col = gr * fg + 16 * j, cols = min_int(16, fg - 16 * j);
                float b16[16] = {0};
                if (bias)
                    for (int f = 0; f < cols; f++) b16[f] = bias[col + f];
                float *out = y + (size_t)(p - p0) * F + col;
#if defined(__x86_64__) || defined(__i386__)
                if (avx512) {
                    if (nnc_conv_implicit_tile_avx512(tile, rp, &cv, r, gr, bp, out, F, b16, rows, cols, act)) continue;
                } else if (avx2) {
                    int full = rows == 6 && cols == 16;
                    if (nnc_conv_implicit_tile_avx2(tile, rp, &cv, r, gr, bp, out, F, b16, full, act)) continue;
                } else {
                    nnc_conv_implicit_tile_portable(tile, rp, &cv, r, gr, bp);
                }
#else
                (void)avx2, (void)avx512;
                nnc_conv_implicit_tile_portable(tile, rp, &cv, r, gr, bp);
#endif
                nnc_conv_tile_epilogue(tile, mr, 16, b16, 0, act, param);
                for (int i = 0; i < rows; i++) memcpy(out + (size_t)i * F, tile + i * 16, (size_t)cols * sizeof(float));
            }
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

