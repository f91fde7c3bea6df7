// Batch and layer normalization forward and backward, and inverted dropout with a
// counter-based mask.

#include "nnc_kernels.h"
#include <math.h>
#include <string.h>

void nnc_batchnorm_train_forward(float *y, float *mean, float *inv_std, float *running_mean, float *running_var,
                                 const float *x, const float *gamma, const float *beta, int rows, int channels,
                                 float momentum, float eps) {
    for (int c = 0; c < channels; c++) {
        double sum = 0, sq = 0;
        for (int r = 0; r < rows; r++) sum += x[(size_t)r * channels + c];
        double mu = sum / rows;
        for (int r = 0; r < rows; r++) {
            double d = x[(size_t)r * channels + c] - mu;
            sq += d * d;
        }
        double var = sq / rows;
        mean[c] = (float)mu;
        inv_std[c] = (float)(1.0 / sqrt(var + eps));
        if (running_mean) running_mean[c] = momentum * running_mean[c] + (1 - momentum) * (float)mu;
        if (running_var) running_var[c] = momentum * running_var[c] + (1 - momentum) * (float)(rows > 1 ? sq / (rows - 1) : var);
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < channels; c++) {
            size_t i = (size_t)r * channels + c;
            float xhat = (x[i] - mean[c]) * inv_std[c];
            y[i] = (gamma ? gamma[c] : 1.0f) * xhat + (beta ? beta[c] : 0.0f);
        }
}

void nnc_batchnorm_infer(float *y, const float *x, const float *running_mean, const float *running_var,
                         const float *gamma, const float *beta, int rows, int channels, float eps) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < channels; c++) {
            size_t i = (size_t)r * channels + c;
            float scale = (gamma ? gamma[c] : 1.0f) / sqrtf(running_var[c] + eps);
            y[i] = (x[i] - running_mean[c]) * scale + (beta ? beta[c] : 0.0f);
        }
}

// With x̂ = (x − μ)·s and y = γx̂ + β over N rows:
// dx = γ·s/N · (N·dy − Σdy − x̂·Σ(dy·x̂)).
void nnc_batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                            const float *inv_std, const float *gamma, int rows, int channels) {
    for (int c = 0; c < channels; c++) {
        double sdy = 0, sdyx = 0;
        for (int r = 0; r < rows; r++) {
            size_t i = (size_t)r * channels + c;
            double xhat = (x[i] - mean[c]) * inv_std[c];
            sdy += dy[i];
            sdyx += dy[i] * xhat;
        }
        if (dgamma) dgamma[c] = (float)sdyx;
        if (dbeta) dbeta[c] = (float)sdy;
        double k = (gamma ? gamma[c] : 1.0) * inv_std[c] / rows;
        for (int r = 0; r < rows; r++) {
            size_t i = (size_t)r * channels + c;
            double xhat = (x[i] - mean[c]) * inv_std[c];
            dx[i] = (float)(k * (rows * (double)dy[i] - sdy - xhat * sdyx));
        }
    }
}

void nnc_layernorm_forward(float *y, float *mean, float *inv_std, const float *x, const float *gamma, const float *beta,
                           int rows, int features, float eps) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * features;
        double sum = 0, sq = 0;
        for (int f = 0; f < features; f++) sum += xr[f];
        double mu = sum / features;
        for (int f = 0; f < features; f++) sq += (xr[f] - mu) * (xr[f] - mu);
        mean[r] = (float)mu;
        inv_std[r] = (float)(1.0 / sqrt(sq / features + eps));
        for (int f = 0; f < features; f++) {
            float xhat = (xr[f] - mean[r]) * inv_std[r];
            y[(size_t)r * features + f] = (gamma ? gamma[f] : 1.0f) * xhat + (beta ? beta[f] : 0.0f);
        }
    }
}

// Per row, with g = γ·dy: dx = s/F · (F·g − Σg − x̂·Σ(g·x̂)).
void nnc_layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                            const float *inv_std, const float *gamma, int rows, int features) {
    if (dgamma) memset(dgamma, 0, features * sizeof(float));
    if (dbeta) memset(dbeta, 0, features * sizeof(float));
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * features, *dyr = dy + (size_t)r * features;
        double sg = 0, sgx = 0;
        for (int f = 0; f < features; f++) {
            double xhat = (xr[f] - mean[r]) * inv_std[r];
            double g = (gamma ? gamma[f] : 1.0) * dyr[f];
            sg += g;
            sgx += g * xhat;
            if (dgamma) dgamma[f] += (float)(dyr[f] * xhat);
            if (dbeta) dbeta[f] += dyr[f];
        }
        for (int f = 0; f < features; f++) {
            double xhat = (xr[f] - mean[r]) * inv_std[r];
            double g = (gamma ? gamma[f] : 1.0) * dyr[f];
            dx[(size_t)r * features + f] = (float)(inv_std[r] / features * (features * g - sg - xhat * sgx));
        }
    }
}

