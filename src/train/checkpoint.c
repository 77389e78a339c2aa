/* Training checkpoints (train.h): a safetensors file with
 *   "params", "nadam.m", "nadam.v"  F32 [total]  the parameter block and Nadam's slots
 *   "rng.mt"                         U32 [624]    the shuffling generator's state words
 *   "state.i64"                      I64 [NI]     positions, counters (the I_ indices below)
 *   "state.f64"                      F64 [NF]     Nadam's product, the cached gauss, the epoch's sums
 *   "perm"                           U32 [n]      the epoch's order (in an epoch only)
 *   "carry"                          F32 [n]      a stateful model's states (in an epoch only)
 *   "history"                        F64 [e, 9]   the finished epochs' records (when any)
 * and in "__metadata__": "format" = "nmt-checkpoint", "checkpoint_version",
 * "nmt_version", "run" (the run's description) and "data_sha256" (SHA-256 of
 * the data section, checked on reading). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/sha256.h"
#include "io/safetensors.h"
#include "nmt.h"
#include "train/train.h"

#define CKPT_VERSION "1"
enum { I_EPOCH, I_BATCH, I_IN_EPOCH, I_NB, I_OPT_T, I_MTI, I_HAS_GAUSS, I_CORRECT, I_TOKENS, I_TRAINED, I_SENTENCES, NI };
enum { F_UPROD, F_GAUSS, F_WSUM, F_SECONDS, NF };
#define HIST_COLS 9

static nmt_st_entry entry(const char *name, nmt_st_dtype dtype, const void *data, int64_t d0, int64_t d1) {
    nmt_st_entry e;
    memset(&e, 0, sizeof e);
    e.name = name;
    e.dtype = dtype;
    e.data = data;
    e.ndim = d1 ? 2 : 1;
    e.shape[0] = d0;
    e.shape[1] = d1;
    return e;
}

int nmt_ckpt_save(const nmt_ckpt *c, const char *path) {
    int64_t iv[NI] = {[I_EPOCH] = c->epoch, [I_BATCH] = c->batch, [I_IN_EPOCH] = c->in_epoch, [I_NB] = c->nb,
                      [I_OPT_T] = c->opt_t, [I_MTI] = c->rng.mti, [I_HAS_GAUSS] = c->rng.has_gauss,
                      [I_CORRECT] = c->correct, [I_TOKENS] = c->tokens, [I_TRAINED] = c->trained_tokens,
                      [I_SENTENCES] = c->sentences};
    double fv[NF] = {[F_UPROD] = c->uprod, [F_GAUSS] = c->rng.gauss, [F_WSUM] = c->wsum, [F_SECONDS] = c->seconds};
    double *hist = NULL;
    nmt_st_entry e[10];
    int n = 0;
    e[n++] = entry("params", NMT_ST_F32, c->params, (int64_t)c->total, 0);
    e[n++] = entry("nadam.m", NMT_ST_F32, c->m, (int64_t)c->total, 0);
    e[n++] = entry("nadam.v", NMT_ST_F32, c->v, (int64_t)c->total, 0);
    e[n++] = entry("rng.mt", NMT_ST_U32, c->rng.mt, 624, 0);
    e[n++] = entry("state.i64", NMT_ST_I64, iv, NI, 0);
    e[n++] = entry("state.f64", NMT_ST_F64, fv, NF, 0);
    if (c->in_epoch && c->n_perm) e[n++] = entry("perm", NMT_ST_U32, c->perm, (int64_t)c->n_perm, 0);
    if (c->in_epoch && c->n_carry) e[n++] = entry("carry", NMT_ST_F32, c->carry, (int64_t)c->n_carry, 0);
    if (c->n_history) {
        hist = nmt_xmalloc(sizeof(double) * HIST_COLS * (size_t)c->n_history);
        for (int i = 0; i < c->n_history; i++) {
            const nmt_epoch_record *r = &c->history[i];
            double row[HIST_COLS] = {r->epoch,         r->loss,      r->accuracy, r->val_loss, r->val_accuracy,
                                     r->val_accuracy_unmasked, (double)r->val_tokens, r->seconds, r->tokens_per_s};
            memcpy(hist + (size_t)i * HIST_COLS, row, sizeof row);
        }
        e[n++] = entry("history", NMT_ST_F64, hist, c->n_history, HIST_COLS);
    }
    // the data section is the entries' bytes back to back, in this order
    nmt_sha256 s;
    uint8_t digest[32];
    char sha[65];
    nmt_sha256_init(&s);
    for (int i = 0; i < n; i++) {
        size_t bytes = nmt_st_dtype_size(e[i].dtype) * (size_t)e[i].shape[0] * (size_t)(e[i].ndim == 2 ? e[i].shape[1] : 1);
        nmt_sha256_update(&s, e[i].data, bytes);
    }
    nmt_sha256_final(&s, digest);
    nmt_sha256_to_hex(digest, sha);
    const nmt_st_kv meta[] = {{"format", "nmt-checkpoint"}, {"checkpoint_version", CKPT_VERSION},
                              {"nmt_version", NMT_VERSION}, {"run", c->run ? c->run : ""}, {"data_sha256", sha}};
    int rc = nmt_st_write(path, e, n, meta, (int)(sizeof meta / sizeof *meta));
    free(hist);
    return rc;
}

void nmt_ckpt_free(nmt_ckpt *c) {
    free(c->run);
    free(c->params);
    free(c->m);
    free(c->v);
    free(c->perm);
    free(c->carry);
    free(c->history);
    memset(c, 0, sizeof *c);
}

/* The tensor `name` of dtype dt with d0 (and d1) elements, copied into a new
 * buffer (*out); optional tensors may be absent (*out NULL, *d0 0). */
