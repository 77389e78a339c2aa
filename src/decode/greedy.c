/* Batched greedy decoding with pre-packed weights (see decode.h). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "decode/decode.h"
#include "layers/layers.h"
#include "nmt.h"

static float *falloc(long n) { return nmt_xalloc_aligned(sizeof(float) * (size_t)(n > 0 ? n : 1)); }

void nmt_translator_init(nmt_translator *tr, const nmt_model *m, int maxB) {
    nmt_numerics_init();
    memset(tr, 0, sizeof *tr);
    if (maxB <= 0 || maxB > NMT_TRANSLATE_MAX_BATCH) maxB = NMT_TRANSLATE_MAX_BATCH;
    tr->m = m;
    tr->maxB = maxB;
    const nmt_param_table *t = &m->table;
    const int E = m->cfg.embed, u = m->cfg.units, V = m->cfg.tgt_vocab, L = m->cfg.max_length;
    nmt_pmat_pack(&tr->enc_W, 0, E, 4 * u, m->params + t->p[NMT_P_ENC_W].offset, 4 * u);
    nmt_pmat_pack(&tr->enc_U, 0, u, 4 * u, m->params + t->p[NMT_P_ENC_U].offset, 4 * u);
    nmt_pmat_pack(&tr->dec_W, 0, E, 4 * u, m->params + t->p[NMT_P_DEC_W].offset, 4 * u);
    nmt_pmat_pack(&tr->dec_U, 0, u, 4 * u, m->params + t->p[NMT_P_DEC_U].offset, 4 * u);
    nmt_pmat_pack(&tr->out_W, 0, u, V, m->params + t->p[NMT_P_OUT_W].offset, V);
    nmt_batch_alloc(&tr->b, maxB, L);
    const long n = (long)maxB * L;
    tr->src = nmt_xcalloc((size_t)n + 1, sizeof(int32_t));
    tr->slen = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    tr->x = falloc(n * E);
    tr->z = falloc(n * 4 * u);
    tr->eh = falloc(n * u);
    tr->ec = falloc(n * u);
    tr->h = falloc((long)maxB * u);
    tr->c = falloc((long)maxB * u);
    tr->h2 = falloc((long)maxB * u);
    tr->c2 = falloc((long)maxB * u);
    tr->logits = falloc((long)maxB * V);
    tr->prev = nmt_xcalloc((size_t)maxB + 1, sizeof(int32_t));
    tr->sent = nmt_xcalloc((size_t)maxB + 1, sizeof(int));
    tr->out = nmt_xcalloc((size_t)maxB, sizeof(char *));
    tr->out_len = nmt_xcalloc((size_t)maxB, sizeof(size_t));
    tr->out_cap = nmt_xcalloc((size_t)maxB, sizeof(size_t));
    for (int i = 0; i < maxB; i++) {
        tr->out_cap[i] = 128;
        tr->out[i] = nmt_xmalloc(tr->out_cap[i]);
        tr->out[i][0] = 0;
    }
}

void nmt_translator_free(nmt_translator *tr) {
    nmt_pmat_free(&tr->enc_W);
    nmt_pmat_free(&tr->enc_U);
    nmt_pmat_free(&tr->dec_W);
    nmt_pmat_free(&tr->dec_U);
    nmt_pmat_free(&tr->out_W);
    nmt_batch_free(&tr->b);
    void *bufs[] = {tr->src, tr->slen, tr->x, tr->z, tr->eh, tr->ec, tr->h, tr->c, tr->h2, tr->c2,
                    tr->logits, tr->prev, tr->sent, tr->out_len, tr->out_cap};
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

/* Encoder over the packed batch: per step t, z = x_t W (+ h_{t-1} U), then the cell. */
static void encode(nmt_translator *tr) {
    const nmt_model *m = tr->m;
    const nmt_param_table *t = &m->table;
    const int E = m->cfg.embed, u = m->cfg.units, G = 4 * u;
    const nmt_packed *p = &tr->b.enc;
    embedding_forward(tr->x, tr->b.enc_ids, m->params + t->p[NMT_P_ENC_EMB].offset, p->ntok, E);
    const float *bias = m->params + t->p[NMT_P_ENC_B].offset;
    for (int s = 0; s < p->T; s++) {
        const int rows = p->bs[s], n0 = p->off[s];
        float *z = tr->z + (long)n0 * G;
        nmt_gemm_pmat(rows, tr->x + (long)n0 * E, E, &tr->enc_W, z, G, 0);
        if (s) nmt_gemm_pmat(rows, tr->eh + (long)p->off[s - 1] * u, u, &tr->enc_U, z, G, 1);
        lstm_cell_forward(z, bias, s ? tr->ec + (long)p->off[s - 1] * u : NULL, tr->eh + (long)n0 * u,
                          tr->ec + (long)n0 * u, rows, u);
    }
}

