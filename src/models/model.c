/* Parameter table, model allocation and Keras-2 initialization. */
#include "models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"

void nmt_config_default(nmt_config *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->arch, sizeof c->arch, "basic");
    c->src_vocab = 1000;
    c->tgt_vocab = 1000;
    c->embed = 128;
    c->units = 512;
    c->max_length = 50;
}

static void table_add(nmt_param_table *t, const char *name, int d0, int d1,
                      nmt_init_kind init, int sparse) {
    nmt_param *p = &t->p[t->n++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = d1 ? 2 : 1;
    p->shape[0] = d0;
    p->shape[1] = d1;
    p->numel = (size_t)d0 * (d1 ? (size_t)d1 : 1);
    p->offset = t->total;
    p->init = init;
    p->sparse = sparse;
    t->total += (p->numel + 15) / 16 * 16;   /* keep every tensor 64-byte aligned */
}

int nmt_param_table_build(nmt_param_table *t, const nmt_config *c) {
    memset(t, 0, sizeof *t);
    if (strcmp(c->arch, "basic") != 0)
        return nmt_error("unknown architecture '%s' (this version knows 'basic')", c->arch);
    if (c->src_vocab < 3 || c->tgt_vocab < 5 || c->embed < 1 || c->units < 1 || c->max_length < 2 ||
        c->src_vocab > 1 << 24 || c->tgt_vocab > 1 << 24 || c->embed > 1 << 16 ||
        c->units > 1 << 16 || c->max_length > 1 << 16)
        return nmt_error("invalid model sizes (vocab %d/%d, embed %d, units %d, max_length %d)",
                         c->src_vocab, c->tgt_vocab, c->embed, c->units, c->max_length);
    int E = c->embed, U = c->units;
    table_add(t, "encoder.embedding", c->src_vocab, E, NMT_INIT_UNIFORM005, 1);
    table_add(t, "decoder.embedding", c->tgt_vocab, E, NMT_INIT_UNIFORM005, 1);
    table_add(t, "encoder.lstm.kernel", E, 4 * U, NMT_INIT_GLOROT, 0);
    table_add(t, "encoder.lstm.recurrent_kernel", U, 4 * U, NMT_INIT_ORTHOGONAL, 0);
    table_add(t, "encoder.lstm.bias", 4 * U, 0, NMT_INIT_LSTM_BIAS, 0);
    table_add(t, "decoder.lstm.kernel", E, 4 * U, NMT_INIT_GLOROT, 0);
    table_add(t, "decoder.lstm.recurrent_kernel", U, 4 * U, NMT_INIT_ORTHOGONAL, 0);
    table_add(t, "decoder.lstm.bias", 4 * U, 0, NMT_INIT_LSTM_BIAS, 0);
    table_add(t, "output.kernel", U, c->tgt_vocab, NMT_INIT_GLOROT, 0);
    table_add(t, "output.bias", c->tgt_vocab, 0, NMT_INIT_ZERO, 0);
    if (t->total > (size_t)1 << 30)
        return nmt_error("model too large: %zu parameters (at most 2^30; vocab %d/%d, embed %d, units %d)",
                         t->total, c->src_vocab, c->tgt_vocab, c->embed, c->units);
    return 0;
}

const nmt_param *nmt_param_find(const nmt_param_table *t, const char *name) {
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->p[i].name, name) == 0) return &t->p[i];
    return NULL;
}

int nmt_model_init(nmt_model *m, const nmt_config *cfg) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (nmt_param_table_build(&m->table, cfg)) return -1;
    m->params = nmt_xalloc_aligned(m->table.total * sizeof(float));
    return 0;
}

void nmt_model_free(nmt_model *m) {
    free(m->params);
    if (m->src_vocab) nmt_vocab_free(m->src_vocab);
    if (m->tgt_vocab) nmt_vocab_free(m->tgt_vocab);
    free(m->train_config_json);
    free(m->history);
    memset(m, 0, sizeof *m);
}

/* Keras "orthogonal" (gain 1) for a (rows, cols) kernel: draw a normal matrix of
 * shape (max, min), QR it, scale Q's columns by sign(diag R), transpose when
 * rows < cols. Gram–Schmidt (run twice for stability) in double gives the QR
 * with positive diag(R), which is exactly Q·sign(diag R) of any QR. */
static void init_orthogonal(float *w, int rows, int cols, nmt_rng *rng) {
    int big = rows > cols ? rows : cols, small = rows > cols ? cols : rows;
    double *a = nmt_xmalloc((size_t)big * small * sizeof(double));   /* column-major: col j at a+j*big */
    for (int i = 0; i < big; i++)
        for (int j = 0; j < small; j++) a[(size_t)j * big + i] = nmt_rng_gauss(rng);
    for (int j = 0; j < small; j++) {
        double *q = a + (size_t)j * big;
        for (int pass = 0; pass < 2; pass++)
            for (int k = 0; k < j; k++) {
                const double *p = a + (size_t)k * big;
                double d = 0;
                for (int i = 0; i < big; i++) d += p[i] * q[i];
                for (int i = 0; i < big; i++) q[i] -= d * p[i];
            }
        double n = 0;
        for (int i = 0; i < big; i++) n += q[i] * q[i];
        n = 1.0 / sqrt(n);
        for (int i = 0; i < big; i++) q[i] *= n;
    }
    /* Q is (big, small). rows >= cols: w = Q; else w = Q^T. */
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            w[(size_t)r * cols + c] =
                (float)(rows >= cols ? a[(size_t)c * big + r] : a[(size_t)r * big + c]);
    free(a);
}

static void init_uniform(float *w, size_t n, double lim, nmt_rng *rng) {
    for (size_t i = 0; i < n; i++) w[i] = (float)((2 * nmt_rng_double(rng) - 1) * lim);
}

void nmt_model_randomize(nmt_model *m, uint32_t seed) {
    nmt_rng rng;
    nmt_rng_seed(&rng, seed);
    for (int i = 0; i < m->table.n; i++) {
        const nmt_param *p = &m->table.p[i];
        float *w = m->params + p->offset;
        switch (p->init) {
        case NMT_INIT_UNIFORM005: init_uniform(w, p->numel, 0.05, &rng); break;
        case NMT_INIT_GLOROT:
            init_uniform(w, p->numel, sqrt(6.0 / (p->shape[0] + p->shape[1])), &rng);
            break;
        case NMT_INIT_ORTHOGONAL: init_orthogonal(w, p->shape[0], p->shape[1], &rng); break;
        case NMT_INIT_ZERO: memset(w, 0, p->numel * sizeof *w); break;
        case NMT_INIT_LSTM_BIAS: {
            int u = p->shape[0] / 4;
            for (int k = 0; k < p->shape[0]; k++) w[k] = (k >= u && k < 2 * u) ? 1.0f : 0.0f;
            break;
        }
        }
    }
}
