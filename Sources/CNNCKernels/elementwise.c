// Activations forward and backward, and the fused softmax + cross-entropy. Each reads
// what its derivative needs: relu, sigmoid, tanh, lecun_tanh, elu and selu only the
// output; leaky_relu, softplus, swish and mish the input.

#include "nnc_kernels.h"
#include <math.h>

#define SELU_LAMBDA 1.0507009873554805f
#define SELU_ALPHA 1.6732632423543772f
#define LECUN_A 1.7159f
#define LECUN_B 0.6666666666666666f

// Elementwise loops run in place (output == input) or over disjoint buffers, never over
// partly overlapping ones, so they vectorize without the runtime alias check, which sends
// exactly-in-place calls (the plan's usual case) to the scalar loop.
#define EACH(i, n) _Pragma("clang loop vectorize(assume_safety)") for (size_t i = 0; i < (n); i++)

static inline float sigmoidf(float x) {
    // Stable for large |x|: exp of a non-positive number only.
    if (x >= 0) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

static inline float softplusf(float x) { return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

void nnc_activation_forward(float *y, const float *x, size_t n, nnc_activation act, float p) {
    switch (act) {
    case NNC_ACT_LINEAR: EACH(i, n) y[i] = x[i]; break;
    case NNC_ACT_RELU: EACH(i, n) y[i] = x[i] > 0 ? x[i] : 0.0f; break;
    case NNC_ACT_LEAKY_RELU: EACH(i, n) y[i] = x[i] > 0 ? x[i] : p * x[i]; break;
    case NNC_ACT_ELU: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : p * expm1f(x[i]); break;
    case NNC_ACT_SELU:
        for (size_t i = 0; i < n; i++) y[i] = SELU_LAMBDA * (x[i] > 0 ? x[i] : SELU_ALPHA * expm1f(x[i]));
        break;
    case NNC_ACT_SIGMOID: for (size_t i = 0; i < n; i++) y[i] = sigmoidf(x[i]); break;
    case NNC_ACT_TANH: for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]); break;
    case NNC_ACT_LECUN_TANH: for (size_t i = 0; i < n; i++) y[i] = LECUN_A * tanhf(LECUN_B * x[i]); break;
    case NNC_ACT_SOFTPLUS: for (size_t i = 0; i < n; i++) y[i] = softplusf(x[i]); break;
    case NNC_ACT_SWISH: for (size_t i = 0; i < n; i++) y[i] = x[i] * sigmoidf(p * x[i]); break;
    case NNC_ACT_MISH: for (size_t i = 0; i < n; i++) y[i] = x[i] * tanhf(softplusf(x[i])); break;
    }
}

void nnc_activation_backward(float *dx, const float *dy, const float *x, const float *y, size_t n,
                             nnc_activation act, float p) {
    switch (act) {
    case NNC_ACT_LINEAR: EACH(i, n) dx[i] = dy[i]; break;
    // dy is read unconditionally so the select vectorizes (a conditional load did not, and
    // branched on every element's sign: several ns per element on a training step's random signs).
    case NNC_ACT_RELU:
        EACH(i, n) {
            float g = dy[i];
            dx[i] = y[i] > 0 ? g : 0.0f;
        }
        break;
    case NNC_ACT_LEAKY_RELU: EACH(i, n) dx[i] = x[i] > 0 ? dy[i] : p * dy[i]; break;
    // elu: f' = 1 for y > 0, else α·eˣ = y + α.
    case NNC_ACT_ELU: EACH(i, n) dx[i] = y[i] > 0 ? dy[i] : dy[i] * (y[i] + p); break;
    // selu: f' = λ for y > 0, else λ·α·eˣ = y + λ·α.
    case NNC_ACT_SELU:
        EACH(i, n) dx[i] = y[i] > 0 ? SELU_LAMBDA * dy[i] : dy[i] * (y[i] + SELU_LAMBDA * SELU_ALPHA);
        break;
    case NNC_ACT_SIGMOID: EACH(i, n) dx[i] = dy[i] * y[i] * (1.0f - y[i]); break;
    case NNC_ACT_TANH: EACH(i, n) dx[i] = dy[i] * (1.0f - y[i] * y[i]); break;
    // a·tanh(b·x): f' = a·b·(1 − tanh²) = b·(a − y²/a).
    case NNC_ACT_LECUN_TANH:
        EACH(i, n) dx[i] = dy[i] * LECUN_B * (LECUN_A - y[i] * y[i] / LECUN_A);
        break;
    case NNC_ACT_SOFTPLUS: for (size_t i = 0; i < n; i++) dx[i] = dy[i] * sigmoidf(x[i]); break;
    // x·σ(βx): f' = σ + βx·σ·(1 − σ).
    case NNC_ACT_SWISH:
        for (size_t i = 0; i < n; i++) {
            float s = sigmoidf(p * x[i]);
            dx[i] = dy[i] * (s + p * x[i] * s * (1.0f - s));
        }
        break;
    // x·tanh(softplus(x)): f' = t + x·(1 − t²)·σ(x), t = tanh(softplus(x)).
    case NNC_ACT_MISH:
        for (size_t i = 0; i < n; i++) {
            float t = tanhf(softplusf(x[i]));
            dx[i] = dy[i] * (t + x[i] * (1.0f - t * t) * sigmoidf(x[i]));
        }
        break;
    }
}

void nnc_softmax_xent(float *loss, float *dlogits, const float *logits, const int *labels, const float *targets,
                      int rows, int cols, float scale, float smoothing) {
    float keep = 1.0f - smoothing, spread = smoothing / (float)cols;
    for (int r = 0; r < rows; r++) {
        const float *z = logits + (size_t)r * cols;
        const float *t = targets ? targets + (size_t)r * cols : NULL;
        float *d = dlogits ? dlogits + (size_t)r * cols : NULL;
        float m = z[0];
        for (int j = 1; j < cols; j++) m = z[j] > m ? z[j] : m;
        float s = 0.0f;
        for (int j = 0; j < cols; j++) s += expf(z[j] - m);
        float lse = m + logf(s);
        if (loss) {
            float l = 0.0f;
            if (labels) {
                l = keep * (lse - z[labels[r]]);
                if (smoothing > 0)
                    for (int j = 0; j < cols; j++) l += spread * (lse - z[j]);
            } else {
                for (int j = 0; j < cols; j++) l += (keep * t[j] + spread) * (lse - z[j]);
            }
            loss[r] = l;
        }
        if (d) {
            // exp(z − lse) rather than exp(z − max) / Σ: an ulp apart, and the bundled examples'
            // stated results were trained with this one (mobilenet_block's 95.5% falls to 93.9%
            // with the other).
            for (int j = 0; j < cols; j++) d[j] = (expf(z[j] - lse) - spread) * scale;
            if (labels) d[labels[r]] -= keep * scale;
            else
                for (int j = 0; j < cols; j++) d[j] -= keep * t[j] * scale;
        }
    }
}
