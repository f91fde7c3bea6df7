// Blocked single-precision GEMM (BLIS-style loop order): for each KC-deep slice of K,
// pack B into NR-wide panels and A into MR-tall panels, then sweep a register-blocked
// MR×NR microkernel over the panels. Edge tiles compute into a local tile and copy the
// valid part, so packing pads with zeros and the microkernel never branches.

#include "nnc_kernels.h"
#include <string.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120

void nnc_microkernel_avx2(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate);
void nnc_microkernel_portable(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate);
void nnc_microkernel_avx2_rows(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate);
void nnc_microkernel_rows_portable(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate);
void nnc_gemv_avx2(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);
void nnc_gemv_portable(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);

static int round_up(int x, int to) { return (x + to - 1) / to * to; }

size_t nnc_sgemm_workspace_floats(int m, int n, int k) {
    int kc = k < KC ? k : KC;
    int mc = m < MC ? m : MC;
    size_t blocked = (size_t)round_up(mc, MR) * kc + (size_t)round_up(n, NR) * kc;
    size_t fewColumns = (size_t)round_up(n, MR) * kc + (size_t)NR * kc;
    return blocked > fewColumns ? blocked : fewColumns;
}

// Packs rows [0, mc) × columns [0, kc) of A into MR-tall panels: panel p holds
// A[p*MR + r][q] at ap[p*MR*kc + q*MR + r], zero rows past mc. With `trans`, A is
// stored transposed: A[i][q] = a[q*lda + i].
static void pack_a(float *ap, const float *a, int lda, int mc, int kc, int trans) {
    for (int p = 0; p < mc; p += MR) {
        int rows = mc - p < MR ? mc - p : MR;
        for (int q = 0; q < kc; q++) {
            if (trans) {
                const float *col = a + (size_t)q * lda + p;
                for (int r = 0; r < rows; r++) ap[q * MR + r] = col[r];
            } else {
                for (int r = 0; r < rows; r++) ap[q * MR + r] = a[(size_t)(p + r) * lda + q];
            }
            for (int r = rows; r < MR; r++) ap[q * MR + r] = 0.0f;
        }
        ap += (size_t)MR * kc;
    }
}

// Packs rows [0, kc) × columns [0, nc) of B into NR-wide panels, zero columns past nc.
// With `trans`, B is stored transposed: B[q][j] = b[j*ldb + q].
static void pack_b(float *bp, const float *b, int ldb, int kc, int nc, int trans) {
    for (int p = 0; p < nc; p += NR) {
        int cols = nc - p < NR ? nc - p : NR;
        if (trans) {
            for (int j = 0; j < cols; j++) {
                const float *row = b + (size_t)(p + j) * ldb;
                for (int q = 0; q < kc; q++) bp[q * NR + j] = row[q];
            }
            for (int q = 0; q < kc; q++)
                for (int j = cols; j < NR; j++) bp[q * NR + j] = 0.0f;
            bp += (size_t)NR * kc;
            continue;
        }
        for (int q = 0; q < kc; q++) {
            const float *row = b + (size_t)q * ldb + p;
            if (cols == NR) {
                memcpy(bp + q * NR, row, NR * sizeof(float));
            } else {
                for (int j = 0; j < cols; j++) bp[q * NR + j] = row[j];
                for (int j = cols; j < NR; j++) bp[q * NR + j] = 0.0f;
            }
        }
        bp += (size_t)NR * kc;
    }
}

// Runs the microkernel over an mc × cols block of C from packed A panels (`ap`) and packed
// B panels (`bp`, one NR-wide panel per kc rows). Edge tiles compute into a local tile and
// keep the valid part, so the microkernel never branches.
static void sweep_tiles(float *c, int ldc, const float *ap, const float *bp, int mc, int cols, int kc, int acc,
                        void (*kernel)(int, const float *, const float *, float *, int, int)) {
    float tile[MR * NR];
    for (int jr = 0; jr < cols; jr += NR) {
        int nr = cols - jr < NR ? cols - jr : NR;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *cij = c + (size_t)ir * ldc + jr;
            const float *apanel = ap + (size_t)ir * kc, *bpanel = bp + (size_t)jr * kc;
            if (mr == MR && nr == NR) {
                kernel(kc, apanel, bpanel, cij, ldc, acc);
            } else {
                for (int i = 0; i < mr; i++)
                    for (int j = 0; j < nr; j++) tile[i * NR + j] = acc ? cij[(size_t)i * ldc + j] : 0.0f;
                kernel(kc, apanel, bpanel, tile, NR, 1);
                for (int i = 0; i < mr; i++)
                    for (int j = 0; j < nr; j++) cij[(size_t)i * ldc + j] = tile[i * NR + j];
            }
        }
    }
}

