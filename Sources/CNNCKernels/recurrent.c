// The fused per-timestep gate kernels of simple_rnn, lstm and gru, forward and backward
// (see nnc_recurrent.h). Each works row by row over short passes that stay in L1: add the
// recurrent product (and bias) to the input projection, apply the activations to each gate's
// slice, update the state. Backward derivatives come from the kept activated gates, or from
// the kept pre-activations for activations differentiated from their input. The default
// activations (tanh, sigmoid) take the fused one-pass steps of recurrent_fused.c instead.

#include "nnc_kernels.h"
#include "recurrent_internal.h"
#include <string.h>

size_t nnc_rnn_work_floats(int units) { return (size_t)4 * units; }

#define ROW(p, ld, r) ((p) + (size_t)(r) * (ld))

static int is_padding(const float *mask, int ld, int r) { return mask && mask[(size_t)r * ld] == 0.0f; }

// z[j] += p[j] + b[j] (b optional).
static void add_product(float *z, const float *p, const float *b, int n) {
    if (b) {
        for (int j = 0; j < n; j++) z[j] += p[j] + b[j];
    } else {
        for (int j = 0; j < n; j++) z[j] += p[j];
    }
}

static void copy(float *to, const float *from, int n) {
    if (to) memcpy(to, from, (size_t)n * sizeof(float));
}

// A padded row: the state carries through and the output repeats it (or is zero).
int nnc_rnn_forward_padding(const nnc_rnn_forward *s, int r) {
    if (!is_padding(s->step_mask, s->ld_step_mask, r)) return 0;
    int u = s->units;
    if (s->c_out) copy(ROW(s->c_out, s->ld_c, r), s->c + (size_t)r * u, u);
    if (s->y && s->zero_padded_output) {
        memset(ROW(s->y, s->ld_y, r), 0, (size_t)u * sizeof(float));
    } else if (s->y) {
        copy(ROW(s->y, s->ld_y, r), s->h + (size_t)r * u, u);
    }
    return 1;
}

void nnc_simple_rnn_forward_step(const nnc_rnn_forward *s) {
    if (nnc_rnn_fused_forward(s, NNC_CELL_SIMPLE)) return;
    int u = s->units;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_forward_padding(s, r)) continue;
        float *z = ROW(s->gates, s->ld_gates, r), *h = s->h + (size_t)r * u;
        add_product(z, ROW(s->product, s->ld_product, r), s->rbias, u);
        if (s->pre) copy(ROW(s->pre, s->ld_pre, r), z, u);
        nnc_rnn_activate(z, z, u, s->act, s->act_param);
        memcpy(h, z, (size_t)u * sizeof(float));
        if (s->y) copy(ROW(s->y, s->ld_y, r), h, u);
    }
}

// The LSTM step with peepholes: i, f read cₜ₋₁ (the running c) before it is updated, o reads cₜ.
static void lstm_peephole_forward(const nnc_rnn_forward *s) {
    int u = s->units;
    const float *pi = s->peephole, *pf = s->peephole + u, *po = s->peephole + 2 * u;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_forward_padding(s, r)) continue;
        float *g = ROW(s->gates, s->ld_gates, r), *h = s->h + (size_t)r * u, *c = s->c + (size_t)r * u;
        float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
        add_product(g, ROW(s->product, s->ld_product, r), s->rbias, 4 * u);
        for (int j = 0; j < u; j++) {
            g[j] += pi[j] * c[j];
            g[u + j] += pf[j] * c[j];
        }
        if (pre) copy(pre, g, 3 * u);
        nnc_rnn_activate(g, g, 2 * u, s->ract, s->ract_param);               // i, f
        nnc_rnn_activate(g + 2 * u, g + 2 * u, u, s->act, s->act_param);     // candidate
        const float *i = g, *f = g + u, *cand = g + 2 * u;
        float *o = g + 3 * u;
        for (int j = 0; j < u; j++) c[j] = f[j] * c[j] + i[j] * cand[j];
        for (int j = 0; j < u; j++) o[j] += po[j] * c[j];
        if (pre) copy(pre + 3 * u, o, u);
        nnc_rnn_activate(o, o, u, s->ract, s->ract_param);
        if (s->c_out) copy(ROW(s->c_out, s->ld_c, r), c, u);
        nnc_rnn_activate(h, c, u, s->act, s->act_param);
        for (int j = 0; j < u; j++) h[j] *= o[j];
        if (s->y) copy(ROW(s->y, s->ld_y, r), h, u);
    }
}

