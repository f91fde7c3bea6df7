#include "nnc_kernels.h"
#include <math.h>
#include <string.h>

size_t nnc_head_product_workspace_floats(const nnc_head_product *p) {
    return nnc_sgemm_workspace_floats(p->m, p->n, p->k);
}

void nnc_head_products(float *c, const float *a, const float *b, const nnc_head_product *p, int pair_begin,
                       int pair_end, float *workspace) {
    for (int pair = pair_begin; pair < pair_end; pair++) {
        long s = pair / p->heads, h = pair % p->heads;
        float *cp = c + s * p->c.batch_stride + h * p->c.head_stride;
        const float *ap = a + s * p->a.batch_stride + h * p->a.head_stride;
        const float *bp = b + s * p->b.batch_stride + h * p->b.head_stride;
        nnc_sgemm_t(cp, (int)p->c.row_stride, ap, (int)p->a.row_stride, p->trans_a, bp, (int)p->b.row_stride,
                    p->trans_b, p->m, p->n, p->k, 0, 0, p->m, 0, p->n, workspace, NULL);
        if (p->scale != 1.0f) {
            for (int i = 0; i < p->m; i++) {
                float *row = cp + i * p->c.row_stride;
                for (int j = 0; j < p->n; j++) row[j] *= p->scale;
            }
        }
    }
}

void nnc_attention_mask(float *s, const float *query_mask, const float *key_mask, int batch, int heads,
                        int queries, int keys, int causal, float fill) {
    for (int b = 0; b < batch; b++) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < queries; i++) {
                float *row = s + (((size_t)b * heads + h) * queries + i) * keys;
                int query_masked = query_mask && query_mask[(size_t)b * queries + i] == 0.0f;
                for (int j = 0; j < keys; j++) {
                    int masked = query_masked || (causal && j > i) || (key_mask && key_mask[(size_t)b * keys + j] == 0.0f);
                    if (masked) row[j] = fill;
                }
            }
        }
    }
}

void nnc_add_positions(float *y, const float *x, const float *table, int batch, int steps, int features,
                       double max_wavelength) {
    for (int t = 0; t < steps; t++) {
        for (int f = 0; f < features; f++) {
            float p;
            if (table) {
                p = table[(size_t)t * features + f];
            } else {
                double angle = t * pow(1.0 / max_wavelength, (double)(2 * (f / 2)) / features);
                p = (float)(f % 2 == 0 ? sin(angle) : cos(angle));
            }
            for (int b = 0; b < batch; b++) {
                size_t at = ((size_t)b * steps + t) * features + f;
                y[at] = x[at] + p;
            }
        }
    }
}

void nnc_add_positions_backward(float *dtable, const float *dy, int batch, int steps, int features, int rows) {
    size_t n = (size_t)steps * features;
    memset(dtable, 0, (size_t)rows * features * sizeof(float));
    for (int b = 0; b < batch; b++) {
        const float *row = dy + (size_t)b * n;
        for (size_t i = 0; i < n; i++) dtable[i] += row[i];
    }
}
