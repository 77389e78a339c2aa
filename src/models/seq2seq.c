/* The chapter's RNN encoder–decoders over packed batches (real-generic): the
 * code behind the architectures basic, bidirectional and attention, which
 * differ only in their encoder and in what feeds the output layer.
 *
 *   basic:          source -> Embedding -> LSTM(u) --(h, c at the last real token)--+
 *   bidirectional:  source -> Embedding -> LSTM(u/2) forward  --+ [h_f; h_b], [c_f; c_b]
 *                                       -> LSTM(u/2) backward --+ (each u wide)
 *                   (the backward LSTM reads each sentence's real tokens last to
 *                   first: its final state is the state after token 0)
 *   attention:      bidirectional, and its outputs mem_t = [h_f(t); h_b(t)] kept
 *   decoder:        decoder input -> Embedding -> LSTM(u) from the state above -> h
 *                   attention: ctx = Attention(query h, keys = values = mem)
 *                   logits = Dense(V)(h, or ctx for attention)
 *
 * The loss is the per-token sparse cross-entropy from the logits; the caller
 * picks the normalisation through loss_scale. The teacher-forced pass and
 * decode_step call the same layer functions on the same packed weights: a
 * decoder step of one hypothesis computes exactly what the training forward
 * computes at that position. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error.h"
#include "core/real.h"
#include "kernels/gemm.h"
#include "layers/layers.h"
#include "models/arch.h"
#include "models/seq2seq.h"

typedef struct {
    int bidir, att, ndir;   /* variant */
    int E, u, eu, V, L;     /* embed, decoder units, encoder units per direction, target vocab, max length */
} shape;

static shape shape_of(const nmt_config *c) {
    shape s;
    s.bidir = strcmp(c->arch, "basic") != 0;
    s.att = strcmp(c->arch, "attention") == 0;
    s.ndir = s.bidir ? 2 : 1;
    s.E = c->embed, s.u = c->units, s.eu = s.bidir ? c->units / 2 : c->units;
    s.V = c->tgt_vocab, s.L = c->max_length;
    return s;
}

/* Parameter indices, in table order (see nmt_s2s_params). */
#define P_EMB_SRC 0
#define P_EMB_DEC 1
#define P_ENC(d, k) (2 + 3 * (d) + (k))          /* k: 0 kernel, 1 recurrent kernel, 2 bias */
#define P_DEC(s, k) (2 + 3 * (s).ndir + (k))
#define P_OUT_W(s) (5 + 3 * (s).ndir)
#define P_OUT_B(s) (6 + 3 * (s).ndir)

/* Activations (nmt_s2s_acts adds them in this order). */
enum {
    A_XE, A_XR,                               /* (n,E) source embeddings; reversed (bidirectional) */
    A_EH, A_EC, A_EZ, A_EHT, A_ECT,           /* encoder direction 0: (n,eu) (n,eu) (n,4eu) (B,eu) (B,eu) */
    A_EH1, A_EC1, A_EZ1, A_EHT1, A_ECT1,      /* direction 1 (bidirectional), reversed packed order */
    A_MEM,                                    /* (n,u) attention: encoder outputs [h_f; h_b] in source order */
    A_XD, A_DH, A_DC, A_DZ,                   /* decoder: (n,E) (n,u) (n,u) (n,4u) */
    A_H0, A_C0, A_DHT, A_DCT,                 /* (B,u) initial and final state */
    A_CTX, A_ATTW,                            /* attention: (n,u) context, (n,L) weights */
    A_LOGITS,                                 /* (n,V) logits, then their gradient */
    /* backward only */
    A_GX, A_GXR, A_GH, A_GH0, A_GC0,          /* (n,E) (n,E) (n,u) (B,u) (B,u) */
    A_GEHT, A_GECT, A_GEHT1, A_GECT1,         /* (B,eu) encoder final-state gradients, per direction */
    A_GMEM, A_GEH, A_GEH1, A_GCTX,            /* (n,u) (n,eu) (n,eu) (n,u) attention */
    A_SCRATCH, A_SCRATCH1,                    /* nmt_lstm_backward's scratch (per encoder direction) */
    A_COUNT
};
#define DIR(a, d) ((a) + (d) * (A_EH1 - A_EH))
#define GDIR(a, d) ((a) + (d) * (A_GEHT1 - A_GEHT))