static int take(const nmt_st_file *st, const char *name, nmt_st_dtype dt, int ndim, int64_t *d0, int64_t d1,
                int optional, void **out, const char *path) {
    *out = NULL;
    const nmt_st_tensor *t = nmt_st_find(st, name);
    if (!t) {
        if (optional) {
            *d0 = 0;
            return 0;
        }
        return nmt_error("%s: not a complete checkpoint: tensor '%s' is missing", path, name);
    }
    if (t->dtype != dt || t->ndim != ndim || (*d0 >= 0 && t->shape[0] != *d0) || (ndim == 2 && t->shape[1] != d1))
        return nmt_error("%s: checkpoint tensor '%s' has the wrong dtype or shape", path, name);
    *d0 = t->shape[0];
    size_t bytes = t->end - t->begin;
    *out = nmt_xmalloc(bytes ? bytes : 1);
    memcpy(*out, t->data, bytes);
    return 0;
}

static int load(nmt_ckpt *c, const char *path, nmt_st_file *st) {
    if (nmt_st_read(st, path)) return -1;
    const char *format = nmt_st_meta(st, "format"), *version = nmt_st_meta(st, "checkpoint_version");
    const char *run = nmt_st_meta(st, "run"), *sha_want = nmt_st_meta(st, "data_sha256");
    if (!format || strcmp(format, "nmt-checkpoint") != 0)
        return nmt_error("%s: not an nmt checkpoint (its metadata lacks \"format\": \"nmt-checkpoint\")", path);
    if (!version || strcmp(version, CKPT_VERSION) != 0)
        return nmt_error("%s: checkpoint version \"%s\" is not one this nmt reads (%s)", path,
                         version ? version : "(none)", CKPT_VERSION);
    if (!run || !sha_want) return nmt_error("%s: the checkpoint's metadata lacks \"run\" or \"data_sha256\"", path);
    char sha[65];
    nmt_sha256_hex(st->data, st->data_len, sha);
    if (strcmp(sha, sha_want) != 0) return nmt_error("%s: checkpoint checksum mismatch (file corrupted?)", path);
    c->run = nmt_xstrdup(run);

    int64_t n = -1, k = NI, f = NF, mt = 624, hist = -1;
    void *iv = NULL, *fv = NULL, *mtv = NULL, *hv = NULL;
    int rc = take(st, "params", NMT_ST_F32, 1, &n, 0, 0, (void **)&c->params, path) ||
             take(st, "nadam.m", NMT_ST_F32, 1, &n, 0, 0, (void **)&c->m, path) ||
             take(st, "nadam.v", NMT_ST_F32, 1, &n, 0, 0, (void **)&c->v, path) ||
             take(st, "rng.mt", NMT_ST_U32, 1, &mt, 0, 0, &mtv, path) ||
             take(st, "state.i64", NMT_ST_I64, 1, &k, 0, 0, &iv, path) ||
             take(st, "state.f64", NMT_ST_F64, 1, &f, 0, 0, &fv, path) ||
             take(st, "history", NMT_ST_F64, 2, &hist, HIST_COLS, 1, &hv, path);
    if (!rc) {
        c->total = (size_t)n;
        int64_t np = -1, nc = -1;
        rc = take(st, "perm", NMT_ST_U32, 1, &np, 0, 1, (void **)&c->perm, path) ||
             take(st, "carry", NMT_ST_F32, 1, &nc, 0, 1, (void **)&c->carry, path);
        c->n_perm = (size_t)np;
        c->n_carry = (size_t)nc;
    }
    if (!rc) {
        const int64_t *i = iv;
        const double *d = fv;
        memcpy(c->rng.mt, mtv, sizeof c->rng.mt);
        c->epoch = (long)i[I_EPOCH], c->batch = (long)i[I_BATCH], c->in_epoch = (int)i[I_IN_EPOCH];
        c->nb = (long)i[I_NB], c->opt_t = (long)i[I_OPT_T];
        c->rng.mti = (int)i[I_MTI], c->rng.has_gauss = (int)i[I_HAS_GAUSS];
        c->correct = (long)i[I_CORRECT], c->tokens = (long)i[I_TOKENS], c->trained_tokens = (long)i[I_TRAINED];
        c->sentences = (long)i[I_SENTENCES];
        c->uprod = d[F_UPROD], c->rng.gauss = d[F_GAUSS], c->wsum = d[F_WSUM], c->seconds = d[F_SECONDS];
        if (c->epoch < 1 || c->batch < 0 || c->batch > c->nb || c->rng.mti < 0 || c->rng.mti > 624 ||
            (c->in_epoch && !c->perm) || c->opt_t < 0)
            rc = nmt_error("%s: the checkpoint's position is invalid (epoch %ld, batch %ld of %ld)", path, c->epoch,
                           c->batch, c->nb);
    }
    if (!rc && hv) {
        c->n_history = (int)hist;
        c->history = nmt_xcalloc((size_t)hist, sizeof *c->history);
        const double *h = hv;
        for (int64_t e = 0; e < hist; e++, h += HIST_COLS) {
            nmt_epoch_record *r = &c->history[e];
            r->epoch = (int)h[0], r->loss = h[1], r->accuracy = h[2], r->val_loss = h[3], r->val_accuracy = h[4];
            r->val_accuracy_unmasked = h[5], r->val_tokens = (long)h[6], r->seconds = h[7], r->tokens_per_s = h[8];
        }
    }
    free(iv);
    free(fv);
    free(mtv);
    free(hv);
    return rc ? -1 : 0;
}

