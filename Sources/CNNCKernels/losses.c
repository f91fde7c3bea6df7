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

// Binary targets smoothed towards 0.5 (Keras: t·(1 − ε) + ε/2).
static inline float smooth_binary(float t, float smoothing) { return t * (1.0f - smoothing) + 0.5f * smoothing; }

void nnc_bce_forward(float *loss, const float *y, const float *t0, int rows, int cols, int from_logits, float smoothing) {
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
            size_t i = (size_t)r * cols + j;
            float t = smooth_binary(t0[i], smoothing);
            if (from_logits) {
                float z = y[i];
                s += (z > 0 ? z : 0) - z * t + log1pf(expf(-fabsf(z)));
            } else {
                float p = clampp(y[i]);
                s += -(t * logf(p) + (1 - t) * logf(1 - p));
            }
        }
        loss[r] = (float)(s / cols);
    }
}

void nnc_bce_backward(float *dy, const float *y, const float *t0, int rows, int cols, int from_logits, float scale,
                      float smoothing) {
    float k = scale / cols;
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        float t = smooth_binary(t0[i], smoothing);
        if (from_logits) {
            float z = y[i];
            float s = z >= 0 ? 1 / (1 + expf(-z)) : expf(z) / (1 + expf(z));
            dy[i] = k * (s - t);
        } else {
            float p = clampp(y[i]);
            // Zero where the clamp is active, as the clamped function is flat there.
            dy[i] = (y[i] == p) ? k * (p - t) / (p * (1 - p)) : 0.0f;
        }
    }
}

// The smoothed target of row r, column j: from a probability row, or a class id.
static inline float cce_target(const float *t, const int *labels, int r, int j, int cols, float smoothing) {
    float raw = labels ? (labels[r] == j ? 1.0f : 0.0f) : t[(size_t)r * cols + j];
    return raw * (1.0f - smoothing) + smoothing / (float)cols;
}

void nnc_cce_forward(float *loss, const float *p, const float *t, const int *labels, int rows, int cols, float smoothing) {
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int j = 0; j < cols; j++) {
            float target = cce_target(t, labels, r, j, cols, smoothing);
            if (target != 0) s -= target * logf(clampp(p[(size_t)r * cols + j]));
        }
        loss[r] = (float)s;
    }
}

void nnc_cce_backward(float *dp, const float *p, const float *t, const int *labels, int rows, int cols, float scale,
                      float smoothing) {
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
            size_t i = (size_t)r * cols + j;
            float q = clampp(p[i]);
            dp[i] = (p[i] == q) ? -scale * cce_target(t, labels, r, j, cols, smoothing) / q : 0.0f;
        }
    }
}