void nnc_lstm_forward_step(const nnc_rnn_forward *s) {
    if (s->peephole) {
        lstm_peephole_forward(s);
        return;
    }
    if (nnc_rnn_fused_forward(s, NNC_CELL_LSTM)) return;
    int u = s->units;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_forward_padding(s, r)) continue;
        float *g = ROW(s->gates, s->ld_gates, r), *h = s->h + (size_t)r * u, *c = s->c + (size_t)r * u;
        add_product(g, ROW(s->product, s->ld_product, r), s->rbias, 4 * u);
        if (s->pre) copy(ROW(s->pre, s->ld_pre, r), g, 4 * u);
        nnc_rnn_activate(g, g, 2 * u, s->ract, s->ract_param);               // i, f
        nnc_rnn_activate(g + 2 * u, g + 2 * u, u, s->act, s->act_param);     // candidate
        nnc_rnn_activate(g + 3 * u, g + 3 * u, u, s->ract, s->ract_param);   // o
        const float *i = g, *f = g + u, *cand = g + 2 * u, *o = g + 3 * u;
        for (int j = 0; j < u; j++) c[j] = f[j] * c[j] + i[j] * cand[j];
        if (s->c_out) copy(ROW(s->c_out, s->ld_c, r), c, u);
        nnc_rnn_activate(h, c, u, s->act, s->act_param);
        for (int j = 0; j < u; j++) h[j] *= o[j];
        if (s->y) copy(ROW(s->y, s->ld_y, r), h, u);
    }
}

// hₜ = z⊙h + (1 − z)⊙ĥ, in place on the running state.
static void gru_update(float *h, const float *z, const float *cand, int u) {
    for (int j = 0; j < u; j++) h[j] = z[j] * h[j] + (1.0f - z[j]) * cand[j];
}

void nnc_gru_forward_step(const nnc_rnn_forward *s) {
    if (nnc_rnn_fused_forward(s, NNC_CELL_GRU)) return;
    int u = s->units;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_forward_padding(s, r)) continue;
        float *g = ROW(s->gates, s->ld_gates, r), *h = s->h + (size_t)r * u;
        const float *p = ROW(s->product, s->ld_product, r);
        if (s->prev_out) copy(ROW(s->prev_out, s->ld_prev, r), h, u);
        add_product(g, p, s->rbias, 2 * u);
        // The candidate's recurrent term s·U_h + b_rh, kept for backward (or in work).
        float *rh = s->extra ? ROW(s->extra, s->ld_extra, r) : s->work;
        for (int j = 0; j < u; j++) rh[j] = p[2 * u + j] + (s->rbias ? s->rbias[2 * u + j] : 0.0f);
        float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
        if (pre) copy(pre, g, 2 * u);
        nnc_rnn_activate(g, g, 2 * u, s->ract, s->ract_param);
        float *cand = g + 2 * u;
        const float *reset = g + u;
        for (int j = 0; j < u; j++) cand[j] += reset[j] * rh[j];
        if (pre) copy(pre + 2 * u, cand, u);
        nnc_rnn_activate(cand, cand, u, s->act, s->act_param);
        gru_update(h, g, cand, u);
        if (s->y) copy(ROW(s->y, s->ld_y, r), h, u);
    }
}

void nnc_gru_reset_step(const nnc_rnn_forward *s) {
    int u = s->units;
    for (int r = 0; r < s->rows; r++) {
        float *rs = ROW(s->extra, s->ld_extra, r);
        if (is_padding(s->step_mask, s->ld_step_mask, r)) {
            // Zero, not stale: the second product and dU read this row.
            memset(rs, 0, (size_t)u * sizeof(float));
            continue;
        }
        float *g = ROW(s->gates, s->ld_gates, r);
        add_product(g, ROW(s->product, s->ld_product, r), s->rbias, 2 * u);
        if (s->pre) copy(ROW(s->pre, s->ld_pre, r), g, 2 * u);
        nnc_rnn_activate(g, g, 2 * u, s->ract, s->ract_param);
        const float *reset = g + u, *sr = ROW(s->s, s->ld_s, r);
        for (int j = 0; j < u; j++) rs[j] = reset[j] * sr[j];
    }
}

