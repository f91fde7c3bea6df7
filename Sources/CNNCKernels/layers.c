// Small layer kernels the plan's instructions need besides GEMM, windows and normalization:
// the GEMM epilogue, bias gradients, sums, softmax, global pooling, embeddings, batchnorm folding.

#include "nnc_kernels.h"
#include <math.h>
#include <string.h>

void nnc_column_sums(float *restrict db, const float *restrict dy, int rows, int cols) {
    memset(db, 0, (size_t)cols * sizeof(float));
    int r = 0;
    if (cols < 16) {
        // Few columns (a convolution's filters): sum blocks of 8 rows as one run of 8·cols
        // floats, which vectorizes, then fold the block's 8 partial sums of each column.
        float acc[8 * 16] = {0};
        int block = 8 * cols;
        for (; r + 8 <= rows; r += 8) {
            const float *run = dy + (size_t)r * cols;
            for (int k = 0; k < block; k++) acc[k] += run[k];
        }
        for (int k = 0; k < block; k++) db[k % cols] += acc[k];
    }
    for (; r < rows; r++) {
        const float *row = dy + (size_t)r * cols;
        for (int c = 0; c < cols; c++) db[c] += row[c];
    }
}

void nnc_add(float *y, const float *const *inputs, int count, size_t n) {
    const float *a = inputs[0];
    if (count == 1) {
        if (y != a) memcpy(y, a, n * sizeof(float));
        return;
    }
    const float *b = inputs[1];
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
    for (int k = 2; k < count; k++) nnc_accumulate(y, inputs[k], n);
}

void nnc_combine(float *y, const float *const *inputs, int count, size_t n, nnc_combine_op op) {
    const float *a = inputs[0];
    switch (op) {
    case NNC_COMBINE_SUBTRACT: {
        const float *b = inputs[1];
        for (size_t i = 0; i < n; i++) y[i] = a[i] - b[i];
        break;
    }
    case NNC_COMBINE_MULTIPLY: {
        const float *b = inputs[1];
        for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i];
        for (int k = 2; k < count; k++) {
            const float *x = inputs[k];
            for (size_t i = 0; i < n; i++) y[i] *= x[i];
        }
        break;
    }
    case NNC_COMBINE_AVERAGE: {
        const float *b = inputs[1];
        const float scale = 1.0f / (float)count;
        for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
        for (int k = 2; k < count; k++) nnc_accumulate(y, inputs[k], n);
        for (size_t i = 0; i < n; i++) y[i] *= scale;
        break;
    }
    case NNC_COMBINE_MAXIMUM: {
        const float *b = inputs[1];
        for (size_t i = 0; i < n; i++) y[i] = b[i] > a[i] ? b[i] : a[i];
        for (int k = 2; k < count; k++) {
            const float *x = inputs[k];
            for (size_t i = 0; i < n; i++) y[i] = x[i] > y[i] ? x[i] : y[i];
        }
        break;
    }
    }
}

void nnc_combine_backward(float *dx, const float *dy, const float *const *inputs, int count, int index, size_t n,
                          nnc_combine_op op) {
    switch (op) {
    case NNC_COMBINE_SUBTRACT: {
        const float sign = index == 0 ? 1.0f : -1.0f;
        for (size_t i = 0; i < n; i++) dx[i] = sign * dy[i];
        break;
    }
    case NNC_COMBINE_MULTIPLY: {
        // dx = dy · Π_{k ≠ index} x_k.
        memcpy(dx, dy, n * sizeof(float));
        for (int k = 0; k < count; k++) {
            if (k == index) continue;
            const float *x = inputs[k];
            for (size_t i = 0; i < n; i++) dx[i] *= x[i];
        }
        break;
    }
    case NNC_COMBINE_AVERAGE: {
        const float scale = 1.0f / (float)count;
        for (size_t i = 0; i < n; i++) dx[i] = scale * dy[i];
        break;
    }
    case NNC_COMBINE_MAXIMUM: {
        // The first input holding the largest value wins (strictly larger replaces it).
        for (size_t i = 0; i < n; i++) {
            int winner = 0;
            for (int k = 1; k < count; k++)
                if (inputs[k][i] > inputs[winner][i]) winner = k;
            dx[i] = winner == index ? dy[i] : 0.0f;
        }
        break;
    }
    }
}

void nnc_bias_activation(float *y, const float *x, const float *bias, int rows, int cols, nnc_activation act,
                         float param) {
    for (int r = 0; r < rows; r++) {
        float *yr = y + (size_t)r * cols;
        const float *xr = x + (size_t)r * cols;
        for (int c = 0; c < cols; c++) yr[c] = xr[c] + bias[c];
    }
    if (act != NNC_ACT_LINEAR) nnc_activation_forward(y, y, (size_t)rows * cols, act, param);
}

