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
#include "models/arch.h"
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

/* The test hooks (train.h): "E:B:X" parsed into epoch, batch and the rest. */
static int test_hook(const char *name, long *epoch, long *batch, char *rest, size_t cap) {
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    char fmt[32];
    snprintf(fmt, sizeof fmt, "%%ld:%%ld:%%%zus", cap - 1);
    return sscanf(v, fmt, epoch, batch, rest) == 3;
}

/* 1 if every value of x[0..n) is finite: no exponent field all ones (NaN,
 * infinity). Integer ORs, shared among the threads. (The
 * gradients are checked by Nadam's own pass; this checks the weights once
 * per epoch.) */
static int all_finite(const float *x, size_t n) {
    uint32_t bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) if (n >= 65536)
    for (size_t k = 0; k < n; k++) {
        uint32_t u;
        memcpy(&u, x + k, sizeof u);
        bad |= (u & 0x7f800000u) == 0x7f800000u;
    }
    return !bad;
}

/* The loop's state that a checkpoint holds, besides the model's weights. */
typedef struct {
    nmt_nadam *opt;
    nmt_rng *rng;
    uint32_t *perm;
    size_t n_perm;
    float *carry;
    size_t n_carry;
    long nb;
    double wsum, seconds;
    long correct, tokens, trained_tokens, sentences;
} loop_state;

static int save_ckpt(const nmt_model *m, const nmt_train_opts *o, const loop_state *L, long epoch, long batch,
                     int in_epoch) {
    nmt_ckpt c = {.run = (char *)o->run, .epoch = epoch, .batch = batch, .in_epoch = in_epoch, .nb = L->nb,
                  .total = m->table.total, .params = m->params, .m = L->opt->m, .v = L->opt->v,
                  .opt_t = L->opt->t, .uprod = L->opt->uprod, .rng = *L->rng, .perm = L->perm,
                  .n_perm = L->n_perm, .carry = L->carry, .n_carry = L->n_carry, .wsum = L->wsum,
                  .seconds = L->seconds, .correct = L->correct, .tokens = L->tokens,
                  .trained_tokens = L->trained_tokens, .sentences = L->sentences, .history = m->history,
                  .n_history = m->n_history};
    if (nmt_ckpt_save(&c, o->ckpt_path)) return -1;
    if (o->status) o->status->ckpt_written = 1;
    return 0;
}

/* Where the last good state is, for the message of a numerical fault. */
static int fault(const nmt_train_opts *o, int saved_epoch, const char *where, const char *what) {
    char model[256] = "", ckpt[256] = "";
    if (o->out_path && saved_epoch)
        snprintf(model, sizeof model, "; %s keeps epoch %d's weights", o->out_path, saved_epoch);
    else if (o->out_path && o->resume)
        snprintf(model, sizeof model, "; this run did not write %s", o->out_path);
    else if (o->out_path)
        snprintf(model, sizeof model, "; no model file was written");
    if (o->ckpt_path && o->status && o->status->ckpt_written)
        snprintf(ckpt, sizeof ckpt, "; the last checkpoint, %s, is before it", o->ckpt_path);
    return nmt_error("%s: %s; training stopped%s%s (a smaller --lr may help)", where, what, model, ckpt);
}

