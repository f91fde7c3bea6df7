// Window ops over channels-last tensors: im2col / col2im for convolution as GEMM, a
// direct convolution as their reference twin, and max / average pooling both ways.

#include "nnc_kernels.h"
#include <float.h>
#include <string.h>

static size_t in_index(nnc_window g, int b, int y, int x, int c) {
    return (((size_t)b * g.h + y) * g.w + x) * g.c + c;
}

void nnc_im2col(float *cols, const float *x, nnc_window g, int c0, int cn) {
    nnc_im2col_rows(cols, x, g, c0, cn, 0, g.batch * g.oh * g.ow);
}

void nnc_im2col_rows(float *cols, const float *x, nnc_window g, int c0, int cn, int row_begin, int row_end) {
    size_t patch = (size_t)g.kh * g.kw * cn;
    for (int row = row_begin; row < row_end; row++) {
        int ox = row % g.ow, oy = row / g.ow % g.oh, b = row / (g.ow * g.oh);
        float *out = cols + (size_t)(row - row_begin) * patch;
        for (int i = 0; i < g.kh; i++) {
            int iy = oy * g.sh - g.pad_top + i * g.dh;
            if (iy < 0 || iy >= g.h) {
                memset(out, 0, (size_t)g.kw * cn * sizeof(float));
                out += (size_t)g.kw * cn;
                continue;
            }
            const float *line = x + in_index(g, b, iy, 0, c0);
            int x0 = ox * g.sw - g.pad_left;
            if (cn == 1) {
                // One channel (a grayscale input): a plain strided gather.
                for (int j = 0; j < g.kw; j++) {
                    int ix = x0 + j * g.dw;
                    out[j] = (ix < 0 || ix >= g.w) ? 0.0f : line[(size_t)ix * g.c];
                }
                out += g.kw;
                continue;
            }
            for (int j = 0; j < g.kw; j++, out += cn) {
                int ix = x0 + j * g.dw;
                if (ix < 0 || ix >= g.w) memset(out, 0, (size_t)cn * sizeof(float));
                else memcpy(out, line + (size_t)ix * g.c, (size_t)cn * sizeof(float));
            }
        }
    }
}

void nnc_col2im(float *dx, const float *cols, nnc_window g, int c0, int cn) {
    nnc_col2im_rows(dx, cols, g, c0, cn, 0, g.batch * g.oh * g.ow);
}

void nnc_col2im_rows(float *dx, const float *cols, nnc_window g, int c0, int cn, int row_begin, int row_end) {
    for (int row = row_begin; row < row_end; row++) {
        int ox = row % g.ow, oy = row / g.ow % g.oh, b = row / (g.ow * g.oh);
        const float *in = cols + (size_t)(row - row_begin) * (size_t)(g.kh * g.kw * cn);
        for (int i = 0; i < g.kh; i++) {
            int iy = oy * g.sh - g.pad_top + i * g.dh;
            for (int j = 0; j < g.kw; j++, in += cn) {
                int ix = ox * g.sw - g.pad_left + j * g.dw;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                float *d = dx + in_index(g, b, iy, ix, c0);
                for (int k = 0; k < cn; k++) d[k] += in[k];
            }
        }
    }
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

void nnc_maxpool_forward(float *y, int32_t *argmax, const float *x, nnc_window g) {
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