void nnc_reframe(float *y, const float *x, int batch, int h, int w, int c, int oh, int ow, int top, int left) {
    // The output columns j whose source column j + left lies inside x.
    int j0 = left < 0 ? -left : 0;
    int j1 = w - left < ow ? w - left : ow;
    if (j1 < j0) j1 = j0;
    size_t row = (size_t)ow * c;
    for (int b = 0; b < batch; b++) {
        for (int i = 0; i < oh; i++) {
            float *out = y + ((size_t)b * oh + i) * row;
            int si = i + top;
            if (si < 0 || si >= h) {
                memset(out, 0, row * sizeof(float));
                continue;
            }
            const float *in = x + (((size_t)b * h + si) * w) * c;
            memset(out, 0, (size_t)j0 * c * sizeof(float));
            if (j1 > j0) memcpy(out + (size_t)j0 * c, in + (size_t)(j0 + left) * c, (size_t)(j1 - j0) * c * sizeof(float));
            memset(out + (size_t)j1 * c, 0, (size_t)(ow - j1) * c * sizeof(float));
        }
    }
}

// The two input cells output index i reads on an axis of n cells upsampled by s, and the second one's weight.
static void upsample_taps(int i, int s, int n, int *lo, int *hi, float *t) {
    float source = ((float)i + 0.5f) / (float)s - 0.5f;
    if (source < 0.0f) source = 0.0f;
    int a = (int)source;
    if (a > n - 1) a = n - 1;
    *lo = a;
    *hi = a + 1 < n ? a + 1 : n - 1;
    *t = source - (float)a;
}

void nnc_upsample(float *y, const float *x, int batch, int h, int w, int c, int sh, int sw, int bilinear) {
    int oh = h * sh, ow = w * sw;
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * h * w * c;
        for (int i = 0; i < oh; i++) {
            float *row = y + ((size_t)b * oh + i) * ow * c;
            if (!bilinear) {
                const float *in = xb + (size_t)(i / sh) * w * c;
                for (int j = 0; j < ow; j++) memcpy(row + (size_t)j * c, in + (size_t)(j / sw) * c, (size_t)c * sizeof(float));
                continue;
            }
            int i0, i1;
            float ty;
            upsample_taps(i, sh, h, &i0, &i1, &ty);
            const float *r0 = xb + (size_t)i0 * w * c, *r1 = xb + (size_t)i1 * w * c;
            for (int j = 0; j < ow; j++) {
                int j0, j1;
                float tx;
                upsample_taps(j, sw, w, &j0, &j1, &tx);
                float w00 = (1 - ty) * (1 - tx), w01 = (1 - ty) * tx, w10 = ty * (1 - tx), w11 = ty * tx;
                const float *a = r0 + (size_t)j0 * c, *bb = r0 + (size_t)j1 * c, *cc = r1 + (size_t)j0 * c,
                            *d = r1 + (size_t)j1 * c;
                float *out = row + (size_t)j * c;
                for (int k = 0; k < c; k++) out[k] = w00 * a[k] + w01 * bb[k] + w10 * cc[k] + w11 * d[k];
            }
        }
    }
}

void nnc_upsample_backward(float *dx, const float *dy, int batch, int h, int w, int c, int sh, int sw, int bilinear) {
    int oh = h * sh, ow = w * sw;
    memset(dx, 0, (size_t)batch * h * w * c * sizeof(float));
    for (int b = 0; b < batch; b++) {
        float *db = dx + (size_t)b * h * w * c;
        for (int i = 0; i < oh; i++) {
            const float *row = dy + ((size_t)b * oh + i) * ow * c;
            if (!bilinear) {
                float *in = db + (size_t)(i / sh) * w * c;
                for (int j = 0; j < ow; j++) {
                    float *cell = in + (size_t)(j / sw) * c;
                    const float *g = row + (size_t)j * c;
                    for (int k = 0; k < c; k++) cell[k] += g[k];
                }
                continue;
            }
            int i0, i1;
            float ty;
            upsample_taps(i, sh, h, &i0, &i1, &ty);
            float *r0 = db + (size_t)i0 * w * c, *r1 = db + (size_t)i1 * w * c;
            for (int j = 0; j < ow; j++) {
                int j0, j1;
                float tx;
                upsample_taps(j, sw, w, &j0, &j1, &tx);
                float w00 = (1 - ty) * (1 - tx), w01 = (1 - ty) * tx, w10 = ty * (1 - tx), w11 = ty * tx;
                const float *g = row + (size_t)j * c;
                float *a = r0 + (size_t)j0 * c, *bb = r0 + (size_t)j1 * c, *cc = r1 + (size_t)j0 * c,
                      *d = r1 + (size_t)j1 * c;
                for (int k = 0; k < c; k++) {
                    a[k] += w00 * g[k];
                    bb[k] += w01 * g[k];
                    cc[k] += w10 * g[k];
                    d[k] += w11 * g[k];
                }
            }
        }
    }
}

