// Vectorized activations for the recurrent step kernels, and the small sequence helpers
// (transposes, dropout masks as values, padding masks, bidirectional merges).
//
// sigmoid and tanh, the gates' and candidates' defaults, run 8 at a time with AVX2/FMA:
// exp is Cephes's expf (range reduction by ln 2 in two parts, a degree-5 polynomial, the
// exponent added to the bits; about 1 ulp), sigmoid 1/(1 + e⁻ˣ), tanh Cephes's tanhf (an
// odd polynomial below |x| = 0.625, 1 − 2/(e²ˣ + 1) above). A row's tail is padded to 8 so
// every element goes through the same formula. Other activations use nnc_activation_forward.

#include "nnc_kernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f)), _mm256_set1_ps(88.3762626647949f));
    __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, one));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

__attribute__((target("avx2,fma")))
static inline __m256 sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

__attribute__((target("avx2,fma")))
static inline __m256 tanh8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    // Large |x|: 1 − 2/(e^{2|x|} + 1), with the sign put back.
    __m256 large = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(exp8(_mm256_add_ps(a, a)), one)));
    large = _mm256_or_ps(large, sign);
    // Small |x|: x + x·z·P(z), z = x².
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    return _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

__attribute__((target("avx2,fma")))
static void activate_avx2(float *y, const float *x, int n, int tanh) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, tanh ? tanh8(v) : sigmoid8(v));
    }
    if (i < n) {
        float tail[8] = {0};
        memcpy(tail, x + i, (size_t)(n - i) * sizeof(float));
        __m256 v = _mm256_loadu_ps(tail);
        _mm256_storeu_ps(tail, tanh ? tanh8(v) : sigmoid8(v));
        memcpy(y + i, tail, (size_t)(n - i) * sizeof(float));
    }
}
#endif

void nnc_rnn_activate(float *y, const float *x, int n, nnc_activation act, float param) {
#if defined(__x86_64__) || defined(__i386__)
    if ((act == NNC_ACT_SIGMOID || act == NNC_ACT_TANH) && nnc_active_isa() == NNC_ISA_AVX2_FMA) {
        activate_avx2(y, x, n, act == NNC_ACT_TANH);
        return;
    }
#endif
    nnc_activation_forward(y, x, (size_t)n, act, param);
}

void nnc_transpose(float *y, const float *x, int rows, int cols) {
    // 32×32 blocks keep both sides in cache.
    for (int i0 = 0; i0 < rows; i0 += 32)
        for (int j0 = 0; j0 < cols; j0 += 32) {
            int i1 = i0 + 32 < rows ? i0 + 32 : rows, j1 = j0 + 32 < cols ? j0 + 32 : cols;
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) y[(size_t)j * rows + i] = x[(size_t)i * cols + j];
        }
}

void nnc_dropout_mask(float *m, size_t n, float rate, uint64_t seed) {
    float scale = 1.0f / (1.0f - rate);
    for (size_t i = 0; i < n; i++) m[i] = nnc_dropout_keeps(seed, i, rate) ? scale : 0.0f;
}

void nnc_scale_steps(float *y, const float *x, const float *m, int batch, int steps, int features) {
    for (int b = 0; b < batch; b++) {
        const float *mb = m + (size_t)b * features;
        for (int t = 0; t < steps; t++) {
            size_t row = ((size_t)b * steps + t) * features;
            for (int f = 0; f < features; f++) y[row + f] = x[row + f] * mb[f];
        }
    }
}

void nnc_sequence_mask(float *m, const int32_t *ids, size_t n, int padding_index) {
    for (size_t i = 0; i < n; i++) m[i] = ids[i] != padding_index ? 1.0f : 0.0f;
}

void nnc_merge(float *y, const float *a, const float *b, size_t n, int mode) {
    switch (mode) {
    case 0: for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    case 1: for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    default: for (size_t i = 0; i < n; i++) y[i] = 0.5f * (a[i] + b[i]); break;
    }
}

void nnc_merge_backward(float *da, float *db, const float *dy, const float *a, const float *b, size_t n, int mode) {
    switch (mode) {
    case 0: for (size_t i = 0; i < n; i++) da[i] = db[i] = dy[i]; break;
    case 1:
        for (size_t i = 0; i < n; i++) {
            da[i] = dy[i] * b[i];
            db[i] = dy[i] * a[i];
        }
        break;
    default: for (size_t i = 0; i < n; i++) da[i] = db[i] = 0.5f * dy[i]; break;
    }
}

void nnc_rnn_state_input(float *s, int ld_s, const float *h, const float *mask, int rows, int units) {
    for (int r = 0; r < rows; r++) {
        float *sr = s + (size_t)r * ld_s;
        const float *hr = h + (size_t)r * units;
        if (mask) {
            const float *mr = mask + (size_t)r * units;
            for (int j = 0; j < units; j++) sr[j] = hr[j] * mr[j];
        } else {
            memcpy(sr, hr, (size_t)units * sizeof(float));
        }
    }
}
