/* The translator (decode.h): batches encoded through the model interface, then
 * greedy decoding here or the beam search of beam.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "decode/decode.h"
#include "nmt.h"

static float *falloc(long n) { return nmt_xalloc_aligned(sizeof(float) * (size_t)(n > 0 ? n : 1)); }

int nmt_translator_init(nmt_translator *tr, const nmt_model *m, int maxB, const nmt_decode_opts *opt) {
    nmt_numerics_init();
    memset(tr, 0, sizeof *tr);
    const nmt_arch_info *a = nmt_arch_info_find(m->cfg.arch);
    if (!a || a->lm)
        return nmt_error("the model is a language model (%s): it continues a text (nmt generate) and does not translate",
                         m->cfg.arch);
    const int V = m->cfg.tgt_vocab, L = m->cfg.max_length;
    tr->opt = opt ? *opt : (nmt_decode_opts){.beam = 1, .n_best = 1};
    const nmt_decode_opts *o = &tr->opt;
    if (o->beam < 1 || o->beam > NMT_BEAM_MAX) return nmt_error("beam width %d: must be 1..%d", o->beam, NMT_BEAM_MAX);
    if (o->n_best < 1 || o->n_best > o->beam)
        return nmt_error("n-best %d: must be 1..%d (the beam width)", o->n_best, o->beam);
    if (!(o->length_penalty >= 0 && o->length_penalty <= 10))
        return nmt_error("length penalty %g: must be 0..10", o->length_penalty);
    if (maxB <= 0 || maxB > NMT_TRANSLATE_MAX_BATCH) maxB = NMT_TRANSLATE_MAX_BATCH;
    if (nmt_ws_alloc(&tr->ws, &m->cfg, maxB, NMT_FP32, 0)) return -1;
    nmt_ws_hold_weights(&tr->ws, m->params);   // packed once
    tr->m = m;
    tr->maxB = maxB;
    tr->S = nmt_arch_info_find(m->cfg.arch)->state_size(&m->cfg);
    const long H = (long)maxB * o->beam, R = (long)maxB * o->n_best;   // decoder rows, results
    nmt_batch_alloc(&tr->b, maxB, L);
    tr->src = nmt_xcalloc((size_t)maxB * L + 1, sizeof(int32_t));
    tr->slen = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    tr->state0 = falloc((long)maxB * tr->S);
    tr->state = falloc(H * tr->S);
    tr->state2 = falloc(H * tr->S);
    tr->logits = falloc(H * V);
    tr->prev = nmt_xcalloc((size_t)H + 1, sizeof(int32_t));
    tr->row = nmt_xcalloc((size_t)H + 1, sizeof(int));
    tr->ids = nmt_xcalloc((size_t)R * L + 1, sizeof(int32_t));
    tr->nids = nmt_xcalloc((size_t)R + 1, sizeof(int));
    tr->score = nmt_xcalloc((size_t)R + 1, sizeof(double));
    tr->nfound = nmt_xcalloc((size_t)maxB, sizeof(int));
    tr->out = nmt_xcalloc((size_t)R, sizeof(char *));
    tr->out_len = nmt_xcalloc((size_t)R, sizeof(size_t));
    tr->out_cap = nmt_xcalloc((size_t)R, sizeof(size_t));
    for (long i = 0; i < R; i++) {
        tr->out_cap[i] = 128;
        tr->out[i] = nmt_xmalloc(tr->out_cap[i]);
        tr->out[i][0] = 0;
    }
    // the beam search's buffers (also for a beam of 1: tests compare it with greedy decoding)
    tr->hyp = nmt_xcalloc((size_t)H, sizeof(nmt_hyp));
    tr->hyp2 = nmt_xcalloc((size_t)H, sizeof(nmt_hyp));
    tr->htok = nmt_xcalloc((size_t)H * L, sizeof(int32_t));
    tr->htok2 = nmt_xcalloc((size_t)H * L, sizeof(int32_t));
    tr->nhyp = nmt_xcalloc((size_t)maxB, sizeof(int));
    tr->lse = falloc(H);
    tr->tf_ids = nmt_xcalloc((size_t)2 * L + 2, sizeof(int32_t));
    return 0;
}

void nmt_translator_free(nmt_translator *tr) {
    if (!tr->m) return;
    nmt_ws_free(&tr->ws);
    nmt_batch_free(&tr->b);
    void *bufs[] = {tr->src,   tr->slen,    tr->state0, tr->state, tr->state2, tr->logits, tr->prev,
                    tr->row,   tr->ids,     tr->nids,   tr->score, tr->nfound, tr->out_len, tr->out_cap, tr->hyp,
                    tr->hyp2,  tr->htok,    tr->htok2,  tr->nhyp,  tr->lse, tr->tf_ids};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    for (long i = 0; i < (long)tr->maxB * tr->opt.n_best; i++) free(tr->out[i]);
    free(tr->out);
    memset(tr, 0, sizeof *tr);
}

// tokens of a word vocabulary are joined by single spaces, characters by nothing
void nmt_translation_append(nmt_translator *tr, long k, int id) {
    const char *tok = nmt_vocab_token(tr->m->tgt_vocab, id);
    size_t n = strlen(tok), len = tr->out_len[k];
    if (len + n + 2 > tr->out_cap[k]) {
        while (len + n + 2 > tr->out_cap[k]) tr->out_cap[k] *= 2;
        tr->out[k] = nmt_xrealloc(tr->out[k], tr->out_cap[k]);
    }
    if (len && nmt_vocab_split(tr->m->tgt_vocab) != NMT_SPLIT_CHARACTER) tr->out[k][len++] = ' ';
    memcpy(tr->out[k] + len, tok, n);
    tr->out_len[k] = len + n;
    tr->out[k][len + n] = 0;
    tr->ids[k * tr->m->cfg.max_length + tr->nids[k]++] = id;
}

void nmt_translate_encode(nmt_translator *tr, const char *const *sentences, int n) {
    const nmt_model *m = tr->m;
    const int L = m->cfg.max_length;
    const int32_t *rows[NMT_TRANSLATE_MAX_BATCH] = {0};
    for (int i = 0; i < n; i++) {
        tr->slen[i] = nmt_vectorize(m->src_vocab, sentences[i], tr->src + (long)i * L, L);
        rows[i] = tr->src + (long)i * L;
    }
    for (long k = 0; k < (long)n * tr->opt.n_best; k++) {
        tr->out_len[k] = 0;
        tr->out[k][0] = 0;
        tr->nids[k] = 0;
        tr->score[k] = NAN;
    }
    for (int i = 0; i < n; i++) tr->nfound[i] = 0;
    nmt_batch_build(&tr->b, n, rows, tr->slen, NULL, NULL, NULL);
    // every sentence's decoder state after its source (encoder row order)
    nmt_ws_encode(&tr->ws, m->params, &tr->b, tr->state0);
}

void nmt_translate_batch(nmt_translator *tr, const char *const *sentences, int n) {
    if (n > tr->maxB) n = tr->maxB;
    nmt_translate_encode(tr, sentences, n);
    // greedy decoding computes no scores: asked for, they come from the beam search (a beam of 1 is greedy)
    if (tr->opt.beam > 1 || tr->opt.scores) nmt_decode_beam(tr, n);
    else nmt_decode_greedy(tr, n);
}

void nmt_decode_greedy(nmt_translator *tr, int n) {
    const nmt_model *m = tr->m;
    const int V = m->cfg.tgt_vocab, L = m->cfg.max_length, S = tr->S;
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    const int eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    for (int r = 0; r < n; r++) {
        tr->row[r] = r;
        tr->prev[r] = sos;
        tr->nfound[r] = 1;
    }
    const float *state_in = tr->state0;
    int active = n;
    for (int s = 0; s < L && active > 0; s++) {
        // one decoder step for every unfinished sentence
        nmt_ws_decode_step(&tr->ws, m->params, active, tr->prev, tr->row, state_in, tr->state2, tr->logits);
        int kept = 0;
        for (int r = 0; r < active; r++) {
            const float *lg = tr->logits + (long)r * V;
            int best = 0;   // argmax, first index on ties (as the training forward's prediction)
            for (int j = 1; j < V; j++)
                if (lg[j] > lg[best]) best = j;
            if (best == eos) continue;
            nmt_translation_append(tr, tr->b.enc_orig[tr->row[r]], best);
            // keep the row: compact its state
            memcpy(tr->state + (long)kept * S, tr->state2 + (long)r * S, sizeof(float) * S);
            tr->row[kept] = tr->row[r];
            tr->prev[kept] = best;
            kept++;
        }
        active = kept;
        state_in = tr->state;
    }
}

const char *nmt_translation(const nmt_translator *tr, int i) { return tr->out[(long)i * tr->opt.n_best]; }

const int32_t *nmt_translation_ids(const nmt_translator *tr, int i, int *n) {
    return nmt_translation_nbest_ids(tr, i, 0, n);
}

const int32_t *nmt_translation_nbest_ids(const nmt_translator *tr, int i, int k, int *n) {
    const long r = (long)i * tr->opt.n_best + k;
    *n = tr->nids[r];
    return tr->ids + r * tr->m->cfg.max_length;
}

const char *nmt_translation_nbest(const nmt_translator *tr, int i, int k, double *score) {
    const long r = (long)i * tr->opt.n_best + k;
    if (score) *score = k < tr->nfound[i] ? tr->score[r] : NAN;
    return k < tr->nfound[i] ? tr->out[r] : NULL;
}

float *nmt_translation_attention(nmt_translator *tr, int i, int k, const int32_t **src_ids, int *n_src,
                                 const int32_t **out_ids, int *n_out) {
    const nmt_model *m = tr->m;
    const int L = m->cfg.max_length;
    if (!nmt_ws_act(&tr->ws, "attention.weights")) {
        nmt_error("the %s architecture has no attention weights", m->cfg.arch);
        return NULL;
    }
    int n;
    const int32_t *ids = nmt_translation_nbest_ids(tr, i, k, &n);
    // decoder input [startofseq] + y, target y + [endofseq], both cut to L
    int32_t *din = tr->tf_ids, *tgt = tr->tf_ids + L + 1;
    din[0] = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    for (int j = 0; j < n && j + 1 < L; j++) din[j + 1] = ids[j];
    memcpy(tgt, ids, sizeof(int32_t) * (size_t)n);
    const int dlen = n < L ? n + 1 : L;
    if (n < L) tgt[n] = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    const int32_t *src = tr->src + (long)i * L, *sp[1] = {src}, *dp[1] = {din}, *tp[1] = {tgt};
    nmt_batch b;
    nmt_batch_alloc(&b, 1, L);
    nmt_batch_build(&b, 1, sp, &tr->slen[i], dp, tp, &dlen);
    nmt_ws_forward_backward(&tr->ws, m->params, NULL, &b, 1);
    const float *aw = nmt_ws_act(&tr->ws, "attention.weights");   // (dec.ntok, enc.T)
    const int S = tr->slen[i];
    float *w = nmt_xcalloc((size_t)dlen * S + 1, sizeof(float));
    for (int t = 0; t < dlen; t++) memcpy(w + (long)t * S, aw + (long)b.dec.off[t] * b.enc.T, sizeof(float) * S);
    nmt_batch_free(&b);
    *src_ids = src, *n_src = S, *out_ids = tgt, *n_out = dlen;
    return w;
}

const char *nmt_translate(nmt_translator *tr, const char *sentence) {
    nmt_translate_batch(tr, &sentence, 1);
    return nmt_translation(tr, 0);
}