#ifndef NMT_F64
void nmt_s2s_params(nmt_param_table *t, const nmt_config *c) {
    const shape s = shape_of(c);
    nmt_param_add(t, "encoder.embedding", NMT_INIT_UNIFORM005, NMT_LOOKUP_SRC, 2, (int[]){c->src_vocab, s.E});
    nmt_param_add(t, "decoder.embedding", NMT_INIT_UNIFORM005, NMT_LOOKUP_DEC, 2, (int[]){s.V, s.E});
    for (int d = 0; d < s.ndir; d++) {
        const char *pre = !s.bidir ? "encoder.lstm" : d ? "encoder.backward" : "encoder.forward";
        char name[NMT_NAME_MAX];
        snprintf(name, sizeof name, "%s.kernel", pre);
        nmt_param_add(t, name, NMT_INIT_GLOROT, NMT_DENSE, 2, (int[]){s.E, 4 * s.eu});
        snprintf(name, sizeof name, "%s.recurrent_kernel", pre);
        nmt_param_add(t, name, NMT_INIT_ORTHOGONAL, NMT_DENSE, 2, (int[]){s.eu, 4 * s.eu});
        snprintf(name, sizeof name, "%s.bias", pre);
        nmt_param_add(t, name, NMT_INIT_LSTM_BIAS, NMT_DENSE, 1, (int[]){4 * s.eu});
    }
    nmt_param_add(t, "decoder.lstm.kernel", NMT_INIT_GLOROT, NMT_DENSE, 2, (int[]){s.E, 4 * s.u});
    nmt_param_add(t, "decoder.lstm.recurrent_kernel", NMT_INIT_ORTHOGONAL, NMT_DENSE, 2, (int[]){s.u, 4 * s.u});
    nmt_param_add(t, "decoder.lstm.bias", NMT_INIT_LSTM_BIAS, NMT_DENSE, 1, (int[]){4 * s.u});
    nmt_param_add(t, "output.kernel", NMT_INIT_GLOROT, NMT_DENSE, 2, (int[]){s.u, s.V});
    nmt_param_add(t, "output.bias", NMT_INIT_ZERO, NMT_DENSE, 1, (int[]){s.V});
}

void nmt_s2s_acts(nmt_act_table *a, const nmt_config *c, int maxB, int training) {
    const shape s = shape_of(c);
    const long n = (long)maxB * s.L, B = maxB, E = s.E, u = s.u, eu = s.eu;
    const long bi = s.bidir, at = s.att, tr = training;
    const long size[A_COUNT] = {
        [A_XE] = n * E, [A_XR] = bi * n * E,
        [A_EH] = n * eu, [A_EC] = n * eu, [A_EZ] = n * 4 * eu, [A_EHT] = B * eu, [A_ECT] = B * eu,
        [A_EH1] = bi * n * eu, [A_EC1] = bi * n * eu, [A_EZ1] = bi * n * 4 * eu, [A_EHT1] = bi * B * eu,
        [A_ECT1] = bi * B * eu,
        [A_MEM] = at * n * u,
        [A_XD] = n * E, [A_DH] = n * u, [A_DC] = n * u, [A_DZ] = n * 4 * u,
        [A_H0] = B * u, [A_C0] = B * u, [A_DHT] = B * u, [A_DCT] = B * u,
        [A_CTX] = at * n * u, [A_ATTW] = at * n * s.L,
        [A_LOGITS] = n * s.V,
        [A_GX] = tr * n * E, [A_GXR] = tr * bi * n * E, [A_GH] = tr * n * u, [A_GH0] = tr * B * u,
        [A_GC0] = tr * B * u,
        [A_GEHT] = tr * B * eu, [A_GECT] = tr * B * eu, [A_GEHT1] = tr * bi * B * eu, [A_GECT1] = tr * bi * B * eu,
        [A_GMEM] = tr * at * n * u, [A_GEH] = tr * at * n * eu, [A_GEH1] = tr * at * n * eu,
        [A_GCTX] = tr * at * n * u,
        [A_SCRATCH] = tr * nmt_lstm_backward_scratch(maxB, (int)n, s.u),
        [A_SCRATCH1] = tr * bi * nmt_lstm_backward_scratch(maxB, (int)n, s.eu),
    };
    static const char *const names[A_COUNT] = {
        "enc.x", "enc.x_reversed", "enc.h", "enc.c", "enc.z", "enc.hT", "enc.cT", "enc.backward.h",
        "enc.backward.c", "enc.backward.z", "enc.backward.hT", "enc.backward.cT", "enc.outputs", "dec.x", "dec.h",
        "dec.c", "dec.z", "dec.h0", "dec.c0", "dec.hT", "dec.cT", "attention.context", "attention.weights",
        "logits", "grad.x", "grad.x_reversed", "grad.dec.h", "grad.dec.h0", "grad.dec.c0", "grad.enc.hT",
        "grad.enc.cT", "grad.enc.backward.hT", "grad.enc.backward.cT", "grad.enc.outputs", "grad.enc.h",
        "grad.enc.backward.h", "grad.attention.context", "lstm.scratch", "lstm.backward.scratch",
    };
    for (int i = 0; i < A_COUNT; i++) nmt_act_add(a, names[i], size[i]);
}

