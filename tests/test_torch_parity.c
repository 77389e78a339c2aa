/* Parity with PyTorch (1.13, torch.nn.LSTM on packed sequences) on the fixture
 * written by tools/make_torch_fixture.py (tests/fixtures/torch_basic_tiny.safetensors;
 * tools/README.md lists its contents). One forward/backward pass of the basic
 * encoder–decoder from the fixture's weights, on 6 sentences of different lengths
 * (one empty source, one source and one target of full length), in both builds:
 *
 *   - the double build (nmt_ws_forward_backward_f64) against PyTorch in float64,
 *     run from exactly the same weights: every value within 1e-12 x max(1, the
 *     tensor's largest |value|);
 *   - the float build (nmt_ws_forward_backward) against PyTorch in float32:
 *     abs 1e-6, and for gradients also 1e-4 of the tensor's largest |value| (as in
 *     test_keras_parity.c).
 *
 * Compared: logits at every real decoder position (the fixture stores zeros at
 * padded ones), the masked-mean loss (from a forward-only and from a
 * forward+backward call), the encoder's final h and c (zeros for the empty
 * source) and the gradient of every parameter. Every comparison prints its worst
 * difference; the float build is also measured (not checked) against the float64
 * reference, for scale. Last, the float build with --precision bf16 against
 * the fixture's bf16 emulation (see check_bf16). Run from the repository root. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "core/error.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/model.h"
#include "models/arch.h"

#ifndef FIXTURE   /* -DFIXTURE=\"path\" to test a regenerated file elsewhere */
#define FIXTURE "tests/fixtures/torch_basic_tiny.safetensors"
#endif
#define MAXB 64

static const double TOL_F64 = 1e-12;         /* x max(1, max|ref|) */
static const double TOL_F32 = 1e-6;          /* absolute */
static const double TOL_F32_GRAD_SCALED = 1e-4;

static nmt_st_file st;
static int B, L, Vs, Vt, E, U;
static nmt_config cfg;
static nmt_param_table tab;
static int32_t *enc_ids, *dec_ids, *tgt_ids;   /* (B, L) */
static int slen[MAXB], dlen[MAXB];

/* ---- fixture access ---------------------------------------------------- */

/* A malloc'd double copy of tensor `name` (F32 or F64, as `dt` says) of n elements. */
static double *ref_tensor(const char *name, nmt_st_dtype dt, size_t n) {
    const nmt_st_tensor *t = fixture_tensor(&st, name, dt);
    if (!t) return NULL;
    CHECK(t->numel == n, "%s: %zu elements, expected %zu", name, t->numel, n);
    if (t->dtype != dt || t->numel != n) return NULL;
    double *a = malloc(n * sizeof *a + 1);
    for (size_t i = 0; i < n; i++) {
        if (dt == NMT_ST_F32) {
            float v;
            memcpy(&v, (const char *)t->data + i * sizeof v, sizeof v);   /* may be unaligned */
            a[i] = v;
        } else {
            memcpy(&a[i], (const char *)t->data + i * sizeof(double), sizeof(double));
        }
    }
    return a;
}

static int32_t *i32(const char *name) { return fixture_i32(&st, name, B, L); }

static nmt_json *meta_json(const char *key) { return fixture_meta_json(&st, key); }

static long get_int(const nmt_json *o, const char *key) { return fixture_int(o, key); }

/* Length of a zero-padded id row (its non-zero prefix; only zeros may follow). */
static int row_length(const int32_t *row, const char *what, int b) {
    int n = 0;
    while (n < L && row[n] != 0) n++;
    for (int t = n; t < L; t++) CHECK(row[t] == 0, "%s row %d: id %d after padding at %d", what, b, row[t], t);
    return n;
}

/* ---- comparison ---------------------------------------------------------- */

/* Worst |ours - ref| over n values, with its position (row-major, in a (?, cols)
 * or, with cols2 > 0, a (?, cols, cols2) array); CHECKs it against
 * atol + rel_tol * max(1, max|ref|) (rel_tol 0: atol only) and, when
 * scaled_tol > 0, worst / max|ref| <= scaled_tol. Returns the worst difference. */
