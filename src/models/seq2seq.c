/* The basic encoder–decoder over packed batches (real-generic). */
#include "models/seq2seq.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/real.h"
#include "kernels/gemm.h"
#include "layers/layers.h"

static real *alloc_real(long n) { return nmt_xalloc_aligned(sizeof(real) * (size_t)(n > 0 ? n : 1)); }

void R(nmt_ws_alloc)(R(nmt_ws) *ws, const nmt_config *cfg, int maxB) {
    memset(ws, 0, sizeof *ws);
    ws->cfg = *cfg;
    ws->maxB = maxB;
    ws->maxN = maxB * cfg->max_length;
    const long n = ws->maxN, B = maxB, E = cfg->embed, u = cfg->units, V = cfg->tgt_vocab;
    ws->enc_x = alloc_real(n * E);
    ws->enc_h = alloc_real(n * u);
    ws->enc_c = alloc_real(n * u);
    ws->enc_z = alloc_real(n * 4 * u);
    ws->enc_hT = alloc_real(B * u);
    ws->enc_cT = alloc_real(B * u);
    ws->dec_x = alloc_real(n * E);
    ws->dec_h = alloc_real(n * u);
    ws->dec_c = alloc_real(n * u);
    ws->dec_z = alloc_real(n * 4 * u);
    ws->dec_h0 = alloc_real(B * u);
    ws->dec_c0 = alloc_real(B * u);
    ws->dec_hT = alloc_real(B * u);
    ws->dec_cT = alloc_real(B * u);
    ws->logits = alloc_real(n * V);
    ws->loss = alloc_real(n);
    ws->pred = nmt_xcalloc(n + 1, sizeof(int32_t));
    ws->d_x = alloc_real(n * E);
    ws->d_h = alloc_real(n * u);
    ws->d_h0 = alloc_real(B * u);
    ws->d_c0 = alloc_real(B * u);
    ws->d_hT = alloc_real(B * u);
    ws->d_cT = alloc_real(B * u);
    ws->scratch = alloc_real(R(lstm_backward_scratch)(maxB, ws->maxN, cfg->units));
}

void R(nmt_ws_set_precision)(R(nmt_ws) *ws, nmt_precision prec) {
    ws->prec = prec;
    ws->held = ws->repacked = NULL;   // packings made in the other precision
    if (prec == NMT_BF16 && !ws->enc_W16) {
        const long E = ws->cfg.embed, u = ws->cfg.units, V = ws->cfg.tgt_vocab;
        ws->enc_W16 = alloc_real(E * 4 * u);
        ws->dec_W16 = alloc_real(E * 4 * u);
        ws->out_W16 = alloc_real(u * V);
    }
}