static size_t prelu_alpha_index(size_t e, int runs, const ptrdiff_t *extents, const bool *kept) {
    size_t index = 0, stride = 1;
    for (int k = runs - 1; k >= 0; k--) {
        size_t extent = (size_t)extents[k], digit = e % extent;
        e /= extent;
        if (kept[k]) {
            index += digit * stride;
            stride *= extent;
        }
    }
    return index;
}

void nnc_prelu_forward(float *y, const float *x, const float *alpha, int batch, size_t n, int runs,
                       const ptrdiff_t *extents, const bool *kept) {
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * n;
        float *yb = y + (size_t)b * n;
        for (size_t e = 0; e < n; e++) {
            float v = xb[e];
            yb[e] = v > 0 ? v : alpha[prelu_alpha_index(e, runs, extents, kept)] * v;
        }
    }
}

// The innermost run in one pass when it is kept (a contiguous copy) or shared (one value
// repeated); the index arithmetic then runs once per innermost run, not per element.
void nnc_broadcast_forward(float *y, const float *x, int batch, size_t n, size_t kept, int runs,
                           const ptrdiff_t *extents, const bool *keeps) {
    size_t inner = (size_t)extents[runs - 1];
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * kept;
        float *yb = y + (size_t)b * n;
        for (size_t e = 0; e < n; e += inner) {
            const float *from = xb + prelu_alpha_index(e, runs, extents, keeps);
            if (keeps[runs - 1]) {
                memcpy(yb + e, from, inner * sizeof(float));
            } else {
                for (size_t i = 0; i < inner; i++) yb[e + i] = *from;
            }
        }
    }
}

void nnc_broadcast_backward(float *dx, const float *dy, int batch, size_t n, size_t kept, int runs,
                            const ptrdiff_t *extents, const bool *keeps) {
    size_t inner = (size_t)extents[runs - 1];
    memset(dx, 0, (size_t)batch * kept * sizeof(float));
    for (int b = 0; b < batch; b++) {
        float *db = dx + (size_t)b * kept;
        const float *gb = dy + (size_t)b * n;
        for (size_t e = 0; e < n; e += inner) {
            float *to = db + prelu_alpha_index(e, runs, extents, keeps);
            if (keeps[runs - 1]) {
                for (size_t i = 0; i < inner; i++) to[i] += gb[e + i];
            } else {
                float sum = 0;
                for (size_t i = 0; i < inner; i++) sum += gb[e + i];
                *to += sum;
            }
        }
    }
}

void nnc_prelu_backward(float *dx, float *dalpha, const float *dy, const float *x, const float *alpha, int batch,
                        size_t n, size_t alphas, int runs, const ptrdiff_t *extents, const bool *kept) {
    if (dalpha) memset(dalpha, 0, alphas * sizeof(float));
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * n, *gb = dy + (size_t)b * n;
        for (size_t e = 0; e < n; e++) {
            float v = xb[e];
            if (v > 0) {
                if (dx) dx[(size_t)b * n + e] = gb[e];
                continue;
            }
            size_t a = prelu_alpha_index(e, runs, extents, kept);
            if (dx) dx[(size_t)b * n + e] = gb[e] * alpha[a];
            if (dalpha) dalpha[a] += gb[e] * v;
        }
    }
}

