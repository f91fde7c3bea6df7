// Regularization kernels: penalties, gradient clipping, weight decay, weight constraints,
// and the backward of swish with a learned β.

#include "nnc_kernels.h"
#include <math.h>

double nnc_penalty(const float *w, size_t n, float l1, float l2) {
    double absolute = 0, squares = 0;
    for (size_t i = 0; i < n; i++) {
        absolute += fabsf(w[i]);
        squares += (double)w[i] * w[i];
    }
    return (double)l1 * absolute + (double)l2 * squares;
}

void nnc_penalty_gradient(float *g, const float *w, size_t n, float l1, float l2) {
    float twice = 2.0f * l2;
    for (size_t i = 0; i < n; i++) {
        float sign = w[i] > 0 ? 1.0f : (w[i] < 0 ? -1.0f : 0.0f);
        g[i] += l1 * sign + twice * w[i];
    }
}

void nnc_clip_by_value(float *g, size_t n, float limit) {
    for (size_t i = 0; i < n; i++) g[i] = g[i] > limit ? limit : (g[i] < -limit ? -limit : g[i]);
}

double nnc_sum_of_squares(const float *g, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)g[i] * g[i];
    return s;
}

void nnc_scale(float *g, size_t n, float s) {
    for (size_t i = 0; i < n; i++) g[i] *= s;
}

void nnc_weight_decay(float *w, size_t n, float factor) {
    for (size_t i = 0; i < n; i++) w[i] -= factor * w[i];
}

// Columns in blocks of 64 so each pass reads rows contiguously, with the norms on the stack.
void nnc_column_norm_constraint(float *w, int rows, int units, float max_value) {
    enum { BLOCK = 64 };
    for (int u0 = 0; u0 < units; u0 += BLOCK) {
        int width = units - u0 < BLOCK ? units - u0 : BLOCK;
        double squares[BLOCK] = {0};
        for (int r = 0; r < rows; r++) {
            const float *row = w + (size_t)r * units + u0;
            for (int j = 0; j < width; j++) squares[j] += (double)row[j] * row[j];
        }
        float scale[BLOCK];
        for (int j = 0; j < width; j++) {
            double norm = sqrt(squares[j]);
            double desired = max_value > 0 ? (norm < max_value ? norm : max_value) : 1.0;
            scale[j] = (float)(desired / (1e-7 + norm));
        }
        for (int r = 0; r < rows; r++) {
            float *row = w + (size_t)r * units + u0;
            for (int j = 0; j < width; j++) row[j] *= scale[j];
        }
    }
}

void nnc_non_negative(float *w, size_t n) {
    for (size_t i = 0; i < n; i++) w[i] = w[i] > 0 ? w[i] : 0.0f;
}

static inline float sigmoid(float x) {
    if (x >= 0) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

double nnc_swish_beta_backward(float *dx, const float *dy, const float *x, size_t n, float beta) {
    double dbeta = 0;
    for (size_t i = 0; i < n; i++) {
        float s = sigmoid(beta * x[i]), ds = s * (1.0f - s);
        dbeta += (double)dy[i] * x[i] * x[i] * ds;
        if (dx) dx[i] = dy[i] * (s + beta * x[i] * ds);
    }
    return dbeta;
}
