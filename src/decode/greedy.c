#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nmt.h"
#include "decode/decode.h"
#include "layers/layers.h"

void nmt_translator_init(nmt_translator *tr, const nmt_model *m) {
    memset(tr, 0, sizeof *tr);
    nmt_numerics_init();
    tr->m = m;
    nmt_ws_alloc(&tr->ws, &m->cfg, 1);
    nmt_batch_alloc(&tr->b, 1, m->cfg.max_length);
    nmt_packed_alloc(&tr->step, 1, 1);
    tr->step.len[0] = 1;
    nmt_packed_layout(&tr->step, 1);
    tr->h = nmt_xalloc_aligned(sizeof(float) * m->cfg.units);
    tr->c = nmt_xalloc_aligned(sizeof(float) * m->cfg.units);
    tr->logits = nmt_xalloc_aligned(sizeof(float) * m->cfg.tgt_vocab);
    tr->out_cap = 256;
    tr->out = nmt_xmalloc(tr->out_cap);
}

void nmt_translator_free(nmt_translator *tr) {
    nmt_ws_free(&tr->ws);
    nmt_batch_free(&tr->b);
    nmt_packed_free(&tr->step);
    free(tr->h);
    free(tr->c);
    free(tr->logits);
    free(tr->out);
    memset(tr, 0, sizeof *tr);
}

static void append(nmt_translator *tr, size_t *len, const char *tok) {
    size_t n = strlen(tok);
    if (*len + n + 2 > tr->out_cap) {
        while (*len + n + 2 > tr->out_cap) tr->out_cap *= 2;
        tr->out = nmt_xrealloc(tr->out, tr->out_cap);
    }
    if (*len) tr->out[(*len)++] = ' ';
    memcpy(tr->out + *len, tok, n);
    *len += n;
    tr->out[*len] = 0;
}

const char *nmt_translate(nmt_translator *tr, const char *sentence) {
    const nmt_model *m = tr->m;
    const nmt_param_table *tab = &m->table;
    const int E = m->cfg.embed, u = m->cfg.units, V = m->cfg.tgt_vocab, L = m->cfg.max_length;
    nmt_ws *ws = &tr->ws;
    int32_t src[L > 0 ? L : 1];
    int slen = nmt_vectorize(m->src_vocab, sentence, src, L);
    const int32_t *srcp = src;
    nmt_batch_build(&tr->b, 1, &srcp, &slen, NULL, NULL, NULL);
    seq2seq_encode(ws, tab, m->params, &tr->b);
    memcpy(tr->h, ws->enc_hT, sizeof(float) * u);
    memcpy(tr->c, ws->enc_cT, sizeof(float) * u);
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    const int eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    int32_t prev = sos;
    size_t len = 0;
    tr->out[0] = 0;
    for (int s = 0; s < L; s++) {
        // one decoder step: x = emb[prev]; (h, c) <- LSTM(x, h, c); logits = Dense(h)
        embedding_forward(ws->dec_x, &prev, m->params + tab->p[NMT_P_DEC_EMB].offset, 1, E);
        lstm_forward(ws->dec_h, ws->dec_c, ws->dec_z, ws->dec_hT, ws->dec_cT, ws->dec_x, tr->h, tr->c,
                     m->params + tab->p[NMT_P_DEC_W].offset, m->params + tab->p[NMT_P_DEC_U].offset,
                     m->params + tab->p[NMT_P_DEC_B].offset, &tr->step, E, u);
        memcpy(tr->h, ws->dec_hT, sizeof(float) * u);
        memcpy(tr->c, ws->dec_cT, sizeof(float) * u);
        dense_forward(tr->logits, tr->h, m->params + tab->p[NMT_P_OUT_W].offset,
                      m->params + tab->p[NMT_P_OUT_B].offset, 1, u, V);
        int best = 0;   // argmax, first index on ties
        for (int j = 1; j < V; j++)
            if (tr->logits[j] > tr->logits[best]) best = j;
        if (best == eos) break;
        append(tr, &len, nmt_vocab_token(m->tgt_vocab, best));
        prev = best;
    }
    return tr->out;
}
