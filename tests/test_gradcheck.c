/* Finite-difference gradient checks, in double precision, of every layer (the
 * LSTM forward and reversed over packed rows, attention with masks, dense +
 * cross-entropy, embedding) and of every registered architecture. The double
 * build of the same sources is used (core/real.h), so this checks the production code paths.
 *
 * For a layer f, the scalar checked is L = sum(f(...) .* Rnd) for fixed random
 * weights Rnd; its analytic gradient comes from the backward pass with
 * dout = Rnd, its numerical one from centred differences with step 1e-6. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "layers/layers.h"
#include "models/arch.h"

static nmt_rng rng;
static double rnd(void) { return 2 * nmt_rng_double(&rng) - 1; }
static double *rvec(long n) {
    double *v = calloc(n, sizeof(double));
    for (long i = 0; i < n; i++) v[i] = rnd();
    return v;
}
static double dot(const double *a, const double *b, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Compares g (analytic) against centred differences of f over the n entries of x. */
static void fd_check(const char *what, double *x, long n, const double *g, double (*f)(void *), void *ctx) {
    const double h = 1e-6;
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double keep = x[i];
        x[i] = keep + h;
        double fp = f(ctx);
        x[i] = keep - h;
        double fm = f(ctx);
        x[i] = keep;
        double num = (fp - fm) / (2 * h);
        double err = fabs(num - g[i]) / (1e-6 + fabs(num) + fabs(g[i]));
        if (err > worst) worst = err;
        CHECK(fabs(num - g[i]) <= 1e-7 + 1e-5 * fabs(num), "%s[%ld]: numeric %.10g analytic %.10g", what, i, num, g[i]);
    }
    fprintf(stderr, "  %-34s %5ld entries, worst relative error %.2e\n", what, n, worst);
}

/* ---- LSTM over a packed batch, with initial state and final-state gradients ---- */
enum { B = 4, IN = 3, U = 5, T = 5 };
static nmt_packed pk;
static double *lx, *lW, *lU, *lb, *lh0, *lc0, *Rh, *RhT, *RcT;
static nmt_lstm_rec_f64 lrec;   /* lW, lU packed, re-packed whenever they may have changed */

static double lstm_loss(void *ctx) {
    int n = pk.ntok;
    double *h = calloc(n * U, 8), *c = calloc(n * U, 8), *z = calloc(n * 4 * U, 8);
    double hT[B * U], cT[B * U];
    nmt_lstm_rec_pack_f64(&lrec, lW, lU, IN, U, 0, NMT_FP32);
    nmt_lstm_forward_f64(h, c, z, hT, cT, lx, lh0, lc0, &lrec, lb, &pk, IN, U);
    double L = dot(h, Rh, n * U) + dot(hT, RhT, B * U) + dot(cT, RcT, B * U);
    free(h), free(c), free(z);
    return L;
}

static void check_lstm(void) {
    int lens[B] = {5, 3, 3, 0};   /* sorted, one empty sequence */
    nmt_packed_alloc(&pk, B, T);
    memcpy(pk.len, lens, sizeof lens);
    nmt_packed_layout(&pk, B);
    int n = pk.ntok;
    lx = rvec(n * IN), lW = rvec(IN * 4 * U), lU = rvec(U * 4 * U), lb = rvec(4 * U);
    lh0 = rvec(B * U), lc0 = rvec(B * U), Rh = rvec(n * U), RhT = rvec(B * U), RcT = rvec(B * U);
    double *h = calloc(n * U, 8), *c = calloc(n * U, 8), *z = calloc(n * 4 * U, 8);
    double hT[B * U], cT[B * U];
    nmt_lstm_rec_pack_f64(&lrec, lW, lU, IN, U, 1, NMT_FP32);
    nmt_lstm_forward_f64(h, c, z, hT, cT, lx, lh0, lc0, &lrec, lb, &pk, IN, U);
    double *dx = calloc(n * IN, 8), *dW = calloc(IN * 4 * U, 8), *dU = calloc(U * 4 * U, 8);
    double *db = calloc(4 * U, 8), *dh0 = calloc(B * U, 8), *dc0 = calloc(B * U, 8);
    double *scratch = calloc(nmt_lstm_backward_scratch_f64(B, n, U), 8);
    nmt_lstm_backward_f64(dx, dW, dU, db, dh0, dc0, Rh, RhT, RcT, lx, lh0, lc0, h, c, z, &lrec, &pk, IN, U, scratch);
    fd_check("lstm dx", lx, n * IN, dx, lstm_loss, NULL);
    fd_check("lstm dW (kernel)", lW, IN * 4 * U, dW, lstm_loss, NULL);
    fd_check("lstm dU (recurrent kernel)", lU, U * 4 * U, dU, lstm_loss, NULL);
    fd_check("lstm db", lb, 4 * U, db, lstm_loss, NULL);
    fd_check("lstm dh0", lh0, B * U, dh0, lstm_loss, NULL);
    fd_check("lstm dc0", lc0, B * U, dc0, lstm_loss, NULL);
    // Keras mask semantics: an empty sequence's final state is its initial state
    CHECK(memcmp(hT + 3 * U, lh0 + 3 * U, U * 8) == 0, "empty sequence keeps h0");
    // a sequence's final state is its state after its own last token
    CHECK(memcmp(hT + 1 * U, h + (pk.off[2] + 1) * U, U * 8) == 0, "final state at last token");
    free(h), free(c), free(z), free(dx), free(dW), free(dU), free(db), free(dh0), free(dc0), free(scratch);
    free(lx), free(lW), free(lU), free(lb), free(lh0), free(lc0), free(Rh), free(RhT), free(RcT);
    nmt_packed_free(&pk);
    nmt_lstm_rec_free_f64(&lrec);
}