int nmt_s2s_state_size(const nmt_config *c) { return 2 * c->units; }

int nmt_s2s_check(const nmt_config *c) {
    if (strcmp(c->arch, "basic") != 0 && c->units % 2)
        return nmt_error("%s: units = %d must be even (a bidirectional encoder has units/2 per direction)", c->arch,
                         c->units);
    return 0;
}
#endif

/* Whether the two directions of a bidirectional encoder run side by side, one
 * thread each (with two threads: no barrier at every step, as two 256-unit
 * LSTMs split among the threads would need). Each direction computes the same
 * bits either way (every layer is thread-count independent). */
static int directions_side_by_side(void) {
#ifdef _OPENMP
    return omp_get_max_threads() == 2 && !omp_in_parallel() && omp_get_max_active_levels() < 2;
#else
    return 0;
#endif
}

/* The packed weights, and what inference keeps between encode and decode_step. */
typedef struct {
    R(nmt_lstm_rec) enc[2], dec;
    R(nmt_dense_w) out;
    int *src;                  /* (maxN) attention: encoder row of each query */
    nmt_packed step;           /* a one-step layout of up to maxB rows (decode_step) */
    const nmt_packed *enc_pk;  /* the last encode's source layout (attention) */
} priv_t;

#define A(i) (ws->act[i])
#define P(i) (params + ws->tab.p[i].offset)
#define G(i) (grads + ws->tab.p[i].offset)

void R(nmt_s2s_pack)(R(nmt_ws) *ws, const real *params, int training) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    if (!pv) {
        pv = ws->priv = nmt_xcalloc(1, sizeof *pv);
        pv->src = nmt_xcalloc((size_t)ws->maxN + 1, sizeof(int));
        nmt_packed_alloc(&pv->step, ws->maxB, 1);
    }
    for (int d = 0; d < s.ndir; d++)
        R(nmt_lstm_rec_pack)(&pv->enc[d], P(P_ENC(d, 0)), P(P_ENC(d, 1)), s.E, s.eu, training, ws->prec);
    R(nmt_lstm_rec_pack)(&pv->dec, P(P_DEC(s, 0)), P(P_DEC(s, 1)), s.E, s.u, training, ws->prec);
    R(nmt_dense_pack)(&pv->out, P(P_OUT_W(s)), s.u, s.V, training, ws->prec);
}

void R(nmt_s2s_pack_rows)(R(nmt_ws) *ws, const real *params, int i, long r0, long r1) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    for (int d = 0; d < s.ndir; d++)
        for (int k = 0; k < 2; k++)
            if (i == P_ENC(d, k)) R(nmt_lstm_rec_repack_rows)(&pv->enc[d], k, P(i), (int)r0, (int)r1);
    for (int k = 0; k < 2; k++)
        if (i == P_DEC(s, k)) R(nmt_lstm_rec_repack_rows)(&pv->dec, k, P(i), (int)r0, (int)r1);
    if (i == P_OUT_W(s)) R(nmt_dense_repack_rows)(&pv->out, P(i), (int)r0, (int)r1);
}

