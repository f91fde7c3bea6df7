#ifndef NNC_KERNELS_OPTIMIZERS_H
#define NNC_KERNELS_OPTIMIZERS_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One update step of each optimizer over `n` weights `w` with gradients `g`, in place.
/// State buffers start at zero (adagrad's accumulator at its initial value). `lr` is the
/// scheduled learning rate of this step; `t` counts steps from 1 (Adam's bias correction).

/// v = μ·v + (1 − dampening)·g; step = g + μ·v (Nesterov) or v; w −= lr·step (PyTorch's form,
/// which stays correct when the learning rate changes). μ = 0 is plain SGD (v unused).
void nnc_sgd_update(float *w, const float *g, float *v, size_t n, float lr, float momentum, float dampening, int nesterov);
/// acc += g²; w −= lr·g / (√acc + ε).
void nnc_adagrad_update(float *w, const float *g, float *acc, size_t n, float lr, float eps);
/// ms = ρ·ms + (1 − ρ)·g²; centered: mg = ρ·mg + (1 − ρ)·g, denom = √(ms − mg² + ε), else √(ms + ε)
/// (Keras's form); with momentum μ: mom = μ·mom + lr·g/denom, w −= mom; else w −= lr·g/denom.
void nnc_rmsprop_update(float *w, const float *g, float *ms, float *mg, float *mom, size_t n, float lr, float rho,
                        float momentum, float eps, int centered);
/// Zeiler 2012: Eg² = ρ·Eg² + (1 − ρ)·g²; Δ = √(EΔ² + ε)/√(Eg² + ε)·g; EΔ² = ρ·EΔ² + (1 − ρ)·Δ²; w −= lr·Δ.
void nnc_adadelta_update(float *w, const float *g, float *eg2, float *ed2, size_t n, float lr, float rho, float eps);
/// Kingma & Ba 2015: m = β₁m + (1 − β₁)g; v = β₂v + (1 − β₂)g² (AMSGrad: vmax = max(vmax, v));
/// w −= lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). AdamW first applies the
/// decoupled decay w −= lr·λ·w (λ = weight_decay; 0 for Adam). `vmax` may be null without AMSGrad.
void nnc_adam_update(float *w, const float *g, float *m, float *v, float *vmax, size_t n, float lr, float beta1,
                     float beta2, float eps, float weight_decay, long t);

#ifdef __cplusplus
}
#endif
#endif