// C with fewer than NR columns (im2col products with few filters): compute Cᵀ = Bᵀ·Aᵀ so
// the microkernel's 16-wide side runs along C's many rows and its 6-tall side along the
// few columns. Bᵀ is packed once per K block as the "A" panels; 16 rows of A at a time
// are packed transposed as the "B" panel; each tile is scattered back into C.
static void sgemm_few_columns(float *c, int ldc, const float *a, int lda, const float *b, int ldb, int k, int accumulate,
                              int row_begin, int row_end, int col_begin, int cols, float *workspace,
                              void (*kernel)(int, const float *, const float *, float *, int, int)) {
    int kcMax = k < KC ? k : KC;
    float *bt = workspace;                                 // round_up(cols, MR) × kc
    float *at = workspace + (size_t)round_up(cols, MR) * kcMax;   // NR × kc
    float tile[MR * NR];
    for (int pc = 0; pc < k; pc += KC) {
        int kc = k - pc < KC ? k - pc : KC;
        int acc = accumulate || pc > 0;
        // Bᵀ panels: bt[p][q*MR + i] = B[pc + q][col_begin + p*MR + i].
        for (int p = 0; p < cols; p += MR) {
            int w = cols - p < MR ? cols - p : MR;
            float *panel = bt + (size_t)p * kc;
            for (int q = 0; q < kc; q++) {
                const float *row = b + (size_t)(pc + q) * ldb + col_begin + p;
                for (int i = 0; i < w; i++) panel[q * MR + i] = row[i];
                for (int i = w; i < MR; i++) panel[q * MR + i] = 0.0f;
            }
        }
        for (int r = row_begin; r < row_end; r += NR) {
            int h = row_end - r < NR ? row_end - r : NR;
            // Aᵀ panel: at[q*NR + j] = A[r + j][pc + q].
            for (int j = 0; j < h; j++) {
                const float *row = a + (size_t)(r + j) * lda + pc;
                for (int q = 0; q < kc; q++) at[q * NR + j] = row[q];
            }
            for (int j = h; j < NR; j++)
                for (int q = 0; q < kc; q++) at[q * NR + j] = 0.0f;
            for (int p = 0; p < cols; p += MR) {
                int w = cols - p < MR ? cols - p : MR;
                kernel(kc, bt + (size_t)p * kc, at, tile, NR, 0);
                for (int j = 0; j < h; j++) {
                    float *crow = c + (size_t)(r + j) * ldc + col_begin + p;
                    for (int i = 0; i < w; i++) crow[i] = (acc ? crow[i] : 0.0f) + tile[i * NR + j];
                }
            }
        }
    }
}

void nnc_sgemm(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
               int m, int n, int k, int accumulate,
               int row_begin, int row_end, int col_begin, int col_end, float *workspace) {
    nnc_sgemm_t(c, ldc, a, lda, 0, b, ldb, 0, m, n, k, accumulate, row_begin, row_end, col_begin, col_end, workspace);
}

void nnc_sgemm_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb, int trans_b,
                 int m, int n, int k, int accumulate,
                 int row_begin, int row_end, int col_begin, int col_end, float *workspace) {
    (void)m;
    (void)n;
    int rows = row_end - row_begin, cols = col_end - col_begin;
    if (rows <= 0 || cols <= 0) return;
    if (k == 0) {
        if (!accumulate)
            for (int i = row_begin; i < row_end; i++) memset(c + (size_t)i * ldc + col_begin, 0, cols * sizeof(float));
        return;
    }
    int avx2 = nnc_active_isa() == NNC_ISA_AVX2_FMA;
    void (*kernel)(int, const float *, const float *, float *, int, int) = avx2 ? nnc_microkernel_avx2 : nnc_microkernel_portable;
    void (*rowsKernel)(int, const float *, int, const float *, float *, int, int) =
        avx2 ? nnc_microkernel_avx2_rows : nnc_microkernel_rows_portable;
    // Batch-1 inference: a matrix–vector product streams B once; packing would only add traffic.
    int plain = !trans_a && !trans_b;
    if (rows == 1 && plain) {
        (avx2 ? nnc_gemv_avx2 : nnc_gemv_portable)(c + (size_t)row_begin * ldc + col_begin, a + (size_t)row_begin * lda,
                                                   b + col_begin, ldb, cols, k, accumulate);
        return;
    }
    if (cols < NR && rows >= 2 * NR && plain) {
        sgemm_few_columns(c, ldc, a, lda, b, ldb, k, accumulate, row_begin, row_end, col_begin, cols, workspace, kernel);
        return;
    }
    // With a single column panel each A panel would be read once: skip packing A and read
    // its rows in place (full 6-row tiles only; edge rows go through the packed path).
    int unpackedA = cols == NR && !trans_a;
    int kcMax = k < KC ? k : KC;
    float *ap = workspace;
    float *bp = workspace + (size_t)round_up(rows < MC ? rows : MC, MR) * kcMax;
    float tile[MR * NR];
    for (int pc = 0; pc < k; pc += KC) {
        int kc = k - pc < KC ? k - pc : KC;
        int acc = accumulate || pc > 0;
        pack_b(bp, trans_b ? b + (size_t)col_begin * ldb + pc : b + (size_t)pc * ldb + col_begin, ldb, kc, cols, trans_b);
        for (int ic = 0; ic < rows; ic += MC) {
            int mc = rows - ic < MC ? rows - ic : MC;
            const float *ablock = trans_a ? a + (size_t)pc * lda + (row_begin + ic) : a + (size_t)(row_begin + ic) * lda + pc;
            if (unpackedA) {
                int full = mc / MR * MR;
                for (int ir = 0; ir < full; ir += MR)
                    rowsKernel(kc, ablock + (size_t)ir * lda, lda, bp, c + (size_t)(row_begin + ic + ir) * ldc + col_begin, ldc, acc);
                if (full == mc) continue;
                // Pack only the leftover rows, into the first panel.
                pack_a(ap, ablock + (size_t)full * lda, lda, mc - full, kc, 0);
                float *cij = c + (size_t)(row_begin + ic + full) * ldc + col_begin;
                int mr = mc - full;
                for (int i = 0; i < mr; i++)
                    for (int j = 0; j < NR; j++) tile[i * NR + j] = acc ? cij[(size_t)i * ldc + j] : 0.0f;
                kernel(kc, ap, bp, tile, NR, 1);
                for (int i = 0; i < mr; i++)
                    for (int j = 0; j < NR; j++) cij[(size_t)i * ldc + j] = tile[i * NR + j];
                continue;
            }
            pack_a(ap, ablock, lda, mc, kc, trans_a);
            sweep_tiles(c + (size_t)(row_begin + ic) * ldc + col_begin, ldc, ap, bp, mc, cols, kc, acc, kernel);
        }
    }
}

