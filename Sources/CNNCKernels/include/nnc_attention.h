#ifndef NNC_ATTENTION_H
#define NNC_ATTENTION_H

// Multi-head attention's per-head products and masks. A head's matrix is a strided view of a
// larger buffer: head h of sample b starts at base + b*batch_stride + h*head_stride, with
// rows row_stride floats apart (Q [batch][steps][heads·dim] is batch_stride steps·heads·dim,
// head_stride dim, row_stride heads·dim; scores [batch][heads][q][k] are q·k, k apart).

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where each head's matrix lies in a buffer.
typedef struct {
    long batch_stride, head_stride, row_stride;
} nnc_head_matrix;

/// C_bh[m×n] = scale·op(A_bh)·op(B_bh) for every (sample, head) pair b·heads + h.
typedef struct {
    int batch, heads, m, n, k;
    nnc_head_matrix a, b, c;
    int trans_a, trans_b;
    float scale;
} nnc_head_product;

/// Floats of workspace one call of nnc_head_products needs (one GEMM's panels).
size_t nnc_head_product_workspace_floats(const nnc_head_product *p);

/// The products of pairs [pair_begin, pair_end), each by the packed GEMM (nnc_sgemm_t), then
/// scaled. One pair is computed by one caller, so threads can split the pairs.
void nnc_head_products(float *c, const float *a, const float *b, const nnc_head_product *p, int pair_begin,
                       int pair_end, float *workspace);

/// The score Keras gives a masked (query, key) pair: its softmax weight underflows to 0 (a row
/// with every key masked gets equal weights, as in Keras).
#define NNC_ATTENTION_MASKED_SCORE (-1e9f)

/// Sets s[batch][heads][queries][keys] to `fill` where a pair is masked: the key lies after
/// the query (`causal`), or either position is padding (query_mask[b][i] or key_mask[b][j]
/// zero; either mask may be NULL). Scores get NNC_ATTENTION_MASKED_SCORE before the softmax;
/// the weights and their gradient get 0 after it (Keras zeroes a row with every key masked).
void nnc_attention_mask(float *s, const float *query_mask, const float *key_mask, int batch, int heads,
                        int queries, int keys, int causal, float fill);

/// y[b][t][f] = x[b][t][f] + p[t][f] over x[batch][steps][features]: p the first rows of a
/// learned table, or (table NULL) keras_hub's SinePositionEncoding, sin(t·ω) on even f and
/// cos(t·ω) on odd f with ω = max_wavelength^(−2⌊f/2⌋/features), computed in double.
void nnc_add_positions(float *y, const float *x, const float *table, int batch, int steps, int features,
                       double max_wavelength);
/// dtable[t][f] = Σ_b dy[b][t][f] for t < steps; rows [steps, rows) are 0.
void nnc_add_positions_backward(float *dtable, const float *dy, int batch, int steps, int features, int rows);

#ifdef __cplusplus
}
#endif

#endif