void nnc_gru_candidate_step(const nnc_rnn_forward *s) {
    int u = s->units;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_forward_padding(s, r)) continue;
        float *g = ROW(s->gates, s->ld_gates, r), *h = s->h + (size_t)r * u;
        if (s->prev_out) copy(ROW(s->prev_out, s->ld_prev, r), h, u);
        float *cand = g + 2 * u;
        add_product(cand, ROW(s->product, s->ld_product, r) + 2 * u, s->rbias ? s->rbias + 2 * u : NULL, u);
        if (s->pre) copy(ROW(s->pre, s->ld_pre, r) + 2 * u, cand, u);
        nnc_rnn_activate(cand, cand, u, s->act, s->act_param);
        gru_update(h, g, cand, u);
        if (s->y) copy(ROW(s->y, s->ld_y, r), h, u);
    }
}

// ∂hₜ in full: what later steps carried, the output's gradient (unless a padded row output
// zeros), and ∂s of the later step's product through the recurrent dropout mask.
static void total_state_gradient(float *d, const nnc_rnn_backward *s, int r) {
    int u = s->units;
    const float *dh = s->dh + (size_t)r * u, *ds = s->ds + (size_t)r * u;
    int output = s->dy && !(s->zero_padded_output && is_padding(s->step_mask, s->ld_step_mask, r));
    const float *dy = output ? ROW(s->dy, s->ld_dy, r) : NULL;
    const float *m = s->rec_mask ? s->rec_mask + (size_t)r * u : NULL;
    for (int j = 0; j < u; j++) d[j] = dh[j] + (dy ? dy[j] : 0.0f) + (m ? m[j] * ds[j] : ds[j]);
}

// Padding: no gradient reaches the weights; ∂h passes to the previous step unchanged (∂c too).
int nnc_rnn_backward_padding(const nnc_rnn_backward *s, int r, int gates) {
    if (!is_padding(s->step_mask, s->ld_step_mask, r)) return 0;
    int u = s->units;
    float *d = s->work;
    total_state_gradient(d, s, r);
    memset(ROW(s->dgates, s->ld_dgates, r), 0, (size_t)gates * u * sizeof(float));
    if (s->dproduct) memset(ROW(s->dproduct, s->ld_dproduct, r), 0, (size_t)gates * u * sizeof(float));
    memcpy(s->dh + (size_t)r * u, d, (size_t)u * sizeof(float));
    return 1;
}

// dz = dz·f′ over n columns from the kept output (and pre-activation when f needs its input).
static void differentiate(float *dz, const float *pre, const float *y, int n, nnc_activation act, float param) {
    nnc_activation_backward(dz, dz, pre, y, (size_t)n, act, param);
}

void nnc_simple_rnn_backward_step(const nnc_rnn_backward *s) {
    if (nnc_rnn_fused_backward(s, NNC_CELL_SIMPLE)) return;
    int u = s->units;
    float *d = s->work;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_backward_padding(s, r, 1)) continue;
        total_state_gradient(d, s, r);
        float *dz = ROW(s->dgates, s->ld_dgates, r);
        memcpy(dz, d, (size_t)u * sizeof(float));
        differentiate(dz, s->pre ? ROW(s->pre, s->ld_pre, r) : NULL, ROW(s->gates, s->ld_gates, r), u, s->act, s->act_param);
        memset(s->dh + (size_t)r * u, 0, (size_t)u * sizeof(float));
    }
}

