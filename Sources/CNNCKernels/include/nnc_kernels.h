#ifndef NNC_KERNELS_H
#define NNC_KERNELS_H

// CPU kernels of nnc: raw pointers, explicit dimensions, output first, no allocation.
// Matrices are row-major; `ld*` is the distance in floats between consecutive rows.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets the fast kernels can use.
typedef enum { NNC_ISA_PORTABLE = 0, NNC_ISA_AVX2_FMA = 1 } nnc_isa;

/// The best instruction set this CPU supports (checked once, at first call).
nnc_isa nnc_detected_isa(void);
/// The instruction set the kernels use: the detected one unless overridden (tests
/// exercise both paths). Setting an unsupported one falls back to portable.
nnc_isa nnc_active_isa(void);
void nnc_set_isa(nnc_isa isa);

/// Floats of workspace `nnc_sgemm` needs for these dimensions.
size_t nnc_sgemm_workspace_floats(int m, int n, int k);

/// C[m×n] = A[m×k]·B[k×n], or C += A·B when `accumulate` is nonzero.
/// Packs panels of A and B into `workspace` (see nnc_sgemm_workspace_floats), then runs
/// a register-blocked microkernel (6×16 with AVX2/FMA). Rows [row_begin, row_end) and
/// columns [col_begin, col_end) of C restrict the work, so threads can split C.
void nnc_sgemm(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
               int m, int n, int k, int accumulate,
               int row_begin, int row_end, int col_begin, int col_end, float *workspace);

/// The naive reference twin: three loops, accumulating in double.
void nnc_sgemm_reference(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
                         int m, int n, int k, int accumulate);

#ifdef __cplusplus
}
#endif

#endif

#ifndef NNC_KERNELS_ELEMENTWISE_H
#define NNC_KERNELS_ELEMENTWISE_H
#ifdef __cplusplus
extern "C" {
#endif

/// The activations of the spec language. `param` is alpha (leaky_relu, elu) or beta (swish).
typedef enum {
    NNC_ACT_LINEAR = 0, NNC_ACT_RELU, NNC_ACT_LEAKY_RELU, NNC_ACT_ELU, NNC_ACT_SELU, NNC_ACT_SIGMOID,
    NNC_ACT_TANH, NNC_ACT_LECUN_TANH, NNC_ACT_SOFTPLUS, NNC_ACT_SWISH
} nnc_activation;

/// y[i] = f(x[i]). May run in place (y == x).
void nnc_activation_forward(float *y, const float *x, size_t n, nnc_activation act, float param);
/// dx[i] = dy[i]·f'(x[i]), from the input x and the output y (each activation reads the
/// cheaper one; backward plans keep alive only what it reads). May run in place (dx == dy).
void nnc_activation_backward(float *dx, const float *dy, const float *x, const float *y, size_t n,
                             nnc_activation act, float param);
/// True when the backward of `act` reads only the output y (so x need not stay alive).
int nnc_activation_backward_needs_only_output(nnc_activation act);

/// Fused, numerically stable softmax + cross-entropy over `rows` rows of `cols` logits.
/// Targets are class indices (`labels`, when non-null) or probability rows (`targets`).
/// Writes each row's loss; no probabilities buffer.
void nnc_softmax_xent_forward(float *loss, const float *logits, const int *labels, const float *targets,
                              int rows, int cols);
/// dlogits = (softmax(logits) − target) · scale, the gradient of scale · Σ losses.
void nnc_softmax_xent_backward(float *dlogits, const float *logits, const int *labels, const float *targets,
                               int rows, int cols, float scale);

#ifdef __cplusplus
}
#endif
#endif

#ifndef NNC_KERNELS_WINDOW_H
#define NNC_KERNELS_WINDOW_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/// The geometry of a 2-D window op over channels-last tensors [batch][h][w][c]
/// (1-D ops use h = 1). Output size comes from the checker's arithmetic.
typedef struct {
    int batch, h, w, c;          // input
    int kh, kw, sh, sw, dh, dw;  // window, stride, dilation
    int pad_top, pad_left;       // leading padding
    int pad_bottom, pad_right;   // trailing padding (only average pooling with count_padding reads it)
    int oh, ow;                  // output
} nnc_window;

