#ifndef NNC_KERNELS_WINDOW_H
#define NNC_KERNELS_WINDOW_H
#include <stdint.h>
#include <stddef.h>

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

/// Reference twin: y[b][oy][ox][f] = bias[f] + Σ x·w with weights w[i][j][c/groups][f].
void nnc_conv2d_reference(float *y, const float *x, const float *w, const float *bias, nnc_window g,
                          int filters, int groups);

/// Max pooling; `argmax` records, per output, the input index it took (−1 if none).
void nnc_maxpool_forward(float *y, int32_t *argmax, const float *x, nnc_window g);
/// Non-overlapping max pooling (kernel kh×kw = stride, no padding) of `prows`·kh rows of
/// w×c floats at x into prows rows of ow×c at y; argmax (when non-null) gets `index_base` plus
/// the cell's index in x. Taps are compared in window order, the first maximum wins (as in
/// nnc_maxpool_forward).
void nnc_maxpool_rows(float *y, int32_t *argmax, const float *x, int prows, int w, int c, int kh, int kw, int ow,
                      size_t index_base);
/// dx = 0, then dx[argmax[o]] += dy[o].
void nnc_maxpool_backward(float *dx, const float *dy, const int32_t *argmax, size_t outputs, size_t inputs);
/// The same for samples [b0, b1) of the batch (windows never cross samples, so ranges of
/// samples can run on different threads).
void nnc_maxpool_backward_samples(float *dx, const float *dy, const int32_t *argmax, nnc_window g, int b0, int b1);
/// Average pooling over the valid cells, or with `count_padding` over the cells inside the
/// padded input (PyTorch's count_include_pad; a ceil-mode window past it counts less).
void nnc_avgpool_forward(float *y, const float *x, nnc_window g, int count_padding);
/// dx = 0, then each output's gradient spread evenly over the cells it averaged.
void nnc_avgpool_backward(float *dx, const float *dy, nnc_window g, int count_padding);
/// L2 pooling: y = √(Σ x² / n) over the n window cells inside x.
void nnc_l2pool_forward(float *y, const float *x, nnc_window g);
/// dx = 0, then each cell gets dy·x/(n·y) from each window holding it; a window with y = 0 gives 0.
void nnc_l2pool_backward(float *dx, const float *dy, const float *x, const float *y, nnc_window g);

#ifdef __cplusplus
}
#endif
#endif
