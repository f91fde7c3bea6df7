#ifndef NNC_GEMM_H
#define NNC_GEMM_H

// Matrix multiply and instruction-set selection. Matrices are row-major; `ld*` is the
// distance in floats between consecutive rows.

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
/// Overrides the instruction set for work started from the calling thread (pool parts
/// included); -1 (any negative value) restores the detected one.
void nnc_set_isa(nnc_isa isa);
/// The calling thread's override as set (negative: none), and setting it raw (the pool
/// gives each part its caller's).
int nnc_isa_override(void);
void nnc_set_isa_override(int isa);

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
/// happen while packing, so they cost no extra memory.
void nnc_sgemm_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb, int trans_b,
                 int m, int n, int k, int accumulate,
                 int row_begin, int row_end, int col_begin, int col_end, float *workspace);

/// Weights packed once (inference plans pack them when the weights are set): B[k×n] in the
/// panels the microkernel reads, for every K block; nnc_sgemm_packed_b_floats(n, k) floats.
size_t nnc_sgemm_packed_b_floats(int n, int k);
void nnc_sgemm_pack_b(float *bp, const float *b, int ldb, int n, int k);
/// Packs columns [col_begin, col_end) of op(B) (col_begin on a 16-column edge) into the same
/// layout, so threads can pack disjoint column ranges of one shared copy.
void nnc_sgemm_pack_b_t(float *bp, const float *b, int ldb, int trans_b, int n, int k, int col_begin, int col_end);
/// Floats of workspace nnc_sgemm_packed_t needs for a part of an m-row product (its A panels).
size_t nnc_sgemm_packed_a_floats(int m, int k);
/// C (+)= op(A)·B over rows [row_begin, row_end) and columns [col_begin, col_end) (col_begin on
/// a 16-column edge) with B packed (`bp`, by nnc_sgemm_pack_b_t): only A is packed here.
void nnc_sgemm_packed_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *bp, int n, int k,
                        int accumulate, int row_begin, int row_end, int col_begin, int col_end, float *workspace);
/// C (+)= A·B with B also given packed (`bp`): no per-call packing of B. One-row products
/// use the matrix–vector path on B as stored. Column ranges must start on a 16-column edge.
void nnc_sgemm_prepacked(float *c, int ldc, const float *a, int lda, const float *b, int ldb, const float *bp,
                         int m, int n, int k, int accumulate,
                         int row_begin, int row_end, int col_begin, int col_end, float *workspace);

/// The naive reference twin: three loops, accumulating in double.
void nnc_sgemm_reference(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
                         int m, int n, int k, int accumulate);
void nnc_sgemm_reference_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb,
                           int trans_b, int m, int n, int k, int accumulate);

#ifdef __cplusplus
}
#endif

#endif
