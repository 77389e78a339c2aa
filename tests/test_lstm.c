/* The float LSTM (packed recurrent products split by unit blocks among the
 * threads, AVX2 cell and backward with scalar tails) against the double build
 * of the same source (scalar kernels, libm exp and tanh; the version the
 * finite-difference checks verify), on sizes that exercise several unit
 * blocks, a partial block and the vector tails; and bit-identity of every
 * float output between 1 and 2 threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "layers/layers.h"
#include "nmt.h"

static nmt_rng rng;

typedef struct {
    float *h, *c, *z, *hT, *cT, *dx, *dW, *dU, *db, *dh0, *dc0;
} fout;

enum { B = 7, T = 9, IN = 24 };

static void run_float(fout *o, int u, const nmt_packed *p, const double *x, const double *W, const double *U,
                      const double *b, const double *h0, const double *c0, const double *dh, const double *dhT,
                      const double *dcT) {
    const int n = p->ntok, G = 4 * u;
#define F(name, len)                                                 \
    float *name##f = name ? malloc(sizeof(float) * (len)) : NULL;   \
    for (long i = 0; name && i < (long)(len); i++) name##f[i] = (float)name[i];
    F(x, (long)n * IN) F(W, (long)IN * G) F(U, (long)u * G) F(b, G) F(h0, (long)B * u) F(c0, (long)B * u)
    F(dh, (long)n * u) F(dhT, (long)B * u) F(dcT, (long)B * u)
#undef F
    o->h = calloc((size_t)n * u, 4), o->c = calloc((size_t)n * u, 4), o->z = calloc((size_t)n * G, 4);
    o->hT = calloc((size_t)B * u, 4), o->cT = calloc((size_t)B * u, 4), o->dx = calloc((size_t)n * IN, 4);
    o->dW = calloc((size_t)IN * G, 4), o->dU = calloc((size_t)u * G, 4), o->db = calloc(G, 4);
    o->dh0 = calloc((size_t)B * u, 4), o->dc0 = calloc((size_t)B * u, 4);
    nmt_lstm_rec rec = {0};
    nmt_lstm_rec_pack(&rec, Wf, Uf, IN, u, 1, NMT_FP32);
    float *scratch = calloc(nmt_lstm_backward_scratch(B, n, u), 4);
    nmt_lstm_forward(o->h, o->c, o->z, o->hT, o->cT, xf, h0f, c0f, &rec, bf, p, IN, u);
    nmt_lstm_backward(o->dx, o->dW, o->dU, o->db, o->dh0, o->dc0, dhf, dhTf, dcTf, xf, h0f, c0f, o->h, o->c, o->z,
                  &rec, p, IN, u, scratch);
    nmt_lstm_rec_free(&rec);
    free(scratch), free(xf), free(Wf), free(Uf), free(bf), free(h0f), free(c0f), free(dhf), free(dhTf), free(dcTf);
}

static void free_out(fout *o) {
    float **f = (float **)o;
    for (size_t i = 0; i < sizeof *o / sizeof(float *); i++) free(f[i]);
}

static void compare(const char *what, int u, const float *f, const double *d, long len, double tol) {
    double worst = 0, scale = 0;
    for (long i = 0; i < len; i++) scale = fmax(scale, fabs(d[i]));
    // a NaN (an unwritten output) fails
    for (long i = 0; i < len; i++) worst = check_worst(worst, fabs(f[i] - d[i]));
    CHECK(worst <= tol * fmax(1, scale), "u=%d %s: float vs double %.3g (scale %.3g)", u, what, worst, scale);
}

static double *rvec(long n, double s) {
    double *v = malloc(sizeof(double) * (n > 0 ? n : 1));
    for (long i = 0; i < n; i++) v[i] = s * (2 * nmt_rng_double(&rng) - 1);
    return v;
}

/* zero_state: the float pass starts from NULL (zeros, the encoder's case: step 0
 * then adds nothing to dU and is left out of its product), the double reference
 * from explicit zero arrays (every step in the product). */