// The LSTM step's gradient with peepholes: o's pre-activation gradient reaches cₜ through
// p_o, and i's and f's reach cₜ₋₁ through p_i and p_f (beside f's own path).
static void lstm_peephole_backward(const nnc_rnn_backward *s) {
    int u = s->units;
    const float *pi = s->peephole, *pf = s->peephole + u, *po = s->peephole + 2 * u;
    float *d = s->work, *ac = s->work + u, *t = s->work + 2 * u;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_backward_padding(s, r, 4)) continue;
        total_state_gradient(d, s, r);
        const float *g = ROW(s->gates, s->ld_gates, r), *c = ROW(s->c, s->ld_c, r);
        const float *cp = s->c_prev ? ROW(s->c_prev, s->ld_c_prev, r) : NULL;
        const float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
        const float *i = g, *f = g + u, *cand = g + 2 * u, *o = g + 3 * u;
        float *dz = ROW(s->dgates, s->ld_dgates, r), *dc = s->dc + (size_t)r * u;
        nnc_rnn_activate(ac, c, u, s->act, s->act_param);
        for (int j = 0; j < u; j++) {
            t[j] = d[j] * o[j];
            dz[3 * u + j] = d[j] * ac[j];
        }
        nnc_activation_backward(t, t, c, ac, (size_t)u, s->act, s->act_param);
        differentiate(dz + 3 * u, pre ? pre + 3 * u : NULL, g + 3 * u, u, s->ract, s->ract_param);
        for (int j = 0; j < u; j++) {
            float dct = dc[j] + t[j] + dz[3 * u + j] * po[j];
            dz[j] = dct * cand[j];
            dz[u + j] = cp ? dct * cp[j] : 0.0f;
            dz[2 * u + j] = dct * i[j];
            dc[j] = dct * f[j];
        }
        differentiate(dz, pre, g, 2 * u, s->ract, s->ract_param);
        differentiate(dz + 2 * u, pre ? pre + 2 * u : NULL, g + 2 * u, u, s->act, s->act_param);
        for (int j = 0; j < u; j++) dc[j] += dz[j] * pi[j] + dz[u + j] * pf[j];
        memset(s->dh + (size_t)r * u, 0, (size_t)u * sizeof(float));
    }
}

void nnc_lstm_peephole_gradient(float *dp, const float *dz, const float *c, int batch, int steps, int units, int reverse) {
    int u = units;
    memset(dp, 0, (size_t)3 * u * sizeof(float));
    for (int b = 0; b < batch; b++) {
        for (int position = 0; position < steps; position++) {
            int t = reverse ? steps - 1 - position : position;
            const float *z = dz + ((size_t)b * steps + t) * 4 * u, *ct = c + ((size_t)b * steps + t) * u;
            if (position > 0) {
                int previous = reverse ? t + 1 : t - 1;
                const float *cp = c + ((size_t)b * steps + previous) * u;
                for (int j = 0; j < u; j++) {
                    dp[j] += z[j] * cp[j];
                    dp[u + j] += z[u + j] * cp[j];
                }
            }
            for (int j = 0; j < u; j++) dp[2 * u + j] += z[3 * u + j] * ct[j];
        }
    }
}

void nnc_lstm_backward_step(const nnc_rnn_backward *s) {
    if (s->peephole) {
        lstm_peephole_backward(s);
        return;
    }
    if (nnc_rnn_fused_backward(s, NNC_CELL_LSTM)) return;
    int u = s->units;
    float *d = s->work, *ac = s->work + u, *t = s->work + 2 * u;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_backward_padding(s, r, 4)) continue;
        total_state_gradient(d, s, r);
        const float *g = ROW(s->gates, s->ld_gates, r), *c = ROW(s->c, s->ld_c, r);
        const float *cp = s->c_prev ? ROW(s->c_prev, s->ld_c_prev, r) : NULL;
        const float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
        const float *i = g, *f = g + u, *cand = g + 2 * u, *o = g + 3 * u;
        float *dz = ROW(s->dgates, s->ld_dgates, r), *dc = s->dc + (size_t)r * u;
        // ∂c = ∂c carried + ∂h·o·act′(c).
        nnc_rnn_activate(ac, c, u, s->act, s->act_param);
        for (int j = 0; j < u; j++) t[j] = d[j] * o[j];
        nnc_activation_backward(t, t, c, ac, (size_t)u, s->act, s->act_param);
        for (int j = 0; j < u; j++) {
            float dct = dc[j] + t[j];
            dz[j] = dct * cand[j];
            dz[u + j] = cp ? dct * cp[j] : 0.0f;
            dz[2 * u + j] = dct * i[j];
            dz[3 * u + j] = d[j] * ac[j];
            dc[j] = dct * f[j];
        }
        differentiate(dz, pre, g, 2 * u, s->ract, s->ract_param);
        differentiate(dz + 2 * u, pre ? pre + 2 * u : NULL, g + 2 * u, u, s->act, s->act_param);
        differentiate(dz + 3 * u, pre ? pre + 3 * u : NULL, g + 3 * u, u, s->ract, s->ract_param);
        memset(s->dh + (size_t)r * u, 0, (size_t)u * sizeof(float));
    }
}

