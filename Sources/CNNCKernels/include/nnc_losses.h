#ifndef NNC_KERNELS_LOSSES_H
#define NNC_KERNELS_LOSSES_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Per-row losses over y[rows][cols] against targets t, and their gradients dy = scale·∂loss/∂y.
/// mse: mean over cols of (y − t)²; sum_of_squares: ½·Σ(y − t)².
void nnc_mse_forward(float *loss, const float *y, const float *t, int rows, int cols, int half_sum);
void nnc_mse_backward(float *dy, const float *y, const float *t, int rows, int cols, int half_sum, float scale);
/// Binary cross-entropy, mean over cols, from probabilities (clamped to [ε, 1 − ε], ε = 1e-7
/// as Keras) or, with `from_logits`, from raw scores via the stable max(z, 0) − z·t + log(1 + e^−|z|).
/// Label smoothing ε pulls targets towards 0.5: t′ = t·(1 − ε) + ε/2.
void nnc_bce_forward(float *loss, const float *y, const float *t, int rows, int cols, int from_logits, float smoothing);
void nnc_bce_backward(float *dy, const float *y, const float *t, int rows, int cols, int from_logits, float scale,
                      float smoothing);
/// Categorical cross-entropy from probabilities: −Σ t′·log(clamp(p)), with targets as
/// probability rows `t` or class ids `labels` (the other null), smoothed t′ = (1 − ε)·t + ε/cols.
void nnc_cce_forward(float *loss, const float *p, const float *t, const int *labels, int rows, int cols, float smoothing);
void nnc_cce_backward(float *dp, const float *p, const float *t, const int *labels, int rows, int cols, float scale,
                      float smoothing);

#ifdef __cplusplus
}
#endif
#endif
