/* The training loop and teacher-forced evaluation (Keras 2 fit semantics,
 * ch16-reference.md §2.8–2.10). All buffers are allocated before the loop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/rng.h"
#include "io/json.h"
#include "nmt.h"
#include "train/train.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Packs examples idx[0..B) of ex into b. */
static void pack_examples(nmt_batch *b, const nmt_examples *ex, const uint32_t *idx, int B) {
    const int32_t *src[B], *din[B], *tgt[B];
    int slen[B], dlen[B];
    for (int i = 0; i < B; i++) {
        size_t k = idx[i];
        src[i] = ex->lm ? NULL : ex->ids + ex->src_off[k];
        slen[i] = ex->lm ? 0 : ex->src_len[k];
        din[i] = ex->ids + ex->tgt_off[k];
        dlen[i] = ex->tgt_len[k];
        tgt[i] = din[i] + (ex->lm ? 1 : dlen[i]);
    }
    nmt_batch_build(b, B, ex->lm ? NULL : src, slen, din, tgt, dlen);
}

/* The rows of each looked-up tensor that this batch looks up (legacy Nadam). */
static void mark_present(uint8_t **present, const nmt_param_table *tab, const nmt_batch *b) {
    for (int i = 0; i < tab->n; i++) {
        if (!tab->p[i].lookup) continue;
        memset(present[i], 0, (size_t)tab->p[i].shape[0]);
        const int src = tab->p[i].lookup == NMT_LOOKUP_SRC;
        const int32_t *ids = src ? b->enc_ids : b->dec_ids;
        const int n = src ? b->enc.ntok : b->dec.ntok;
        for (int k = 0; k < n; k++) present[i][ids[k]] = 1;
    }
}

/* Sums per-token loss and correct predictions in token order. */
static void batch_stats(const nmt_ws *ws, const nmt_batch *b, double *loss_sum, long *correct) {
    double s = 0;
    long c = 0;
    for (int k = 0; k < b->dec.ntok; k++) {
        s += ws->loss[k];
        c += ws->pred[k] == b->tgt_ids[k];
    }
    *loss_sum = s;
    *correct = c;
}

int nmt_evaluate(const nmt_model *m, const nmt_examples *ex, int batch_size, long max_examples,
                 nmt_precision prec, int stateful, nmt_eval_result *r) {
    memset(r, 0, sizeof *r);
    nmt_numerics_init();
    long n = (long)ex->n;
    if (max_examples > 0 && max_examples < n) n = max_examples;
    nmt_ws ws;
    nmt_batch b;
    if (nmt_ws_alloc(&ws, &m->cfg, batch_size, prec, 0)) return -1;
    nmt_batch_alloc(&b, batch_size, m->cfg.max_length);
    nmt_ws_hold_weights(&ws, m->params);   // packed once for all batches
    if (stateful)   // every stream from zeros
        ws.carry = nmt_xcalloc((size_t)batch_size * ws.arch->info->state_size(&m->cfg), sizeof(float));
    uint32_t *idx = nmt_xmalloc(sizeof(uint32_t) * batch_size);
    double wsum = 0;
    long correct = 0, unmasked_extra = 0;
    for (long start = 0; start < n; start += batch_size) {
        int B = (int)(n - start < batch_size ? n - start : batch_size);
        for (int i = 0; i < B; i++) idx[i] = (uint32_t)(start + i);
        pack_examples(&b, ex, idx, B);
        nmt_ws_forward_backward(&ws, m->params, NULL, &b, 1);
        double ls;
        long c;
        batch_stats(&ws, &b, &ls, &c);
        wsum += B * (ls / b.dec.ntok);     // Keras Mean of batch losses, weighted by batch size
        correct += c;
        r->tokens += b.dec.ntok;
        // Unmasked accuracy: with Keras 2 masking, a padded position's output is the
        // last real one's, so it is "correct" (target 0) only if that predicts id 0.
        for (int row = 0; row < B; row++) {
            int L = b.dec.len[row];
            if (ws.pred[b.dec.off[L - 1] + row] == 0) unmasked_extra += m->cfg.max_length - L;
        }
    }
    r->sentences = n;
    r->loss = n ? wsum / n : NAN;   // no examples: no metric (null in JSON)
    r->accuracy = r->tokens ? (double)correct / r->tokens : NAN;
    r->accuracy_unmasked = n ? (double)(correct + unmasked_extra) / ((double)n * m->cfg.max_length) : NAN;
    free(idx);
    free(ws.carry);
    nmt_batch_free(&b);
    nmt_ws_free(&ws);
    return 0;
}

