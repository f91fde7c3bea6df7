#ifndef NNC_KERNELS_ELEMENTWISE_H
#define NNC_KERNELS_ELEMENTWISE_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The activations of the spec language (Swift's `Activation`, mapped here by
/// `Activation.kernel` in NNCRuntime; which backward reads only y is
/// `Activation.backwardNeedsOnlyOutput`). `param` is alpha (leaky_relu, elu) or beta (swish).
typedef enum {
    NNC_ACT_LINEAR = 0, NNC_ACT_RELU, NNC_ACT_LEAKY_RELU, NNC_ACT_ELU, NNC_ACT_SELU, NNC_ACT_SIGMOID,
    NNC_ACT_TANH, NNC_ACT_LECUN_TANH, NNC_ACT_SOFTPLUS, NNC_ACT_SWISH, NNC_ACT_MISH
} nnc_activation;

/// y[i] = f(x[i]). May run in place (y == x).
void nnc_activation_forward(float *y, const float *x, size_t n, nnc_activation act, float param);
/// dx[i] = dy[i]·f'(x[i]), from the input x and the output y (each activation reads the
/// cheaper one; backward plans keep alive only what it reads). May run in place (dx == dy).
void nnc_activation_backward(float *dx, const float *dy, const float *x, const float *y, size_t n,
                             nnc_activation act, float param);

/// Fused, numerically stable softmax + cross-entropy over `rows` rows of `cols` logits, in one
/// pass per row (the log-sum-exp computed once for the loss and the gradient). Targets are class indices (`labels`, when non-null)
/// or probability rows (`targets`). Writes each row's loss (when `loss` is non-null; no
/// probabilities buffer) and dlogits = (softmax(logits) − t′) · scale, the gradient of
/// scale · Σ losses (when `dlogits` is non-null). Label smoothing ε mixes the target with the
/// uniform distribution: t′ = (1 − ε)·t + ε/cols (Keras's label_smoothing).
void nnc_softmax_xent(float *loss, float *dlogits, const float *logits, const int *labels, const float *targets,
                      int rows, int cols, float scale, float smoothing);

#ifdef __cplusplus
}
#endif
#endif
