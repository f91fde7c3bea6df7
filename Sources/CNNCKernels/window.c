// Window ops over channels-last tensors: the direct reference convolution (the fast kernels
// are in conv.c) and max / average pooling both ways.

#include "nnc_kernels.h"
#include <float.h>
#include <math.h>
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
__attribute__((noinline)) static void pool_cell(float *y, int32_t *argmax, const float *x, size_t o, size_t first, size_t row, int c, int ch, int n,
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
#include "simd.h"

// Eight channels [ch, ch + 8) of one pooled cell, every tap of the window: taps in window
// order, the first maximum wins (a strict > keeps it), NaN never replaces the maximum.
// One tap: where x[at] beats the maximum so far, it and its index replace them.
#define POOL_TAP(at)                                                                                             \
    {                                                                                                            \
        __m256 v = _mm256_loadu_ps(x + (at));                                                                    \
        __m256 gt = _mm256_cmp_ps(v, m, _CMP_GT_OQ);                                                             \
        m = _mm256_blendv_ps(m, v, gt);                                                                          \
        __m256i cand = _mm256_add_epi32(_mm256_set1_epi32((int)(index_base + (at))), iota);                      \
        arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(cand), gt));    \
    }

NNC_AVX2 static inline void pool8(float *y, int32_t *argmax, const float *x, size_t o, size_t first, size_t row, int c,
                                  int kh, int kw, size_t index_base, __m256i iota) {
    __m256 m = _mm256_loadu_ps(x + first);
    __m256i arg = _mm256_add_epi32(_mm256_set1_epi32((int)(index_base + first)), iota);
    if (kh == 2 && kw == 2) {
        // The common window, straight-line (the loops below compile to far more instructions).
        POOL_TAP(first + c) POOL_TAP(first + row) POOL_TAP(first + row + c)
        _mm256_storeu_ps(y + o, m);
        if (argmax) _mm256_storeu_si256((__m256i *)(argmax + o), arg);
        return;
    }
    for (int i = 0; i < kh; i++)
        for (int j = i == 0 ? 1 : 0; j < kw; j++) {
            size_t at = first + i * row + (size_t)j * c;
            __m256 v = _mm256_loadu_ps(x + at);
            __m256 gt = _mm256_cmp_ps(v, m, _CMP_GT_OQ);
            m = _mm256_blendv_ps(m, v, gt);
            if (argmax) {
                __m256i cand = _mm256_add_epi32(_mm256_set1_epi32((int)(index_base + at)), iota);
                arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(cand), gt));
            }
        }
    _mm256_storeu_ps(y + o, m);
    if (argmax) _mm256_storeu_si256((__m256i *)(argmax + o), arg);
}

// Eight channels at a time; a last partial group of channels loads and stores whole vectors
// when they stay inside x and y (the lanes past it spill into the next cell, written after);
// else it goes through the scalar pool_cell.
NNC_AVX2 static void pool_rows_avx2(float *y, int32_t *argmax, const float *x, int prows, int w, int c, int kh, int kw,
                                    int ow, size_t index_base) {
    size_t row = (size_t)w * c, xn = (size_t)prows * kh * row, yn = (size_t)prows * ow * c;
    size_t span = (size_t)(kh - 1) * row + (size_t)(kw - 1) * c;  // from a window's first cell to its last
    __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int py = 0; py < prows; py++)
        for (int px = 0; px < ow; px++) {
            size_t o = ((size_t)py * ow + px) * c, first = (size_t)py * kh * row + (size_t)px * kw * c;
            for (int ch = 0; ch < c; ch += 8) {
                if (ch + 8 > c && (first + span + ch + 8 > xn || o + ch + 8 > yn)) {
                    pool_cell(y, argmax, x, o, first, row, c, ch, c - ch, kh, kw, index_base);
                    break;
                }
                pool8(y, argmax, x, o + ch, first + ch, row, c, kh, kw, index_base, iota);
            }
        }
}
#endif

void nnc_maxpool_rows(float *y, int32_t *argmax, const float *x, int prows, int w, int c, int kh, int kw, int ow,
                      size_t index_base) {
#if defined(__x86_64__) || defined(__i386__)
    if (nnc_has_avx2()) {
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

void nnc_maxpool_backward_samples(float *dx, const float *dy, const int32_t *argmax, nnc_window g, int b0, int b1) {
    size_t in = (size_t)g.h * g.w * g.c, out = (size_t)g.oh * g.ow * g.c;
    memset(dx + b0 * in, 0, (size_t)(b1 - b0) * in * sizeof(float));
    for (size_t o = b0 * out; o < b1 * out; o++)
        if (argmax[o] >= 0) dx[argmax[o]] += dy[o];
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

void nnc_l2pool_forward(float *y, const float *x, nnc_window g) {
    size_t o = 0;
    for (int b = 0; b < g.batch; b++)
        for (int oy = 0; oy < g.oh; oy++)
            for (int ox = 0; ox < g.ow; ox++) {
                int n = avg_count(g, oy, ox, 0);
                for (int c = 0; c < g.c; c++, o++) {
                    float sum = 0.0f;
                    for (int i = 0; i < g.kh; i++) {
                        int iy = oy * g.sh - g.pad_top + i * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        for (int j = 0; j < g.kw; j++) {
                            int ix = ox * g.sw - g.pad_left + j * g.dw;
                            if (ix >= 0 && ix < g.w) {
                                float v = x[in_index(g, b, iy, ix, c)];
                                sum += v * v;
                            }
                        }
                    }
                    y[o] = n ? sqrtf(sum / n) : 0.0f;
                }
            }
}

void nnc_l2pool_backward(float *dx, const float *dy, const float *x, const float *y, nnc_window g) {
    memset(dx, 0, (size_t)g.batch * g.h * g.w * g.c * sizeof(float));
    size_t o = 0;
    for (int b = 0; b < g.batch; b++)
        for (int oy = 0; oy < g.oh; oy++)
            for (int ox = 0; ox < g.ow; ox++) {
                int n = avg_count(g, oy, ox, 0);
                for (int c = 0; c < g.c; c++, o++) {
                    // √ has no derivative at 0: an all-zero window passes no gradient (defined as 0).
                    if (!n || y[o] <= 0.0f) continue;
                    float share = dy[o] / (n * y[o]);
                    for (int i = 0; i < g.kh; i++) {
                        int iy = oy * g.sh - g.pad_top + i * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        for (int j = 0; j < g.kw; j++) {
                            int ix = ox * g.sw - g.pad_left + j * g.dw;
                            if (ix >= 0 && ix < g.w) {
                                size_t k = in_index(g, b, iy, ix, c);
                                dx[k] += share * x[k];
                            }
                        }
                    }
                }
            }
}
