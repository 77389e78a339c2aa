/* Architecture "charrnn": the book's Shakespeare char-RNN (ch16 §1.2–1.3), a
 * language model over characters (real-generic):
 *
 *   chars -> Embedding(V, embed) -> GRU(units) -> Dense(V) -> next char
 *
 * V = tgt_vocab - 2: the character vocabulary without its '' and '[UNK]'
 * entries, which the book drops (its ids are TextVectorization's minus 2), so
 * model id k is vocabulary id k + 2. A batch has only its decoder side:
 * decoder input = a window of characters, target = the same window shifted by
 * one. Stateless, every window starts from the zero state; stateful
 * (nmt_ws.carry), each continues from its stream's previous window. Inference
 * is the same GRU step: encode gives the zero state, decode_step feeds one
 * character per hypothesis. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/real.h"
#include "layers/layers.h"
#include "models/arch.h"

enum { P_EMB, P_KERNEL, P_RECURRENT, P_BIAS, P_OUT_W, P_OUT_B };

enum {
    A_X, A_H, A_G, A_H0, A_HT, A_LOGITS,   /* (n,E) (n,u) (n,4u) (B,u) (B,u) (n,V) */
    A_GX, A_GH, A_SCRATCH,                 /* backward: (n,E) (n,u) GRU scratch */
    A_COUNT
};

#ifndef NMT_F64
static void params(nmt_param_table *t, const nmt_config *c) {
    const int V = c->tgt_vocab - 2, E = c->embed, u = c->units;
    nmt_param_add(t, "embedding.embeddings", NMT_INIT_UNIFORM005, NMT_LOOKUP_DEC, 2, (int[]){V, E});
    nmt_param_add(t, "gru.kernel", NMT_INIT_GLOROT, NMT_DENSE, 2, (int[]){E, 3 * u});
    nmt_param_add(t, "gru.recurrent_kernel", NMT_INIT_ORTHOGONAL, NMT_DENSE, 2, (int[]){u, 3 * u});
    nmt_param_add(t, "gru.bias", NMT_INIT_ZERO, NMT_DENSE, 2, (int[]){2, 3 * u});
    nmt_param_add(t, "output.kernel", NMT_INIT_GLOROT, NMT_DENSE, 2, (int[]){u, V});
    nmt_param_add(t, "output.bias", NMT_INIT_ZERO, NMT_DENSE, 1, (int[]){V});
}

static void acts(nmt_act_table *a, const nmt_config *c, int maxB, int training) {
    const long n = (long)maxB * c->max_length, B = maxB, E = c->embed, u = c->units, V = c->tgt_vocab - 2;
    const long tr = training;
    const long size[A_COUNT] = {
        [A_X] = n * E, [A_H] = n * u, [A_G] = n * 4 * u, [A_H0] = B * u, [A_HT] = B * u, [A_LOGITS] = n * V,
        [A_GX] = tr * n * E, [A_GH] = tr * n * u, [A_SCRATCH] = tr * nmt_gru_backward_scratch(maxB, (int)n, c->units),
    };
    static const char *const names[A_COUNT] = {"x", "gru.h", "gru.gates", "gru.h0", "gru.hT", "logits",
                                               "grad.x", "grad.gru.h", "gru.scratch"};
    for (int i = 0; i < A_COUNT; i++) nmt_act_add(a, names[i], size[i]);
}

static int state_size(const nmt_config *c) { return c->units; }

static const nmt_config_field fields[4] = {
    {"tgt_vocab", offsetof(nmt_config, tgt_vocab), 41, 3, 1 << 22},   /* the character vocabulary, '' and [UNK] included */
    {"embed", offsetof(nmt_config, embed), 16, 1, 1 << 16},
    {"units", offsetof(nmt_config, units), 128, 1, 1 << 16},
    {"max_length", offsetof(nmt_config, max_length), 100, 1, 1 << 16},   /* characters per training window */
};

const nmt_arch_info nmt_arch_info_charrnn = {
    .name = "charrnn",
    .summary = "the book's char-RNN: Embedding, GRU and Dense over characters, stateless or stateful (ch16 §1.2-1.3)",
    .fields = fields, .nfields = 4, .params = params, .acts = acts, .state_size = state_size, .lm = 1};
#else
extern const nmt_arch_info nmt_arch_info_charrnn;
#endif

typedef struct {
    R(nmt_gru_rec) gru;
    R(nmt_dense_w) out;
    nmt_packed step;   /* a one-step layout of up to maxB rows (decode_step) */
} priv_t;

#define A(i) (ws->act[i])
#define P(i) (params + ws->tab.p[i].offset)
#define G(i) (grads + ws->tab.p[i].offset)

static void pack(R(nmt_ws) *ws, const real *params, int training) {
    const nmt_config *c = &ws->cfg;
    priv_t *pv = ws->priv;
    if (!pv) {
        pv = ws->priv = nmt_xcalloc(1, sizeof *pv);
        nmt_packed_alloc(&pv->step, ws->maxB, 1);
    }
    R(nmt_gru_rec_pack)(&pv->gru, P(P_KERNEL), P(P_RECURRENT), c->embed, c->units, training);
    R(nmt_dense_pack)(&pv->out, P(P_OUT_W), c->units, c->tgt_vocab - 2, training, NMT_FP32);
}

