#ifndef NNC_GEMM_H
#define NNC_GEMM_H

// Matrix multiply and instruction-set selection. Matrices are row-major; `ld*` is the
// distance in floats between consecutive rows.

#include <stddef.h>
#include "nnc_elementwise.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets the fast kernels can use, each including the ones before it (AVX-512
/// adds the 12×32 GEMM microkernel; every other kernel uses its AVX2 path there).
typedef enum { NNC_ISA_PORTABLE = 0, NNC_ISA_AVX2_FMA = 1, NNC_ISA_AVX512 = 2 } nnc_isa;

/// The best instruction set this CPU supports (checked once, at first call).
nnc_isa nnc_detected_isa(void);
/// The instruction set the kernels use: the detected one unless overridden (tests
/// exercise both paths). Setting an unsupported one falls back to portable.
nnc_isa nnc_active_isa(void);
/// True when the active set includes AVX2 and FMA (the AVX2 paths of every kernel).
int nnc_has_avx2(void);
/// Overrides the instruction set for work started from the calling thread (pool parts
/// included); -1 (any negative value) restores the detected one.
void nnc_set_isa(nnc_isa isa);
/// The calling thread's override as set (negative: none), and setting it raw (the pool
/// gives each part its caller's).
int nnc_isa_override(void);
void nnc_set_isa_override(int isa);

/// Bias and activation applied to C's tiles as the last K block finishes each one, while it
/// is still in the cache: C = act(C + bias), bias per column (optional). Per element the
/// same arithmetic as a separate pass over C, so the results are identical; only the extra
/// trip through memory is gone.
typedef struct {
    const float *bias;
    nnc_activation act;
    float param;
} nnc_epilogue;

/// Floats of workspace `nnc_sgemm` needs for these dimensions.
size_t nnc_sgemm_workspace_floats(int m, int n, int k);

/// C[m×n] = A[m×k]·B[k×n], or C += A·B when `accumulate` is nonzero.
/// Packs panels of A and B into `workspace` (see nnc_sgemm_workspace_floats), then runs
/// a register-blocked microkernel (6×16 with AVX2/FMA). Rows [row_begin, row_end) and
/// columns [col_begin, col_end) of C restrict the work, so threads can split C.
void nnc_sgemm(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
               int m, int n, int k, int accumulate,
               int row_begin, int row_end, int col_begin, int col_end, float *workspace);

/// op(A)·op(B) with either operand stored transposed (`trans_a`: A[i][q] = a[q*lda + i];
/// `trans_b`: B[q][j] = b[j*ldb + q]), for backward passes (Xᵀ·dY, dY·Wᵀ). The transposes
/// happen while packing, so they cost no extra memory. `ep` (or NULL) is applied to the part.
void nnc_sgemm_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb, int trans_b,
                 int m, int n, int k, int accumulate,
                 int row_begin, int row_end, int col_begin, int col_end, float *workspace, const nnc_epilogue *ep);

/// Weights packed once (inference plans pack them when the weights are set): B[k×n] in the
/// panels the microkernel reads, for every K block; nnc_sgemm_packed_b_floats(n, k) floats.
size_t nnc_sgemm_packed_b_floats(int n, int k);
void nnc_sgemm_pack_b(float *bp, const float *b, int ldb, int n, int k);
/// Packs columns [col_begin, col_end) of op(B) (col_begin on a 16-column edge) into the same
/// layout.
void nnc_sgemm_pack_b_t(float *bp, const float *b, int ldb, int trans_b, int n, int k, int col_begin, int col_end);
/// Floats of workspace nnc_sgemm_packed_t needs for a part of an m-row product (its A panels).
size_t nnc_sgemm_packed_a_floats(int m, int k);
/// C (+)= op(A)·B over rows [row_begin, row_end) and columns [col_begin, col_end) (col_begin on
/// a 16-column edge) with B packed (`bp`, by nnc_sgemm_pack_b_t): only A is packed here.
void nnc_sgemm_packed_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *bp, int n, int k,
                        int accumulate, int row_begin, int row_end, int col_begin, int col_end, float *workspace,
                        const nnc_epilogue *ep);
/// C (+)= A·B with B also given packed (`bp`): no per-call packing of B. One-row products
/// stream the packed panels (B as stored without AVX2). Column ranges must start on a
/// 16-column edge.
void nnc_sgemm_prepacked(float *c, int ldc, const float *a, int lda, const float *b, int ldb, const float *bp,
                         int m, int n, int k, int accumulate,
                         int row_begin, int row_end, int col_begin, int col_end, float *workspace, const nnc_epilogue *ep);

/// y[n] (+)= x[k]·B[k×n] (row stride ldb) as stored: one part of a one-row product split along
/// K (pass x and B from the part's first row of B); the partials are summed by
/// nnc_sgemv_sum_parts.
void nnc_sgemv(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);
/// y[n] += partials[p·stride + j] for p = 0, 1, …, count − 1 in order, then the epilogue (if
/// any) over y: the end of a one-row product split along K.
void nnc_sgemv_sum_parts(float *y, const float *partials, size_t stride, int count, int n, const nnc_epilogue *ep);

/// The naive reference twin: three loops, accumulating in double.
void nnc_sgemm_reference(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
                         int m, int n, int k, int accumulate);
void nnc_sgemm_reference_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb,
                           int trans_b, int m, int n, int k, int accumulate);

#ifdef __cplusplus
}
#endif

#endif
