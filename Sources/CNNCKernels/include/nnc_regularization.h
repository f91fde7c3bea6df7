#ifndef NNC_KERNELS_REGULARIZATION_H
#define NNC_KERNELS_REGULARIZATION_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Regularization around an optimizer step, in Keras's order: penalty gradient, gradient
// clipping, decoupled weight decay, the update itself, then a constraint on the weights.
// Sums accumulate in double (one pass, single thread: these are cheap next to the GEMMs).

/// l1·Σ|w| + l2·Σw² (Keras's L1, L2 and L1L2 regularizers).
double nnc_penalty(const float *w, size_t n, float l1, float l2);
/// g += l1·sign(w) + 2·l2·w, the penalty's gradient (sign(0) = 0).
void nnc_penalty_gradient(float *g, const float *w, size_t n, float l1, float l2);
/// g ← min(max(g, −limit), limit).
void nnc_clip_by_value(float *g, size_t n, float limit);
/// Σ g².
double nnc_sum_of_squares(const float *g, size_t n);
/// g ← g·s.
void nnc_scale(float *g, size_t n, float s);
/// w ← w − factor·w (factor = learning rate × λ: decoupled weight decay).
void nnc_weight_decay(float *w, size_t n, float factor);
/// Per column u of w[rows][units] with norm ‖w_u‖: max_norm (max_value > 0) scales it by
/// min(‖w_u‖, max_value)/(ε + ‖w_u‖); unit_norm (max_value ≤ 0) by 1/(ε + ‖w_u‖); ε = 1e-7.
void nnc_column_norm_constraint(float *w, int rows, int units, float max_value);
/// w ← max(w, 0).
void nnc_non_negative(float *w, size_t n);
/// Swish with a learned β, backward: dx = dy·(σ + βx·σ(1 − σ)) (dx may be null) and
/// returns dβ = Σ dy·x²·σ(1 − σ), with σ = σ(βx).
double nnc_swish_beta_backward(float *dx, const float *dy, const float *x, size_t n, float beta);

#ifdef __cplusplus
}
#endif
#endif
