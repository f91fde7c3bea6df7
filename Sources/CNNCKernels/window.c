// Window ops over channels-last tensors: the direct reference convolution (the fast kernels
// are in conv.c) and max / average pooling both ways.

#include "nnc_kernels.h"
#include <float.h>
#include <string.h>

static size_t in_index(nnc_window g, int b, int y, int x, int c) {
    return (((size_t)b * g.h + y) * g.w + x) * g.c + c;
}

void nnc_conv2d_reference(float *y, const float *x, const float *w, const float *bias, nnc_window g,
                          int filters, int groups) {
    int cg = g.c / groups, fg = filters / groups;
    for (int b = 0; b < g.batch; b++)
        for (int oy = 0; oy < g.oh; oy++)
            for (int ox = 0; ox < g.ow; ox++)
                for (int f = 0; f < filters; f++) {
                    int group = f / fg;
                    double sum = bias ? bias[f] : 0.0;
                    for (int i = 0; i < g.kh; i++)
                        for (int j = 0; j < g.kw; j++) {
                            int iy = oy * g.sh - g.pad_top + i * g.dh, ix = ox * g.sw - g.pad_left + j * g.dw;
                            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                            for (int k = 0; k < cg; k++)
                                sum += (double)x[in_index(g, b, iy, ix, group * cg + k)] *
                                       w[(((size_t)i * g.kw + j) * cg + k) * filters + f];
                        }
                    y[(((size_t)b * g.oh + oy) * g.ow + ox) * filters + f] = (float)sum;
                }
}

// Channels [ch, ch + n) of one pooled cell: `first` is the window's first input cell, `o` the output's.
static void pool_cell(float *y, int32_t *argmax, const float *x, size_t o, size_t first, size_t row, int c, int ch, int n,
                      int kh, int kw, size_t index_base) {
    float *out = y + o + ch;
    int32_t *arg = argmax ? argmax + o + ch : NULL;
    for (int k = 0; k < n; k++) out[k] = x[first + ch + k];
    if (arg)
        for (int k = 0; k < n; k++) arg[k] = (int32_t)(index_base + first + ch + k);
    for (int i = 0; i < kh; i++)
        for (int j = i == 0 ? 1 : 0; j < kw; j++) {
            size_t at = first + i * row + (size_t)j * c + ch;
            const float *src = x + at;
            if (arg) {
                for (int k = 0; k < n; k++)
                    if (src[k] > out[k]) {
                        out[k] = src[k];
                        arg[k] = (int32_t)(index_base + at + k);
                    }
            } else {
                for (int k = 0; k < n; k++) out[k] = src[k] > out[k] ? src[k] : out[k];
            }
        }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// Eight channels at a time; a last partial group of channels loads and stores whole vectors
// when they stay inside x and y (the lanes past it spill into the next cell, written after).
__attribute__((target("avx2,fma")))
static void pool_rows_avx2(float *y, int32_t *argmax, const float *x, int prows, int w, int c, int kh, int kw, int ow,
                           size_t index_base) {
    size_t row = (size_t)w * c, xn = (size_t)prows * kh * row, yn = (size_t)prows * ow * c;
    __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int py = 0; py < prows; py++)
        for (int px = 0; px < ow; px++) {
            size_t o = ((size_t)py * ow + px) * c, first = (size_t)py * kh * row + (size_t)px * kw * c;
            size_t last = first + (size_t)(kh - 1) * row + (size_t)(kw - 1) * c;
            for (int ch = 0; ch < c; ch += 8) {
                int n = c - ch < 8 ? c - ch : 8;
                if (n < 8 && (last + ch + 8 > xn || o + ch + 8 > yn)) {
                    pool_cell(y, argmax, x, o, first, row, c, ch, n, kh, kw, index_base);
                    continue;
                }
                __m256 m = _mm256_loadu_ps(x + first + ch);
                __m256i arg = _mm256_add_epi32(_mm256_set1_epi32((int)(index_base + first + ch)), iota);
                for (int i = 0; i < kh; i++)
                    for (int j = i == 0 ? 1 : 0; j < kw; j++) {
                        size_t at = first + i * row + (size_t)j * c + ch;
                        __m256 v = _mm256_loadu_ps(x + at);
                        __m256 gt = _mm256_cmp_ps(v, m, _CMP_GT_OQ);
                        m = _mm256_blendv_ps(m, v, gt);
                        if (argmax) {
                            __m256i cand = _mm256_add_epi32(_mm256_set1_epi32((int)(index_base + at)), iota);
                            arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(cand), gt));
                        }
                    }
                _mm256_storeu_ps(y + o + ch, m);
                if (argmax) _mm256_storeu_si256((__m256i *)(argmax + o + ch), arg);
            }
        }
}
#endif