void R(nmt_s2s_unpack)(R(nmt_ws) *ws) {
    priv_t *pv = ws->priv;
    if (!pv) return;
    for (int d = 0; d < 2; d++) R(nmt_lstm_rec_free)(&pv->enc[d]);
    R(nmt_lstm_rec_free)(&pv->dec);
    R(nmt_dense_w_free)(&pv->out);
    free(pv->src);
    nmt_packed_free(&pv->step);
    free(pv);
    ws->priv = NULL;
}

/* Encoder direction d over b's sources (d = 1: each sentence's tokens last to first). */
static void encode_direction(R(nmt_ws) *ws, const real *params, const nmt_batch *b, int d) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    if (d) R(nmt_rows_gather)(A(A_XR), A(A_XE), b->enc_rev, b->enc.ntok, s.E);
    R(nmt_lstm_forward)(A(DIR(A_EH, d)), A(DIR(A_EC, d)), A(DIR(A_EZ, d)), A(DIR(A_EHT, d)), A(DIR(A_ECT, d)),
                        A(d ? A_XR : A_XE), NULL, NULL, &pv->enc[d], P(P_ENC(d, 2)), &b->enc, s.E, s.eu);
}

/* The encoder over b's sources: final states per direction, and for attention
 * the outputs mem in source order. */
static void encode_fwd(R(nmt_ws) *ws, const real *params, const nmt_batch *b) {
    const shape s = shape_of(&ws->cfg);
    const int n = b->enc.ntok;
    // x (n, E) = embedding of the packed source ids
    R(nmt_embedding_forward)(A(A_XE), b->enc_ids, P(P_EMB_SRC), n, s.E);
    if (ws->prec == NMT_BF16) R(nmt_round_bf16)(A(A_XE), A(A_XE), (long)n * s.E);
    // from a zero state; each sentence's state is kept at its last token. The backward
    // direction: the same layout over each sentence's tokens last to first.
    // (not inside an inactive parallel region either: that would keep each LSTM on one thread)
    if (s.bidir && directions_side_by_side()) {
#pragma omp parallel for num_threads(2) schedule(static, 1)
        for (int d = 0; d < 2; d++) encode_direction(ws, params, b, d);
    } else {
        for (int d = 0; d < s.ndir; d++) encode_direction(ws, params, b, d);
    }
    if (s.att) {
        // mem[j] = [h_f[j]; h_b at the same source position] (n, u)
        const int eu = s.eu;
        for (int j = 0; j < n; j++) {
            memcpy(A(A_MEM) + (long)j * s.u, A(A_EH) + (long)j * eu, sizeof(real) * eu);
            memcpy(A(A_MEM) + (long)j * s.u + eu, A(A_EH1) + (long)b->enc_rev[j] * eu, sizeof(real) * eu);
        }
    }
}

/* Row r of h0/c0 (u wide) = the final state of encoder row enc_row[r]. */
static void initial_state(R(nmt_ws) *ws, const int *enc_row, int B, real *h0, real *c0) {
    const shape s = shape_of(&ws->cfg);
    for (int r = 0; r < B; r++) {
        const int e = enc_row ? enc_row[r] : r;
        for (int d = 0; d < s.ndir; d++) {
            memcpy(h0 + (long)r * s.u + d * s.eu, A(DIR(A_EHT, d)) + (long)e * s.eu, sizeof(real) * s.eu);
            memcpy(c0 + (long)r * s.u + d * s.eu, A(DIR(A_ECT, d)) + (long)e * s.eu, sizeof(real) * s.eu);
        }
    }
}

/* The decoder from h0/c0 over n packed tokens (layout pk) to the logits. */
static void decode_fwd(R(nmt_ws) *ws, const real *params, const int32_t *ids, const int *src, const nmt_packed *pk,
                       const nmt_packed *enc_pk, real *logits) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    const int n = pk->ntok;
    R(nmt_embedding_forward)(A(A_XD), ids, P(P_EMB_DEC), n, s.E);
    if (ws->prec == NMT_BF16) R(nmt_round_bf16)(A(A_XD), A(A_XD), (long)n * s.E);
    R(nmt_lstm_forward)(A(A_DH), A(A_DC), A(A_DZ), A(A_DHT), A(A_DCT), A(A_XD), A(A_H0), A(A_C0), &pv->dec,
                    P(P_DEC(s, 2)), pk, s.E, s.u);
    const real *top = A(A_DH);
    if (s.att) {
        // context (n, u) of each decoder output over its own source's encoder outputs
        R(nmt_attention_forward)(A(A_CTX), A(A_ATTW), A(A_DH), A(A_MEM), src, enc_pk, n, s.u);
        if (ws->prec == NMT_BF16) R(nmt_round_bf16)(A(A_CTX), A(A_CTX), (long)n * s.u);   // a product's operand
        top = A(A_CTX);
    }
    // logits (n, V) = top (n, u) . W_out (u, V) + b_out
    R(nmt_dense_forward)(logits, top, &pv->out, P(P_OUT_B(s)), n);
}