static void pack_rows(R(nmt_ws) *ws, const real *params, int i, long r0, long r1) {
    priv_t *pv = ws->priv;
    if (i == P_KERNEL || i == P_RECURRENT) R(nmt_gru_rec_repack_rows)(&pv->gru, i == P_RECURRENT, P(i), (int)r0, (int)r1);
    if (i == P_OUT_W) R(nmt_dense_repack_rows)(&pv->out, P(i), (int)r0, (int)r1);
}

static void unpack(R(nmt_ws) *ws) {
    priv_t *pv = ws->priv;
    if (!pv) return;
    R(nmt_gru_rec_free)(&pv->gru);
    R(nmt_dense_w_free)(&pv->out);
    nmt_packed_free(&pv->step);
    free(pv);
    ws->priv = NULL;
}

/* Embedding, GRU from h0 (NULL: zeros) and output layer over n packed tokens. */
static void forward(R(nmt_ws) *ws, const real *params, const int32_t *ids, const real *h0, const nmt_packed *pk,
                    real *logits) {
    const nmt_config *c = &ws->cfg;
    priv_t *pv = ws->priv;
    const int n = pk->ntok;
    // x (n, E) = embedding of the packed ids
    R(nmt_embedding_forward)(A(A_X), ids, P(P_EMB), n, c->embed);
    // h (n, u), gates (n, 4u), hT (B, u)
    R(nmt_gru_forward)(A(A_H), A(A_G), A(A_HT), A(A_X), h0, &pv->gru, P(P_BIAS), pk, c->embed, c->units);
    // logits (n, V) = h (n, u) . W_out (u, V) + b_out
    R(nmt_dense_forward)(logits, A(A_H), &pv->out, P(P_OUT_B), n);
}

static void forward_backward(R(nmt_ws) *ws, const real *params, real *grads, const nmt_batch *b, real loss_scale) {
    const nmt_config *c = &ws->cfg;
    priv_t *pv = ws->priv;
    const int n = b->dec.ntok, B = b->dec.B, u = c->units, V = c->tgt_vocab - 2;
    const real *h0 = NULL;
    if (ws->carry) {   // each example continues its stream: h0 in packed row order
        for (int r = 0; r < B; r++)
            memcpy(A(A_H0) + (long)r * u, ws->carry + (long)b->dec_orig[r] * u, sizeof(real) * u);
        h0 = A(A_H0);
    }
    forward(ws, params, b->dec_ids, h0, &b->dec, A(A_LOGITS));
    if (ws->carry)
        for (int r = 0; r < B; r++)
            memcpy(ws->carry + (long)b->dec_orig[r] * u, A(A_HT) + (long)r * u, sizeof(real) * u);
    ws->logits = A(A_LOGITS);
    R(nmt_softmax_xent)(grads ? A(A_LOGITS) : NULL, ws->loss, ws->pred, A(A_LOGITS), b->tgt_ids, n, V, loss_scale);
    if (!grads) return;

    // ---- backward ----
    // output layer: dh = dlogits W_out^T; dW_out, db_out accumulated
    R(nmt_dense_backward)(A(A_GH), G(P_OUT_W), G(P_OUT_B), A(A_LOGITS), A(A_H), &pv->out, n);
    // the GRU (no gradient into a carried state), then the embedding rows looked up
    R(nmt_gru_backward)(A(A_GX), G(P_KERNEL), G(P_RECURRENT), G(P_BIAS), NULL, A(A_GH), NULL, A(A_X), h0, A(A_H),
                        A(A_G), &pv->gru, &b->dec, c->embed, u, A(A_SCRATCH));
    R(nmt_embedding_backward)(G(P_EMB), b->dec_ids, A(A_GX), n, c->embed);
}

static void encode(R(nmt_ws) *ws, const real *params, const nmt_batch *b, real *state) {
    (void)params;
    memset(state, 0, sizeof(real) * (size_t)b->enc.B * ws->cfg.units);   // every stream starts from zeros
}

static void decode_step(R(nmt_ws) *ws, const real *params, int n, const int32_t *tok, const int *src,
                        const real *state_in, real *state_out, real *logits) {
    (void)src;
    priv_t *pv = ws->priv;
    for (int r = 0; r < n; r++) pv->step.len[r] = 1;
    nmt_packed_layout(&pv->step, n);
    forward(ws, params, tok, state_in, &pv->step, logits);
    memcpy(state_out, A(A_HT), sizeof(real) * (size_t)n * ws->cfg.units);
}

const R(nmt_arch) R(nmt_arch_charrnn) = {.info = &nmt_arch_info_charrnn, .pack = pack, .pack_rows = pack_rows,
                                         .unpack = unpack, .forward_backward = forward_backward, .encode = encode,
                                         .decode_step = decode_step};
