// Blocked single-precision GEMM (BLIS-style loop order): for each KC-deep slice of K,
// pack B into NR-wide panels and A into MR-tall panels, then sweep a register-blocked
// MR×NR microkernel over the panels. Edge tiles compute into a local tile and copy the
// valid part, so packing pads with zeros and the microkernel never branches. With AVX-512 the
// tiles are 12×32 (two panels of each), edge tiles have a masked kernel of their own, a part
// of at most B_IN_PLACE_ROWS rows reads B in place rather than packing it, and a part of at
// most A_IN_PLACE_COLS columns reads A in place.
//
// K is cut into blocks of equal depth (at most KC) and a part's rows into blocks of equal
// height (at most MC, whole tiles): a thin last block would pay C's loads and stores, or a
// pass over B, for few multiply-adds. Threads split C and pack their own panels: sharing one
// packed B between cores measured slower (see Split in GEMM.swift). Weights packed once for
// inference (nnc_sgemm_pack_b) are shared read-only by nnc_sgemm_prepacked.

#include "nnc_kernels.h"
#include <stdint.h>
#include <string.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 168
// A part with at most this many rows (one or two row blocks) reads B in place under AVX-512,
// rows of a K block prefetched 16 ahead, instead of packing it: packing reads and writes all
// of B once more for few row tiles that reuse it. Measured in one process against packing, on
// a Xeon with two 512-bit FMA units: 12–36 rows 1.3–2.4×, 28×1792·1792×512 (an LSTM's
// input-kernel gradient) 1.5×, 64–128 rows 1.06–1.3× (power-of-two row strides included),
// 256 rows 1.03–1.05×; 784 rows even, 1024 rows 0.97×, 1792×28·28×512 0.9×.
#define B_IN_PLACE_ROWS 256
// A part at most this many columns wide reads A's rows in place under AVX-512 rather than
// packing them (when A is not transposed): a packed A block serves only cols / 32 column
// strips, too few to repay packing (a tenth of 256×784·784×128). C harness at -O2, one
// thread, packing and in place alternating 41 times per shape, ratio of medians, 3–8 runs:
// 16 columns 1.2–1.6×, 64 1.24–1.26×, 120–128 1.05–1.15×, 256 0.96–1.10×, 500–512 mostly
// 1.00–1.06× with single runs at 0.91–0.95× (784×128·128×500, 512³, 256×784·784×500: a spell
// of the host's slow state, which hits the in-place reads harder); 1024³, packed either way,
// 0.99–1.02×.
#define A_IN_PLACE_COLS 512

void nnc_microkernel_avx2(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate);
void nnc_microkernel_avx512(int kc, const float *ap, const float *bp, int bstep, int bsecond, float *c, int ldc,
                            int accumulate);
void nnc_microkernel_avx512_rows(int kc, const float *a, int lda, const float *bp, int bstep, int bsecond, float *c,
                                 int ldc, int accumulate);
void nnc_microkernel_avx512_edge(int kc, const float *a, int lda, int rows, const float *bp, int bstep, int bsecond,
                                 int cols, float *c, int ldc, int accumulate);
void nnc_microkernel_portable(int kc, const float *ap, const float *bp, float *c, int ldc, int accumulate);
void nnc_microkernel_avx2_rows(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate);
void nnc_microkernel_rows_portable(int kc, const float *a, int lda, const float *bp, float *c, int ldc, int accumulate);
void nnc_gemv_avx2(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);
void nnc_gemv_avx512(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);
void nnc_gemv_portable(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate);

typedef void (*microkernel)(int, const float *, const float *, float *, int, int);

static int round_up(int x, int to) { return (x + to - 1) / to * to; }