static double compare(const char *what, const double *ours, const double *ref, size_t n, int cols, int cols2,
                      double atol, double rel_tol, double scaled_tol, int check) {
    double worst = 0, refmax = 0;
    size_t wi = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(ours[i] - ref[i]);
        if (!(d <= worst)) {   /* NaN counts as worse than anything */
            worst = isfinite(d) ? d : INFINITY;
            wi = i;
        }
        if (fabs(ref[i]) > refmax) refmax = fabs(ref[i]);
    }
    double tol = atol + rel_tol * (refmax > 1 ? refmax : 1);
    int bad = check && !(worst <= tol);
    char pos[48];
    if (cols2 > 0)
        snprintf(pos, sizeof pos, "[%zu,%zu,%zu]", wi / ((size_t)cols * cols2), wi / cols2 % cols, wi % cols2);
    else if (cols > 1)
        snprintf(pos, sizeof pos, "[%zu,%zu]", wi / cols, wi % cols);
    else
        snprintf(pos, sizeof pos, "[%zu]", wi);
    fprintf(stderr, "  %-48s %4zu values, worst %.3e at %-8s (ours %.17g torch %.17g; max|torch| %.3g; %s %.1e)%s\n",
            what, n, worst, pos, n ? ours[wi] : 0.0, n ? ref[wi] : 0.0, refmax, check ? "tol" : "info, tol would be",
            tol, bad ? "  <-- FAIL" : "");
    if (check) CHECK(worst <= tol, "%s: worst |diff| %.3e at flat index %zu exceeds %.3e", what, worst, wi, tol);
    if (check && scaled_tol > 0) {
        double ratio = refmax > 0 ? worst / refmax : worst;
        fprintf(stderr, "  %-48s worst / max|torch| = %.2e (limit %.0e)%s\n", "", ratio, scaled_tol,
                ratio <= scaled_tol ? "" : "  <-- FAIL");
        CHECK(ratio <= scaled_tol, "%s: worst |diff| %.3e is %.2e of max|value| %.3e (limit %.0e)", what, worst, ratio,
              refmax, scaled_tol);
    }
    return worst;
}

/* ---- one pass in either precision ------------------------------------------ */

/* What a forward/backward pass gives, in the fixture's (unpacked) layout, as doubles. */
typedef struct {
    double *logits;   /* (B, L, Vt), zeros at padded positions */
    double *h, *c;    /* (B, U) encoder final state, caller's row order */
    double *grads;    /* tab.total, table layout */
    double loss_fwd, loss_bwd;
} pass_out;

static void pass_alloc(pass_out *o) {
    o->logits = calloc((size_t)B * L * Vt, sizeof(double));
    o->h = calloc((size_t)B * U, sizeof(double));
    o->c = calloc((size_t)B * U, sizeof(double));
    o->grads = calloc(tab.total, sizeof(double));
}

static void pass_free(pass_out *o) {
    free(o->logits), free(o->h), free(o->c), free(o->grads);
}

/* The precision of the next pass (nmt_ws_alloc). */
static nmt_precision pass_prec = NMT_FP32;

/* The float and double passes share this body: REAL is float or double, FN(name)
 * names the matching function / type. */
#define DEFINE_PASS(REAL, FN, SUFFIX)                                                                        \
    static void run_pass_##SUFFIX(pass_out *o, const nmt_batch *b, const double *params_d) {             \
        REAL *params = nmt_xalloc_aligned(tab.total * sizeof(REAL));                                            \
        REAL *grads = nmt_xalloc_aligned(tab.total * sizeof(REAL));                                             \
        for (size_t i = 0; i < tab.total; i++) params[i] = (REAL)params_d[i], grads[i] = 0;                 \
        FN(nmt_ws) ws;                                                                                    \
        FN(nmt_ws_alloc)(&ws, &cfg, B, pass_prec, 1);                                                     \
        const REAL scale = (REAL)1 / (REAL)b->dec.ntok;                                                            \
        /* forward only: the logits (a backward call replaces them by their gradient) */                  \
        FN(nmt_ws_forward_backward)(&ws, params, NULL, b, scale);                                  \
        for (int t = 0; t < b->dec.T; t++)                                                                \
            for (int r = 0; r < b->dec.bs[t]; r++)                                                        \
                for (int v = 0; v < Vt; v++)                                                              \
                    o->logits[((size_t)b->dec_orig[r] * L + t) * Vt + v] =                                \
                        ws.logits[(size_t)(b->dec.off[t] + r) * Vt + v];                                  \
        double s = 0;                                                                                     \
        for (int k = 0; k < b->dec.ntok; k++) s += ws.loss[k];                                            \
        o->loss_fwd = s / b->dec.ntok;                                                                    \
        /* the encoder's final state: the decoder's initial state [h | c] from encode */                 \
        REAL *state = nmt_xalloc_aligned(sizeof(REAL) * B * 2 * U);                                       \
        FN(nmt_ws_encode)(&ws, params, b, state);                                                         \
        for (int r = 0; r < B; r++)                                                                       \
            for (int j = 0; j < U; j++) {                                                                 \
                o->h[b->enc_orig[r] * U + j] = state[r * 2 * U + j];                                      \
                o->c[b->enc_orig[r] * U + j] = state[r * 2 * U + U + j];                                  \
            }                                                                                             \
        free(state);                                                                                      \
        /* forward + backward: loss and gradients of the masked mean */                                   \
        FN(nmt_ws_forward_backward)(&ws, params, grads, b, scale);                                 \
        s = 0;                                                                                            \
        for (int k = 0; k < b->dec.ntok; k++) s += ws.loss[k];                                            \
        o->loss_bwd = s / b->dec.ntok;                                                                    \
        for (size_t i = 0; i < tab.total; i++) o->grads[i] = grads[i];                                    \
        FN(nmt_ws_free)(&ws);                                                                             \
        free(params);                                                                                     \
        free(grads);                                                                                      \
    }