void R(nmt_ws_free)(R(nmt_ws) *ws) {
    free(ws->enc_W16), free(ws->dec_W16), free(ws->out_W16);
    real *bufs[] = {ws->enc_x, ws->enc_h, ws->enc_c, ws->enc_z, ws->enc_hT, ws->enc_cT,
                    ws->dec_x, ws->dec_h, ws->dec_c, ws->dec_z, ws->dec_h0, ws->dec_c0, ws->dec_hT, ws->dec_cT,
                    ws->logits, ws->loss, ws->d_x, ws->d_h, ws->d_h0, ws->d_c0,
                    ws->d_hT, ws->d_cT, ws->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    free(ws->pred);
    R(lstm_rec_free)(&ws->enc_rec);
    R(lstm_rec_free)(&ws->dec_rec);
    memset(ws, 0, sizeof *ws);
}

#define P(idx) (params + tab->p[idx].offset)
#define G(idx) (grads + tab->p[idx].offset)

/* Packs the recurrent kernels (with U^T for a backward pass), unless params are
 * held and this call is forward-only. */
static void pack_weights(R(nmt_ws) *ws, const nmt_param_table *tab, const real *params, int training) {
    if (!training && ws->held == params) return;
    if (training && ws->repacked == params && ws->enc_rec.Ut.data && ws->dec_rec.Ut.data) {
        ws->repacked = NULL;   // the optimizer refreshed every copy row by row
        ws->held = NULL;
        return;
    }
    ws->repacked = NULL;
    const int u = ws->cfg.units;
    R(lstm_rec_pack)(&ws->enc_rec, P(NMT_P_ENC_U), u, training, ws->prec);
    R(lstm_rec_pack)(&ws->dec_rec, P(NMT_P_DEC_U), u, training, ws->prec);
    if (ws->prec == NMT_BF16) {   // bf16 copies of the other kernels, the float masters untouched
        const long E = ws->cfg.embed, V = ws->cfg.tgt_vocab;
        R(nmt_round_bf16)(ws->enc_W16, P(NMT_P_ENC_W), E * 4 * u);
        R(nmt_round_bf16)(ws->dec_W16, P(NMT_P_DEC_W), E * 4 * u);
        R(nmt_round_bf16)(ws->out_W16, P(NMT_P_OUT_W), u * V);
    }
    if (training) ws->held = NULL;   // an optimizer step follows
}

void R(nmt_ws_repack_rows)(R(nmt_ws) *ws, const nmt_param_table *tab, const real *params, int param, long r0,
                           long r1) {
    const int u = ws->cfg.units;
    const long cols = (long)tab->p[param].numel / tab->p[param].shape[0];
    real *w16 = NULL;
    switch (param) {
        case NMT_P_ENC_U: R(lstm_rec_repack_rows)(&ws->enc_rec, P(NMT_P_ENC_U), u, (int)r0, (int)r1); return;
        case NMT_P_DEC_U: R(lstm_rec_repack_rows)(&ws->dec_rec, P(NMT_P_DEC_U), u, (int)r0, (int)r1); return;
        case NMT_P_ENC_W: w16 = ws->enc_W16; break;
        case NMT_P_DEC_W: w16 = ws->dec_W16; break;
        case NMT_P_OUT_W: w16 = ws->out_W16; break;
        default: return;
    }
    if (ws->prec == NMT_BF16) R(nmt_bf16_span)(w16 + r0 * cols, P(param) + r0 * cols, (r1 - r0) * cols);
}

void R(nmt_ws_mark_repacked)(R(nmt_ws) *ws, const real *params) { ws->repacked = params; }

/* The kernels as the products read them: the float parameters, or their bf16 copies. */
#define KW(idx, w16) (ws->prec == NMT_BF16 ? (const real *)ws->w16 : P(idx))

void R(nmt_ws_hold_weights)(R(nmt_ws) *ws, const nmt_param_table *tab, const real *params) {
    ws->held = NULL;
    pack_weights(ws, tab, params, 0);
    ws->held = params;
}

void R(nmt_ws_release_weights)(R(nmt_ws) *ws) { ws->held = NULL; }

static void encode(R(nmt_ws) *ws, const nmt_param_table *tab, const real *params, const nmt_batch *b) {
    const int E = ws->cfg.embed, u = ws->cfg.units;
    // enc_x (n, E) = embedding of the packed source ids
    R(embedding_forward)(ws->enc_x, b->enc_ids, P(NMT_P_ENC_EMB), b->enc.ntok, E);
    if (ws->prec == NMT_BF16) R(nmt_round_bf16)(ws->enc_x, ws->enc_x, (long)b->enc.ntok * E);
    // encoder LSTM from a zero state; keep each sentence's state at its last token
    R(lstm_forward)(ws->enc_h, ws->enc_c, ws->enc_z, ws->enc_hT, ws->enc_cT, ws->enc_x, NULL, NULL,
                    KW(NMT_P_ENC_W, enc_W16), &ws->enc_rec, P(NMT_P_ENC_B), &b->enc, E, u);
}

void R(seq2seq_encode)(R(nmt_ws) *ws, const nmt_param_table *tab, const real *params,
                       const nmt_batch *b) {
    pack_weights(ws, tab, params, 0);
    encode(ws, tab, params, b);
}

void R(seq2seq_forward_backward)(R(nmt_ws) *ws, const nmt_param_table *tab, const real *params,
                                 real *grads, const nmt_batch *b, real loss_scale) {
    const int E = ws->cfg.embed, u = ws->cfg.units, V = ws->cfg.tgt_vocab, B = b->dec.B;
    const int n = b->dec.ntok;
    pack_weights(ws, tab, params, grads != NULL);
    encode(ws, tab, params, b);
    // decoder initial state (B, u) in decoder row order
    for (int r = 0; r < B; r++) {
        memcpy(ws->dec_h0 + (long)r * u, ws->enc_hT + (long)b->dec_to_enc[r] * u, sizeof(real) * u);
        memcpy(ws->dec_c0 + (long)r * u, ws->enc_cT + (long)b->dec_to_enc[r] * u, sizeof(real) * u);
    }
    R(embedding_forward)(ws->dec_x, b->dec_ids, P(NMT_P_DEC_EMB), n, E);
    if (ws->prec == NMT_BF16) R(nmt_round_bf16)(ws->dec_x, ws->dec_x, (long)n * E);
    R(lstm_forward)(ws->dec_h, ws->dec_c, ws->dec_z, ws->dec_hT, ws->dec_cT,
                    ws->dec_x, ws->dec_h0, ws->dec_c0, KW(NMT_P_DEC_W, dec_W16), &ws->dec_rec, P(NMT_P_DEC_B),
                    &b->dec, E, u);
    // logits (n, V) = dec_h (n, u) . W_out (u, V) + b_out; then per-token CE (and its gradient)
    R(dense_forward)(ws->logits, ws->dec_h, KW(NMT_P_OUT_W, out_W16), P(NMT_P_OUT_B), n, u, V);
    R(softmax_xent)(grads ? ws->logits : NULL, ws->loss, ws->pred, ws->logits, b->tgt_ids, n, V,
                    loss_scale);
    if (!grads) return;
    if (ws->prec == NMT_BF16) R(nmt_round_bf16)(ws->logits, ws->logits, (long)n * V);   // dlogits: operand of two products

    // ---- backward ----
    // d_h (n, u) = dlogits W_out^T; dW_out, db_out accumulated
    R(dense_backward)(ws->d_h, G(NMT_P_OUT_W), G(NMT_P_OUT_B), ws->logits, ws->dec_h,
                      KW(NMT_P_OUT_W, out_W16), n, u, V);
    R(lstm_backward)(ws->d_x, G(NMT_P_DEC_W), G(NMT_P_DEC_U), G(NMT_P_DEC_B), ws->d_h0, ws->d_c0,
                     ws->d_h, NULL, NULL, ws->dec_x, ws->dec_h0, ws->dec_c0, ws->dec_h, ws->dec_c,
                     ws->dec_z, KW(NMT_P_DEC_W, dec_W16), &ws->dec_rec, &b->dec, E, u, ws->scratch);
    R(embedding_backward)(G(NMT_P_DEC_EMB), b->dec_ids, ws->d_x, n, E);
    // the decoder's initial-state gradient is the encoder's final-state gradient
    for (int r = 0; r < B; r++) {
        memcpy(ws->d_hT + (long)b->dec_to_enc[r] * u, ws->d_h0 + (long)r * u, sizeof(real) * u);
        memcpy(ws->d_cT + (long)b->dec_to_enc[r] * u, ws->d_c0 + (long)r * u, sizeof(real) * u);
    }
    R(lstm_backward)(ws->d_x, G(NMT_P_ENC_W), G(NMT_P_ENC_U), G(NMT_P_ENC_B), NULL, NULL, NULL,
                     ws->d_hT, ws->d_cT, ws->enc_x, NULL, NULL, ws->enc_h, ws->enc_c, ws->enc_z,
                     KW(NMT_P_ENC_W, enc_W16), &ws->enc_rec, &b->enc, E, u, ws->scratch);
    R(embedding_backward)(G(NMT_P_ENC_EMB), b->enc_ids, ws->d_x, b->enc.ntok, E);
}