static void format_hms(char *buf, size_t cap, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

/* The whole log (all epochs so far) is rewritten to a temporary file and renamed. */
static int write_log(const char *path, const nmt_epoch_record *h, int n) {
    size_t cap = 1024, len = 0;
    char *buf = nmt_xmalloc(cap);
    for (int i = 0; i < n; i++) {
        char *line = nmt_json_epoch_record(&h[i]);
        size_t l = strlen(line);
        if (len + l + 2 > cap) buf = nmt_xrealloc(buf, cap = 2 * (len + l + 2));
        memcpy(buf + len, line, l);
        len += l;
        buf[len++] = '\n';
        free(line);
    }
    int rc = nmt_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}

int nmt_train(nmt_model *m, const nmt_data *d, const nmt_train_opts *o) {
    const nmt_examples *tr = &d->train;
    nmt_numerics_init();
    const int bsz = o->batch_size;
    if (tr->n == 0) return nmt_error("no training examples");
    const long nb_full = (long)((tr->n + bsz - 1) / bsz);
    const long nb = o->max_batches > 0 && o->max_batches < nb_full ? o->max_batches : nb_full;

    // everything the loop needs, allocated once
    float *grads = nmt_xalloc_aligned(m->table.total * sizeof(float));
    nmt_nadam opt;
    nmt_nadam_init(&opt, o->nadam, m->table.total);
    opt.lr = o->lr;
    nmt_ws ws;
    nmt_batch b;
    if (nmt_ws_alloc(&ws, &m->cfg, bsz, o->precision, 1)) {
        free(grads);
        nmt_nadam_free(&opt);
        return -1;
    }
    nmt_batch_alloc(&b, bsz, m->cfg.max_length);
    opt.hook = nmt_ws_update_hook(&ws, m->params);   // Nadam refreshes ws's packed copies as it updates the weights
    const size_t carry_n = o->stateful ? (size_t)bsz * ws.arch->info->state_size(&m->cfg) : 0;
    if (o->stateful) ws.carry = nmt_xalloc_aligned(sizeof(float) * carry_n);
    uint32_t *perm = nmt_xmalloc(sizeof(uint32_t) * tr->n);
    uint8_t **present = nmt_xcalloc((size_t)m->table.n, sizeof *present);
    for (int i = 0; i < m->table.n; i++)
        if (m->table.p[i].lookup) present[i] = nmt_xcalloc((size_t)m->table.p[i].shape[0], 1);
    nmt_rng rng;
    nmt_rng_seed(&rng, o->seed ^ 0x5eed0001u);
    m->history = nmt_xrealloc(m->history, sizeof(nmt_epoch_record) * (m->n_history + o->epochs));
    int tty = o->progress && isatty(2);
    int rc = 0;

    for (int epoch = 1; epoch <= o->epochs; epoch++) {
        for (size_t i = 0; i < tr->n; i++) perm[i] = (uint32_t)i;
        if (o->stateful)
            memset(ws.carry, 0, sizeof(float) * carry_n);   // streams in order, from zeros at each epoch's start
        else
            nmt_rng_shuffle_u32(&rng, perm, tr->n);   // a full reshuffle every epoch
        double t0 = now_s(), last_print = 0, wsum = 0;
        long correct = 0, tokens = 0, trained_tokens = 0, sentences = 0;
        for (long bi = 0; bi < nb; bi++) {
            long start = bi * bsz;
            int B = (int)((long)tr->n - start < bsz ? (long)tr->n - start : bsz);
            pack_examples(&b, tr, perm + start, B);
            // grads are zero here: allocated zeroed, and each Nadam step zeroes what it consumed
            // Keras >= 2.10 loss: mean cross-entropy over this batch's real target tokens
            nmt_ws_forward_backward(&ws, m->params, grads, &b, 1.0f / b.dec.ntok);
            if (o->nadam == NMT_NADAM_LEGACY) mark_present(present, &m->table, &b);
            nmt_nadam_step(&opt, &m->table, m->params, grads, present);
            double ls;
            long c;
            batch_stats(&ws, &b, &ls, &c);
            wsum += B * (ls / b.dec.ntok);
            sentences += B;
            correct += c;
            tokens += b.dec.ntok;
            trained_tokens += b.enc.ntok + b.dec.ntok;
            double t = now_s() - t0;
            if (tty && (t - last_print > 0.5 || bi + 1 == nb)) {
                char eta[32];
                format_hms(eta, sizeof eta, t / (bi + 1) * (nb - bi - 1));
                fprintf(stderr, "\rEpoch %d/%d  batch %ld/%ld  loss %.4f  accuracy %.4f  %.0f tok/s  ETA %s   ",
                        epoch, o->epochs, bi + 1, nb, wsum / sentences, (double)correct / tokens,
                        trained_tokens / t, eta);
                last_print = t;
            }
        }
        double train_s = now_s() - t0;
        if (tty) fputc('\n', stderr);
        nmt_eval_result ev;
        nmt_evaluate(m, &d->valid, bsz, o->max_valid, o->precision, o->stateful, &ev);
        nmt_epoch_record *rec = &m->history[m->n_history++];
        rec->epoch = m->n_history;
        rec->loss = wsum / sentences;
        rec->accuracy = (double)correct / tokens;
        rec->val_loss = ev.loss;
        rec->val_accuracy = ev.accuracy;
        rec->val_accuracy_unmasked = ev.accuracy_unmasked;
        rec->val_tokens = ev.tokens;
        rec->seconds = train_s;
        rec->tokens_per_s = trained_tokens / train_s;
        fprintf(stderr,
                "epoch %d: loss %.4f - accuracy %.4f - val_loss %.4f - val_accuracy %.4f - "
                "val_accuracy_unmasked %.4f - %.0fs (%.0f tok/s)\n",
                rec->epoch, rec->loss, rec->accuracy, rec->val_loss, rec->val_accuracy,
                rec->val_accuracy_unmasked, rec->seconds, rec->tokens_per_s);
        if (o->log_path && write_log(o->log_path, m->history, m->n_history)) {
            rc = -1;
            break;
        }
        if (o->out_path && nmt_model_save(m, o->out_path)) {
            rc = -1;
            break;
        }
    }
    for (int i = 0; i < m->table.n; i++) free(present[i]);
    free(present);
    free(perm);
    free(grads);
    free(ws.carry);
    nmt_batch_free(&b);
    nmt_ws_free(&ws);
    nmt_nadam_free(&opt);
    return rc;
}
