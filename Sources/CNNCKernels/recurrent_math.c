// The recurrent kernels' activations, and the small sequence helpers (transposes, dropout
// masks as values, padding masks, bidirectional merges).
//
// sigmoid and tanh, the gates' and candidates' defaults, use the rational approximations of
// recurrent_internal.h in loops compiled for AVX-512 (16 at a time), AVX2/FMA (8) or
// portable; the same formulas as the fused steps. Other activations use nnc_activation_forward.

#include "nnc_kernels.h"
#include "recurrent_internal.h"
#include <string.h>

// y = f(x) in place or not (the in-place loop has one pointer, so nothing stops vectorizing).
NNC_INLINE void activate_rows(float *y, const float *x, int n, int tanh) {
    if (y == x) {
        if (tanh) {
            for (int i = 0; i < n; i++) y[i] = nnc_tanh_rational(y[i]);
        } else {
            for (int i = 0; i < n; i++) y[i] = nnc_sigmoid_rational(y[i]);
        }
        return;
    }
    float *restrict out = y;
    const float *restrict in = x;
    if (tanh) {
        for (int i = 0; i < n; i++) out[i] = nnc_tanh_rational(in[i]);
    } else {
        for (int i = 0; i < n; i++) out[i] = nnc_sigmoid_rational(in[i]);
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx512f,fma"))) static void activate_avx512(float *y, const float *x, int n, int tanh) { activate_rows(y, x, n, tanh); }
__attribute__((target("avx2,fma"))) static void activate_avx2(float *y, const float *x, int n, int tanh) { activate_rows(y, x, n, tanh); }
#endif

void nnc_rnn_activate(float *y, const float *x, int n, nnc_activation act, float param) {
    if (act != NNC_ACT_SIGMOID && act != NNC_ACT_TANH) {
        nnc_activation_forward(y, x, (size_t)n, act, param);
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    if (nnc_active_isa() == NNC_ISA_AVX512) {
        activate_avx512(y, x, n, act == NNC_ACT_TANH);
        return;
    }
    if (nnc_has_avx2()) {
        activate_avx2(y, x, n, act == NNC_ACT_TANH);
        return;
    }
#endif
    activate_rows(y, x, n, act == NNC_ACT_TANH);
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

void nnc_merge(float *y, const float *a, const float *b, size_t n, nnc_merge_mode mode) {
    switch (mode) {
    case NNC_MERGE_SUM: for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    case NNC_MERGE_MUL: for (size_t i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    case NNC_MERGE_AVERAGE: for (size_t i = 0; i < n; i++) y[i] = 0.5f * (a[i] + b[i]); break;
    }
}

void nnc_merge_backward(float *da, float *db, const float *dy, const float *a, const float *b, size_t n, nnc_merge_mode mode) {
    switch (mode) {
    case NNC_MERGE_SUM: for (size_t i = 0; i < n; i++) da[i] = db[i] = dy[i]; break;
    case NNC_MERGE_MUL:
        for (size_t i = 0; i < n; i++) {
            da[i] = dy[i] * b[i];
            db[i] = dy[i] * a[i];
        }
        break;
    case NNC_MERGE_AVERAGE: for (size_t i = 0; i < n; i++) da[i] = db[i] = 0.5f * dy[i]; break;
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

void nnc_prefetch_rows(const float *base, int ld, int rows, int floats) {
    for (int r = 0; r < rows; r++) {
        const char *row = (const char *)(base + (size_t)r * ld);
        for (int b = 0; b < floats * 4; b += 64) __builtin_prefetch(row + b, 1, 3);
    }
}
