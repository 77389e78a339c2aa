/* The GRU layer (layers/gru.c, Keras 2 reset_after=True) over packed batches:
 *   1. finite-difference gradient checks in double precision (the _f64 build
 *      of the same source) of every parameter, the input and the initial
 *      state, on sequences of different lengths with an empty one, from a
 *      given and from the zero initial state;
 *   2. the float build against the double build, on sizes with several unit
 *      blocks, a partial block and the parallel path, and bit-identity of
 *      every float output between 1 and 2 threads;
 *   3. parity with Keras 2.15 (tests/fixtures/keras_gru_tiny.safetensors,
 *      written by tools/make_keras_gru_fixture.py): outputs, final state and
 *      the gradients of L = sum(outputs * Rseq * mask) + sum(final * RT). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "fixture.h"
#include "layers/layers.h"
#include "nmt.h"

static nmt_rng rng;

static double *rvec(long n, double s) {
    double *v = malloc(sizeof(double) * (n > 0 ? n : 1));
    for (long i = 0; i < n; i++) v[i] = s * (2 * nmt_rng_double(&rng) - 1);
    return v;
}
static double dot(const double *a, const double *b, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
static void packed_from(nmt_packed *p, const int *lens, int B, int T) {
    nmt_packed_alloc(p, B, T);
    memcpy(p->len, lens, sizeof(int) * B);
    nmt_packed_layout(p, B);
}

/* ---- 1. finite differences (double) ---- */

static double gc_worst;   /* worst relative error over all checks */

/* Compares g (analytic) against centred differences of f over the n entries of
 * x; the tolerances of tests/test_gradcheck.c. */
static void fd_check(const char *what, double *x, long n, const double *g, double (*f)(void)) {
    const double h = 1e-6;
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double keep = x[i];
        x[i] = keep + h;
        double fp = f();
        x[i] = keep - h;
        double fm = f();
        x[i] = keep;
        double num = (fp - fm) / (2 * h);
        double err = fabs(num - g[i]) / (1e-6 + fabs(num) + fabs(g[i]));
        worst = check_worst(worst, err);
        CHECK(fabs(num - g[i]) <= 1e-7 + 1e-5 * fabs(num), "%s[%ld]: numeric %.10g analytic %.10g", what, i, num, g[i]);
    }
    gc_worst = check_worst(gc_worst, worst);
    fprintf(stderr, "  %-30s %5ld entries, worst relative error %.2e\n", what, n, worst);
}

static struct {
    nmt_packed p;
    int in, u;
    double *x, *W, *U, *b, *h0, *Rh, *RhT;   /* h0 NULL: the zero state */
    nmt_gru_rec_f64 rec;
} gc;

static double gru_loss(void) {
    const int n = gc.p.ntok, u = gc.u;
    double *h = calloc((size_t)n * u + 1, 8), *g = calloc((size_t)n * 4 * u + 1, 8), *hT = calloc((size_t)gc.p.B * u, 8);
    nmt_gru_rec_pack_f64(&gc.rec, gc.W, gc.U, gc.in, u, 0);
    nmt_gru_forward_f64(h, g, hT, gc.x, gc.h0, &gc.rec, gc.b, &gc.p, gc.in, u);
    double L = dot(h, gc.Rh, (long)n * u) + dot(hT, gc.RhT, (long)gc.p.B * u);
    free(h), free(g), free(hT);
    return L;
}

static void gradcheck(int in, int u, int with_h0) {
    enum { B = 5, T = 5 };
    const int lens[B] = {5, 3, 3, 1, 0};   /* sorted, ending at different steps, one empty */
    packed_from(&gc.p, lens, B, T);
    const int n = gc.p.ntok, G3 = 3 * u;
    gc.in = in, gc.u = u;
    gc.x = rvec((long)n * in, 1), gc.W = rvec((long)in * G3, 0.7), gc.U = rvec((long)u * G3, 0.7);
    gc.b = rvec(2L * G3, 0.5), gc.h0 = with_h0 ? rvec((long)B * u, 0.8) : NULL;
    gc.Rh = rvec((long)n * u, 1), gc.RhT = rvec((long)B * u, 1);
    double *h = calloc((size_t)n * u, 8), *g = calloc((size_t)n * 4 * u, 8), *hT = calloc((size_t)B * u, 8);
    nmt_gru_rec_pack_f64(&gc.rec, gc.W, gc.U, in, u, 1);
    nmt_gru_forward_f64(h, g, hT, gc.x, gc.h0, &gc.rec, gc.b, &gc.p, in, u);
    double *dx = calloc((size_t)n * in, 8), *dW = calloc((size_t)in * G3, 8), *dU = calloc((size_t)u * G3, 8);
    double *db = calloc(2 * G3, 8), *dh0 = calloc((size_t)B * u, 8);
    double *scratch = calloc(nmt_gru_backward_scratch_f64(B, n, u), 8);
    nmt_gru_backward_f64(dx, dW, dU, db, with_h0 ? dh0 : NULL, gc.Rh, gc.RhT, gc.x, gc.h0, h, g, &gc.rec, &gc.p,
                         in, u, scratch);
    fprintf(stderr, " in=%d u=%d, %s initial state:\n", in, u, with_h0 ? "given" : "zero");
    fd_check("gru dx", gc.x, (long)n * in, dx, gru_loss);
    fd_check("gru dW (kernel)", gc.W, (long)in * G3, dW, gru_loss);
    fd_check("gru dU (recurrent kernel)", gc.U, (long)u * G3, dU, gru_loss);
    fd_check("gru db[0] (input bias)", gc.b, G3, db, gru_loss);
    fd_check("gru db[1] (recurrent bias)", gc.b + G3, G3, db + G3, gru_loss);
    if (with_h0) {
        fd_check("gru dh0", gc.h0, (long)B * u, dh0, gru_loss);
        // Keras mask semantics: an empty sequence's final state is its initial state
        CHECK(memcmp(hT + 4L * u, gc.h0 + 4L * u, sizeof(double) * u) == 0, "empty sequence keeps h0");
    }
    // a sequence's final state is its state after its own last token
    CHECK(memcmp(hT + 1L * u, h + (long)(gc.p.off[2] + 1) * u, sizeof(double) * u) == 0, "final state at last token");
    free(h), free(g), free(hT), free(dx), free(dW), free(dU), free(db), free(dh0), free(scratch);
    free(gc.x), free(gc.W), free(gc.U), free(gc.b), free(gc.h0), free(gc.Rh), free(gc.RhT);
    nmt_gru_rec_free_f64(&gc.rec);
    nmt_packed_free(&gc.p);
}

/* ---- 2. float against double, 1 against 2 threads ---- */

enum { NOUT = 8 };
typedef struct {
    float *o[NOUT];   /* h g hT dx dW dU db dh0 */
} fout;

static float *tof(const double *d, long n) {
    if (!d) return NULL;
    float *f = malloc(sizeof(float) * (n > 0 ? n : 1));
    for (long i = 0; i < n; i++) f[i] = (float)d[i];
    return f;
}

static void run_float(fout *o, const long *sz, int in, int u, const nmt_packed *p, const double *x, const double *W,
                      const double *U, const double *b, const double *h0, const double *dh, const double *dhT) {
    const int n = p->ntok, B = p->B;
    float *xf = tof(x, (long)n * in), *Wf = tof(W, (long)in * 3 * u), *Uf = tof(U, (long)u * 3 * u);
    float *bf = tof(b, 6L * u), *h0f = tof(h0, (long)B * u), *dhf = tof(dh, (long)n * u), *dhTf = tof(dhT, (long)B * u);
    for (int i = 0; i < NOUT; i++) o->o[i] = calloc(sz[i] > 0 ? sz[i] : 1, sizeof(float));
    nmt_gru_rec rec = {0};
    nmt_gru_rec_pack(&rec, Wf, Uf, in, u, 1);
    float *scratch = calloc(nmt_gru_backward_scratch(B, n, u), sizeof(float));
    nmt_gru_forward(o->o[0], o->o[1], o->o[2], xf, h0f, &rec, bf, p, in, u);
    nmt_gru_backward(o->o[3], o->o[4], o->o[5], o->o[6], o->o[7], dhf, dhTf, xf, h0f, o->o[0], o->o[1], &rec, p,
                     in, u, scratch);
    nmt_gru_rec_free(&rec);
    free(scratch), free(xf), free(Wf), free(Uf), free(bf), free(h0f), free(dhf), free(dhTf);
}

static void float_vs_double(int u, int zero_state) {
    enum { B = 7, T = 9, IN = 24 };
    const int lens[B] = {9, 8, 8, 5, 3, 1, 0};
    nmt_packed p;
    packed_from(&p, lens, B, T);
    const int n = p.ntok, G3 = 3 * u;
    double *x = rvec((long)n * IN, 1), *W = rvec((long)IN * G3, 0.3), *U = rvec((long)u * G3, 0.3);
    double *b = rvec(2L * G3, 0.5), *h0 = rvec((long)B * u, zero_state ? 0 : 0.5);
    double *dh = rvec((long)n * u, 1), *dhT = rvec((long)B * u, 1);
    const long sz[NOUT] = {(long)n * u, (long)n * 4 * u, (long)B * u, (long)n * IN,
                           (long)IN * G3, (long)u * G3, 2L * G3, (long)B * u};
    const char *names[NOUT] = {"h", "gates", "hT", "dx", "dW", "dU", "db", "dh0"};
    double *d[NOUT];
    for (int i = 0; i < NOUT; i++) d[i] = calloc(sz[i] > 0 ? sz[i] : 1, sizeof(double));
    // double reference, always from an explicit h0 array (zeros for zero_state)
    nmt_gru_rec_f64 rec = {0};
    nmt_gru_rec_pack_f64(&rec, W, U, IN, u, 1);
    double *scratch = calloc(nmt_gru_backward_scratch_f64(B, n, u), 8);
    nmt_gru_forward_f64(d[0], d[1], d[2], x, h0, &rec, b, &p, IN, u);
    nmt_gru_backward_f64(d[3], d[4], d[5], d[6], d[7], dh, dhT, x, h0, d[0], d[1], &rec, &p, IN, u, scratch);
    nmt_gru_rec_free_f64(&rec);
    if (zero_state)   // at step 0 the gates' 4th column (a = h U_h + b'_h) is b'_h
        for (long k = 0; k < p.bs[0]; k++) CHECK(d[1][k * 4 * u + 3 * u] == b[G3 + 2 * u], "a at zero state");
    fout o[2];
    for (int t = 1; t <= 2; t++) {
        nmt_set_threads(t);
        run_float(&o[t - 1], sz, IN, u, &p, x, W, U, b, zero_state ? NULL : h0, dh, dhT);
    }
    nmt_set_threads(1);
    for (int i = 0; i < NOUT; i++) {
        double worst = 0, scale = 0;
        for (long k = 0; k < sz[i]; k++) scale = fmax(scale, fabs(d[i][k]));
        for (long k = 0; k < sz[i]; k++) worst = check_worst(worst, fabs(o[0].o[i][k] - d[i][k]));
        CHECK(worst <= 2e-5 * fmax(1, scale), "u=%d %s: float vs double %.3g (scale %.3g)", u, names[i], worst, scale);
    }
    int differ = 0;
    for (int i = 0; i < NOUT; i++) differ += memcmp(o[0].o[i], o[1].o[i], sizeof(float) * sz[i]) != 0;
    CHECK(differ == 0, "u=%d: %d of %d outputs differ between 1 and 2 threads", u, differ, NOUT);
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < NOUT; i++) free(o[t].o[i]);
    for (int i = 0; i < NOUT; i++) free(d[i]);
    free(x), free(W), free(U), free(b), free(h0), free(dh), free(dhT), free(scratch);
    nmt_packed_free(&p);
}

/* The vectorized cell (8 units at a time) against the scalar code that runs
 * the units past the last multiple of 8: with u = 12 and the weights of units
 * 8..11 copies of those of units 0..3 (in every gate, every input and
 * recurrent row and column, both biases), units k and 8 + k see the same inputs, so every
 * output of the forward and backward passes must be bit-identical between
 * them: one computed by the vector code, the other by the scalar code. */
static void vector_vs_scalar(void) {
    enum { B = 5, T = 6, IN = 7, u = 12, G3 = 3 * u };
    const int lens[B] = {6, 6, 4, 2, 1};
    nmt_packed p;
    packed_from(&p, lens, B, T);
    const int n = p.ntok;
    double *x = rvec((long)n * IN, 1), *W = rvec((long)IN * G3, 0.5), *U = rvec((long)u * G3, 0.5);
    double *b = rvec(2L * G3, 0.5), *h0 = rvec((long)B * u, 0.5), *dh = rvec((long)n * u, 1), *dhT = rvec((long)B * u, 1);
    for (int k = 0; k < 4; k++) {   // unit 8 + k = unit k, wherever a unit has a value of its own
        for (int g = 0; g < 3; g++) {
            for (int i = 0; i < IN; i++) W[(long)i * G3 + g * u + 8 + k] = W[(long)i * G3 + g * u + k];
            for (int i = 0; i < u; i++) U[(long)i * G3 + g * u + 8 + k] = U[(long)i * G3 + g * u + k];
            for (int r = 0; r < 2; r++) b[r * G3 + g * u + 8 + k] = b[r * G3 + g * u + k];
        }
        for (int r = 0; r < B; r++) h0[(long)r * u + 8 + k] = h0[(long)r * u + k];
        for (int t = 0; t < n; t++) dh[(long)t * u + 8 + k] = dh[(long)t * u + k];
        for (int r = 0; r < B; r++) dhT[(long)r * u + 8 + k] = dhT[(long)r * u + k];
    }
    // ... and rows 8 + k of U = rows k: the gradient into h_{t-1} (dR U^T) is the same for both
    for (int k = 0; k < 4; k++) memcpy(U + (long)(8 + k) * G3, U + (long)k * G3, sizeof(double) * G3);
    const long sz[NOUT] = {(long)n * u, (long)n * 4 * u, (long)B * u, (long)n * IN,
                           (long)IN * G3, (long)u * G3, 2L * G3, (long)B * u};
    fout o;
    run_float(&o, sz, IN, u, &p, x, W, U, b, h0, dh, dhT);
    int bad = 0;
    for (int t = 0; t < n; t++)
        for (int k = 0; k < 4; k++) {
            bad += memcmp(&o.o[0][(long)t * u + k], &o.o[0][(long)t * u + 8 + k], sizeof(float)) != 0;   // h
            for (int g = 0; g < 4; g++)   // the saved gates
                bad += memcmp(&o.o[1][(long)t * 4 * u + g * u + k], &o.o[1][(long)t * 4 * u + g * u + 8 + k],
                              sizeof(float)) != 0;
        }
    CHECK(bad == 0, "forward: %d values of the vector units differ from their scalar copies", bad);
    bad = 0;
    for (int r = 0; r < 2; r++)   // db: the backward cell's outputs summed over tokens in the same order
        for (int g = 0; g < 3; g++)
            for (int k = 0; k < 4; k++)
                bad += memcmp(&o.o[6][r * G3 + g * u + k], &o.o[6][r * G3 + g * u + 8 + k], sizeof(float)) != 0;
    for (int i = 0; i < IN; i++)   // dW: x^T dX, column by column
        for (int g = 0; g < 3; g++)
            for (int k = 0; k < 4; k++)
                bad += memcmp(&o.o[4][(long)i * G3 + g * u + k], &o.o[4][(long)i * G3 + g * u + 8 + k], sizeof(float)) != 0;
    CHECK(bad == 0, "backward: %d gradients of the vector units differ from their scalar copies", bad);
    for (int i = 0; i < NOUT; i++) free(o.o[i]);
    free(x), free(W), free(U), free(b), free(h0), free(dh), free(dhT);
    nmt_packed_free(&p);
}

/* ---- 3. Keras 2.15 parity ---- */

static float *fx_f32(const nmt_st_file *st, const char *name, long numel) {
    const nmt_st_tensor *t = fixture_tensor(st, name, NMT_ST_F32);
    if (!t) return NULL;
    CHECK((long)t->numel == numel, "%s: %ld values, expected %ld", name, (long)t->numel, numel);
    if ((long)t->numel != numel) return NULL;
    float *a = malloc(sizeof(float) * numel);
    memcpy(a, t->data, sizeof(float) * numel);
    return a;
}