void nnc_maxpool_rows(float *y, int32_t *argmax, const float *x, int prows, int w, int c, int kh, int kw, int ow,
                      size_t index_base) {
#if defined(__x86_64__) || defined(__i386__)
    if (nnc_active_isa() == NNC_ISA_AVX2_FMA) {
        pool_rows_avx2(y, argmax, x, prows, w, c, kh, kw, ow, index_base);
        return;
    }
#endif
    size_t row = (size_t)w * c;
    for (int py = 0; py < prows; py++)
        for (int px = 0; px < ow; px++)
            pool_cell(y, argmax, x, ((size_t)py * ow + px) * c, (size_t)py * kh * row + (size_t)px * kw * c, row, c, 0, c, kh, kw,
                      index_base);
}

void nnc_maxpool_forward(float *y, int32_t *argmax, const float *x, nnc_window g) {
    // Windows that tile the input exactly (kernel = stride, no padding, floor rounding) need
    // no bounds checks.
    if (g.kh == g.sh && g.kw == g.sw && g.dh == 1 && g.dw == 1 && g.pad_top == 0 && g.pad_left == 0 && g.oh * g.sh <= g.h &&
        g.ow * g.sw <= g.w) {
        size_t in = (size_t)g.h * g.w * g.c, out = (size_t)g.oh * g.ow * g.c;
        for (int b = 0; b < g.batch; b++)
            nnc_maxpool_rows(y + b * out, argmax ? argmax + b * out : NULL, x + b * in, g.oh, g.w, g.c, g.kh, g.kw, g.ow, b * in);
        return;
    }
    // Window taps outside, channels inside: each tap compares a contiguous run of channels.
    size_t o = 0;
    for (int b = 0; b < g.batch; b++)
        for (int oy = 0; oy < g.oh; oy++)
            for (int ox = 0; ox < g.ow; ox++, o += g.c) {
                float *out = y + o;
                int32_t *arg = argmax ? argmax + o : NULL;
                int first = 1;
                for (int i = 0; i < g.kh; i++) {
                    int iy = oy * g.sh - g.pad_top + i * g.dh;
                    if (iy < 0 || iy >= g.h) continue;
                    for (int j = 0; j < g.kw; j++) {
                        int ix = ox * g.sw - g.pad_left + j * g.dw;
                        if (ix < 0 || ix >= g.w) continue;
                        size_t base = in_index(g, b, iy, ix, 0);
                        const float *src = x + base;
                        if (first) {
                            for (int c = 0; c < g.c; c++) out[c] = src[c];
                            if (arg) for (int c = 0; c < g.c; c++) arg[c] = (int32_t)(base + c);
                            first = 0;
                        } else if (arg) {
                            for (int c = 0; c < g.c; c++)
                                if (src[c] > out[c]) {
                                    out[c] = src[c];
                                    arg[c] = (int32_t)(base + c);
                                }
                        } else {
                            for (int c = 0; c < g.c; c++) out[c] = src[c] > out[c] ? src[c] : out[c];
                        }
                    }
                }
                if (first) {
                    // A window entirely in the padding (possible with ceil rounding).
                    for (int c = 0; c < g.c; c++) out[c] = 0.0f;
                    if (arg) for (int c = 0; c < g.c; c++) arg[c] = -1;
                }
            }
}