/* ---- Dense + softmax cross-entropy ---- */
enum { DN = 6, DK = 4, DV = 7 };
static double *dxv, *dWv, *dbv;
static int32_t tg[DN];

static nmt_dense_w_f64 dw;

static double dense_ce_loss(void *ctx) {
    double logits[DN * DV], loss[DN];
    nmt_dense_pack_f64(&dw, dWv, DK, DV, 1, NMT_FP32);
    nmt_dense_forward_f64(logits, dxv, &dw, dbv, DN);
    nmt_softmax_xent_f64(NULL, loss, NULL, logits, tg, DN, DV, 1);
    double s = 0;
    for (int i = 0; i < DN; i++) s += loss[i];
    return 0.37 * s;
}

static void check_dense_ce(void) {
    dxv = rvec(DN * DK), dWv = rvec(DK * DV), dbv = rvec(DV);
    for (int i = 0; i < DN; i++) tg[i] = (i * 3) % DV;
    double logits[DN * DV], loss[DN];
    int32_t pred[DN];
    nmt_dense_pack_f64(&dw, dWv, DK, DV, 1, NMT_FP32);
    nmt_dense_forward_f64(logits, dxv, &dw, dbv, DN);
    nmt_softmax_xent_f64(logits, loss, pred, logits, tg, DN, DV, 0.37);
    double *dx = calloc(DN * DK, 8), *dW = calloc(DK * DV, 8), *db = calloc(DV, 8);
    nmt_dense_backward_f64(dx, dW, db, logits, dxv, &dw, DN);
    fd_check("dense+xent dx", dxv, DN * DK, dx, dense_ce_loss, NULL);
    fd_check("dense+xent dW", dWv, DK * DV, dW, dense_ce_loss, NULL);
    fd_check("dense+xent db", dbv, DV, db, dense_ce_loss, NULL);
    free(dx), free(dW), free(db), free(dxv), free(dWv), free(dbv);
    nmt_dense_w_free_f64(&dw);
}

/* ---- Embedding ---- */
enum { EV = 6, EE = 3, EN = 7 };
static double *etab, *eR;
static int32_t eids[EN] = {1, 4, 4, 0, 5, 1, 4};
static double emb_loss(void *ctx) {
    double out[EN * EE];
    nmt_embedding_forward_f64(out, eids, etab, EN, EE);
    return dot(out, eR, EN * EE);
}
static void check_embedding(void) {
    etab = rvec(EV * EE), eR = rvec(EN * EE);
    double *d = calloc(EV * EE, 8);
    nmt_embedding_backward_f64(d, eids, eR, EN, EE);
    fd_check("embedding dtable", etab, EV * EE, d, emb_loss, NULL);
    free(d), free(etab), free(eR);
}

/* ---- A backward (reversed) LSTM over packed rows, as the bidirectional encoder
 * runs it: x gathered into each sequence's reverse order by the batch's
 * enc_rev, the LSTM over that, its outputs gathered back to source order. ---- */
