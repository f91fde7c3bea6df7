// Losses from outputs and targets, per row, with their gradients. The fused softmax +
// cross-entropy for logits lives in elementwise.c.

#include "nnc_kernels.h"
#include <math.h>

#define CLAMP_EPS 1e-7f

static inline float clampp(float p) { return p < CLAMP_EPS ? CLAMP_EPS : (p > 1 - CLAMP_EPS ? 1 - CLAMP_EPS : p); }

void nnc_mse_forward(float *loss, const float *y, const float *t, int rows, int cols, int half_sum) {
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
            double d = (double)y[(size_t)r * cols + j] - t[(size_t)r * cols + j];
            s += d * d;
        }
        loss[r] = (float)(half_sum ? 0.5 * s : s / cols);
    }
}

void nnc_mse_backward(float *dy, const float *y, const float *t, int rows, int cols, int half_sum, float scale) {
    float k = half_sum ? scale : 2.0f * scale / cols;
    for (size_t i = 0; i < (size_t)rows * cols; i++) dy[i] = k * (y[i] - t[i]);
}

void nnc_bce_forward(float *loss, const float *y, const float *t, int rows, int cols, int from_logits) {
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
            size_t i = (size_t)r * cols + j;
            if (from_logits) {
                float z = y[i];
                s += (z > 0 ? z : 0) - z * t[i] + log1pf(expf(-fabsf(z)));
            } else {
                float p = clampp(y[i]);
                s += -(t[i] * logf(p) + (1 - t[i]) * logf(1 - p));
            }
        }
        loss[r] = (float)(s / cols);
    }
}

void nnc_bce_backward(float *dy, const float *y, const float *t, int rows, int cols, int from_logits, float scale) {
    float k = scale / cols;
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        if (from_logits) {
            float z = y[i];
            float s = z >= 0 ? 1 / (1 + expf(-z)) : expf(z) / (1 + expf(z));
            dy[i] = k * (s - t[i]);
        } else {
            float p = clampp(y[i]);
            // Zero where the clamp is active, as the clamped function is flat there.
            dy[i] = (y[i] == p) ? k * (p - t[i]) / (p * (1 - p)) : 0.0f;
        }
    }
}

void nnc_cce_forward(float *loss, const float *p, const float *t, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
            size_t i = (size_t)r * cols + j;
            if (t[i] != 0) s -= t[i] * logf(clampp(p[i]));
        }
        loss[r] = (float)s;
    }
}

void nnc_cce_backward(float *dp, const float *p, const float *t, int rows, int cols, float scale) {
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        float q = clampp(p[i]);
        dp[i] = (p[i] == q) ? -scale * t[i] / q : 0.0f;
    }
}
