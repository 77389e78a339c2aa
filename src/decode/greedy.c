/* Batched greedy decoding over the model interface (see decode.h). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "decode/decode.h"
#include "nmt.h"

static float *falloc(long n) { return nmt_xalloc_aligned(sizeof(float) * (size_t)(n > 0 ? n : 1)); }

int nmt_translator_init(nmt_translator *tr, const nmt_model *m, int maxB) {
    nmt_numerics_init();
    memset(tr, 0, sizeof *tr);
    if (maxB <= 0 || maxB > NMT_TRANSLATE_MAX_BATCH) maxB = NMT_TRANSLATE_MAX_BATCH;
    if (nmt_ws_alloc(&tr->ws, &m->cfg, maxB, NMT_FP32, 0)) return -1;
    nmt_ws_hold_weights(&tr->ws, m->params);   // packed once
    tr->m = m;
    tr->maxB = maxB;
    tr->S = nmt_arch_info_find(m->cfg.arch)->state_size(&m->cfg);
    const int V = m->cfg.tgt_vocab, L = m->cfg.max_length;
    nmt_batch_alloc(&tr->b, maxB, L);
    tr->src = nmt_xcalloc((size_t)maxB * L + 1, sizeof(int32_t));
    tr->slen = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    tr->state0 = falloc((long)maxB * tr->S);
    tr->state = falloc((long)maxB * tr->S);
    tr->state2 = falloc((long)maxB * tr->S);
    tr->logits = falloc((long)maxB * V);
    tr->prev = nmt_xcalloc((size_t)maxB + 1, sizeof(int32_t));
    tr->row = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    tr->ids = nmt_xcalloc((size_t)maxB * L + 1, sizeof(int32_t));
    tr->nids = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    tr->out = nmt_xcalloc((size_t)maxB, sizeof(char *));
    tr->out_len = nmt_xcalloc((size_t)maxB, sizeof(size_t));
    tr->out_cap = nmt_xcalloc((size_t)maxB, sizeof(size_t));
    for (int i = 0; i < maxB; i++) {
        tr->out_cap[i] = 128;
        tr->out[i] = nmt_xmalloc(tr->out_cap[i]);
        tr->out[i][0] = 0;
    }
    return 0;
}

void nmt_translator_free(nmt_translator *tr) {
    if (!tr->m) return;
    nmt_ws_free(&tr->ws);
    nmt_batch_free(&tr->b);
    void *bufs[] = {tr->src, tr->slen, tr->state0, tr->state, tr->state2, tr->logits, tr->prev, tr->row,
                    tr->ids, tr->nids, tr->out_len, tr->out_cap};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    for (int i = 0; i < tr->maxB; i++) free(tr->out[i]);
    free(tr->out);
    memset(tr, 0, sizeof *tr);
}

static void append(nmt_translator *tr, int i, const char *tok) {
    size_t n = strlen(tok), len = tr->out_len[i];
    if (len + n + 2 > tr->out_cap[i]) {
        while (len + n + 2 > tr->out_cap[i]) tr->out_cap[i] *= 2;
        tr->out[i] = nmt_xrealloc(tr->out[i], tr->out_cap[i]);
    }
    if (len) tr->out[i][len++] = ' ';
    memcpy(tr->out[i] + len, tok, n);
    tr->out_len[i] = len + n;
    tr->out[i][len + n] = 0;
}

void nmt_translate_batch(nmt_translator *tr, const char *const *sentences, int n) {
    const nmt_model *m = tr->m;
    const int V = m->cfg.tgt_vocab, L = m->cfg.max_length, S = tr->S;
    if (n > tr->maxB) n = tr->maxB;
    const int32_t *rows[NMT_TRANSLATE_MAX_BATCH] = {0};
    for (int i = 0; i < n; i++) {
        tr->slen[i] = nmt_vectorize(m->src_vocab, sentences[i], tr->src + (long)i * L, L);
        rows[i] = tr->src + (long)i * L;
        tr->out_len[i] = 0;
        tr->out[i][0] = 0;
        tr->nids[i] = 0;
    }
    nmt_batch_build(&tr->b, n, rows, tr->slen, NULL, NULL, NULL);
    // every sentence's decoder state after its source (encoder row order)
    nmt_ws_encode(&tr->ws, m->params, &tr->b, tr->state0);
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    const int eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    for (int r = 0; r < n; r++) {
        tr->row[r] = r;
        tr->prev[r] = sos;
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
            const int i = tr->b.enc_orig[tr->row[r]];
            append(tr, i, nmt_vocab_token(m->tgt_vocab, best));
            tr->ids[(long)i * L + tr->nids[i]++] = best;
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

const char *nmt_translation(const nmt_translator *tr, int i) { return tr->out[i]; }

const int32_t *nmt_translation_ids(const nmt_translator *tr, int i, int *n) {
    *n = tr->nids[i];
    return tr->ids + (long)i * tr->m->cfg.max_length;
}

const char *nmt_translate(nmt_translator *tr, const char *sentence) {
    nmt_translate_batch(tr, &sentence, 1);
    return tr->out[0];
}