#define FN_F32(name) name
#define FN_F64(name) name##_f64
DEFINE_PASS(float, FN_F32, f32)
DEFINE_PASS(double, FN_F64, f64)

/* ---- comparison of one pass with one reference ------------------------------- */

/* prefix "" (float32 reference) or "f64/"; label for the printout. */
static void check_pass(const char *label, const pass_out *o, const char *prefix, nmt_st_dtype dt, double atol,
                       double rel_tol, double grad_scaled, int check) {
    char name[160], what[200];
    fprintf(stderr, "%s\n", label);

    // logits (B, L, Vt): ours are filled at real positions only and left zero at
    // padded ones, where the fixture also stores zeros (checked here)
    snprintf(name, sizeof name, "%slogits", prefix);
    double *ref = ref_tensor(name, dt, (size_t)B * L * Vt);
    if (ref) {
        size_t npad_nonzero = 0;
        for (int b = 0; b < B; b++)
            for (int t = dlen[b]; t < L; t++)
                for (int v = 0; v < Vt; v++) npad_nonzero += ref[((size_t)b * L + t) * Vt + v] != 0;
        CHECK(npad_nonzero == 0, "%s: %zu non-zero values at padded positions", name, npad_nonzero);
        compare("logits (B,L,Vt), real positions (padded: 0)", o->logits, ref, (size_t)B * L * Vt, L, Vt, atol,
                rel_tol, 0, check);
        free(ref);
    }

    snprintf(name, sizeof name, "%sloss", prefix);
    ref = ref_tensor(name, NMT_ST_F64, 1);
    if (ref) {
        compare("loss (forward-only call)", &o->loss_fwd, ref, 1, 1, 0, atol, rel_tol, 0, check);
        compare("loss (forward+backward call)", &o->loss_bwd, ref, 1, 1, 0, atol, rel_tol, 0, check);
        free(ref);
    }

    snprintf(name, sizeof name, "%senc_final_h", prefix);
    ref = ref_tensor(name, dt, (size_t)B * U);
    if (ref) {
        compare("encoder final h (incl. the empty source)", o->h, ref, (size_t)B * U, U, 0, atol, rel_tol, 0, check);
        free(ref);
    }
    snprintf(name, sizeof name, "%senc_final_c", prefix);
    ref = ref_tensor(name, dt, (size_t)B * U);
    if (ref) {
        compare("encoder final c", o->c, ref, (size_t)B * U, U, 0, atol, rel_tol, 0, check);
        free(ref);
    }

    for (int i = 0; i < tab.n; i++) {
        const nmt_param *p = &tab.p[i];
        snprintf(name, sizeof name, "%sgrad/%s", prefix, p->name);
        ref = ref_tensor(name, dt, p->numel);
        if (!ref) continue;
        snprintf(what, sizeof what, "grad %s", p->name);
        compare(what, o->grads + p->offset, ref, p->numel, p->ndim == 2 ? p->shape[1] : 1, 0, atol, rel_tol, grad_scaled,
                check);
        free(ref);
    }
}