/// Columns for convolution as GEMM: cols[(b·oh + y)·ow + x][(i·kw + j)·cn + k] =
/// x[b][y·sh − pad_top + i·dh][x·sw − pad_left + j·dw][c0 + k], zero in the padding.
void nnc_im2col(float *cols, const float *x, nnc_window g, int c0, int cn);
/// The adjoint of im2col: dx[…] += every column entry that read it.
void nnc_col2im(float *dx, const float *cols, nnc_window g, int c0, int cn);
/// Reference twin: y[b][oy][ox][f] = bias[f] + Σ x·w with weights w[i][j][c/groups][f].
void nnc_conv2d_reference(float *y, const float *x, const float *w, const float *bias, nnc_window g,
                          int filters, int groups);

/// Max pooling; `argmax` records, per output, the input index it took (−1 if none).
void nnc_maxpool_forward(float *y, int32_t *argmax, const float *x, nnc_window g);
/// dx = 0, then dx[argmax[o]] += dy[o].
void nnc_maxpool_backward(float *dx, const float *dy, const int32_t *argmax, size_t outputs, size_t inputs);
/// Average pooling over the valid cells, or with `count_padding` over the cells inside the
/// padded input (PyTorch's count_include_pad; a ceil-mode window past it counts less).
void nnc_avgpool_forward(float *y, const float *x, nnc_window g, int count_padding);
/// dx = 0, then each output's gradient spread evenly over the cells it averaged.
void nnc_avgpool_backward(float *dx, const float *dy, nnc_window g, int count_padding);

#ifdef __cplusplus
}
#endif
#endif

#ifndef NNC_KERNELS_OPTIMIZERS_H
#define NNC_KERNELS_OPTIMIZERS_H
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

#ifndef NNC_KERNELS_NORMALIZATION_H
#define NNC_KERNELS_NORMALIZATION_H
#include <stdint.h>
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

/// Inverted dropout: keep each element with probability 1 − rate, scaled by 1/(1 − rate).
/// The mask comes from a counter-based hash of (seed, index), so it is the same for any
/// thread count and can be recomputed in backward instead of stored.
void nnc_dropout_forward(float *y, const float *x, size_t n, float rate, uint64_t seed);
/// dx = dy·mask/(1 − rate), the same mask as the forward with this seed.
void nnc_dropout_backward(float *dx, const float *dy, size_t n, float rate, uint64_t seed);
/// 1 when element `index` is kept.
int nnc_dropout_keeps(uint64_t seed, size_t index, float rate);

#ifdef __cplusplus
}
#endif
#endif

#ifndef NNC_KERNELS_LOSSES_H
#define NNC_KERNELS_LOSSES_H
#ifdef __cplusplus
extern "C" {
#endif

/// Per-row losses over y[rows][cols] against targets t, and their gradients dy = scale·∂loss/∂y.
/// mse: mean over cols of (y − t)²; sum_of_squares: ½·Σ(y − t)².
void nnc_mse_forward(float *loss, const float *y, const float *t, int rows, int cols, int half_sum);
void nnc_mse_backward(float *dy, const float *y, const float *t, int rows, int cols, int half_sum, float scale);
/// Binary cross-entropy, mean over cols, from probabilities (clamped to [ε, 1 − ε], ε = 1e-7
/// as Keras) or, with `from_logits`, from raw scores via the stable max(z, 0) − z·t + log(1 + e^−|z|).
void nnc_bce_forward(float *loss, const float *y, const float *t, int rows, int cols, int from_logits);
void nnc_bce_backward(float *dy, const float *y, const float *t, int rows, int cols, int from_logits, float scale);
/// Categorical cross-entropy from probabilities: −Σ t·log(clamp(p)).
void nnc_cce_forward(float *loss, const float *p, const float *t, int rows, int cols);
void nnc_cce_backward(float *dp, const float *p, const float *t, int rows, int cols, float scale);

#ifdef __cplusplus
}
#endif
#endif
