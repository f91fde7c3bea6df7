#ifndef NNC_KERNELS_LAYERS_H
#define NNC_KERNELS_LAYERS_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "nnc_elementwise.h"

#ifdef __cplusplus
extern "C" {
#endif

/// db[c] = Σ_r dy[r][c] (overwrites db).
void nnc_column_sums(float *db, const float *dy, int rows, int cols);
/// y = f(x + bias) over rows of x[rows][cols], bias per column; may run in place (y = x).
void nnc_bias_activation(float *y, const float *x, const float *bias, int rows, int cols, nnc_activation act,
                         float param);
/// y = Σ inputs[i], n elements each.
void nnc_add(float *y, const float *const *inputs, int count, size_t n);
/// y += x.
void nnc_accumulate(float *y, const float *x, size_t n);
/// The elementwise merges other than add (NNCPlan's `ElementwiseMerge`).
typedef enum { NNC_COMBINE_SUBTRACT = 0, NNC_COMBINE_MULTIPLY = 1, NNC_COMBINE_AVERAGE = 2, NNC_COMBINE_MAXIMUM = 3 } nnc_combine_op;
/// y = inputs merged element by element by `op`, n elements each (subtract: inputs[0] − inputs[1]).
void nnc_combine(float *y, const float *const *inputs, int count, size_t n, nnc_combine_op op);
/// dx = ∂y/∂inputs[index] · dy (maximum: dy where inputs[index] is the largest, on a tie the first, else 0); `inputs` may be NULL for ops whose gradient reads only dy.
void nnc_combine_backward(float *dx, const float *dy, const float *const *inputs, int count, int index, size_t n,
                          nnc_combine_op op);
/// y[b][i][j][:] = x[b][i + top][j + left][:] for y [batch][oh][ow][c], zero outside x [batch][h][w][c]
/// (zero padding: negative offsets; cropping: positive; each is the other's gradient).
void nnc_reframe(float *y, const float *x, int batch, int h, int w, int c, int oh, int ow, int top, int left);
/// upsampling2d: y [batch][h·sh][w·sw][c] from x [batch][h][w][c], nearest (each pixel repeated) or
/// bilinear (output i reads (i + ½)/s − ½ clamped to [0, size − 1], half-pixel centers as jax.image.resize).
void nnc_upsample(float *y, const float *x, int batch, int h, int w, int c, int sh, int sw, int bilinear);
/// dx = each output's gradient added to the input pixels it read (overwrites dx).
void nnc_upsample_backward(float *dx, const float *dy, int batch, int h, int w, int c, int sh, int sw, int bilinear);
/// α's index of per-sample element e of a prelu: x per sample as `runs` runs of axes (outermost
/// first) of sizes extents[k], α varying along the runs with kept[k] ≠ 0.
/// y = x > 0 ? x : α·x over batch samples of n elements.
void nnc_prelu_forward(float *y, const float *x, const float *alpha, int batch, size_t n, int runs,
                       const ptrdiff_t *extents, const bool *kept);
/// dx = dy·(x > 0 ? 1 : α) (dx may be NULL); dα = Σ dy·x over x ≤ 0 (overwritten; may be NULL).
void nnc_prelu_backward(float *dx, float *dalpha, const float *dy, const float *x, const float *alpha, int batch,
                        size_t n, size_t alphas, int runs, const ptrdiff_t *extents, const bool *kept);
/// A merge operand broadcast: y [batch][n] from x [batch][kept], where kept is x's per-sample
/// size and element e of y reads x's element at e's digits in the kept runs (as prelu's α).
void nnc_broadcast_forward(float *y, const float *x, int batch, size_t n, size_t kept, int runs,
                           const ptrdiff_t *extents, const bool *keeps);
/// Its gradient: dx [batch][kept] = Σ of dy over the elements that read each x (overwrites dx).
void nnc_broadcast_backward(float *dx, const float *dy, int batch, size_t n, size_t kept, int runs,
                            const ptrdiff_t *extents, const bool *keeps);
/// y[i] = e^y[i] for y[i] ≤ 0 (within 2 ulp of expf; 0 where e^y is subnormal), vectorized.
void nnc_exp_nonpositive(float *y, size_t n);
/// Row softmax over x[rows][cols] (max-subtracted, nnc_exp_nonpositive); may run in place.
void nnc_softmax_forward(float *y, const float *x, int rows, int cols);
/// dx = y·(dy − Σ dy·y) per row.
void nnc_softmax_backward(float *dx, const float *dy, const float *y, int rows, int cols);
/// Mean over positions of x[batch][positions][channels].
void nnc_global_avgpool_forward(float *y, const float *x, int batch, int positions, int channels);
void nnc_global_avgpool_backward(float *dx, const float *dy, int batch, int positions, int channels);
/// y[r] = table[ids[r]] (ids checked by the caller to lie in [0, vocabulary)); a padding id gives zeros.
void nnc_embedding_forward(float *y, const int32_t *ids, const float *table, int rows, int dim, int padding_index);
/// dtable = 0, then dtable[ids[r]] += dy[r] except for the padding id.
void nnc_embedding_backward(float *dtable, const int32_t *ids, const float *dy, int rows, int vocabulary, int dim,
                            int padding_index);
/// Folds inference batchnorm into the weights before it, per output channel c (the last axis
/// of w): s = γ/√(σ² + ε); w′ = w·s; b′ = (b − μ)·s + β. bias, gamma and beta may be null.
void nnc_fold_batchnorm(float *w2, float *b2, const float *w, const float *bias, const float *mean, const float *var,
                        const float *gamma, const float *beta, size_t weights, int channels, float eps);

#ifdef __cplusplus
}
#endif
#endif