int nmt_train(nmt_model *m, const nmt_data *d, const nmt_train_opts *o) {
    const nmt_examples *tr = &d->train;
    nmt_numerics_init();
    const int bsz = o->batch_size;
    if (tr->n == 0) return nmt_error("no training examples");
    const long nb_full = (long)((tr->n + bsz - 1) / bsz);
    const long nb = o->max_batches > 0 && o->max_batches < nb_full ? o->max_batches : nb_full;
    const nmt_ckpt *ck = o->resume;
    if (ck) {   // the run was checked (nmt_ckpt_check_run); the sizes must follow
        size_t carry_want = o->stateful ? (size_t)bsz * nmt_arch_info_find(m->cfg.arch)->state_size(&m->cfg) : 0;
        if (ck->total != m->table.total || ck->nb != nb || (ck->in_epoch && ck->n_perm != tr->n) ||
            (ck->in_epoch && ck->n_carry != carry_want) || ck->epoch > o->epochs || ck->n_history != ck->epoch - 1)
            return nmt_error("the checkpoint does not fit this model and data (%zu weights, %ld batches per epoch, "
                             "epoch %ld; expected %zu weights, %ld batches)",
                             ck->total, ck->nb, ck->epoch, m->table.total, nb);
        for (size_t i = 0; ck->in_epoch && i < tr->n; i++)
            if (ck->perm[i] >= tr->n) return nmt_error("the checkpoint's batch order is invalid");
    }

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
    loop_state L = {.opt = &opt, .rng = &rng, .perm = perm, .n_perm = tr->n, .carry = ws.carry, .n_carry = carry_n,
                    .nb = nb};
    int first_epoch = 1;
    long first_batch = 0;
    if (ck) {
        memcpy(m->params, ck->params, sizeof(float) * ck->total);
        memcpy(opt.m, ck->m, sizeof(float) * ck->total);
        memcpy(opt.v, ck->v, sizeof(float) * ck->total);
        opt.t = ck->opt_t;
        opt.uprod = ck->uprod;
        rng = ck->rng;
        free(m->history);
        m->history = nmt_xcalloc((size_t)ck->n_history + 1, sizeof *m->history);
        if (ck->n_history) memcpy(m->history, ck->history, sizeof *m->history * (size_t)ck->n_history);
        m->n_history = ck->n_history;
        first_epoch = (int)ck->epoch;
        if (ck->in_epoch) {
            first_batch = ck->batch;
            memcpy(perm, ck->perm, sizeof(uint32_t) * tr->n);
            if (carry_n) memcpy(ws.carry, ck->carry, sizeof(float) * carry_n);
            L.wsum = ck->wsum, L.seconds = ck->seconds, L.correct = ck->correct, L.tokens = ck->tokens;
            L.trained_tokens = ck->trained_tokens, L.sentences = ck->sentences;
        }
    }
    m->history = nmt_xrealloc(m->history, sizeof(nmt_epoch_record) * (size_t)(m->n_history + o->epochs + 1));
    int tty = o->progress && isatty(2);
    int rc = 0, saved_epoch = 0;
    long kill_e = 0, kill_b = 0, poison_e = 0, poison_b = 0;
    char kill_sig[16] = "", poison_what[16] = "";
    test_hook("NMT_TEST_KILL", &kill_e, &kill_b, kill_sig, sizeof kill_sig);
    test_hook("NMT_TEST_POISON", &poison_e, &poison_b, poison_what, sizeof poison_what);

    for (int epoch = first_epoch; epoch <= o->epochs && rc == 0; epoch++) {
        const int resumed = epoch == first_epoch && ck && ck->in_epoch;
        if (!resumed) {
            for (size_t i = 0; i < tr->n; i++) perm[i] = (uint32_t)i;
            if (o->stateful)
                memset(ws.carry, 0, sizeof(float) * carry_n);   // streams in order, from zeros at each epoch's start
            else
                nmt_rng_shuffle_u32(&rng, perm, tr->n);   // a full reshuffle every epoch
            L.wsum = L.seconds = 0;
            L.correct = L.tokens = L.trained_tokens = L.sentences = 0;
        }
        double t0 = now_s(), last_print = 0, seconds0 = L.seconds;
        long saved_batch = -1;   // the position of this run's last checkpoint in this epoch
        for (long bi = resumed ? first_batch : 0;; bi++) {
            L.seconds = seconds0 + (now_s() - t0);
            if (o->stop && *o->stop) {   // a signal: the batch before this one is done
                if (o->status) o->status->epoch = epoch, o->status->batch = bi, o->status->nb = nb;
                if (o->ckpt_path && saved_batch != bi && save_ckpt(m, o, &L, epoch, bi, 1)) rc = -1;
                if (!rc) rc = NMT_TRAIN_STOPPED;
                break;
            }
            if (bi == nb) break;
            long start = bi * bsz;
            int B = (int)((long)tr->n - start < bsz ? (long)tr->n - start : bsz);
            pack_examples(&b, tr, perm + start, B);
            // grads are zero here: allocated zeroed, and each Nadam step zeroes what it consumed
            // Keras >= 2.10 loss: mean cross-entropy over this batch's real target tokens
            nmt_ws_forward_backward(&ws, m->params, grads, &b, 1.0f / b.dec.ntok);
            double ls;
            long c;
            batch_stats(&ws, &b, &ls, &c);
            if (epoch == poison_e && bi + 1 == poison_b) {
                if (!strcmp(poison_what, "loss")) ls = NAN;
                else grads[m->table.p[m->table.n - 1].offset] = NAN;
            }
            // a non-finite loss (before the update) or gradient (found by the update's
            // own pass over them, which reads them anyway): stop, writing nothing more
            if (isfinite(ls)) {
                if (o->nadam == NMT_NADAM_LEGACY) mark_present(present, &m->table, &b);
                nmt_nadam_step(&opt, &m->table, m->params, grads, present);
            }
            if (!isfinite(ls) || opt.nonfinite >= 0) {
                char where[64], what[160];
                snprintf(where, sizeof where, "epoch %d, batch %ld of %ld", epoch, bi + 1, nb);
                if (!isfinite(ls)) snprintf(what, sizeof what, "the loss is %s", ls != ls ? "NaN" : "infinite");
                else snprintf(what, sizeof what, "a gradient of '%s' is not finite", m->table.p[opt.nonfinite].name);
                rc = fault(o, saved_epoch, where, what);
                break;
            }
            L.wsum += B * (ls / b.dec.ntok);
            L.sentences += B;
            L.correct += c;
            L.tokens += b.dec.ntok;
            L.trained_tokens += b.enc.ntok + b.dec.ntok;
            double t = now_s() - t0;
            if (tty && (t - last_print > 0.5 || bi + 1 == nb)) {
                char eta[32];
                long done = bi + 1 - (resumed ? first_batch : 0);
                format_hms(eta, sizeof eta, t / done * (nb - bi - 1));
                fprintf(stderr, "\rEpoch %d/%d  batch %ld/%ld  loss %.4f  accuracy %.4f  %.0f tok/s  ETA %s   ",
                        epoch, o->epochs, bi + 1, nb, L.wsum / L.sentences, (double)L.correct / L.tokens,
                        L.trained_tokens / (seconds0 + t), eta);
                last_print = t;
            }
            if (epoch == kill_e && bi + 1 == kill_b) raise(atoi(kill_sig));
            if (o->ckpt_path && o->ckpt_every > 0 && (bi + 1) % o->ckpt_every == 0 && bi + 1 < nb) {
                L.seconds = seconds0 + (now_s() - t0);
                if (save_ckpt(m, o, &L, epoch, bi + 1, 1)) {
                    rc = -1;
                    break;
                }
                saved_batch = bi + 1;
            }
        }
        if (tty) fputc('\n', stderr);
        if (rc) break;
        double train_s = L.seconds;
        nmt_eval_result ev;
        nmt_evaluate(m, &d->valid, bsz, o->max_valid, o->precision, o->stateful, &ev);
        nmt_epoch_record *rec = &m->history[m->n_history++];
        rec->epoch = m->n_history;
        rec->loss = L.wsum / L.sentences;
        rec->accuracy = (double)L.correct / L.tokens;
        rec->val_loss = ev.loss;
        rec->val_accuracy = ev.accuracy;
        rec->val_accuracy_unmasked = ev.accuracy_unmasked;
        rec->val_tokens = ev.tokens;
        rec->seconds = train_s;
        rec->tokens_per_s = L.trained_tokens / train_s;
        fprintf(stderr,
                "epoch %d: loss %.4f - accuracy %.4f - val_loss %.4f - val_accuracy %.4f - "
                "val_accuracy_unmasked %.4f - %.0fs (%.0f tok/s)\n",
                rec->epoch, rec->loss, rec->accuracy, rec->val_loss, rec->val_accuracy,
                rec->val_accuracy_unmasked, rec->seconds, rec->tokens_per_s);
        if (!all_finite(m->params, m->table.total)) {   // never save broken weights over good ones
            char where[32];
            snprintf(where, sizeof where, "epoch %d", epoch);
            rc = fault(o, saved_epoch, where, "the weights are not finite at its end");
            break;
        }
        if (o->log_path && write_log(o->log_path, m->history, m->n_history)) {
            rc = -1;
            break;
        }
        if (o->out_path && nmt_model_save(m, o->out_path)) {
            rc = -1;
            break;
        }
        saved_epoch = epoch;
        // the next epoch not started: its order and state come from the generator then
        const int stop = o->stop && *o->stop;
        if (o->ckpt_path && (o->ckpt_epochs || stop) && epoch < o->epochs) {
            if (save_ckpt(m, o, &L, epoch + 1, 0, 0)) {
                rc = -1;
                break;
            }
        }
        if (stop && epoch < o->epochs) {
            if (o->status) o->status->epoch = epoch + 1, o->status->batch = 0, o->status->nb = nb;
            rc = NMT_TRAIN_STOPPED;
        }
    }
    // every epoch done: the model file holds the result, the checkpoint has nothing to add
    if (rc == 0 && o->ckpt_path) remove(o->ckpt_path);
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