/* The backward pass of encoder direction d (its input gradient into GX or GXR). */
static void encode_direction_backward(R(nmt_ws) *ws, const real *params, real *grads, const nmt_batch *b, int d) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    const int E = s.E, eu = s.eu;
    R(nmt_lstm_backward)(A(d ? A_GXR : A_GX), G(P_ENC(d, 0)), G(P_ENC(d, 1)), G(P_ENC(d, 2)), NULL, NULL,
                         s.att ? A(d ? A_GEH1 : A_GEH) : NULL, A(GDIR(A_GEHT, d)), A(GDIR(A_GECT, d)),
                         A(d ? A_XR : A_XE), NULL, NULL, A(DIR(A_EH, d)), A(DIR(A_EC, d)), A(DIR(A_EZ, d)),
                         &pv->enc[d], &b->enc, E, eu, A(d ? A_SCRATCH1 : A_SCRATCH));
}

void R(nmt_s2s_forward_backward)(R(nmt_ws) *ws, const real *params, real *grads, const nmt_batch *b, real loss_scale) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    const int n = b->dec.ntok, ne = b->enc.ntok, B = b->dec.B, E = s.E, u = s.u, eu = s.eu;
    encode_fwd(ws, params, b);
    initial_state(ws, b->dec_to_enc, B, A(A_H0), A(A_C0));
    if (s.att)   // the encoder row of every decoder token
        for (int t = 0; t < b->dec.T; t++)
            for (int r = 0; r < b->dec.bs[t]; r++) pv->src[b->dec.off[t] + r] = b->dec_to_enc[r];
    decode_fwd(ws, params, b->dec_ids, pv->src, &b->dec, &b->enc, A(A_LOGITS));
    ws->logits = A(A_LOGITS);
    R(nmt_softmax_xent)(grads ? A(A_LOGITS) : NULL, ws->loss, ws->pred, A(A_LOGITS), b->tgt_ids, n, s.V, loss_scale);
    if (!grads) return;
    if (ws->prec == NMT_BF16) R(nmt_round_bf16)(A(A_LOGITS), A(A_LOGITS), (long)n * s.V);   // dlogits: a product's operand

    // ---- backward ----
    // output layer: d(top) = dlogits W_out^T; dW_out, db_out accumulated
    R(nmt_dense_backward)(s.att ? A(A_GCTX) : A(A_GH), G(P_OUT_W(s)), G(P_OUT_B(s)), A(A_LOGITS),
                      s.att ? A(A_CTX) : A(A_DH), &pv->out, n);
    if (s.att) {
        memset(A(A_GMEM), 0, sizeof(real) * (size_t)ne * u);
        R(nmt_attention_backward)(A(A_GH), A(A_GMEM), A(A_GCTX), A(A_ATTW), A(A_DH), A(A_MEM), &b->enc, &b->dec,
                              b->dec_to_enc, u);
    }
    R(nmt_lstm_backward)(A(A_GX), G(P_DEC(s, 0)), G(P_DEC(s, 1)), G(P_DEC(s, 2)), A(A_GH0), A(A_GC0), A(A_GH), NULL,
                     NULL, A(A_XD), A(A_H0), A(A_C0), A(A_DH), A(A_DC), A(A_DZ), &pv->dec, &b->dec, E,
                     u, A(A_SCRATCH));
    R(nmt_embedding_backward)(G(P_EMB_DEC), b->dec_ids, A(A_GX), n, E);
    // the decoder's initial-state gradient is the encoder's final-state gradient (per direction)
    for (int r = 0; r < B; r++) {
        const int e = b->dec_to_enc[r];
        for (int d = 0; d < s.ndir; d++) {
            memcpy(A(GDIR(A_GEHT, d)) + (long)e * eu, A(A_GH0) + (long)r * u + d * eu, sizeof(real) * eu);
            memcpy(A(GDIR(A_GECT, d)) + (long)e * eu, A(A_GC0) + (long)r * u + d * eu, sizeof(real) * eu);
        }
    }
    if (s.att)   // the outputs' gradient, per direction (the backward one in its own order)
        for (int j = 0; j < ne; j++) {
            memcpy(A(A_GEH) + (long)j * eu, A(A_GMEM) + (long)j * u, sizeof(real) * eu);
            memcpy(A(A_GEH1) + (long)j * eu, A(A_GMEM) + (long)b->enc_rev[j] * u + eu, sizeof(real) * eu);
        }
    if (s.bidir && directions_side_by_side()) {
#pragma omp parallel for num_threads(2) schedule(static, 1)
        for (int d = 0; d < 2; d++) encode_direction_backward(ws, params, grads, b, d);
    } else {
        for (int d = 0; d < s.ndir; d++) encode_direction_backward(ws, params, grads, b, d);
    }
    if (s.bidir) {
        // both directions' input gradients, in source order
        real *gx = A(A_GX);
        const real *gxr = A(A_GXR);
        for (int j = 0; j < ne; j++) {
            const real *g = gxr + (long)b->enc_rev[j] * E;
            for (int e = 0; e < E; e++) gx[(long)j * E + e] += g[e];
        }
    }
    R(nmt_embedding_backward)(G(P_EMB_SRC), b->enc_ids, A(A_GX), ne, E);
}