static nmt_batch rb;
static double *rx, *rW, *rU, *rbias, *rR, *rRT;

static double rev_loss(void *ctx) {
    const int n = rb.enc.ntok;
    double *xr = calloc(n * IN, 8), *h = calloc(n * U, 8), *c = calloc(n * U, 8), *z = calloc(n * 4 * U, 8);
    double *hs = calloc(n * U, 8), hT[B * U], cT[B * U];
    nmt_rows_gather_f64(xr, rx, rb.enc_rev, n, IN);
    nmt_lstm_rec_pack_f64(&lrec, rW, rU, IN, U, 0, NMT_FP32);
    nmt_lstm_forward_f64(h, c, z, hT, cT, xr, NULL, NULL, &lrec, rbias, &rb.enc, IN, U);
    nmt_rows_gather_f64(hs, h, rb.enc_rev, n, U);
    double L = dot(hs, rR, n * U) + dot(hT, rRT, B * U);
    free(xr), free(h), free(c), free(z), free(hs);
    return L;
}

static void check_reverse_lstm(void) {
    int32_t s0[] = {1, 2, 3, 4, 5}, s1[] = {6, 7}, s2[] = {8, 9, 1}, s3[] = {2};
    const int32_t *src[] = {s0, s1, s2, s3};
    int slen[] = {5, 2, 3, 1};
    nmt_batch_alloc(&rb, B, T);
    nmt_batch_build(&rb, B, src, slen, NULL, NULL, NULL);
    const int n = rb.enc.ntok;
    // enc_rev: step t of row r reads the row's token len-1-t, and is its own inverse
    int ok = 1;
    for (int t = 0; t < rb.enc.T; t++)
        for (int r = 0; r < rb.enc.bs[t]; r++) {
            const int k = rb.enc.off[t] + r, j = rb.enc_rev[k];
            ok &= j == rb.enc.off[rb.enc.len[r] - 1 - t] + r && rb.enc_rev[j] == k;
            ok &= rb.enc_ids[j] == src[rb.enc_orig[r]][rb.enc.len[r] - 1 - t];
        }
    CHECK(ok, "enc_rev is not each row's reversal");
    rx = rvec(n * IN), rW = rvec(IN * 4 * U), rU = rvec(U * 4 * U), rbias = rvec(4 * U);
    rR = rvec(n * U), rRT = rvec(B * U);
    double *xr = calloc(n * IN, 8), *h = calloc(n * U, 8), *c = calloc(n * U, 8), *z = calloc(n * 4 * U, 8);
    double hT[B * U], cT[B * U];
    nmt_rows_gather_f64(xr, rx, rb.enc_rev, n, IN);
    nmt_lstm_rec_pack_f64(&lrec, rW, rU, IN, U, 1, NMT_FP32);
    nmt_lstm_forward_f64(h, c, z, hT, cT, xr, NULL, NULL, &lrec, rbias, &rb.enc, IN, U);
    double *dh = calloc(n * U, 8), *dxr = calloc(n * IN, 8), *dx = calloc(n * IN, 8);
    double *dW = calloc(IN * 4 * U, 8), *dU = calloc(U * 4 * U, 8), *db = calloc(4 * U, 8);
    double *scratch = calloc(nmt_lstm_backward_scratch_f64(B, n, U), 8);
    nmt_rows_gather_f64(dh, rR, rb.enc_rev, n, U);   // d(h in reversed order)
    nmt_lstm_backward_f64(dxr, dW, dU, db, NULL, NULL, dh, rRT, NULL, xr, NULL, NULL, h, c, z, &lrec, &rb.enc, IN, U,
                      scratch);
    nmt_rows_gather_f64(dx, dxr, rb.enc_rev, n, IN);
    fd_check("reverse lstm dx", rx, n * IN, dx, rev_loss, NULL);
    fd_check("reverse lstm dW", rW, IN * 4 * U, dW, rev_loss, NULL);
    fd_check("reverse lstm dU", rU, U * 4 * U, dU, rev_loss, NULL);
    fd_check("reverse lstm db", rbias, 4 * U, db, rev_loss, NULL);
    // its final state summarises tokens len-1 .. 0: it is the state after token 0
    for (int r = 0; r < B; r++)
        CHECK(memcmp(hT + r * U, h + (long)(rb.enc.off[rb.enc.len[r] - 1] + r) * U, U * 8) == 0,
              "row %d: final state not at the reversed sequence's last step", r);
    free(xr), free(h), free(c), free(z), free(dh), free(dxr), free(dx), free(dW), free(dU), free(db), free(scratch);
    free(rx), free(rW), free(rU), free(rbias), free(rR), free(rRT);
    nmt_batch_free(&rb);
    nmt_lstm_rec_free_f64(&lrec);
}