/* ---- bf16 ------------------------------------------------------------------- */

static double rel_l2(const double *a, const double *ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) num += (a[i] - ref[i]) * (a[i] - ref[i]), den += ref[i] * ref[i];
    return sqrt(num / (den > 0 ? den : 1e-300));
}

/* The float build with --precision bf16 against the fixture's bf16 emulation
 * (a torch step loop written from the rule in docs/CLI.md), relative L2 per
 * gradient tensor. The two can differ only where a value lies so close to a
 * bf16 rounding boundary that the order of a float sum decides its side:
 * measured 0 to 1.5e-5, against 1e-3 to 5e-3 for bf16's own effect (the
 * reference's distance to the float32 run, printed beside). Bound 1e-4: one
 * rounding left out (of h, or of the logits' gradient) moves the gradients by
 * 5e-4 to 3.5e-3 and the loss by 1e-5 (checked by hand). */
static const double BF16_REL = 1e-4, BF16_LOSS_REL = 1e-6;
static void check_bf16(const pass_out *o16) {
    fprintf(stderr, "4. float build --precision bf16 vs the PyTorch bf16 emulation (relative L2)\n");
    double *ref = ref_tensor("bf16/loss", NMT_ST_F64, 1), *r32 = ref_tensor("loss", NMT_ST_F64, 1);
    if (ref && r32) {
        double d = fabs(o16->loss_bwd - ref[0]) / ref[0], d32 = fabs(r32[0] - ref[0]) / ref[0];
        fprintf(stderr, "  %-44s %.3g (bf16 vs float32 in PyTorch: %.3g)\n", "loss", d, d32);
        CHECK(d <= BF16_LOSS_REL, "bf16 loss %.9g vs PyTorch bf16 %.9g", o16->loss_bwd, ref[0]);
    }
    free(ref), free(r32);
    for (int i = 0; i < tab.n; i++) {
        const nmt_param *p = &tab.p[i];
        char name[160];
        snprintf(name, sizeof name, "bf16/grad/%s", p->name);
        double *g16 = ref_tensor(name, NMT_ST_F32, p->numel);
        snprintf(name, sizeof name, "grad/%s", p->name);
        double *g32 = ref_tensor(name, NMT_ST_F32, p->numel);
        if (g16 && g32) {
            double d = rel_l2(o16->grads + p->offset, g16, p->numel), effect = rel_l2(g32, g16, p->numel);
            fprintf(stderr, "  grad %-39s %.3g (bf16 vs float32 in PyTorch: %.3g)\n", p->name, d, effect);
            CHECK(d <= BF16_REL, "bf16 grad %s: %.3g from PyTorch's bf16 (bf16's own effect %.3g)",
                  p->name, d, effect);
        }
        free(g16), free(g32);
    }
}

/* ---- main ------------------------------------------------------------------ */

int main(void) {
    if (fixture_open(&st, FIXTURE)) return check_exit("test_torch_parity");
    nmt_json *jc = meta_json("config"), *jsl = meta_json("src_len"), *jtl = meta_json("tgt_len");
    if (!jc || !jsl || !jtl) return check_exit("test_torch_parity");
    Vs = (int)get_int(jc, "src_vocab"), Vt = (int)get_int(jc, "tgt_vocab");
    E = (int)get_int(jc, "embed"), U = (int)get_int(jc, "units"), L = (int)get_int(jc, "max_length");
    B = (int)get_int(jc, "batch");
    int ok = B >= 1 && B <= MAXB && L >= 1 && L <= 64 && Vs > 1 && Vt > 1 && E > 0 && U > 0 &&
             nmt_json_size(jsl) == (size_t)B && nmt_json_size(jtl) == (size_t)B;
    CHECK(ok, "config: batch %d, max_length %d, vocab %d/%d, embed %d, units %d", B, L, Vs, Vt, E, U);
    if (!ok) return check_exit("test_torch_parity");

    nmt_config_default(&cfg, "basic");
    cfg.src_vocab = Vs, cfg.tgt_vocab = Vt, cfg.embed = E, cfg.units = U, cfg.max_length = L;
    if (nmt_param_table_build(&tab, &cfg) != 0) {
        CHECK(0, "nmt_param_table_build: %s", nmt_last_error());
        return check_exit("test_torch_parity");
    }
    CHECK(tab.n == 10, "parameter table has %d tensors", tab.n);

    enc_ids = i32("enc_ids"), dec_ids = i32("dec_ids"), tgt_ids = i32("target_ids");
    if (!enc_ids || !dec_ids || !tgt_ids) return check_exit("test_torch_parity");
    int empty_sources = 0;
    for (int b = 0; b < B; b++) {
        slen[b] = row_length(enc_ids + b * L, "enc_ids", b);
        dlen[b] = row_length(dec_ids + b * L, "dec_ids", b);
        CHECK(row_length(tgt_ids + b * L, "target_ids", b) == dlen[b], "row %d: target and decoder lengths differ", b);
        long long ms = -1, mt = -1;
        nmt_json_int(nmt_json_at(jsl, b), &ms);
        nmt_json_int(nmt_json_at(jtl, b), &mt);
        CHECK(ms == slen[b] && mt == dlen[b], "row %d: lengths %d/%d, metadata %lld/%lld", b, slen[b], dlen[b], ms, mt);
        empty_sources += slen[b] == 0;
        for (int t = 0; t < L; t++) {
            CHECK(enc_ids[b * L + t] >= 0 && enc_ids[b * L + t] < Vs, "enc_ids[%d,%d] out of range", b, t);
            CHECK(dec_ids[b * L + t] >= 0 && dec_ids[b * L + t] < Vt, "dec_ids[%d,%d] out of range", b, t);
            CHECK(tgt_ids[b * L + t] >= 0 && tgt_ids[b * L + t] < Vt, "target_ids[%d,%d] out of range", b, t);
        }
    }
    CHECK(empty_sources >= 1, "the fixture has no empty source");

    // the weights: float32 values, widened once for the double build
    double *params = calloc(tab.total, sizeof(double));
    int bad = 0;
    for (int i = 0; i < tab.n; i++) {
        const nmt_param *p = &tab.p[i];
        char name[160];
        snprintf(name, sizeof name, "param/%s", p->name);
        const nmt_st_tensor *t = nmt_st_find(&st, name);
        int shape_ok = t && t->ndim == p->ndim;
        for (int d = 0; shape_ok && d < p->ndim; d++) shape_ok = t->shape[d] == p->shape[d];
        CHECK(shape_ok, "%s: missing or shape differs from the parameter table's", name);
        double *v = shape_ok ? ref_tensor(name, NMT_ST_F32, p->numel) : NULL;
        if (!v) {
            bad++;
            continue;
        }
        memcpy(params + p->offset, v, p->numel * sizeof(double));
        free(v);
    }
    if (bad) return check_exit("test_torch_parity");

    nmt_batch b;
    nmt_batch_alloc(&b, B, L);
    const int32_t *src[MAXB], *din[MAXB], *tgt[MAXB];
    for (int i = 0; i < B; i++) src[i] = enc_ids + i * L, din[i] = dec_ids + i * L, tgt[i] = tgt_ids + i * L;
    nmt_batch_build(&b, B, src, slen, din, tgt, dlen);

    pass_out o32, o64;
    pass_alloc(&o32);
    pass_alloc(&o64);
    run_pass_f32(&o32, &b, params);
    run_pass_f64(&o64, &b, params);

    check_pass("1. double build vs PyTorch float64 (tol 1e-12 x max(1, max|ref|))", &o64, "f64/", NMT_ST_F64, 0,
               TOL_F64, 0, 1);
    check_pass("2. float build vs PyTorch float32 (tol abs 1e-6; grads also 1e-4 x max|ref|)", &o32, "", NMT_ST_F32,
               TOL_F32, 0, TOL_F32_GRAD_SCALED, 1);
    check_pass("3. for scale, not checked: float build vs PyTorch float64", &o32, "f64/", NMT_ST_F64, TOL_F32, 0, 0, 0);

    pass_out o16;
    pass_alloc(&o16);
    pass_prec = NMT_BF16;
    run_pass_f32(&o16, &b, params);
    pass_prec = NMT_FP32;
    check_bf16(&o16);
    pass_free(&o16);

    pass_free(&o32);
    pass_free(&o64);
    nmt_batch_free(&b);
    free(params);
    free(enc_ids), free(dec_ids), free(tgt_ids);
    nmt_json_free(jc), nmt_json_free(jsl), nmt_json_free(jtl);
    nmt_st_free(&st);
    return check_exit("test_torch_parity");
}