// SplitMix64 finalizer of seed + index: a well-mixed 64-bit value per element.
static uint64_t mix(uint64_t seed, uint64_t index) {
    uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nnc_groupnorm_forward(float *y, float *mean, float *inv_std, const float *x, const float *gamma,
                           const float *beta, int batch, int positions, int channels, int groups, float eps) {
    int per = channels / groups;
    double n = (double)positions * per;
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * positions * channels;
        float *yb = y + (size_t)b * positions * channels;
        for (int g = 0; g < groups; g++) {
            double sum = 0, sq = 0;
            for (int p = 0; p < positions; p++)
                for (int c = g * per; c < (g + 1) * per; c++) sum += xb[(size_t)p * channels + c];
            double mu = sum / n;
            for (int p = 0; p < positions; p++)
                for (int c = g * per; c < (g + 1) * per; c++) {
                    double d = xb[(size_t)p * channels + c] - mu;
                    sq += d * d;
                }
            float s = (float)(1.0 / sqrt(sq / n + eps)), m = (float)mu;
            mean[b * groups + g] = m;
            inv_std[b * groups + g] = s;
            for (int p = 0; p < positions; p++)
                for (int c = g * per; c < (g + 1) * per; c++) {
                    size_t i = (size_t)p * channels + c;
                    float v = (xb[i] - m) * s;
                    yb[i] = (gamma ? gamma[c] : 1.0f) * v + (beta ? beta[c] : 0.0f);
                }
        }
    }
}

void nnc_groupnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                            const float *inv_std, const float *gamma, int batch, int positions, int channels,
                            int groups) {
    int per = channels / groups;
    double n = (double)positions * per;
    if (dgamma) memset(dgamma, 0, (size_t)channels * sizeof(float));
    if (dbeta) memset(dbeta, 0, (size_t)channels * sizeof(float));
    for (int b = 0; b < batch; b++) {
        size_t base = (size_t)b * positions * channels;
        for (int g = 0; g < groups; g++) {
            float m = mean[b * groups + g], s = inv_std[b * groups + g];
            double sum = 0, dot = 0;
            for (int p = 0; p < positions; p++)
                for (int c = g * per; c < (g + 1) * per; c++) {
                    size_t i = base + (size_t)p * channels + c;
                    float xhat = (x[i] - m) * s;
                    float gi = dy[i] * (gamma ? gamma[c] : 1.0f);
                    sum += gi;
                    dot += gi * xhat;
                    if (dgamma) dgamma[c] += dy[i] * xhat;
                    if (dbeta) dbeta[c] += dy[i];
                }
            for (int p = 0; p < positions; p++)
                for (int c = g * per; c < (g + 1) * per; c++) {
                    size_t i = base + (size_t)p * channels + c;
                    float xhat = (x[i] - m) * s;
                    float gi = dy[i] * (gamma ? gamma[c] : 1.0f);
                    dx[i] = (float)(s / n * (n * gi - sum - xhat * dot));
                }
        }
    }
}

int nnc_dropout_keeps(uint64_t seed, size_t index, float rate) {
    // The top 24 bits as a uniform number in [0, 1).
    float u = (float)(mix(seed, index) >> 40) * (1.0f / 16777216.0f);
    return u >= rate;
}

void nnc_dropout_forward(float *y, const float *x, size_t n, float rate, uint64_t seed) {
    float scale = 1.0f / (1.0f - rate);
    for (size_t i = 0; i < n; i++) y[i] = nnc_dropout_keeps(seed, i, rate) ? x[i] * scale : 0.0f;
}

void nnc_alpha_dropout_forward(float *y, const float *x, size_t n, float rate, float a, float b, float alpha_prime,
                               uint64_t seed) {
    for (size_t i = 0; i < n; i++) y[i] = a * (nnc_dropout_keeps(seed, i, rate) ? x[i] : alpha_prime) + b;
}

void nnc_alpha_dropout_backward(float *dx, const float *dy, size_t n, float rate, float a, uint64_t seed) {
    for (size_t i = 0; i < n; i++) dx[i] = nnc_dropout_keeps(seed, i, rate) ? a * dy[i] : 0.0f;
}

void nnc_dropout_backward(float *dx, const float *dy, size_t n, float rate, uint64_t seed) {
    float scale = 1.0f / (1.0f - rate);
    for (size_t i = 0; i < n; i++) dx[i] = nnc_dropout_keeps(seed, i, rate) ? dy[i] * scale : 0.0f;
}
