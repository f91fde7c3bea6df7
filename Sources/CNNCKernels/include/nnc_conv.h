#ifndef NNC_KERNELS_CONV_H
#define NNC_KERNELS_CONV_H
#include <stddef.h>
#include <stdint.h>
#include "nnc_elementwise.h"
#include "nnc_window.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A convolution as the fast kernels run it: no im2col buffer, each output position's patch
/// is read straight from the input (or a zero-padded copy of it), as runs of contiguous
/// floats. Weights are [kh][kw][c/groups][filters] (Keras's layout), tensors channels-last.
typedef struct {
    nnc_window g;       // input, window, output; g.c counts all channels
    int filters, groups;
    int hp, wp;         // rows and columns of the tensor the kernels read: the padded copy, or x itself
    int padded;         // 1: the kernels read a zero-padded copy whose origin is the top-left padding
    int direct;         // 1: filters × positions tiles (one input channel, unit column stride, one group)
} nnc_conv;

/// Floats of workspace the convolution kernels need with `parts` parts (packed weights and
/// per-part weight-gradient sums).
size_t nnc_conv_workspace_floats(nnc_conv cv, int parts);

/// Floats of the forward's packed weights (the start of its workspace).
size_t nnc_conv_packed_floats(nnc_conv cv);

/// xp = x zero-padded to [batch][hp][wp][c], for samples [b0, b1).
void nnc_conv_pad(float *xp, const float *x, nnc_conv cv, int b0, int b1);
/// dx = the interior of dxp (the adjoint of nnc_conv_pad), for samples [b0, b1).
void nnc_conv_unpad(float *dx, const float *dxp, nnc_conv cv, int b0, int b1);

/// Packs W for nnc_conv_forward into `wp` (nnc_conv_workspace_floats covers it).
void nnc_conv_pack_weights(float *wp, const float *w, nnc_conv cv);
/// y = f(conv(x, W) + bias) for samples [b0, b1), reading `xs` (the padded copy, or x) and
/// the packed weights. `bias` may be null.
void nnc_conv_forward(float *y, const float *xs, const float *wp, const float *bias, nnc_conv cv, nnc_activation act,
                      float param, int b0, int b1);

/// The forward followed by non-overlapping max pooling (`pool`: kernel = stride, no padding,
/// over the convolution's output), without storing the convolution's output: y is the pooled
/// output and argmax (when non-null) indexes the convolution's output, as nnc_maxpool_forward's
/// would. `buffer` holds nnc_conv_maxpool_buffer_floats floats (one per part).
void nnc_conv_forward_maxpool(float *y, int32_t *argmax, const float *xs, const float *wp, const float *bias, nnc_conv cv,
                              nnc_window pool, nnc_activation act, float param, int b0, int b1, float *buffer);
size_t nnc_conv_maxpool_buffer_floats(nnc_conv cv, nnc_window pool);
/// Workspace of the fused kernel with `parts` parts: the packed weights (rounded up to 64
/// bytes), then one buffer (rounded up likewise) per part, and the alignment slack.
size_t nnc_conv_maxpool_workspace_floats(nnc_conv cv, nnc_window pool, int parts);

/// Packs Wᵀ (taps along the vector lanes) for nnc_conv_backward_data.
void nnc_conv_pack_weights_t(float *wt, const float *w, nnc_conv cv);
/// dxs = Σ over output positions of dz·Wᵀ scattered back into each position's patch, for
/// samples [b0, b1) of dxs ([batch][hp][wp][c]: the padded layout, or dx itself), which this
/// overwrites (zeroes first).
void nnc_conv_backward_data(float *dxs, const float *dz, const float *wt, nnc_conv cv, int b0, int b1);

/// dW = Σ over the output positions of samples [b0, b1) of patchᵀ·dz (overwrites dw).
void nnc_conv_backward_weights(float *dw, const float *xs, const float *dz, nnc_conv cv, int b0, int b1);

/// Naive twins (double accumulation, straight from the definition, on x itself):
/// dx = Σ dz·W over the taps that read each input cell; dW = Σ x·dz over positions.
void nnc_conv2d_backward_data_reference(float *dx, const float *dz, const float *w, nnc_window g, int filters, int groups);
void nnc_conv2d_backward_weights_reference(float *dw, const float *x, const float *dz, nnc_window g, int filters,
                                           int groups);

#ifdef __cplusplus
}
#endif
#endif
