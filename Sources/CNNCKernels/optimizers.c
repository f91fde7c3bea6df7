// Optimizer update kernels: one pass over a parameter tensor and its state.

#include "nnc_kernels.h"
#include <math.h>

void nnc_sgd_update(float *w, const float *g, float *v, size_t n, float lr, float momentum, float dampening, int nesterov) {
    if (momentum == 0.0f) {
        for (size_t i = 0; i < n; i++) w[i] -= lr * g[i];
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = momentum * v[i] + (1.0f - dampening) * g[i];
        w[i] -= lr * (nesterov ? g[i] + momentum * v[i] : v[i]);
    }
}

void nnc_adagrad_update(float *w, const float *g, float *acc, size_t n, float lr, float eps) {
    for (size_t i = 0; i < n; i++) {
        acc[i] += g[i] * g[i];
        w[i] -= lr * g[i] / (sqrtf(acc[i]) + eps);
    }
}

void nnc_rmsprop_update(float *w, const float *g, float *ms, float *mg, float *mom, size_t n, float lr, float rho,
                        float momentum, float eps, int centered) {
    for (size_t i = 0; i < n; i++) {
        ms[i] = rho * ms[i] + (1.0f - rho) * g[i] * g[i];
        float denom;
        if (centered) {
            mg[i] = rho * mg[i] + (1.0f - rho) * g[i];
            denom = sqrtf(ms[i] - mg[i] * mg[i] + eps);
        } else {
            denom = sqrtf(ms[i] + eps);
        }
        float step = lr * g[i] / denom;
        if (momentum > 0.0f) {
            mom[i] = momentum * mom[i] + step;
            step = mom[i];
        }
        w[i] -= step;
    }
}

void nnc_adadelta_update(float *w, const float *g, float *eg2, float *ed2, size_t n, float lr, float rho, float eps) {
    for (size_t i = 0; i < n; i++) {
        eg2[i] = rho * eg2[i] + (1.0f - rho) * g[i] * g[i];
        float delta = sqrtf(ed2[i] + eps) / sqrtf(eg2[i] + eps) * g[i];
        ed2[i] = rho * ed2[i] + (1.0f - rho) * delta * delta;
        w[i] -= lr * delta;
    }
}

void nnc_adam_update(float *w, const float *g, float *m, float *v, float *vmax, size_t n, float lr, float beta1,
                     float beta2, float eps, float weight_decay, long t) {
    // Bias corrections in double: β₂ᵗ stays accurate for long runs.
    float c1 = (float)(1.0 - pow(beta1, (double)t)), c2 = (float)(1.0 - pow(beta2, (double)t));
    for (size_t i = 0; i < n; i++) {
        if (weight_decay != 0.0f) w[i] -= lr * weight_decay * w[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        float second = v[i];
        if (vmax) {
            vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i];
            second = vmax[i];
        }
        w[i] -= lr * (m[i] / c1) / (sqrtf(second / c2) + eps);
    }
}