/* ---- Luong attention with masks: sources of different lengths (one empty),
 * several decoder tokens per source, sources in another order than the
 * decoder rows. ---- */
enum { AD = 4 };
static nmt_batch ab;
static double *aq, *amem, *aR;
static double att_loss(void *ctx) {
    const int nq = ab.dec.ntok;
    double *out = calloc(nq * AD, 8), *w = calloc(nq * ab.enc.T + 1, 8);
    int *src = calloc(nq, sizeof(int));
    for (int t = 0; t < ab.dec.T; t++)
        for (int r = 0; r < ab.dec.bs[t]; r++) src[ab.dec.off[t] + r] = ab.dec_to_enc[r];
    nmt_attention_forward_f64(out, w, aq, amem, src, &ab.enc, nq, AD);
    double L = dot(out, aR, nq * AD);
    free(out), free(w), free(src);
    return L;
}

static void check_attention(void) {
    int32_t s0[] = {1, 2, 3}, s1[] = {4, 5, 6, 7, 8}, s2[] = {0}, s3[] = {9, 9};
    int32_t d0[] = {2, 5}, d1[] = {2, 4, 6}, d2[] = {2, 3, 3, 3}, d3[] = {2};
    const int32_t *src[] = {s0, s1, s2, s3}, *din[] = {d0, d1, d2, d3};
    int slen[] = {3, 5, 0, 2}, dlen[] = {2, 3, 4, 1};
    nmt_batch_alloc(&ab, 4, 6);
    nmt_batch_build(&ab, 4, src, slen, din, din, dlen);
    const int nq = ab.dec.ntok, ne = ab.enc.ntok;
    aq = rvec(nq * AD), amem = rvec(ne * AD), aR = rvec(nq * AD);
    double *out = calloc(nq * AD, 8), *w = calloc(nq * ab.enc.T, 8), *dq = calloc(nq * AD, 8);
    double *dmem = calloc(ne * AD, 8);
    int *srcrow = calloc(nq, sizeof(int));
    for (int t = 0; t < ab.dec.T; t++)
        for (int r = 0; r < ab.dec.bs[t]; r++) srcrow[ab.dec.off[t] + r] = ab.dec_to_enc[r];
    nmt_attention_forward_f64(out, w, aq, amem, srcrow, &ab.enc, nq, AD);
    nmt_attention_backward_f64(dq, dmem, aR, w, aq, amem, &ab.enc, &ab.dec, ab.dec_to_enc, AD);
    fd_check("attention dq (queries)", aq, nq * AD, dq, att_loss, NULL);
    fd_check("attention dmem (keys = values)", amem, ne * AD, dmem, att_loss, NULL);
    // a query of the empty source gets zeros; every other row's weights sum to 1
    for (int k = 0; k < nq; k++) {
        const int s = srcrow[k], L = ab.enc.len[s];
        double sum = 0, z = 0;
        for (int t = 0; t < L; t++) sum += w[k * ab.enc.T + t];
        for (int d = 0; d < AD; d++) z += fabs(out[k * AD + d]);
        CHECK(L ? fabs(sum - 1) < 1e-12 : z == 0, "query %d (source length %d): weights sum %g, |out| %g", k, L, sum, z);
    }
    free(out), free(w), free(dq), free(dmem), free(srcrow), free(aq), free(amem), free(aR);
    nmt_batch_free(&ab);
}

/* ---- Each whole model ---- */
static nmt_batch bat;
static nmt_ws_f64 ws;
static double *mp;

static double *carry0;   /* a stateful pass: the carried states every pass starts from */

static double model_loss(void *ctx) {
    if (carry0) memcpy(ws.carry, carry0, sizeof(double) * (size_t)bat.dec.B * ws.cfg.units);
    nmt_ws_forward_backward_f64(&ws, mp, NULL, &bat, 1);
    double s = 0;
    for (int i = 0; i < bat.dec.ntok; i++) s += ws.loss[i];
    return s / bat.dec.ntok;
}

