#ifndef NNC_KERNELS_NORMALIZATION_H
#define NNC_KERNELS_NORMALIZATION_H
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Batch normalization in training over x[rows][channels] (rows = batch × spatial):
/// per channel mean μ and biased variance σ², y = γ·(x − μ)/√(σ² + ε) + β. Saves μ and
/// 1/√(σ² + ε) for backward and updates the running statistics
/// (running = momentum·running + (1 − momentum)·batch, with the unbiased variance, as Keras).
/// `gamma`/`beta` may be null (scale/center off).
void nnc_batchnorm_train_forward(float *y, float *mean, float *inv_std, float *running_mean, float *running_var,
                                 const float *x, const float *gamma, const float *beta, int rows, int channels,
                                 float momentum, float eps);
/// Inference: y = γ·(x − running_mean)/√(running_var + ε) + β.
void nnc_batchnorm_infer(float *y, const float *x, const float *running_mean, const float *running_var,
                         const float *gamma, const float *beta, int rows, int channels, float eps);
/// dx, and dγ, dβ (each overwritten; may be null when the parameter is off).
void nnc_batchnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                            const float *inv_std, const float *gamma, int rows, int channels);
/// Layer normalization over the last axis of x[rows][features]; saves per-row μ and 1/σ.
void nnc_layernorm_forward(float *y, float *mean, float *inv_std, const float *x, const float *gamma, const float *beta,
                           int rows, int features, float eps);
/// dx, and dγ, dβ accumulated over rows (overwritten; may be null).
void nnc_layernorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                            const float *inv_std, const float *gamma, int rows, int features);

/// Group normalization of x[batch][positions][channels]: per sample and group of channels/groups
/// consecutive channels, over every position; mean and inv_std [batch][groups].
void nnc_groupnorm_forward(float *y, float *mean, float *inv_std, const float *x, const float *gamma,
                           const float *beta, int batch, int positions, int channels, int groups, float eps);
/// dx, and dγ, dβ accumulated over samples and positions (overwritten; may be null).
void nnc_groupnorm_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
                            const float *inv_std, const float *gamma, int batch, int positions, int channels,
                            int groups);

/// Inverted dropout: keep each element with probability 1 − rate, scaled by 1/(1 − rate).
/// The mask comes from a counter-based hash of (seed, index), so it is the same for any
/// thread count and can be recomputed in backward instead of stored.
void nnc_dropout_forward(float *y, const float *x, size_t n, float rate, uint64_t seed);
/// dx = dy·mask/(1 − rate), the same mask as the forward with this seed.
void nnc_dropout_backward(float *dx, const float *dy, size_t n, float rate, uint64_t seed);
/// 1 when element `index` is kept.
int nnc_dropout_keeps(uint64_t seed, size_t index, float rate);
/// Alpha dropout with dropout's mask: y = a·(keep ? x : alpha′) + b.
void nnc_alpha_dropout_forward(float *y, const float *x, size_t n, float rate, float a, float b, float alpha_prime,
                               uint64_t seed);
/// dx = keep ? a·dy : 0.
void nnc_alpha_dropout_backward(float *dx, const float *dy, size_t n, float rate, float a, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif
