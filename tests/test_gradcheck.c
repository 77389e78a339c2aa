/* Finite-difference gradient checks, in double precision, of every layer and of
 * the whole encoder–decoder. The double build of the same sources is used
 * (core/real.h), so this checks the production code paths.
 *
 * For a layer f, the scalar checked is L = sum(f(...) .* Rnd) for fixed random
 * weights Rnd; its analytic gradient comes from the backward pass with
 * dout = Rnd, its numerical one from centred differences with step 1e-6. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "layers/layers.h"
#include "models/seq2seq.h"

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
static lstm_rec_f64 lrec;   /* lU packed, re-packed whenever lU may have changed */

static double lstm_loss(void *ctx) {
    int n = pk.ntok;
    double *h = calloc(n * U, 8), *c = calloc(n * U, 8), *z = calloc(n * 4 * U, 8);
    double hT[B * U], cT[B * U];
    lstm_rec_pack_f64(&lrec, lU, U, 0, NMT_FP32);
    lstm_forward_f64(h, c, z, hT, cT, lx, lh0, lc0, lW, &lrec, lb, &pk, IN, U);
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
    lstm_rec_pack_f64(&lrec, lU, U, 1, NMT_FP32);
    lstm_forward_f64(h, c, z, hT, cT, lx, lh0, lc0, lW, &lrec, lb, &pk, IN, U);
    double *dx = calloc(n * IN, 8), *dW = calloc(IN * 4 * U, 8), *dU = calloc(U * 4 * U, 8);
    double *db = calloc(4 * U, 8), *dh0 = calloc(B * U, 8), *dc0 = calloc(B * U, 8);
    double *scratch = calloc(lstm_backward_scratch_f64(B, n, U), 8);
    lstm_backward_f64(dx, dW, dU, db, dh0, dc0, Rh, RhT, RcT, lx, lh0, lc0, h, c, z, lW, &lrec, &pk, IN, U, scratch);
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
    lstm_rec_free_f64(&lrec);
}

/* ---- Dense + softmax cross-entropy ---- */
enum { DN = 6, DK = 4, DV = 7 };
static double *dxv, *dWv, *dbv;
static int32_t tg[DN];

static double dense_ce_loss(void *ctx) {
    double logits[DN * DV], loss[DN];
    dense_forward_f64(logits, dxv, dWv, dbv, DN, DK, DV);
    softmax_xent_f64(NULL, loss, NULL, logits, tg, DN, DV, 1);
    double s = 0;
    for (int i = 0; i < DN; i++) s += loss[i];
    return 0.37 * s;
}

static void check_dense_ce(void) {
    dxv = rvec(DN * DK), dWv = rvec(DK * DV), dbv = rvec(DV);
    for (int i = 0; i < DN; i++) tg[i] = (i * 3) % DV;
    double logits[DN * DV], loss[DN];
    int32_t pred[DN];
    dense_forward_f64(logits, dxv, dWv, dbv, DN, DK, DV);
    softmax_xent_f64(logits, loss, pred, logits, tg, DN, DV, 0.37);
    double *dx = calloc(DN * DK, 8), *dW = calloc(DK * DV, 8), *db = calloc(DV, 8);
    dense_backward_f64(dx, dW, db, logits, dxv, dWv, DN, DK, DV);
    fd_check("dense+xent dx", dxv, DN * DK, dx, dense_ce_loss, NULL);
    fd_check("dense+xent dW", dWv, DK * DV, dW, dense_ce_loss, NULL);
    fd_check("dense+xent db", dbv, DV, db, dense_ce_loss, NULL);
    free(dx), free(dW), free(db), free(dxv), free(dWv), free(dbv);
}

/* ---- Embedding ---- */
enum { EV = 6, EE = 3, EN = 7 };
static double *etab, *eR;
static int32_t eids[EN] = {1, 4, 4, 0, 5, 1, 4};
static double emb_loss(void *ctx) {
    double out[EN * EE];
    embedding_forward_f64(out, eids, etab, EN, EE);
    return dot(out, eR, EN * EE);
}
static void check_embedding(void) {
    etab = rvec(EV * EE), eR = rvec(EN * EE);
    double *d = calloc(EV * EE, 8);
    embedding_backward_f64(d, eids, eR, EN, EE);
    fd_check("embedding dtable", etab, EV * EE, d, emb_loss, NULL);
    free(d), free(etab), free(eR);
}

/* ---- The whole model ---- */
static nmt_param_table tab;
static double *mp;
static nmt_batch bat;
static nmt_ws_f64 ws;

static double model_loss(void *ctx) {
    seq2seq_forward_backward_f64(&ws, &tab, mp, NULL, &bat, 1);
    double s = 0;
    for (int i = 0; i < bat.dec.ntok; i++) s += ws.loss[i];
    return s / bat.dec.ntok;
}

static void check_model(void) {
    nmt_config cfg;
    nmt_config_default(&cfg);
    cfg.src_vocab = 7, cfg.tgt_vocab = 9, cfg.embed = 3, cfg.units = 4, cfg.max_length = 6;
    CHECK(nmt_param_table_build(&tab, &cfg) == 0, "table");
    mp = calloc(tab.total, 8);
    for (long i = 0; i < (long)tab.total; i++) mp[i] = 0.5 * rnd();
    // 5 examples: different source and target lengths, one empty source
    int32_t s0[] = {2, 3, 4}, s1[] = {5, 6, 1, 2, 3, 4}, s2[] = {0}, s3[] = {6}, s4[] = {3, 3};
    int32_t d0[] = {2, 5}, d1[] = {2, 4, 6, 7}, d2[] = {2}, d3[] = {2, 8, 1, 5, 4, 3}, d4[] = {2, 7, 7};
    int32_t t0[] = {5, 3}, t1[] = {4, 6, 7, 3}, t2[] = {3}, t3[] = {8, 1, 5, 4, 3, 6}, t4[] = {7, 7, 3};
    const int32_t *src[] = {s0, s1, s2, s3, s4}, *din[] = {d0, d1, d2, d3, d4}, *tgt[] = {t0, t1, t2, t3, t4};
    int slen[] = {3, 6, 0, 1, 2}, dlen[] = {2, 4, 1, 6, 3};
    nmt_batch_alloc(&bat, 5, cfg.max_length);
    nmt_batch_build(&bat, 5, src, slen, din, tgt, dlen);
    nmt_ws_alloc_f64(&ws, &cfg, 5);
    double *g = calloc(tab.total, 8);
    seq2seq_forward_backward_f64(&ws, &tab, mp, g, &bat, 1.0 / bat.dec.ntok);
    for (int i = 0; i < tab.n; i++) {
        char what[96];
        snprintf(what, sizeof what, "model %s", tab.p[i].name);
        fd_check(what, mp + tab.p[i].offset, tab.p[i].numel, g + tab.p[i].offset, model_loss, NULL);
    }
    // padded positions never matter: row 0 of the embeddings (the pad id) gets no gradient
    double z = 0;
    for (int e = 0; e < cfg.embed; e++) z += fabs(g[tab.p[NMT_P_DEC_EMB].offset + e]);
    CHECK(z == 0, "pad embedding row has gradient %g", z);
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
        check_model();
    }
    return check_exit("test_gradcheck");
}