static double maxdiff(const char *what, const float *a, const float *ref, long n, double tol) {
    double worst = 0;
    for (long i = 0; i < n; i++) worst = check_worst(worst, fabs((double)a[i] - ref[i]));
    CHECK(worst <= tol, "keras %s: max abs diff %.3g", what, worst);
    fprintf(stderr, "  keras %-28s max abs diff %.2e\n", what, worst);
    return worst;
}

static void keras_parity(void) {
    nmt_st_file st;
    if (fixture_open(&st, "tests/fixtures/keras_gru_tiny.safetensors")) return;
    nmt_json *cfg = fixture_meta_json(&st, "config");
    if (!cfg) {
        nmt_st_free(&st);
        return;
    }
    const int B = (int)fixture_int(cfg, "B"), T = (int)fixture_int(cfg, "T");
    const int IN = (int)fixture_int(cfg, "in"), u = (int)fixture_int(cfg, "units"), G3 = 3 * u;
    nmt_json_free(cfg);
    int32_t *lens = fixture_i32(&st, "lengths", B, 1);
    float *x = fx_f32(&st, "x", (long)B * T * IN), *W = fx_f32(&st, "kernel", (long)IN * G3);
    float *U = fx_f32(&st, "recurrent_kernel", (long)u * G3), *bias = fx_f32(&st, "bias", 2L * G3);
    float *h0 = fx_f32(&st, "h0", (long)B * u), *Rseq = fx_f32(&st, "Rseq", (long)B * T * u);
    float *RT = fx_f32(&st, "RT", (long)B * u);
    if (!lens || !x || !W || !U || !bias || !h0 || !Rseq || !RT) goto done;
    // nmt's order: by length, longest first, ties in batch order (a stable sort)
    int order[64], sl[64];
    for (int i = 0; i < B; i++) order[i] = i;
    for (int i = 1; i < B; i++)
        for (int j = i; j > 0 && lens[order[j]] > lens[order[j - 1]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1], order[j - 1] = tmp;
        }
    for (int i = 0; i < B; i++) sl[i] = lens[order[i]];
    nmt_packed p;
    packed_from(&p, sl, B, T);
    const int n = p.ntok;
    // packed inputs: row off[t] + r is (sequence order[r], step t)
    float *xp = malloc(sizeof(float) * n * IN), *dhp = malloc(sizeof(float) * n * u);
    float *h0p = malloc(sizeof(float) * B * u), *dhT = malloc(sizeof(float) * B * u);
    for (int t = 0; t < p.T; t++)
        for (int r = 0; r < p.bs[t]; r++) {
            const long k = p.off[t] + r, s = (long)order[r] * T + t;
            memcpy(xp + k * IN, x + s * IN, sizeof(float) * IN);
            memcpy(dhp + k * u, Rseq + s * u, sizeof(float) * u);
        }
    for (int r = 0; r < B; r++) {
        memcpy(h0p + (long)r * u, h0 + (long)order[r] * u, sizeof(float) * u);
        memcpy(dhT + (long)r * u, RT + (long)order[r] * u, sizeof(float) * u);
    }
    nmt_gru_rec rec = {0};
    nmt_gru_rec_pack(&rec, W, U, IN, u, 1);
    for (int run = 0; run < 2; run++) {
        const char *pre = run ? "zero_" : "h0_";
        const float *init = run ? NULL : h0p;
        char name[64];
#define REF(var, key, numel) \
    snprintf(name, sizeof name, "%s%s", pre, key); \
    float *var = fx_f32(&st, name, numel);
        REF(out, "outputs", (long)B * T * u)
        REF(fin, "final_state", (long)B * u)
        REF(rdW, "d_kernel", (long)IN * G3)
        REF(rdU, "d_recurrent_kernel", (long)u * G3)
        REF(rdb, "d_bias", 2L * G3)
        REF(rdx, "d_x", (long)B * T * IN)
#undef REF
        float *rdh0 = NULL;
        if (!run) rdh0 = fx_f32(&st, "h0_d_h0", (long)B * u);
        float *h = calloc((size_t)n * u + 1, 4), *g = calloc((size_t)n * 4 * u + 1, 4), *hT = calloc((size_t)B * u, 4);
        float *dx = calloc((size_t)n * IN + 1, 4), *dW = calloc((size_t)IN * G3, 4), *dU = calloc((size_t)u * G3, 4);
        float *db = calloc(2 * G3, 4), *dh0 = calloc((size_t)B * u, 4);
        float *scratch = calloc(nmt_gru_backward_scratch(B, n, u), 4);
        nmt_gru_forward(h, g, hT, xp, init, &rec, bias, &p, IN, u);
        nmt_gru_backward(dx, dW, dU, db, init ? dh0 : NULL, dhp, dhT, xp, init, h, g, &rec, &p, IN, u, scratch);
        if (out && fin && rdW && rdU && rdb && rdx && (run || rdh0)) {
            // back to Keras' batch layout: real positions only (padded outputs are not
            // compared; the padded steps of dx must be 0, as Keras' are)
            float *ho = calloc((size_t)B * T * u, 4), *ro = calloc((size_t)B * T * u, 4);
            float *dxb = calloc((size_t)B * T * IN, 4), *hTb = malloc(sizeof(float) * B * u);
            float *dh0b = malloc(sizeof(float) * B * u);
            for (int t = 0; t < p.T; t++)
                for (int r = 0; r < p.bs[t]; r++) {
                    const long k = p.off[t] + r, s = (long)order[r] * T + t;
                    memcpy(ho + s * u, h + k * u, sizeof(float) * u);
                    memcpy(ro + s * u, out + s * u, sizeof(float) * u);
                    memcpy(dxb + s * IN, dx + k * IN, sizeof(float) * IN);
                }
            for (int r = 0; r < B; r++) {
                memcpy(hTb + (long)order[r] * u, hT + (long)r * u, sizeof(float) * u);
                memcpy(dh0b + (long)order[r] * u, dh0 + (long)r * u, sizeof(float) * u);
            }
            fprintf(stderr, " keras parity, %s initial state:\n", run ? "zero" : "given");
            const double tol = 1e-5;
            maxdiff("outputs (real steps)", ho, ro, (long)B * T * u, tol);
            maxdiff("final state", hTb, fin, (long)B * u, tol);
            maxdiff("d kernel", dW, rdW, (long)IN * G3, tol);
            maxdiff("d recurrent_kernel", dU, rdU, (long)u * G3, tol);
            maxdiff("d bias", db, rdb, 2L * G3, tol);
            maxdiff("d x", dxb, rdx, (long)B * T * IN, tol);
            if (!run) maxdiff("d h0", dh0b, rdh0, (long)B * u, tol);
            free(ho), free(ro), free(dxb), free(hTb), free(dh0b);
        }
        free(out), free(fin), free(rdW), free(rdU), free(rdb), free(rdx), free(rdh0);
        free(h), free(g), free(hT), free(dx), free(dW), free(dU), free(db), free(dh0), free(scratch);
    }
    nmt_gru_rec_free(&rec);
    free(xp), free(dhp), free(h0p), free(dhT);
    nmt_packed_free(&p);
done:
    free(lens), free(x), free(W), free(U), free(bias), free(h0), free(Rseq), free(RT);
    nmt_st_free(&st);
}

int main(void) {
    nmt_rng_seed(&rng, 1234);
    nmt_set_threads(1);
    fprintf(stderr, "gradient checks (double):\n");
    gradcheck(3, 4, 1);
    gradcheck(3, 4, 0);
    gradcheck(2, 18, 1);   // two unit blocks, the second partial
    fprintf(stderr, "gradient checks: worst relative error %.2e\n", gc_worst);
    // 5: one partial block; 40: 16+16+8 (single thread: below the parallel threshold);
    // 84: 5 blocks + 4, in parallel
    const int units[] = {5, 40, 84};
    for (int i = 0; i < 3; i++) float_vs_double(units[i], 0);
    float_vs_double(40, 1);
    float_vs_double(84, 1);
    vector_vs_scalar();
    keras_parity();
    return check_exit("test_gru");
}