void nmt_translate_batch(nmt_translator *tr, const char *const *sentences, int n) {
    const nmt_model *m = tr->m;
    const nmt_param_table *t = &m->table;
    const int E = m->cfg.embed, u = m->cfg.units, G = 4 * u, V = m->cfg.tgt_vocab, L = m->cfg.max_length;
    if (n > tr->maxB) n = tr->maxB;
    const int32_t *rows[NMT_TRANSLATE_MAX_BATCH];
    for (int i = 0; i < n; i++) {
        tr->slen[i] = nmt_vectorize(m->src_vocab, sentences[i], tr->src + (long)i * L, L);
        rows[i] = tr->src + (long)i * L;
        tr->out_len[i] = 0;
        tr->out[i][0] = 0;
    }
    nmt_batch_build(&tr->b, n, rows, tr->slen, NULL, NULL, NULL);
    encode(tr);
    // decoder rows start from each sentence's encoder state at its last token
    const nmt_packed *p = &tr->b.enc;
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    const int eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    for (int r = 0; r < n; r++) {
        int len = p->len[r];
        if (len > 0) {
            memcpy(tr->h + (long)r * u, tr->eh + (long)(p->off[len - 1] + r) * u, sizeof(float) * u);
            memcpy(tr->c + (long)r * u, tr->ec + (long)(p->off[len - 1] + r) * u, sizeof(float) * u);
        } else {
            memset(tr->h + (long)r * u, 0, sizeof(float) * u);
            memset(tr->c + (long)r * u, 0, sizeof(float) * u);
        }
        tr->sent[r] = tr->b.enc_orig[r];
        tr->prev[r] = sos;
    }
    const float *emb = m->params + t->p[NMT_P_DEC_EMB].offset;
    const float *bias = m->params + t->p[NMT_P_DEC_B].offset;
    const float *obias = m->params + t->p[NMT_P_OUT_B].offset;
    int active = n;
    for (int s = 0; s < L && active > 0; s++) {
        // one decoder step for every unfinished sentence
        embedding_forward(tr->x, tr->prev, emb, active, E);
        nmt_gemm_pmat(active, tr->x, E, &tr->dec_W, tr->z, G, 0);
        nmt_gemm_pmat(active, tr->h, u, &tr->dec_U, tr->z, G, 1);
        lstm_cell_forward(tr->z, bias, tr->c, tr->h2, tr->c2, active, u);
        nmt_gemm_pmat(active, tr->h2, u, &tr->out_W, tr->logits, V, 0);
        int kept = 0;
        for (int r = 0; r < active; r++) {
            const float *lg = tr->logits + (long)r * V;
            int best = 0;   // argmax of logits + bias, first index on ties
            float bv = lg[0] + obias[0];
            for (int j = 1; j < V; j++)
                if (lg[j] + obias[j] > bv) bv = lg[j] + obias[j], best = j;
            if (best == eos) continue;
            append(tr, tr->sent[r], nmt_vocab_token(m->tgt_vocab, best));
            // keep the row: compact its state in place
            memcpy(tr->h + (long)kept * u, tr->h2 + (long)r * u, sizeof(float) * u);
            memcpy(tr->c + (long)kept * u, tr->c2 + (long)r * u, sizeof(float) * u);
            tr->sent[kept] = tr->sent[r];
            tr->prev[kept] = best;
            kept++;
        }
        active = kept;
    }
}

const char *nmt_translation(const nmt_translator *tr, int i) { return tr->out[i]; }

const char *nmt_translate(nmt_translator *tr, const char *sentence) {
    nmt_translate_batch(tr, &sentence, 1);
    return tr->out[0];
}