// The first 64-byte boundary at or after p: B panels start on cache lines, so each step's
// two vector loads read exactly one line. Workspace sizes include the 16 floats of slack.
static float *align64(float *p) { return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

static int epilogue_avx2(float *c, int ldc, int rows, int cols, const float *bias, nnc_activation act);

// C = act(C + bias) over a rows × cols block of C (bias already at the block's first column):
// the epilogue of a finished tile, applied while it is in L1. Per element the arithmetic of a
// separate pass over C. This file is compiled for the baseline instruction set, so the common
// epilogues (bias, ReLU) have an AVX2 twin: the baseline loop halved the speed of a k = 28
// product (an LSTM's input projection), whose tiles are short of multiply-adds.
static void apply_epilogue(float *c, int ldc, int rows, int cols, const float *bias, const nnc_epilogue *ep) {
    if (epilogue_avx2(c, ldc, rows, cols, bias, ep->act)) return;
    for (int i = 0; i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        if (bias)
            for (int j = 0; j < cols; j++) row[j] += bias[j];
        if (ep->act != NNC_ACT_LINEAR) nnc_activation_forward(row, row, (size_t)cols, ep->act, ep->param);
    }
}

// The epilogue of a part whose columns start at `col`: NULL when there is nothing to apply.
static const nnc_epilogue *part_epilogue(nnc_epilogue *local, const nnc_epilogue *ep, int col) {
    if (!ep || (!ep->bias && ep->act == NNC_ACT_LINEAR)) return NULL;
    *local = *ep;
    if (local->bias) local->bias += col;
    return local;
}

// Depth of every K block but possibly a shallower last one: ceil(k / blocks), blocks = ceil(k / KC).
static int kc_step(int k) {
    int blocks = (k + KC - 1) / KC;
    return blocks ? (k + blocks - 1) / blocks : 0;
}

// Height of the row blocks of a part with `rows` rows: whole tiles, at most MC, nearly equal.
static int mc_step(int rows) {
    int blocks = (rows + MC - 1) / MC;
    return blocks ? round_up((rows + blocks - 1) / blocks, MR) : 0;
}

// Whether a part `cols` wide reads A in place (A_IN_PLACE_COLS).
static int a_in_place(int trans_a, int cols) {
    return !trans_a && cols <= A_IN_PLACE_COLS && nnc_active_isa() == NNC_ISA_AVX512;
}

static microkernel active_kernel(void) {
    return nnc_has_avx2() ? nnc_microkernel_avx2 : nnc_microkernel_portable;
}

// Rows of packed A any part of an m-row product needs (mc_step of any row count up to m).
static int mc_max(int m) { return round_up(m, MR) < MC ? round_up(m, MR) : MC; }

size_t nnc_sgemm_workspace_floats(int m, int n, int k) {
    int kc = kc_step(k);
    int mc = mc_max(m);
    size_t blocked = (size_t)mc * kc + (size_t)round_up(n, NR) * kc;
    size_t fewColumns = (size_t)round_up(n, MR) * kc + (size_t)NR * kc;
    return (blocked > fewColumns ? blocked : fewColumns) + 32;
}

size_t nnc_sgemm_packed_a_floats(int m, int k) { return (size_t)mc_max(m) * kc_step(k); }

#if defined(__x86_64__) || defined(__i386__)
#include "simd.h"

// One full A panel (6 rows), 8 columns at a time as a 6×8 → 8×6 transpose; returns the
// columns done. Each 8-lane store spills 2 floats into the next column's slot, written after
// it; the panel's very last store is exact.
NNC_AVX2 static int pack_a_panel_avx2(float *ap, const float *a, int lda, int kc) {
    const float *r0 = a, *r1 = a + lda, *r2 = a + 2 * (size_t)lda, *r3 = a + 3 * (size_t)lda;
    const float *r4 = a + 4 * (size_t)lda, *r5 = a + 5 * (size_t)lda;
    int q = 0;
    for (; q + 8 <= kc; q += 8) {
        __m256 z = _mm256_setzero_ps();
        __m256 m[8] = {_mm256_loadu_ps(r0 + q), _mm256_loadu_ps(r1 + q), _mm256_loadu_ps(r2 + q),
                       _mm256_loadu_ps(r3 + q), _mm256_loadu_ps(r4 + q), _mm256_loadu_ps(r5 + q), z, z};
        nnc_transpose8(m);
        float *dst = ap + (size_t)q * MR;
        for (int x = 0; x < 7; x++) _mm256_storeu_ps(dst + x * MR, m[x]);
        if (q + 8 < kc) {
            _mm256_storeu_ps(dst + 7 * MR, m[7]);
        } else {
            float last[8];
            _mm256_storeu_ps(last, m[7]);
            memcpy(dst + 7 * MR, last, MR * sizeof(float));
        }
    }
    return q;
}

// One full transposed A panel: column q's 6 floats are contiguous at col[q·lda]. 8-lane
// copies read at most into the next stored row (lda ≥ 8), so the last column is left to the
// caller; each spills into the next slot, written after. Returns columns done.
NNC_AVX2 static int pack_a_panel_t_avx2(float *ap, const float *col, int lda, int kc) {
    if (lda < 8) return 0;
    int q = 0;
    for (; q + 1 < kc; q++) _mm256_storeu_ps(ap + (size_t)q * MR, _mm256_loadu_ps(col + (size_t)q * lda));
    return q;
}

// One full transposed B panel (16 columns = 16 rows of b), 8 rows of B at a time as two
// 8×8 transposes; returns the rows done.
NNC_AVX2 static int pack_b_panel_t_avx2(float *bp, const float *b, int ldb, int kc) {
    int q = 0;
    for (; q + 8 <= kc; q += 8)
        for (int half = 0; half < 2; half++) {
            __m256 m[8];
            for (int j = 0; j < 8; j++) m[j] = _mm256_loadu_ps(b + (size_t)(half * 8 + j) * ldb + q);
            nnc_transpose8(m);
            for (int x = 0; x < 8; x++) _mm256_storeu_ps(bp + (size_t)(q + x) * NR + half * 8, m[x]);
        }
    return q;
}

// C rows j < h (+)= column j of the 6×16 tile (its first w values), 8 floats per row read
// and written whole (lanes past w rewritten unchanged) while they stay before `end`, the
// part's last row + 1 (no other thread writes below it). Returns the rows done.
NNC_AVX2 static int store_transposed_avx2(float *c, int ldc, const float *tile, int h, int w, int acc, const float *end) {
    __m256 z = _mm256_setzero_ps();
    __m256 lo[8] = {_mm256_loadu_ps(tile), _mm256_loadu_ps(tile + 16), _mm256_loadu_ps(tile + 32), _mm256_loadu_ps(tile + 48),
                    _mm256_loadu_ps(tile + 64), _mm256_loadu_ps(tile + 80), z, z};
    __m256 hi[8] = {_mm256_loadu_ps(tile + 8), _mm256_loadu_ps(tile + 24), _mm256_loadu_ps(tile + 40), _mm256_loadu_ps(tile + 56),
                    _mm256_loadu_ps(tile + 72), _mm256_loadu_ps(tile + 88), z, z};
    nnc_transpose8(lo);
    nnc_transpose8(hi);
    __m256 valid = _mm256_castsi256_ps(nnc_lanes(w));
    int j = 0;
    for (; j < h; j++) {
        float *crow = c + (size_t)j * ldc;
        if (crow + 8 > end) break;
        __m256 old = _mm256_loadu_ps(crow), t = j < 8 ? lo[j] : hi[j - 8];
        __m256 sum = acc ? _mm256_add_ps(old, t) : t;
        _mm256_storeu_ps(crow, _mm256_blendv_ps(old, sum, valid));
    }
    return j;
}

static int use_avx2(void) { return nnc_has_avx2(); }

// C = act(C + bias) for the linear and ReLU activations, 8 columns at a time; returns 0 when
// it does not apply. max(x, 0) is x > 0 ? x : 0 for every x, NaN and −0 included (vmaxps
// returns its second operand when the first is NaN or both are zeros).
NNC_AVX2 static int epilogue_avx2_rows(float *c, int ldc, int rows, int cols, const float *bias, int relu) {
    __m256 zero = _mm256_setzero_ps();
    for (int i = 0; i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        int j = 0;
        for (; j + 8 <= cols; j += 8) {
            __m256 x = _mm256_loadu_ps(row + j);
            if (bias) x = _mm256_add_ps(x, _mm256_loadu_ps(bias + j));
            if (relu) x = _mm256_max_ps(x, zero);
            _mm256_storeu_ps(row + j, x);
        }
        for (; j < cols; j++) {
            float x = bias ? row[j] + bias[j] : row[j];
            row[j] = relu ? (x > 0 ? x : 0.0f) : x;
        }
    }
    return 1;
}

// Up to P 16-column panels of one K block (kc deep) against x: acc (2 ymm per panel) =
// acc (0 when `fresh`) + x[q]·panel row q, q in order, one FMA per step per element.
NNC_AVX2 static inline __attribute__((always_inline)) void gemv_panels(const int P, float *acc, int fresh,
                                                                        const float *x, const float *panel, int kc) {
    __m256 v[8];
    for (int i = 0; i < 2 * P; i++) v[i] = fresh ? _mm256_setzero_ps() : _mm256_loadu_ps(acc + 8 * i);
    for (int q = 0; q < kc; q++) {
        __m256 xq = _mm256_broadcast_ss(x + q);
        for (int p = 0; p < P; p++) {
            const float *row = panel + (size_t)p * NR * kc + q * NR;
            v[2 * p] = _mm256_fmadd_ps(xq, _mm256_loadu_ps(row), v[2 * p]);
            v[2 * p + 1] = _mm256_fmadd_ps(xq, _mm256_loadu_ps(row + 8), v[2 * p + 1]);
        }
    }
    for (int i = 0; i < 2 * P; i++) _mm256_storeu_ps(acc + 8 * i, v[i]);
}

// y[cols] (+)= x[k]·B for one row against weights packed by nnc_sgemm_pack_b (`stride` the
// packed width, columns from col_begin, a panel edge): each part of a split product streams
// its own panels, which lie together in memory, where the rows of B as stored interleave
// every part's columns. From its own panels each core keeps its share in its L2 from one
// call to the next; from stored rows it did not (most likely each core's prefetchers pull
// in the other's lines; this host has no performance counters to show it): 784-500-500 at
// batch 1, two threads, C harness 38–46 µs per sample from stored rows, 17–24 from panels.
// Four panels at a time; every element summed as nnc_gemv_avx2 sums it (q in order, one FMA
// per step), so packed and stored weights give the same bits.
NNC_AVX2 static void gemv_packed_avx2(float *y, const float *x, const float *bp, size_t stride, int col_begin,
                                      int cols, int k, int accumulate) {
    int step = kc_step(k);
    float group[4 * NR] = {0};  // a short group's copy of y (lanes past it stay finite)
    for (int pc = 0; pc < k; pc += step) {
        int kc = k - pc < step ? k - pc : step;
        const float *block = bp + stride * pc + (size_t)col_begin * kc;
        int fresh = pc == 0 && !accumulate;
        for (int j = 0; j < cols; j += 4 * NR) {
            int w = cols - j < 4 * NR ? cols - j : 4 * NR, panels = (w + NR - 1) / NR;
            int short_group = w < 4 * NR;
            float *acc = short_group ? group : y + j;
            if (short_group && !fresh) memcpy(group, y + j, sizeof(float) * w);
            const float *panel = block + (size_t)j * kc;
            switch (panels) {
                case 4: gemv_panels(4, acc, fresh, x + pc, panel, kc); break;
                case 3: gemv_panels(3, acc, fresh, x + pc, panel, kc); break;
                case 2: gemv_panels(2, acc, fresh, x + pc, panel, kc); break;
                default: gemv_panels(1, acc, fresh, x + pc, panel, kc); break;
            }
            if (short_group) memcpy(y + j, group, sizeof(float) * w);
        }
    }
}

static int epilogue_avx2(float *c, int ldc, int rows, int cols, const float *bias, nnc_activation act) {
    if (!use_avx2() || (act != NNC_ACT_LINEAR && act != NNC_ACT_RELU)) return 0;
    return epilogue_avx2_rows(c, ldc, rows, cols, bias, act == NNC_ACT_RELU);
}
#else
static void gemv_packed_avx2(float *y, const float *x, const float *bp, size_t stride, int col_begin, int cols, int k,
                             int accumulate) {}
static int epilogue_avx2(float *c, int ldc, int rows, int cols, const float *bias, nnc_activation act) { return 0; }
static int store_transposed_avx2(float *c, int ldc, const float *tile, int h, int w, int acc, const float *end) { return 0; }
static int pack_a_panel_avx2(float *ap, const float *a, int lda, int kc) { return 0; }
static int pack_a_panel_t_avx2(float *ap, const float *col, int lda, int kc) { return 0; }
static int pack_b_panel_t_avx2(float *bp, const float *b, int ldb, int kc) { return 0; }
static int use_avx2(void) { return 0; }
#endif

// Packs rows [0, mc) × columns [0, kc) of A into MR-tall panels: panel p holds
// A[p*MR + r][q] at ap[p*MR*kc + q*MR + r], zero rows past mc. With `trans`, A is
// stored transposed: A[i][q] = a[q*lda + i] (`lda` floats per stored row, from a's start).
static void pack_a(float *ap, const float *a, int lda, int mc, int kc, int trans) {
    int avx2 = use_avx2();
    for (int p = 0; p < mc; p += MR) {
        int rows = mc - p < MR ? mc - p : MR;
        int q = 0;
        if (avx2 && rows == MR)
            q = trans ? pack_a_panel_t_avx2(ap, a + p, lda, kc) : pack_a_panel_avx2(ap, a + (size_t)p * lda, lda, kc);
        for (; q < kc; q++) {
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
    if (!trans) {
        // The full panels row by row: each row of B is read once, front to back, which the
        // prefetcher follows; panel by panel would read one line from each of kc rows per
        // panel, too many streams to prefetch. Then the zero-padded edge panel, if any.
        int full = nc / NR;
        for (int q = 0; q < kc; q++) {
            const float *row = b + (size_t)q * ldb;
            for (int f = 0; f < full; f++) memcpy(bp + (size_t)f * NR * kc + q * NR, row + f * NR, NR * sizeof(float));
        }
        bp += (size_t)full * NR * kc;
        int p = full * NR, cols = nc - p;
        if (cols == 0) return;
        for (int q = 0; q < kc; q++) {
            const float *row = b + (size_t)q * ldb + p;
            for (int j = 0; j < cols; j++) bp[q * NR + j] = row[j];
            for (int j = cols; j < NR; j++) bp[q * NR + j] = 0.0f;
        }
        return;
    }
    int avx2 = use_avx2();
    for (int p = 0; p < nc; p += NR) {
        int cols = nc - p < NR ? nc - p : NR;
        int done = avx2 && cols == NR ? pack_b_panel_t_avx2(bp, b + (size_t)p * ldb, ldb, kc) : 0;
        for (int j = 0; j < cols; j++) {
            const float *row = b + (size_t)(p + j) * ldb;
            for (int q = done; q < kc; q++) bp[q * NR + j] = row[q];
        }
        for (int q = done; q < kc; q++)
            for (int j = cols; j < NR; j++) bp[q * NR + j] = 0.0f;
        bp += (size_t)NR * kc;
    }
}

// Runs the AVX-512 kernels over an mc × cols block of C: 12×32 tiles (two A panels by two B
// panels), and the edge kernel for the last rows and columns of the block, in zmm registers
// with masked stores (the 6×16 AVX2 tiles there took a fifth of a 128-row product's time).
// A is packed panels (`lda` 0) or rows read in place, `lda` floats apart. B is packed panels
// (`ldb` 0) or read in place, row q of the block at b + q·ldb.
static void sweep_tiles_avx512(float *c, int ldc, const float *a, int lda, const float *b, int ldb, int mc, int cols,
                               int kc, int acc, const nnc_epilogue *ep) {
    int bstep = ldb ? ldb : NR, column = ldb ? 1 : kc;  // floats to B's next row, and to its next column
    size_t row = lda ? (size_t)lda : (size_t)kc;         // floats to A's next row (in place or within panels)
    for (int jr = 0; jr < cols; jr += 2 * NR) {
        int w = cols - jr < 2 * NR ? cols - jr : 2 * NR;
        const float *bpanels = b + (size_t)jr * column;
        for (int ir = 0; ir < mc; ir += 2 * MR) {
            int h = mc - ir < 2 * MR ? mc - ir : 2 * MR;
            float *cij = c + (size_t)ir * ldc + jr;
            const float *atile = a + ir * row;
            if (h == 2 * MR && w == 2 * NR) {
                if (lda)
                    nnc_microkernel_avx512_rows(kc, atile, lda, bpanels, bstep, NR * column, cij, ldc, acc);
                else
                    nnc_microkernel_avx512(kc, atile, bpanels, bstep, NR * column, cij, ldc, acc);
            } else {
                nnc_microkernel_avx512_edge(kc, atile, lda, h, bpanels, bstep, NR * column, w, cij, ldc, acc);
            }
            if (ep) apply_epilogue(cij, ldc, h, w, ep->bias ? ep->bias + jr : NULL, ep);
        }
    }
}

// Runs the microkernel over an mc × cols block of C from packed A panels (`ap`) and packed
// B panels (`bp`, one NR-wide panel per kc rows). Edge tiles compute into a local tile and
// keep the valid part, so the microkernel never branches.
static void sweep_tiles(float *c, int ldc, const float *ap, const float *bp, int mc, int cols, int kc, int acc,
                        void (*kernel)(int, const float *, const float *, float *, int, int), const nnc_epilogue *ep) {
    if (nnc_active_isa() == NNC_ISA_AVX512 && kernel == nnc_microkernel_avx2) {
        sweep_tiles_avx512(c, ldc, ap, 0, bp, 0, mc, cols, kc, acc, ep);
        return;
    }
    float tile[MR * NR];
    for (int j = 0; j < cols; j += NR) {
        int nr = cols - j < NR ? cols - j : NR;
        const float *bpanel = bp + (size_t)j * kc;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *cij = c + (size_t)ir * ldc + j;
            const float *apanel = ap + (size_t)ir * kc;
            if (mr == MR && nr == NR) {
                kernel(kc, apanel, bpanel, cij, ldc, acc);
            } else {
                for (int i = 0; i < mr; i++)
                    for (int q = 0; q < nr; q++) tile[i * NR + q] = acc ? cij[(size_t)i * ldc + q] : 0.0f;
                kernel(kc, apanel, bpanel, tile, NR, 1);
                for (int i = 0; i < mr; i++)
                    for (int q = 0; q < nr; q++) cij[(size_t)i * ldc + q] = tile[i * NR + q];
            }
            if (ep) apply_epilogue(cij, ldc, mr, nr, ep->bias ? ep->bias + j : NULL, ep);
        }
    }
}

// C with fewer than NR columns (im2col products with few filters, a classifier's logits)
// without AVX-512: compute Cᵀ = Bᵀ·Aᵀ so the microkernel's 16-wide side runs along C's many
// rows and its 6-tall side along the few columns. Bᵀ is packed once per K block as the "A"
// panels; 16 rows of A at a time are packed transposed as the "B" panel; each tile is
// scattered back into C.
static void sgemm_few_columns(float *c, int ldc, const float *a, int lda, const float *b, int ldb, int k, int accumulate,
                              int row_begin, int row_end, int col_begin, int cols, float *workspace,
                              void (*kernel)(int, const float *, const float *, float *, int, int), const nnc_epilogue *ep) {
    int step = kc_step(k);
    float *bt = workspace;                                 // round_up(cols, MR) × kc
    float *at = align64(workspace + (size_t)round_up(cols, MR) * step);   // NR × kc
    float tile[MR * NR];
    for (int pc = 0; pc < k; pc += step) {
        int kc = k - pc < step ? k - pc : step;
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
        const float *end = c + (size_t)row_end * ldc;  // the first row past the part
        for (int r = row_begin; r < row_end; r += NR) {
            int h = row_end - r < NR ? row_end - r : NR;
            // Aᵀ panel: at[q*NR + j] = A[r + j][pc + q], B's transposed panel layout.
            pack_b(at, a + (size_t)r * lda + pc, lda, kc, h, 1);
            for (int p = 0; p < cols; p += MR) {
                int w = cols - p < MR ? cols - p : MR;
                kernel(kc, bt + (size_t)p * kc, at, tile, NR, 0);
                int j = use_avx2() ? store_transposed_avx2(c + (size_t)r * ldc + col_begin + p, ldc, tile, h, w, acc, end) : 0;
                for (; j < h; j++) {
                    float *crow = c + (size_t)(r + j) * ldc + col_begin + p;
                    for (int i = 0; i < w; i++) crow[i] = (acc ? crow[i] : 0.0f) + tile[i * NR + j];
                }
            }
            if (ep && pc + kc == k) apply_epilogue(c + (size_t)r * ldc + col_begin, ldc, h, cols, ep->bias, ep);
        }
    }
}

void nnc_sgemm(float *c, int ldc, const float *a, int lda, const float *b, int ldb,
               int m, int n, int k, int accumulate,
               int row_begin, int row_end, int col_begin, int col_end, float *workspace) {
    nnc_sgemm_t(c, ldc, a, lda, 0, b, ldb, 0, m, n, k, accumulate, row_begin, row_end, col_begin, col_end, workspace, NULL);
}

// C = 0 over the part (k = 0 without accumulation).
static void clear_part(float *c, int ldc, int row_begin, int row_end, int col_begin, int cols) {
    for (int i = row_begin; i < row_end; i++) memset(c + (size_t)i * ldc + col_begin, 0, cols * sizeof(float));
}

// Rows [ic, ic + mc) of the part against packed B block `bp` (kc deep, `cols` wide): A read
// in place by the AVX-512 kernels (A_IN_PLACE_COLS), or by the AVX2 rows microkernel when C
// has one column panel (each A panel would be read once, so packing it would cost as much as
// the arithmetic), else packed into `ap`.
static void block_rows(float *c, int ldc, const float *ablock, int lda, int trans_a, const float *bp, float *ap,
                       int mc, int cols, int kc, int acc, microkernel kernel, const nnc_epilogue *ep) {
    if (kernel == nnc_microkernel_avx2 && a_in_place(trans_a, cols)) {
        sweep_tiles_avx512(c, ldc, ablock, lda, bp, 0, mc, cols, kc, acc, ep);
        return;
    }
    int full = 0;
    if (cols == NR && !trans_a) {
        void (*rows)(int, const float *, int, const float *, float *, int, int) =
            kernel == nnc_microkernel_avx2 ? nnc_microkernel_avx2_rows : nnc_microkernel_rows_portable;
        full = mc / MR * MR;
        for (int ir = 0; ir < full; ir += MR) {
            float *cij = c + (size_t)ir * ldc;
            rows(kc, ablock + (size_t)ir * lda, lda, bp, cij, ldc, acc);
            if (ep) apply_epilogue(cij, ldc, MR, NR, ep->bias, ep);
        }
        if (full == mc) return;
    }
    // The rest (all of it, or the leftover rows after the in-place tiles) is packed.
    pack_a(ap, trans_a ? ablock + full : ablock + (size_t)full * lda, lda, mc - full, kc, trans_a);
    sweep_tiles(c + (size_t)full * ldc, ldc, ap, bp, mc - full, cols, kc, acc, kernel, ep);
}

void nnc_sgemm_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *b, int ldb, int trans_b,
                 int m, int n, int k, int accumulate,
                 int row_begin, int row_end, int col_begin, int col_end, float *workspace, const nnc_epilogue *ep) {
    (void)n;
    int rows = row_end - row_begin, cols = col_end - col_begin;
    if (rows <= 0 || cols <= 0) return;
    nnc_epilogue local;
    ep = part_epilogue(&local, ep, col_begin);
    if (k == 0) {
        if (!accumulate) clear_part(c, ldc, row_begin, row_end, col_begin, cols);
        if (ep) apply_epilogue(c + (size_t)row_begin * ldc + col_begin, ldc, rows, cols, ep->bias, ep);
        return;
    }
    microkernel kernel = active_kernel();
    // Batch-1 inference: a matrix–vector product streams B once; packing would only add traffic.
    int plain = !trans_a && !trans_b;
    if (rows == 1 && plain) {
        float *crow = c + (size_t)row_begin * ldc + col_begin;
        nnc_sgemv(crow, a + (size_t)row_begin * lda, b + col_begin, ldb, cols, k, accumulate);
        if (ep) apply_epilogue(crow, ldc, 1, cols, ep->bias, ep);
        return;
    }
    // Fewer columns than a panel under AVX2 or portable: Cᵀ = Bᵀ·Aᵀ. AVX-512's masked edge
    // kernel reads A's rows in place instead, one 12-row tile at a time: 1.2–2× faster (C
    // harness, one thread, three alternating runs on an AMD EPYC with AVX-512: 128×500·500×10
    // 76 → 127 GFLOP/s, 50176×25·25×6 37 → 72, 6400×150·150×6 70 → 82), the same sums.
    if (cols < NR && rows >= 2 * NR && plain && nnc_active_isa() != NNC_ISA_AVX512) {
        sgemm_few_columns(c, ldc, a, lda, b, ldb, k, accumulate, row_begin, row_end, col_begin, cols, workspace, kernel, ep);
        return;
    }
    int step = kc_step(k), mstep = mc_step(rows);
    float *ap = workspace;
    // Few row tiles use each B panel: the AVX-512 kernels read B in place (B_IN_PLACE_ROWS; the
    // same K blocks, so the same sums).
    int in_place = rows <= B_IN_PLACE_ROWS && !trans_b && nnc_active_isa() == NNC_ISA_AVX512;
    float *bp = align64(workspace + (size_t)mc_max(m) * step);
    for (int pc = 0; pc < k; pc += step) {
        int kc = k - pc < step ? k - pc : step;
        int acc = accumulate || pc > 0;
        const float *bblock = trans_b ? b + (size_t)col_begin * ldb + pc : b + (size_t)pc * ldb + col_begin;
        if (!in_place) pack_b(bp, bblock, ldb, kc, cols, trans_b);
        for (int ic = 0; ic < rows; ic += mstep) {
            int mc = rows - ic < mstep ? rows - ic : mstep;
            int i = row_begin + ic;
            const float *ablock = trans_a ? a + (size_t)pc * lda + i : a + (size_t)i * lda + pc;
            float *cblock = c + (size_t)i * ldc + col_begin;
            const nnc_epilogue *last = pc + kc == k ? ep : NULL;
            if (in_place && a_in_place(trans_a, cols)) {
                sweep_tiles_avx512(cblock, ldc, ablock, lda, bblock, ldb, mc, cols, kc, acc, last);
            } else if (in_place) {
                pack_a(ap, ablock, lda, mc, kc, trans_a);
                sweep_tiles_avx512(cblock, ldc, ap, 0, bblock, ldb, mc, cols, kc, acc, last);
            } else {
                block_rows(cblock, ldc, ablock, lda, trans_a, bp, ap, mc, cols, kc, acc, kernel, last);
            }
        }
    }
}

size_t nnc_sgemm_packed_b_floats(int n, int k) { return (size_t)round_up(n, NR) * (size_t)k; }

void nnc_sgemm_pack_b_t(float *bp, const float *b, int ldb, int trans_b, int n, int k, int col_begin, int col_end) {
    int step = kc_step(k);
    size_t stride = (size_t)round_up(n, NR);
    for (int pc = 0; pc < k; pc += step) {
        int kc = k - pc < step ? k - pc : step;
        const float *src = trans_b ? b + (size_t)col_begin * ldb + pc : b + (size_t)pc * ldb + col_begin;
        pack_b(bp + stride * pc + (size_t)col_begin * kc, src, ldb, kc, col_end - col_begin, trans_b);
    }
}

void nnc_sgemm_pack_b(float *bp, const float *b, int ldb, int n, int k) { nnc_sgemm_pack_b_t(bp, b, ldb, 0, n, k, 0, n); }

void nnc_sgemm_packed_t(float *c, int ldc, const float *a, int lda, int trans_a, const float *bp, int n, int k,
                        int accumulate, int row_begin, int row_end, int col_begin, int col_end, float *workspace,
                        const nnc_epilogue *ep) {
    int rows = row_end - row_begin, cols = col_end - col_begin;
    if (rows <= 0 || cols <= 0) return;
    nnc_epilogue local;
    ep = part_epilogue(&local, ep, col_begin);
    if (k == 0) {
        if (!accumulate) clear_part(c, ldc, row_begin, row_end, col_begin, cols);
        if (ep) apply_epilogue(c + (size_t)row_begin * ldc + col_begin, ldc, rows, cols, ep->bias, ep);
        return;
    }
    microkernel kernel = active_kernel();
    size_t stride = (size_t)round_up(n, NR);
    int step = kc_step(k), mstep = mc_step(rows);
    for (int pc = 0; pc < k; pc += step) {
        int kc = k - pc < step ? k - pc : step;
        int acc = accumulate || pc > 0;
        const float *block = bp + stride * pc + (size_t)col_begin * kc;
        for (int ic = 0; ic < rows; ic += mstep) {
            int mc = rows - ic < mstep ? rows - ic : mstep;
            int i = row_begin + ic;
            const float *ablock = trans_a ? a + (size_t)pc * lda + i : a + (size_t)i * lda + pc;
            block_rows(c + (size_t)i * ldc + col_begin, ldc, ablock, lda, trans_a, block, workspace, mc, cols, kc, acc, kernel,
                       pc + kc == k ? ep : NULL);
        }
    }
}

void nnc_sgemm_prepacked(float *c, int ldc, const float *a, int lda, const float *b, int ldb, const float *bp,
                         int m, int n, int k, int accumulate,
                         int row_begin, int row_end, int col_begin, int col_end, float *workspace, const nnc_epilogue *ep) {
    // One row streams its panels (gemv_packed_avx2): a part of a split product its own, so
    // each core keeps its share in its L2; a whole product from L2 1.1–2.2× faster than
    // rows of B as stored (one thread, C harness, the bundled models' one-row shapes: the
    // 16-column panels need no load and store of y per step), a tie streamed from L3.
    // Without AVX2, or off a panel edge, B as stored.
    int one_row = row_end - row_begin == 1;
    if (one_row && k > 0 && col_begin % NR == 0 && use_avx2() && col_end > col_begin) {
        nnc_epilogue local;
        ep = part_epilogue(&local, ep, col_begin);
        float *crow = c + (size_t)row_begin * ldc + col_begin;
        gemv_packed_avx2(crow, a + (size_t)row_begin * lda, bp, (size_t)round_up(n, NR), col_begin, col_end - col_begin,
                         k, accumulate);
        if (ep) apply_epilogue(crow, ldc, 1, col_end - col_begin, ep->bias, ep);
        return;
    }
    if (one_row || k == 0 || col_begin % NR != 0) {
        nnc_sgemm_t(c, ldc, a, lda, 0, b, ldb, 0, m, n, k, accumulate, row_begin, row_end, col_begin, col_end, workspace, ep);
        return;
    }
    nnc_sgemm_packed_t(c, ldc, a, lda, 0, bp, n, k, accumulate, row_begin, row_end, col_begin, col_end, workspace, ep);
}

void nnc_sgemv(float *y, const float *x, const float *b, int ldb, int n, int k, int accumulate) {
    if (nnc_active_isa() == NNC_ISA_AVX512) nnc_gemv_avx512(y, x, b, ldb, n, k, accumulate);
    else (nnc_has_avx2() ? nnc_gemv_avx2 : nnc_gemv_portable)(y, x, b, ldb, n, k, accumulate);
}

void nnc_sgemv_sum_parts(float *y, const float *partials, size_t stride, int count, int n, const nnc_epilogue *ep) {
    for (int p = 0; p < count; p++) {
        const float *part = partials + stride * (size_t)p;
        for (int j = 0; j < n; j++) y[j] += part[j];
    }
    nnc_epilogue local;
    ep = part_epilogue(&local, ep, 0);
    if (ep) apply_epilogue(y, n, 1, n, ep->bias, ep);
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