static void check_model(const char *arch, int stateful) {
    nmt_config cfg;
    CHECK(nmt_config_default(&cfg, arch) == 0, "config %s", arch);
    const int lm = nmt_arch_info_find(arch)->lm;
    cfg.src_vocab = lm ? 0 : 7, cfg.tgt_vocab = 9, cfg.embed = 3, cfg.units = 4, cfg.max_length = 6;
    CHECK(nmt_ws_alloc_f64(&ws, &cfg, 5, NMT_FP32, 1) == 0, "ws %s: %s", arch, nmt_last_error());
    const nmt_param_table *tab = &ws.tab;
    mp = calloc(tab->total, 8);
    for (long i = 0; i < (long)tab->total; i++) mp[i] = 0.5 * rnd();
    // 5 examples: different source and target lengths, one empty source
    int32_t s0[] = {2, 3, 4}, s1[] = {5, 6, 1, 2, 3, 4}, s2[] = {0}, s3[] = {6}, s4[] = {3, 3};
    int32_t d0[] = {2, 5}, d1[] = {2, 4, 6, 7}, d2[] = {2}, d3[] = {2, 8, 1, 5, 4, 3}, d4[] = {2, 7, 7};
    int32_t t0[] = {5, 3}, t1[] = {4, 6, 7, 3}, t2[] = {3}, t3[] = {8, 1, 5, 4, 3, 6}, t4[] = {7, 7, 3};
    const int32_t *src[] = {s0, s1, s2, s3, s4}, *din[] = {d0, d1, d2, d3, d4}, *tgt[] = {t0, t1, t2, t3, t4};
    int slen[] = {3, 6, 0, 1, 2}, dlen[] = {2, 4, 1, 6, 3};
    nmt_batch_alloc(&bat, 5, cfg.max_length);
    if (lm)   // a language model: no source, model ids 0..tgt_vocab-3
        for (int i = 0; i < 5; i++)
            for (int t = 0; t < dlen[i]; t++) ((int32_t *)din[i])[t] %= 7, ((int32_t *)tgt[i])[t] %= 7;
    nmt_batch_build(&bat, 5, lm ? NULL : src, slen, din, tgt, dlen);
    if (stateful) {   // every example continues from a random carried state
        carry0 = calloc((size_t)5 * cfg.units, 8);
        ws.carry = calloc((size_t)5 * cfg.units, 8);
        for (int i = 0; i < 5 * cfg.units; i++) carry0[i] = 0.8 * rnd();
    }
    double *g = calloc(tab->total, 8);
    if (carry0) memcpy(ws.carry, carry0, sizeof(double) * 5 * cfg.units);
    nmt_ws_forward_backward_f64(&ws, mp, g, &bat, 1.0 / bat.dec.ntok);
    for (int i = 0; i < tab->n; i++) {
        char what[96];
        snprintf(what, sizeof what, "%s%s %s", arch, stateful ? " (carried state)" : "", tab->p[i].name);
        fd_check(what, mp + tab->p[i].offset, tab->p[i].numel, g + tab->p[i].offset, model_loss, NULL);
    }
    if (stateful) {
        free(ws.carry), free(carry0);
        ws.carry = carry0 = NULL;
    }
    // padded positions never matter: row 0 of the embeddings (the pad id) gets no gradient
    double z = 0;
    const nmt_param *de = nmt_param_find(tab, "decoder.embedding");
    for (int e = 0; !lm && e < cfg.embed; e++) z += fabs(g[de->offset + e]);
    CHECK(z == 0, "%s: pad embedding row has gradient %g", arch, z);
    free(g);
    nmt_ws_free_f64(&ws);
    nmt_batch_free(&bat);
    free(mp);
}

int main(void) {
    nmt_rng_seed(&rng, 1234);
    for (int be = 0; be < 2; be++) {   // both GEMM backends
        nmt_gemm_set_backend(be ? NMT_GEMM_CBLAS : NMT_GEMM_NAIVE);
        fprintf(stderr, "gemm backend: %s\n", nmt_gemm_backend_name(nmt_gemm_get_backend()));
        check_embedding();
        check_dense_ce();
        check_lstm();
        check_reverse_lstm();
        check_attention();
        for (int a = 0; a < nmt_arch_count(); a++) {
            check_model(nmt_arch_info_at(a)->name, 0);
            if (nmt_arch_info_at(a)->lm) check_model(nmt_arch_info_at(a)->name, 1);
        }
    }
    return check_exit("test_gradcheck");
}
