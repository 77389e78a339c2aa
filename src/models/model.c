/* Parameter table, model allocation and Keras-2 initialization. */
#include "models/model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "models/arch.h"

int nmt_config_default(nmt_config *c, const char *arch) {
    memset(c, 0, sizeof *c);
    const nmt_arch_info *a = nmt_arch_info_find(arch);
    if (!a) return nmt_error("unknown architecture '%s' (this version knows %s)", arch, nmt_arch_names());
    snprintf(c->arch, sizeof c->arch, "%s", arch);
    for (int i = 0; i < a->nfields; i++) *(int *)((char *)c + a->fields[i].offset) = a->fields[i].def;
    return 0;
}

int *nmt_config_field_ptr(nmt_config *c, const char *name) {
    const nmt_arch_info *a = nmt_arch_info_find(c->arch);
    for (int i = 0; a && i < a->nfields; i++)
        if (strcmp(a->fields[i].name, name) == 0) return (int *)((char *)c + a->fields[i].offset);
    return NULL;
}

int nmt_config_check(const nmt_config *c) {
    if (!memchr(c->arch, 0, sizeof c->arch)) return nmt_error("invalid architecture name");
    const nmt_arch_info *a = nmt_arch_info_find(c->arch);
    if (!a) return nmt_error("unknown architecture '%s' (this version knows %s)", c->arch, nmt_arch_names());
    nmt_config used;   // the fields the architecture uses, to find any it does not
    memcpy(&used, c, sizeof used);
    for (int i = 0; i < a->nfields; i++) {
        const nmt_config_field *f = &a->fields[i];
        int v = *(const int *)((const char *)c + f->offset);
        if (v < f->min || v > f->max)
            return nmt_error("%s: %s = %d is out of range (%d..%d)", c->arch, f->name, v, f->min, f->max);
        *(int *)((char *)&used + f->offset) = 0;
    }
    // every int field the architecture does not list must be 0
    const int *rest = (const int *)((const char *)&used + offsetof(nmt_config, src_vocab));
    const int nint = (int)((sizeof used - offsetof(nmt_config, src_vocab)) / sizeof(int));
    for (int i = 0; i < nint; i++)
        if (rest[i]) return nmt_error("%s: a configuration field it does not use is set", c->arch);
    return a->check ? a->check(c) : 0;
}

int nmt_param_add(nmt_param_table *t, const char *name, nmt_init_kind init, nmt_lookup lookup, int ndim,
                  const int *shape) {
    if (ndim < 1 || ndim > NMT_MAX_DIMS || strlen(name) >= NMT_NAME_MAX) {   // an architecture's bug
        fprintf(stderr, "nmt: internal error: tensor '%s' of %d dimensions\n", name, ndim);
        abort();
    }
    if (t->n == t->cap) t->p = nmt_xrealloc(t->p, sizeof *t->p * (size_t)(t->cap = t->cap ? 2 * t->cap : 16));
    nmt_param *p = &t->p[t->n];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = ndim;
    p->numel = 1;
    for (int d = 0; d < ndim; d++) p->shape[d] = shape[d], p->numel *= (size_t)shape[d];
    p->offset = t->total;
    p->init = init;
    p->lookup = lookup;
    t->total += (p->numel + 15) / 16 * 16;   /* keep every tensor 64-byte aligned */
    return t->n++;
}

int nmt_param_table_build(nmt_param_table *t, const nmt_config *c) {
    memset(t, 0, sizeof *t);
    if (nmt_config_check(c)) return -1;
    nmt_arch_info_find(c->arch)->params(t, c);
    if (t->total > (size_t)1 << 30) {
        size_t total = t->total;
        nmt_param_table_free(t);
        return nmt_error("model too large: %zu parameters (at most 2^30)", total);
    }
    return 0;
}

void nmt_param_table_free(nmt_param_table *t) {
    free(t->p);
    memset(t, 0, sizeof *t);
}

int nmt_param_index(const nmt_param_table *t, const char *name) {
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->p[i].name, name) == 0) return i;
    return -1;
}

const nmt_param *nmt_param_find(const nmt_param_table *t, const char *name) {
    int i = nmt_param_index(t, name);
    return i < 0 ? NULL : &t->p[i];
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
    nmt_param_table_free(&m->table);
    free(m->init_from_json);
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
        case NMT_INIT_GLOROT: {
            // Keras fans: the last two dimensions, times the product of the others
            double rf = 1;
            for (int d = 0; d + 2 < p->ndim; d++) rf *= p->shape[d];
            double fan_in = p->ndim >= 2 ? p->shape[p->ndim - 2] * rf : sqrt((double)p->numel);
            double fan_out = p->ndim >= 2 ? p->shape[p->ndim - 1] * rf : sqrt((double)p->numel);
            init_uniform(w, p->numel, sqrt(6.0 / (fan_in + fan_out)), &rng);
            break;
        }
        case NMT_INIT_ORTHOGONAL: {
            const int cols = p->shape[p->ndim - 1];
            init_orthogonal(w, (int)(p->numel / (size_t)cols), cols, &rng);
            break;
        }
        case NMT_INIT_ZERO: memset(w, 0, p->numel * sizeof *w); break;
        case NMT_INIT_LSTM_BIAS: {
            int u = p->shape[0] / 4;
            for (int k = 0; k < p->shape[0]; k++) w[k] = (k >= u && k < 2 * u) ? 1.0f : 0.0f;
            break;
        }
        }
    }
}