int nmt_ckpt_load(nmt_ckpt *c, const char *path) {
    nmt_st_file st;
    memset(c, 0, sizeof *c);
    memset(&st, 0, sizeof st);
    int rc = load(c, path, &st);
    nmt_st_free(&st);
    if (rc) nmt_ckpt_free(c);
    return rc;
}

/* The line of `text` whose key (before '=') is key[0..n), or NULL. */
static const char *find_item(const char *text, const char *key, size_t n) {
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        if ((size_t)(end - p) > n && p[n] == '=' && memcmp(p, key, n) == 0) return p;
        p = *end ? end + 1 : end;
    }
    return NULL;
}

int nmt_ckpt_check_run(const nmt_ckpt *c, const char *run, const char *path) {
    // every item of either side, compared by key
    for (int side = 0; side < 2; side++) {
        const char *a = side ? run : c->run, *b = side ? c->run : run;
        for (const char *p = a; *p;) {
            const char *end = strchr(p, '\n');
            if (!end) end = p + strlen(p);
            const char *eq = memchr(p, '=', (size_t)(end - p));
            size_t klen = eq ? (size_t)(eq - p) : (size_t)(end - p);
            const char *q = find_item(b, p, klen);
            const char *qend = q ? (strchr(q, '\n') ? strchr(q, '\n') : q + strlen(q)) : NULL;
            if (!q || qend - q != end - p || memcmp(p, q, (size_t)(end - p)) != 0) {
                const char *ck = side ? q : p, *ckend = side ? qend : end;
                const char *me = side ? p : q, *meend = side ? end : qend;
                return nmt_error("%s: the checkpoint is of another run: it has %.*s, this command %.*s (--resume "
                                 "needs the same data and training flags; only --threads, --quiet, --out, --log "
                                 "and the checkpoint flags may differ)",
                                 path, ck ? (int)(ckend - ck) : 4, ck ? ck : "none", me ? (int)(meend - me) : 4,
                                 me ? me : "none");
            }
            p = *end ? end + 1 : end;
        }
    }
    return 0;
}