void nnc_accumulate(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/// e^x for x ≤ 0, as Cephes' expf: x = n·ln 2 + r with n = round(x·log₂e) and |r| ≤ ln2/2,
/// e^r by a degree-7 polynomial, 2^n put in the exponent bits. Within 2 ulp of expf over
/// [−87.3, 0] (ElementwiseTests), 0 below, where e^x would be subnormal, NaN for NaN. Plain
/// arithmetic, so a loop of it vectorizes; with FMA contraction the AVX2 and AVX-512 loops
/// give the same bits.
static inline __attribute__((always_inline)) float exp_nonpositive(float x) {
    const float lowest = -87.33654475f;  // ln of the smallest normal float, 2⁻¹²⁶
    float v = x > lowest ? x : lowest;  // NaN takes the clamp, so the conversion below is defined
    v = v < 0 ? v : 0;
    const float shifter = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer
    float n = (v * 1.44269504088896341f + shifter) - shifter;
    float r = v - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float e = p * (r * r) + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x >= lowest ? e * scale : x < lowest ? 0.0f : x;
}

// y[i] = e^y[i] for y ≤ 0, in place (one pointer, so the loop vectorizes).
static inline __attribute__((always_inline)) void exp_nonpositive_rows(float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = exp_nonpositive(y[i]);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx512f,fma"))) static void exp_nonpositive_avx512(float *y, size_t n) { exp_nonpositive_rows(y, n); }
__attribute__((target("avx2,fma"))) static void exp_nonpositive_avx2(float *y, size_t n) { exp_nonpositive_rows(y, n); }
#endif

void nnc_exp_nonpositive(float *y, size_t n) {
#if defined(__x86_64__) || defined(__i386__)
    if (nnc_active_isa() == NNC_ISA_AVX512) {
        exp_nonpositive_avx512(y, n);
        return;
    }
    if (nnc_has_avx2()) {
        exp_nonpositive_avx2(y, n);
        return;
    }
#endif
    exp_nonpositive_rows(y, n);
}

// Three passes so the exponentials, nearly all the work, run as one vectorized loop over
// every row however few columns a row has: y = x − the row's max; y = e^y; y /= the row's sum.
// (The MNIST classifiers' 256×10 output, `nnc bench --inference --profile`: 6.8 µs a step with
// expf per element, 1.7 µs so.)
void nnc_softmax_forward(float *y, const float *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *in = x + (size_t)r * cols;
        float *out = y + (size_t)r * cols;
        float max = in[0];
        for (int c = 1; c < cols; c++) max = in[c] > max ? in[c] : max;
        for (int c = 0; c < cols; c++) out[c] = in[c] - max;
    }
    nnc_exp_nonpositive(y, (size_t)rows * cols);
    for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * cols;
        float sum = 0;
        for (int c = 0; c < cols; c++) sum += out[c];
        float inv = 1.0f / sum;
        for (int c = 0; c < cols; c++) out[c] *= inv;
    }
}

void nnc_softmax_backward(float *dx, const float *dy, const float *y, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *g = dy + (size_t)r * cols, *p = y + (size_t)r * cols;
        float *out = dx + (size_t)r * cols;
        float dot = 0;
        for (int c = 0; c < cols; c++) dot += g[c] * p[c];
        for (int c = 0; c < cols; c++) out[c] = p[c] * (g[c] - dot);
    }
}

void nnc_global_avgpool_forward(float *y, const float *x, int batch, int positions, int channels) {
    float inv = 1.0f / (float)positions;
    for (int b = 0; b < batch; b++) {
        float *out = y + (size_t)b * channels;
        memset(out, 0, (size_t)channels * sizeof(float));
        for (int p = 0; p < positions; p++) {
            const float *in = x + ((size_t)b * positions + p) * channels;
            for (int c = 0; c < channels; c++) out[c] += in[c];
        }
        for (int c = 0; c < channels; c++) out[c] *= inv;
    }
}

void nnc_global_avgpool_backward(float *dx, const float *dy, int batch, int positions, int channels) {
    float inv = 1.0f / (float)positions;
    for (int b = 0; b < batch; b++) {
        const float *g = dy + (size_t)b * channels;
        for (int p = 0; p < positions; p++) {
            float *out = dx + ((size_t)b * positions + p) * channels;
            for (int c = 0; c < channels; c++) out[c] = g[c] * inv;
        }
    }
}

void nnc_embedding_forward(float *y, const int32_t *ids, const float *table, int rows, int dim, int padding_index) {
    for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * dim;
        if (ids[r] == padding_index) memset(out, 0, (size_t)dim * sizeof(float));
        else memcpy(out, table + (size_t)ids[r] * dim, (size_t)dim * sizeof(float));
    }
}

void nnc_embedding_backward(float *dtable, const int32_t *ids, const float *dy, int rows, int vocabulary, int dim,
                            int padding_index) {
    memset(dtable, 0, (size_t)vocabulary * dim * sizeof(float));
    for (int r = 0; r < rows; r++) {
        if (ids[r] == padding_index) continue;
        nnc_accumulate(dtable + (size_t)ids[r] * dim, dy + (size_t)r * dim, (size_t)dim);
    }
}

void nnc_fold_batchnorm(float *w2, float *b2, const float *w, const float *bias, const float *mean, const float *var,
                        const float *gamma, const float *beta, size_t weights, int channels, float eps) {
    for (int c = 0; c < channels; c++) {
        float s = (gamma ? gamma[c] : 1.0f) / sqrtf(var[c] + eps);
        b2[c] = ((bias ? bias[c] : 0.0f) - mean[c]) * s + (beta ? beta[c] : 0.0f);
    }
    for (size_t i = 0; i < weights; i++) {
        int c = (int)(i % (size_t)channels);
        w2[i] = w[i] * (gamma ? gamma[c] : 1.0f) / sqrtf(var[c] + eps);
    }
}
