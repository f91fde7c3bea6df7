#ifndef NNC_KERNELS_RECURRENT_H
#define NNC_KERNELS_RECURRENT_H
#include <stdint.h>
#include <stddef.h>
#include "nnc_elementwise.h"

#ifdef __cplusplus
extern "C" {
#endif

// The fused per-timestep kernels of simple_rnn, lstm and gru (Keras gate order: i, f, c, o
// and z, r, h). The caller computes a step's recurrent product s·U with the GEMM, then one
// of these turns pre-activations into gates and the new state, for `rows` rows of the batch
// (one thread's share; rows are independent). Pointers point at the first row; `ld_*` are
// row strides in floats. Optional pointers may be NULL. A row whose `step_mask` is 0 is
// padding: its state carries through unchanged, the output repeats it, nothing else is read.

/// Operands of a forward step (see each kernel for the fields it reads).
typedef struct {
    int rows, units;
    /// The candidate's and output's activation, and the gates' (`ract`).
    nnc_activation act, ract;
    float act_param, ract_param;
    /// [rows][G·units] in: x·W + b of this step; out: the activated gates.
    float *gates; int ld_gates;
    /// Optional [rows][G·units]: the pre-activations, for activations differentiated from their input.
    float *pre; int ld_pre;
    /// [rows][G·units]: s·U of this step (GRU reset before: the z, r columns, then the h columns).
    const float *product; int ld_product;
    /// Optional [G·units]: a bias row added to the product (the recurrent bias, or the input
    /// bias when the step's projection left it out).
    const float *rbias;
    /// [rows][units], row stride `units`: the running state h (and c, LSTM), updated in place.
    float *h, *c;
    /// Optional: cₜ kept for backward (LSTM).
    float *c_out; int ld_c;
    /// GRU: the candidate's recurrent term s·U_h + b_rh (reset after; optional) or r⊙s (reset before).
    float *extra; int ld_extra;
    /// Optional: hₜ₋₁ kept for backward (GRU with recurrent dropout).
    float *prev_out; int ld_prev;
    /// GRU reset before: sₜ, the (dropout-masked) state of the product.
    const float *s; int ld_s;
    /// Optional: the step's output hₜ.
    float *y; int ld_y;
    /// Optional: 1 for real steps, 0 for padding, one value per row.
    const float *step_mask; int ld_step_mask;
    /// Nonzero: a padded row outputs zeros rather than the carried state (Keras's
    /// Bidirectional returning sequences).
    int zero_padded_output;
    /// Optional [3][units], LSTM: the peephole weights p_i, p_f (read with cₜ₋₁) and p_o (cₜ).
    const float *peephole;
    /// nnc_rnn_work_floats(units) floats of scratch.
    float *work;
    /// Floats from one gate's block to the next in gates, product and rbias; 0 means `units`.
    /// A step over a range of a layer's units (a batch-1 step split between threads) sets the
    /// layer's units here and points every operand at the range's first unit. Only the fused
    /// steps read it (nnc_rnn_forward_fused).
    int gate_stride;
} nnc_rnn_forward;

/// Whether steps with these activations run the fused kernels (given no peepholes and no kept
/// pre-activations): `gates` 1 (SimpleRNN), 3 (GRU) or 4 (LSTM).
int nnc_rnn_forward_fused(nnc_activation act, nnc_activation ract, int gates);

/// hₜ = act(xW + sU + b).
void nnc_simple_rnn_forward_step(const nnc_rnn_forward *s);
/// i, f, o = ract(·), g = act(·); cₜ = f⊙c + i⊙g; hₜ = o⊙act(cₜ). With `peephole`, i and f
/// add p_i⊙cₜ₋₁ and p_f⊙cₜ₋₁ to their pre-activations and o adds p_o⊙cₜ.
void nnc_lstm_forward_step(const nnc_rnn_forward *s);
/// Reset after: z, r = ract(x_zr + p_zr); ĥ = act(x_h + r⊙p_h); hₜ = z⊙h + (1 − z)⊙ĥ (p includes b_r).
void nnc_gru_forward_step(const nnc_rnn_forward *s);
/// Reset before, first half: z, r = ract(x_zr + p_zr); extra = r⊙s (the second product's input).
void nnc_gru_reset_step(const nnc_rnn_forward *s);
/// Reset before, second half: ĥ = act(x_h + p_h) with p_h = (r⊙s)·U_h; hₜ = z⊙h + (1 − z)⊙ĥ.
void nnc_gru_candidate_step(const nnc_rnn_forward *s);

/// Operands of a backward step.
typedef struct {
    int rows, units;
    nnc_activation act, ract;
    float act_param, ract_param;
    /// Out [rows][G·units]: ∂loss/∂(x·W + b) of this step (zero rows for padding).
    float *dgates; int ld_dgates;
    /// GRU reset after, out [rows][G·units]: ∂loss/∂(s·U + b_r) (differs from dgates in the h columns).
    float *dproduct; int ld_dproduct;
    /// Optional: ∂loss/∂hₜ from the layer's output.
    const float *dy; int ld_dy;
    /// What the forward kept: activated gates, pre-activations (optional), cₜ and cₜ₋₁ (LSTM;
    /// c_prev NULL at the first step), the GRU candidate term or r⊙s, hₜ₋₁ (GRU), sₜ (GRU reset before).
    const float *gates; int ld_gates;
    const float *pre; int ld_pre;
    const float *c; int ld_c;
    const float *c_prev; int ld_c_prev;
    const float *extra; int ld_extra;
    const float *h_prev; int ld_h_prev;
    const float *s; int ld_s;
    /// [rows][units], stride `units`: ∂h from later steps (replaced by ∂h for the previous
    /// step, without the product's part), ∂c (LSTM), and ∂s of the later step's product (read;
    /// GRU reset before: written with ∂s through r⊙s).
    float *dh, *dc, *ds;
    /// GRU reset before: ∂(r⊙s) = ∂p_h·U_hᵀ, stride `units`.
    const float *drs;
    /// Optional [rows][units], stride `units`: the recurrent dropout mask (∂s reaches h times it).
    const float *rec_mask;
    const float *step_mask; int ld_step_mask;
    /// As in the forward: then a padded row's output gradient reaches nothing.
    int zero_padded_output;
    /// Optional [3][units], LSTM: the peephole weights (their gradient is nnc_lstm_peephole_gradient's).
    const float *peephole;
    float *work;
} nnc_rnn_backward;

void nnc_simple_rnn_backward_step(const nnc_rnn_backward *s);
void nnc_lstm_backward_step(const nnc_rnn_backward *s);
/// Reset after: writes dgates and dproduct.
void nnc_gru_backward_step(const nnc_rnn_backward *s);
/// Reset before, first half (run before the product ∂p_h·U_hᵀ): the z and h columns of dgates and ∂h.
void nnc_gru_candidate_backward_step(const nnc_rnn_backward *s);
/// Reset before, second half: the r columns of dgates from `drs`, and ds = drs⊙r (the GEMM then adds ∂p_zr·U_zrᵀ).
void nnc_gru_reset_backward_step(const nnc_rnn_backward *s);

/// ∂P of the LSTM peepholes [3][units] from every step's gate gradients dz [batch][steps][4·units]
/// and cells c [batch][steps][units]: rows i and f Σ dz⊙cₜ₋₁ (cₜ₋₁ in processing order, zero
/// before the first step; `reverse` processes steps last to first), row o Σ dz_o⊙cₜ.
void nnc_lstm_peephole_gradient(float *dp, const float *dz, const float *c, int batch, int steps, int units, int reverse);

/// Floats of `work` the step kernels need.
size_t nnc_rnn_work_floats(int units);

/// s[r][j] = h[r][j]·mask[r][j] (mask NULL: a copy); h and mask have row stride `units`.
void nnc_rnn_state_input(float *s, int ld_s, const float *h, const float *mask, int rows, int units);
/// y = act(x) over n floats, vectorized for sigmoid and tanh when AVX2 or AVX-512 is active
/// (others as nnc_activation_forward). y may equal x.
void nnc_rnn_activate(float *y, const float *x, int n, nnc_activation act, float param);

/// y[j][i] = x[i][j] for x[rows][cols].
void nnc_transpose(float *y, const float *x, int rows, int cols);
/// m[i] = scale·keep(seed, i) with scale = 1/(1 − rate): a dropout mask as values.
void nnc_dropout_mask(float *m, size_t n, float rate, uint64_t seed);
/// y[b][t][f] = x[b][t][f]·m[b][f]; may run in place.
void nnc_scale_steps(float *y, const float *x, const float *m, int batch, int steps, int features);
/// m[i] = ids[i] != padding_index.
void nnc_sequence_mask(float *m, const int32_t *ids, size_t n, int padding_index);

/// Prefetches `rows` rows of `floats` floats (row stride ld) for writing.
void nnc_prefetch_rows(const float *base, int ld, int rows, int floats);

/// How a bidirectional layer merges its directions (when it does not concatenate them).
typedef enum { NNC_MERGE_SUM = 0, NNC_MERGE_MUL = 1, NNC_MERGE_AVERAGE = 2 } nnc_merge_mode;

void nnc_merge(float *y, const float *a, const float *b, size_t n, nnc_merge_mode mode);
/// da, db from dy (mul reads a and b; the others may pass NULL).
void nnc_merge_backward(float *da, float *db, const float *dy, const float *a, const float *b, size_t n, nnc_merge_mode mode);

#ifdef __cplusplus
}
#endif
#endif
