#ifndef NNC_RECURRENT_INTERNAL_H
#define NNC_RECURRENT_INTERNAL_H
// Private to the recurrent kernels: the tanh and sigmoid they use, and the fused steps.

#include "nnc_recurrent.h"

#define NNC_INLINE static inline __attribute__((always_inline))

/// tanh as Eigen's rational approximation (odd degree-13 numerator over even degree-6
/// denominator, clamped where tanh rounds to ±1 in float): within 2.4e-7 of tanh
/// everywhere, no exp, and plain arithmetic the compiler vectorizes.
NNC_INLINE float nnc_tanh_rational(float x) {
    const float limit = 7.90531110763549805f;
    x = x < -limit ? -limit : x > limit ? limit : x;
    float x2 = x * x;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return p * x / q;
}

/// σ(x) = (1 + tanh(x/2))/2: within 1.5e-7 of σ (an absolute bound; a gate has no use for
/// the relative precision of σ far below zero).
NNC_INLINE float nnc_sigmoid_rational(float x) { return 0.5f + 0.5f * nnc_tanh_rational(0.5f * x); }

/// The fused steps for the default activations (tanh candidate and output, sigmoid gates):
/// one pass per row, vectorized. They return 0 (doing nothing) for other activations.
int nnc_rnn_fused_forward(const nnc_rnn_forward *s, int cell);
int nnc_rnn_fused_backward(const nnc_rnn_backward *s, int cell);

/// Padded rows, shared with the fused steps: the forward carries the state (and writes the
/// output); the backward passes ∂h on and zeroes the row's gate gradients. Return 1 for a padded row.
int nnc_rnn_forward_padding(const nnc_rnn_forward *s, int r);
int nnc_rnn_backward_padding(const nnc_rnn_backward *s, int r, int gates);

/// Cells as the fused steps number them.
enum { NNC_CELL_SIMPLE = 0, NNC_CELL_LSTM = 1, NNC_CELL_GRU = 2 };

#endif
