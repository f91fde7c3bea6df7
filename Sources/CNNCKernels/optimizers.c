// Optimizer update kernels: one pass over a parameter tensor and its state.

#include "nnc_kernels.h"
#include <math.h>

void nnc_sgd_update(float *restrict w, const float *restrict g, float *restrict v, size_t n, float lr, float momentum,
                    float dampening, int nesterov) {
    if (momentum == 0.0f) {
        for (size_t i = 0; i < n; i++) w[i] -= lr * g[i];
        return;
    }
    float keep = 1.0f - dampening;
    if (nesterov) {
        for (size_t i = 0; i < n; i++) {
            v[i] = momentum * v[i] + keep * g[i];
            w[i] -= lr * (g[i] + momentum * v[i]);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = momentum * v[i] + keep * g[i];
        w[i] -= lr * v[i];
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

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// The same steps as the scalar loop below, 8 weights at a time and in the same order of
// operations (so the two agree bit for bit); returns how many weights it updated.
__attribute__((target("avx2,fma")))
static size_t adam_avx2(float *w, const float *g, float *m, float *v, float *vmax, size_t n, float lr, float beta1,
                        float beta2, float eps, float weight_decay, float step_size, float root_c2_inverse) {
    __m256 b1 = _mm256_set1_ps(beta1), b1c = _mm256_set1_ps(1.0f - beta1), b2 = _mm256_set1_ps(beta2);
    __m256 b2c = _mm256_set1_ps(1.0f - beta2), decay = _mm256_set1_ps(lr * weight_decay);
    __m256 size = _mm256_set1_ps(step_size), k2 = _mm256_set1_ps(root_c2_inverse), e = _mm256_set1_ps(eps);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 wi = _mm256_loadu_ps(w + i), gi = _mm256_loadu_ps(g + i);
        if (weight_decay != 0.0f) wi = _mm256_sub_ps(wi, _mm256_mul_ps(decay, wi));
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(b1c, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(b2c, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 second = vi;
        if (vmax) {
            second = _mm256_max_ps(_mm256_loadu_ps(vmax + i), vi);
            _mm256_storeu_ps(vmax + i, second);
        }
        __m256 denom = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(second), k2), e);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(size, mi), denom);
        _mm256_storeu_ps(w + i, _mm256_sub_ps(wi, step));
    }
    return i;
}
#endif

void nnc_adam_update(float *w, const float *g, float *m, float *v, float *vmax, size_t n, float lr, float beta1,
                     float beta2, float eps, float weight_decay, long t) {
    // Bias corrections in double (β₂ᵗ stays accurate for long runs), folded as PyTorch's fused
    // Adam folds them: lr/(1 − β₁ᵗ)·m / (√v/√(1 − β₂ᵗ) + ε), one square root and one division
    // per weight (the unfolded form took three divisions and a square root).
    float step_size = (float)(lr / (1.0 - pow(beta1, (double)t)));
    float root_c2_inverse = (float)(1.0 / sqrt(1.0 - pow(beta2, (double)t)));
    size_t i = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (nnc_has_avx2()) i = adam_avx2(w, g, m, v, vmax, n, lr, beta1, beta2, eps, weight_decay, step_size, root_c2_inverse);
#endif
    for (; i < n; i++) {
        if (weight_decay != 0.0f) w[i] -= lr * weight_decay * w[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        float second = v[i];
        if (vmax) {
            vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i];
            second = vmax[i];
        }
        w[i] -= step_size * m[i] / (sqrtf(second) * root_c2_inverse + eps);
    }
}