// The z and h columns of dgates, and ∂h through z⊙hₜ₋₁; returns the h columns' pre-activation
// gradient in dz + 2u.
static void gru_state_gradient(const nnc_rnn_backward *s, int r, const float *d, float *dz) {
    int u = s->units;
    const float *g = ROW(s->gates, s->ld_gates, r), *hp = ROW(s->h_prev, s->ld_h_prev, r);
    const float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
    const float *z = g, *cand = g + 2 * u;
    float *dh = s->dh + (size_t)r * u;
    for (int j = 0; j < u; j++) {
        dz[j] = d[j] * (hp[j] - cand[j]);
        dz[2 * u + j] = d[j] * (1.0f - z[j]);
        dh[j] = d[j] * z[j];
    }
    differentiate(dz, pre, z, u, s->ract, s->ract_param);
    differentiate(dz + 2 * u, pre ? pre + 2 * u : NULL, cand, u, s->act, s->act_param);
}

void nnc_gru_backward_step(const nnc_rnn_backward *s) {
    if (nnc_rnn_fused_backward(s, NNC_CELL_GRU)) return;
    int u = s->units;
    float *d = s->work;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_backward_padding(s, r, 3)) continue;
        total_state_gradient(d, s, r);
        const float *g = ROW(s->gates, s->ld_gates, r), *rh = ROW(s->extra, s->ld_extra, r);
        const float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
        float *dz = ROW(s->dgates, s->ld_dgates, r), *dp = ROW(s->dproduct, s->ld_dproduct, r);
        gru_state_gradient(s, r, d, dz);
        // ĥ = act(x_h + r⊙p_h): ∂r = ∂a⊙p_h, ∂p_h = ∂a⊙r.
        const float *reset = g + u;
        for (int j = 0; j < u; j++) {
            dz[u + j] = dz[2 * u + j] * rh[j];
            dp[2 * u + j] = dz[2 * u + j] * reset[j];
        }
        differentiate(dz + u, pre ? pre + u : NULL, reset, u, s->ract, s->ract_param);
        memcpy(dp, dz, (size_t)2 * u * sizeof(float));
    }
}

void nnc_gru_candidate_backward_step(const nnc_rnn_backward *s) {
    int u = s->units;
    float *d = s->work;
    for (int r = 0; r < s->rows; r++) {
        if (nnc_rnn_backward_padding(s, r, 3)) continue;
        total_state_gradient(d, s, r);
        float *dz = ROW(s->dgates, s->ld_dgates, r);
        gru_state_gradient(s, r, d, dz);
        memset(dz + u, 0, (size_t)u * sizeof(float));
    }
}

void nnc_gru_reset_backward_step(const nnc_rnn_backward *s) {
    int u = s->units;
    for (int r = 0; r < s->rows; r++) {
        // Padding rows have ∂p_h = 0, so drs is 0 and so is everything written here.
        const float *g = ROW(s->gates, s->ld_gates, r), *sr = ROW(s->s, s->ld_s, r), *drs = s->drs + (size_t)r * u;
        const float *pre = s->pre ? ROW(s->pre, s->ld_pre, r) : NULL;
        const float *reset = g + u;
        float *dz = ROW(s->dgates, s->ld_dgates, r), *ds = s->ds + (size_t)r * u;
        for (int j = 0; j < u; j++) {
            dz[u + j] = drs[j] * sr[j];
            ds[j] = drs[j] * reset[j];
        }
        if (is_padding(s->step_mask, s->ld_step_mask, r)) continue;
        differentiate(dz + u, pre ? pre + u : NULL, reset, u, s->ract, s->ract_param);
    }
}