void R(nmt_s2s_encode)(R(nmt_ws) *ws, const real *params, const nmt_batch *b, real *state) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    encode_fwd(ws, params, b);
    pv->enc_pk = &b->enc;
    for (int r = 0; r < b->enc.B; r++) {   // [h | c] per source, in encoder row order
        const int e = r;
        initial_state(ws, &e, 1, state + (long)r * 2 * s.u, state + (long)r * 2 * s.u + s.u);
    }
}

void R(nmt_s2s_decode_step)(R(nmt_ws) *ws, const real *params, int n, const int32_t *tok, const int *src,
                        const real *state_in, real *state_out, real *logits) {
    const shape s = shape_of(&ws->cfg);
    priv_t *pv = ws->priv;
    const int u = s.u;
    // one step of n sequences: the layout of a training batch whose sentences have one token
    for (int r = 0; r < n; r++) pv->step.len[r] = 1;
    nmt_packed_layout(&pv->step, n);
    for (int r = 0; r < n; r++) {
        memcpy(A(A_H0) + (long)r * u, state_in + (long)r * 2 * u, sizeof(real) * u);
        memcpy(A(A_C0) + (long)r * u, state_in + (long)r * 2 * u + u, sizeof(real) * u);
    }
    decode_fwd(ws, params, tok, src, &pv->step, pv->enc_pk, logits);
    for (int r = 0; r < n; r++) {
        memcpy(state_out + (long)r * 2 * u, A(A_DHT) + (long)r * u, sizeof(real) * u);
        memcpy(state_out + (long)r * 2 * u + u, A(A_DCT) + (long)r * u, sizeof(real) * u);
    }
}

#ifndef NMT_F64
const nmt_config_field nmt_s2s_fields[5] = {
    {"src_vocab", offsetof(nmt_config, src_vocab), 1000, 3, 1 << 24},
    {"tgt_vocab", offsetof(nmt_config, tgt_vocab), 1000, 5, 1 << 24},
    {"embed", offsetof(nmt_config, embed), 128, 1, 1 << 16},
    {"units", offsetof(nmt_config, units), 512, 1, 1 << 16},
    {"max_length", offsetof(nmt_config, max_length), 50, 2, 1 << 16},
};
#endif

const R(nmt_lstm_rec) *R(nmt_s2s_lstm_packed)(const R(nmt_ws) *ws, int which) {
    const priv_t *pv = ws->priv;
    if (!pv || which < 0 || which > 2 || (which == 1 && !shape_of(&ws->cfg).bidir)) return NULL;
    return which == 2 ? &pv->dec : &pv->enc[which];
}

const R(nmt_dense_w) *R(nmt_s2s_dense_packed)(const R(nmt_ws) *ws) {
    const priv_t *pv = ws->priv;
    return pv ? &pv->out : NULL;
}