size_t nnc_sgemm_packed_b_floats(int n, int k) { return (size_t)round_up(n, NR) * (size_t)k; }

void nnc_sgemm_pack_b(float *bp, const float *b, int ldb, int n, int k) {
    for (int pc = 0; pc < k; pc += KC) {
        int kc = k - pc < KC ? k - pc : KC;
        pack_b(bp + (size_t)round_up(n, NR) * pc, b + (size_t)pc * ldb, ldb, kc, n, 0);
    }
}

void nnc_sgemm_prepacked(float *c, int ldc, const float *a, int lda, const float *b, int ldb, const float *bp,
                         int m, int n, int k, int accumulate,
                         int row_begin, int row_end, int col_begin, int col_end, float *workspace) {
    (void)m;
    int rows = row_end - row_begin, cols = col_end - col_begin;
    if (rows <= 0 || cols <= 0) return;
    // One row, no panels needed: the matrix–vector path streams B as stored; a column
    // range that is not on a panel edge cannot use the panels either.
    if (rows == 1 || k == 0 || col_begin % NR != 0) {
        nnc_sgemm(c, ldc, a, lda, b, ldb, m, n, k, accumulate, row_begin, row_end, col_begin, col_end, workspace);
        return;
    }
    int avx2 = nnc_active_isa() == NNC_ISA_AVX2_FMA;
    void (*kernel)(int, const float *, const float *, float *, int, int) = avx2 ? nnc_microkernel_avx2 : nnc_microkernel_portable;
    float *ap = workspace;
    size_t stride = (size_t)round_up(n, NR);
    for (int pc = 0; pc < k; pc += KC) {
        int kc = k - pc < KC ? k - pc : KC;
        int acc = accumulate || pc > 0;
        const float *block = bp + stride * pc + (size_t)col_begin * kc;
        for (int ic = 0; ic < rows; ic += MC) {
            int mc = rows - ic < MC ? rows - ic : MC;
            pack_a(ap, a + (size_t)(row_begin + ic) * lda + pc, lda, mc, kc, 0);
            sweep_tiles(c + (size_t)(row_begin + ic) * ldc + col_begin, ldc, ap, block, mc, cols, kc, acc, kernel);
        }
    }
}

void nnc_sgemm_reference(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
                         int m, int n, int k, int accumulate) {
    nnc_sgemm_reference_t(c, ldc, a, lda, 0, b, ldb, 0, m, n, k, accumulate);
}

void nnc_sgemm_reference_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb,
                           int trans_b, int m, int n, int k, int accumulate) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double sum = accumulate ? c[(size_t)i * ldc + j] : 0.0;
            for (int q = 0; q < k; q++) {
                float x = trans_a ? a[(size_t)q * lda + i] : a[(size_t)i * lda + q];
                float y = trans_b ? b[(size_t)j * ldb + q] : b[(size_t)q * ldb + j];
                sum += (double)x * y;
            }
            c[(size_t)i * ldc + j] = (float)sum;
        }
    }
}