#if defined(__x86_64__) || defined(__i386__)
// Channels [k, k + 8) of one cell run: dy where the argmax is this cell, else 0. Returns 0
// (nothing written) when the vectors would pass the end of dx or of dy.
__attribute__((target("avx2,fma")))
static int route8(float *d, size_t at, size_t cell, const float *dy, const int32_t *argmax, size_t o, int k, size_t dn,
                  size_t on) {
    if (cell + at + k + 8 > dn || o + k + 8 > on) return 0;
    __m256i want = _mm256_add_epi32(_mm256_set1_epi32((int)(cell + at + k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i got = _mm256_loadu_si256((const __m256i *)(argmax + o + k));
    __m256 hit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(want, got));
    _mm256_storeu_ps(d + at + k, _mm256_and_ps(hit, _mm256_loadu_ps(dy + o + k)));
    return 1;
}
#endif

void nnc_maxpool_backward_tiled(float *dx, const float *dy, const int32_t *argmax, nnc_window g) {
    // Each covered cell is written once, from the window it belongs to; rows and columns
    // past the last window (floor rounding) get zeros. Whole vectors of channels may spill
    // into the next cells, which are written after them.
    size_t row = (size_t)g.w * g.c, covered = (size_t)g.ow * g.kw * g.c;
    size_t dn = (size_t)g.batch * g.h * row, on = (size_t)g.batch * g.oh * g.ow * g.c;
    int avx2 = nnc_active_isa() == NNC_ISA_AVX2_FMA;
    for (int b = 0; b < g.batch; b++)
        for (int iy = 0; iy < g.h; iy++) {
            size_t cell = ((size_t)b * g.h + iy) * row;
            float *d = dx + cell;
            int py = iy / g.kh;
            if (py >= g.oh) {
                memset(d, 0, row * sizeof(float));
                continue;
            }
            size_t o0 = ((size_t)b * g.oh + py) * g.ow * g.c;
            for (int px = 0; px < g.ow; px++)
                for (int j = 0; j < g.kw; j++) {
                    size_t at = (size_t)(px * g.kw + j) * g.c, o = o0 + (size_t)px * g.c;
                    int k = 0;
#if defined(__x86_64__) || defined(__i386__)
                    if (avx2)
                        while (k < g.c && route8(d, at, cell, dy, argmax, o, k, dn, on)) k += 8;
#else
                    (void)avx2;
#endif
                    for (; k < g.c; k++) d[at + k] = argmax[o + k] == (int32_t)(cell + at + k) ? dy[o + k] : 0.0f;
                }
            memset(d + covered, 0, (row - covered) * sizeof(float));
        }
}

void nnc_maxpool_backward(float *dx, const float *dy, const int32_t *argmax, size_t outputs, size_t inputs) {
    memset(dx, 0, inputs * sizeof(float));
    for (size_t o = 0; o < outputs; o++)
        if (argmax[o] >= 0) dx[argmax[o]] += dy[o];
}

// Cells a window averages over: the valid ones, or with count_padding those inside the
// padded input (cells past it, in a ceil-mode window, never count).
static int avg_count(nnc_window g, int oy, int ox, int count_padding) {
    int n = 0;
    for (int i = 0; i < g.kh; i++) {
        int iy = oy * g.sh - g.pad_top + i * g.dh;
        for (int j = 0; j < g.kw; j++) {
            int ix = ox * g.sw - g.pad_left + j * g.dw;
            int valid = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
            int padded = iy >= -g.pad_top && iy < g.h + g.pad_bottom && ix >= -g.pad_left && ix < g.w + g.pad_right;
            if (count_padding ? padded : valid) n++;
        }
    }
    return n;
}

void nnc_avgpool_forward(float *y, const float *x, nnc_window g, int count_padding) {
    size_t o = 0;
    for (int b = 0; b < g.batch; b++)
        for (int oy = 0; oy < g.oh; oy++)
            for (int ox = 0; ox < g.ow; ox++) {
                int n = avg_count(g, oy, ox, count_padding);
                for (int c = 0; c < g.c; c++, o++) {
                    float sum = 0.0f;
                    for (int i = 0; i < g.kh; i++) {
                        int iy = oy * g.sh - g.pad_top + i * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        for (int j = 0; j < g.kw; j++) {
                            int ix = ox * g.sw - g.pad_left + j * g.dw;
                            if (ix >= 0 && ix < g.w) sum += x[in_index(g, b, iy, ix, c)];
                        }
                    }
                    y[o] = n ? sum / n : 0.0f;
                }
            }
}

void nnc_avgpool_backward(float *dx, const float *dy, nnc_window g, int count_padding) {
    memset(dx, 0, (size_t)g.batch * g.h * g.w * g.c * sizeof(float));
    size_t o = 0;
    for (int b = 0; b < g.batch; b++)
        for (int oy = 0; oy < g.oh; oy++)
            for (int ox = 0; ox < g.ow; ox++) {
                int n = avg_count(g, oy, ox, count_padding);
                for (int c = 0; c < g.c; c++, o++) {
                    if (!n) continue;
                    float share = dy[o] / n;
                    for (int i = 0; i < g.kh; i++) {
                        int iy = oy * g.sh - g.pad_top + i * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        for (int j = 0; j < g.kw; j++) {
                            int ix = ox * g.sw - g.pad_left + j * g.dw;
                            if (ix >= 0 && ix < g.w) dx[in_index(g, b, iy, ix, c)] += share;
                        }
                    }
                }
            }
}