static void check_units(int u, const int *lens, int zero_state) {
    nmt_packed p;
    nmt_packed_alloc(&p, B, T);
    memcpy(p.len, lens, sizeof(int) * B);
    nmt_packed_layout(&p, B);
    const int n = p.ntok, G = 4 * u;
    double *x = rvec((long)n * IN, 1), *W = rvec((long)IN * G, 0.3), *U = rvec((long)u * G, 0.3), *b = rvec(G, 0.5);
    double *h0 = rvec((long)B * u, zero_state ? 0 : 0.5), *c0 = rvec((long)B * u, zero_state ? 0 : 1);
    double *dh = rvec((long)n * u, 1);
    double *dhT = rvec((long)B * u, 1), *dcT = rvec((long)B * u, 1);
    // double reference
    double *h = calloc((size_t)n * u, 8), *c = calloc((size_t)n * u, 8), *z = calloc((size_t)n * G, 8);
    double *hT = calloc((size_t)B * u, 8), *cT = calloc((size_t)B * u, 8), *dx = calloc((size_t)n * IN, 8);
    double *dW = calloc((size_t)IN * G, 8), *dU = calloc((size_t)u * G, 8), *db = calloc(G, 8);
    double *dh0 = calloc((size_t)B * u, 8), *dc0 = calloc((size_t)B * u, 8);
    double *scratch = calloc(nmt_lstm_backward_scratch_f64(B, n, u), 8);
    nmt_lstm_rec_f64 rec = {0};
    nmt_lstm_rec_pack_f64(&rec, W, U, IN, u, 1, NMT_FP32);
    nmt_lstm_forward_f64(h, c, z, hT, cT, x, h0, c0, &rec, b, &p, IN, u);
    nmt_lstm_backward_f64(dx, dW, dU, db, dh0, dc0, dh, dhT, dcT, x, h0, c0, h, c, z, &rec, &p, IN, u, scratch);
    nmt_lstm_rec_free_f64(&rec);

    fout o[2];
    for (int t = 1; t <= 2; t++) {
        nmt_set_threads(t);
        run_float(&o[t - 1], u, &p, x, W, U, b, zero_state ? NULL : h0, zero_state ? NULL : c0, dh, dhT, dcT);
    }
    nmt_set_threads(1);
    const double tol = 2e-5;
    compare("h", u, o[0].h, h, (long)n * u, tol);
    compare("c", u, o[0].c, c, (long)n * u, tol);
    compare("gates", u, o[0].z, z, (long)n * G, tol);
    compare("hT", u, o[0].hT, hT, (long)B * u, tol);
    compare("cT", u, o[0].cT, cT, (long)B * u, tol);
    compare("dx", u, o[0].dx, dx, (long)n * IN, tol);
    compare("dW", u, o[0].dW, dW, (long)IN * G, tol);
    compare("dU", u, o[0].dU, dU, (long)u * G, tol);
    compare("db", u, o[0].db, db, G, tol);
    compare("dh0", u, o[0].dh0, dh0, (long)B * u, tol);
    compare("dc0", u, o[0].dc0, dc0, (long)B * u, tol);
    // 1 and 2 threads: the same bits everywhere
    const long lens_out[11] = {(long)n * u, (long)n * u, (long)n * G, (long)B * u, (long)B * u, (long)n * IN,
                               (long)IN * G, (long)u * G, G, (long)B * u, (long)B * u};
    int differ = 0;
    for (int i = 0; i < 11; i++)
        differ += memcmp(((float **)&o[0])[i], ((float **)&o[1])[i], sizeof(float) * lens_out[i]) != 0;
    CHECK(differ == 0, "u=%d: %d of 11 outputs differ between 1 and 2 threads", u, differ);
    free_out(&o[0]), free_out(&o[1]);
    double *all[] = {x, W, U, b, h0, c0, dh, dhT, dcT, h, c, z, hT, cT, dx, dW, dU, db, dh0, dc0, scratch};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    nmt_packed_free(&p);
}

int main(void) {
    nmt_rng_seed(&rng, 99);
    // 5: one partial block, scalar tails only; 40: 16+16+8 (vector blocks and a partial
    // one, single thread: below the parallel threshold); 84: 5 blocks + 4, in parallel
    const int lens[B] = {9, 8, 8, 5, 3, 1, 0};   // sorted, ending at different steps, one empty
    const int short_lens[B] = {1, 1, 1, 1, 0, 0, 0};   // one step: no dU product at all from a zero state
    const int units[] = {5, 40, 84};
    for (int i = 0; i < 3; i++) check_units(units[i], lens, 0);
    check_units(40, lens, 1);
    check_units(84, lens, 1);
    check_units(40, short_lens, 1);
    return check_exit("test_lstm");
}
