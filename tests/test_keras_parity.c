/* Parity with Keras 2 (tf-keras 2.15) on the fixtures written by
 * tools/make_keras_fixture.py (tests/fixtures/keras_<arch>_tiny.safetensors,
 * one per architecture; tools/README.md lists their contents). Checked, in
 * order, for each:
 *
 *   1. vectorization: both vocabularies adapted as the script adapts them, and
 *      the encoder / decoder-input / target ids of the 8 pairs;
 *   2. one forward/backward pass from the fixture's initial weights: logits at
 *      every real decoder position, the masked-mean loss, every gradient and the
 *      encoder's final h and c (ch16-reference.md §2.3, §2.5, §2.8-2.10);
 *   3. Nadam (§2.11): 5 steps on the whole batch with the new schedule (against
 *      the EAGER Keras run: tf-keras 2.15 under tf.function multiplies U_t once
 *      per variable, nmt implements the reference rule) and with the legacy
 *      schedule; then 6 steps alternating rows 0-3 / 4-7, which exercise the
 *      legacy sparse rule for the embedding tables.
 *
 * Tolerances (the fixture's "tolerances" metadata): logits, h, c, loss, grads
 * and per-step losses abs 1e-6; weights after the Nadam steps abs 1e-5. Gradients
 * are also held to 1e-4 of each tensor's largest |value|, since an absolute 1e-6
 * hardly constrains tensors whose entries are ~1e-4. Every comparison prints its worst difference. Run from the repository root. */
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
#include "text/text.h"
#include "train/train.h"

/* The architectures with a committed Keras fixture. */
static const char *const ARCHS[] = {"basic", "bidirectional", "attention"};

static const double TOL_FWD = 1e-6;   /* logits, h, c, loss, grads, per-step losses */
static const double TOL_OPT = 1e-5;   /* weights after the Nadam steps */
/* Gradients also: worst |diff| <= 1e-4 x the tensor's largest |value| (float32
 * summation-order noise measured at <= 3e-6 of it). */
static const double TOL_GRAD_SCALED = 1e-4;

static nmt_st_file st;

/* ---- fixture access ---------------------------------------------------- */

static const nmt_st_tensor *tensor(const char *name, nmt_st_dtype dt) { return fixture_tensor(&st, name, dt); }

/* A copy (malloc'd) of an F32 tensor of numel n; NULL (after a failed CHECK) otherwise. */
static float *f32(const char *name, size_t n) {
    const nmt_st_tensor *t = tensor(name, NMT_ST_F32);
    if (!t) return NULL;
    CHECK(t->numel == n, "%s: %zu elements, expected %zu", name, t->numel, n);
    if (t->numel != n) return NULL;
    float *a = malloc(n * sizeof *a + 1);
    memcpy(a, t->data, n * sizeof *a);   /* the data may be unaligned */
    return a;
}

static double *f64(const char *name, size_t n) {
    const nmt_st_tensor *t = tensor(name, NMT_ST_F64);
    if (!t) return NULL;
    CHECK(t->numel == n, "%s: %zu elements, expected %zu", name, t->numel, n);
    if (t->numel != n) return NULL;
    double *a = malloc(n * sizeof *a + 1);
    memcpy(a, t->data, n * sizeof *a);
    return a;
}

static int32_t *i32(const char *name, int rows, int cols) { return fixture_i32(&st, name, rows, cols); }

static nmt_json *meta_json(const char *key) { return fixture_meta_json(&st, key); }

static long get_int(const nmt_json *o, const char *key) { return fixture_int(o, key); }

/* A JSON array of strings as a NULL-terminated char* array pointing into j. */
static const char **strings(const nmt_json *j, size_t *n) {
    *n = nmt_json_size(j);
    const char **s = calloc(*n + 1, sizeof *s);
    for (size_t i = 0; i < *n; i++) {
        s[i] = nmt_json_str(nmt_json_at(j, i));
        CHECK(s[i] != NULL, "element %zu is not a string", i);
        if (!s[i]) s[i] = "";
    }
    return s;
}

/* ---- comparison with worst-difference report ---------------------------- */

/* Compares n floats (or doubles: dours/dref) with an absolute tolerance; prints the
 * worst absolute difference (with its row/column for cols > 1); one CHECK, and a
 * second one on worst/max|ref| when scaled_tol > 0.
 * Returns the worst difference (inf if a value is not finite). */
static double compare(const char *what, const float *ours, const float *ref, const double *dref,
                      const double *dours, size_t n, int cols, double atol, double scaled_tol) {
    double worst = 0, refmax = 0;
    size_t wi = 0, nbad = 0;
    for (size_t i = 0; i < n; i++) {
        double a = dours ? dours[i] : ours[i], b = dref ? dref[i] : ref[i];
        double d = fabs(a - b);
        if (!(d <= atol)) nbad++;
        if (!(d <= worst)) {   /* NaN counts as worse than anything */
            worst = isfinite(d) ? d : INFINITY;
            wi = i;
        }
        if (fabs(b) > refmax) refmax = fabs(b);
    }
    double a = n ? (dours ? dours[wi] : ours[wi]) : 0, b = n ? (dref ? dref[wi] : ref[wi]) : 0;
    if (cols > 1)
        fprintf(stderr, "  %-52s %5zu values, worst |diff| %.3e at [%zu,%zu] (ours %.9g keras %.9g; max|keras| %.3g)%s\n",
                what, n, worst, wi / cols, wi % cols, a, b, refmax, nbad ? "  <-- FAIL" : "");
    else
        fprintf(stderr, "  %-52s %5zu values, worst |diff| %.3e at [%zu] (ours %.9g keras %.9g; max|keras| %.3g)%s\n",
                what, n, worst, wi, a, b, refmax, nbad ? "  <-- FAIL" : "");
    CHECK(nbad == 0, "%s: %zu of %zu values differ by more than %.1e (worst %.3e at flat index %zu)", what, nbad,
          n, atol, worst, wi);
    if (scaled_tol > 0) {
        /* Small tensors (|g| ~ 1e-4) are barely tested by an absolute 1e-6: also bound
         * the worst difference relative to the tensor's scale. */
        double ratio = refmax > 0 ? worst / refmax : worst;
        fprintf(stderr, "  %-52s worst |diff| / max|keras| = %.2e (limit %.0e)\n", "", ratio, scaled_tol);
        CHECK(ratio <= scaled_tol, "%s: worst |diff| %.3e is %.2e of the tensor's max |value| %.3e (limit %.0e)", what,
              worst, ratio, refmax, scaled_tol);
    }
    return worst;
}

/* ---- setup shared by the sections -------------------------------------- */

static int B, L, Vs, Vt, E, U;
static nmt_config cfg;
static nmt_param_table tab;
static int32_t *enc_ids, *dec_ids, *tgt_ids;   /* (B, L) as in the fixture */
static int slen[64], dlen[64];
static float *init_params;                      /* the fixture's initial weights, in a table block */

/* Length of a zero-padded id row: its non-zero prefix; checks that only zeros follow. */
static int row_length(const int32_t *row, const char *what, int b) {
    int n = 0;
    while (n < L && row[n] != 0) n++;
    for (int t = n; t < L; t++) CHECK(row[t] == 0, "%s row %d: id %d after padding at %d", what, b, row[t], t);
    return n;
}

/* ---- 1. vectorization --------------------------------------------------- */

static void check_vocab(const char *what, const nmt_vocab *v, const char *key) {
    nmt_json *j = meta_json(key);
    if (!j || !v) {
        CHECK(v != NULL, "%s: adapt failed: %s", what, nmt_last_error());
        nmt_json_free(j);
        return;
    }
    size_t n;
    const char **tok = strings(j, &n);
    CHECK(nmt_vocab_size(v) == (int)n, "%s vocabulary: %d tokens, keras %zu", what, nmt_vocab_size(v), n);
    int bad = 0;
    for (size_t i = 0; i < n && (int)i < nmt_vocab_size(v); i++) {
        const char *ours = nmt_vocab_token(v, (int)i);
        if (!ours || strcmp(ours, tok[i]) != 0) {
            bad++;
            CHECK(0, "%s vocabulary id %zu: \"%s\" vs keras \"%s\"", what, i, ours ? ours : "(null)", tok[i]);
        }
    }
    fprintf(stderr, "  %-52s %5zu tokens, %d differ\n", what, n, bad);
    free(tok);
    nmt_json_free(j);
}

/* ids[0..n) against the fixture row (whose non-zero prefix must be exactly them). */
static int check_ids(const char *what, int b, const int32_t *ids, int n, const int32_t *ref) {
    int len = 0;
    while (len < L && ref[len] != 0) len++;
    int ok = n == len;
    for (int t = 0; ok && t < n; t++) ok = ids[t] == ref[t];
    if (!ok) {
        char a[256] = "", r[256] = "";
        for (int t = 0; t < n && t < L; t++) snprintf(a + strlen(a), sizeof a - strlen(a), " %d", ids[t]);
        for (int t = 0; t < L; t++) snprintf(r + strlen(r), sizeof r - strlen(r), " %d", ref[t]);
        CHECK(0, "%s row %d: ours [%s ] keras [%s ]", what, b, a, r);
    }
    return !ok;
}

static void check_vectorization(const char **en, const char **es, int src_max, int tgt_max) {
    fprintf(stderr, "1. vectorization\n");
    size_t distinct = 0;
    nmt_vocab *sv = nmt_vocab_adapt(en, B, src_max, NULL, NULL, &distinct);
    nmt_vocab *tv = nmt_vocab_adapt(es, B, tgt_max, "startofseq", "endofseq", NULL);
    check_vocab("source vocabulary (max_tokens 16)", sv, "src_vocab");
    check_vocab("target vocabulary (max_tokens 24, startofseq/endofseq)", tv, "tgt_vocab");
    if (!sv || !tv) {
        nmt_vocab_free(sv);
        nmt_vocab_free(tv);
        return;
    }
    int32_t ids[64];
    char buf[1024];
    int bad_enc = 0, bad_dec = 0, bad_tgt = 0;
    for (int b = 0; b < B; b++) {
        int n = nmt_vectorize(sv, en[b], ids, L);
        bad_enc += check_ids("enc_ids", b, ids, n, enc_ids + b * L);
        snprintf(buf, sizeof buf, "startofseq %s", es[b]);
        n = nmt_vectorize(tv, buf, ids, L);
        bad_dec += check_ids("dec_ids", b, ids, n, dec_ids + b * L);
        snprintf(buf, sizeof buf, "%s endofseq", es[b]);
        n = nmt_vectorize(tv, buf, ids, L);
        bad_tgt += check_ids("target_ids", b, ids, n, tgt_ids + b * L);
    }
    fprintf(stderr, "  %-52s %5d rows, %d/%d/%d differ\n", "enc/dec/target ids (nmt_vectorize)", B, bad_enc,
            bad_dec, bad_tgt);

    // The training pipeline's recipe (src/train/data.c) on the same pairs.
    nmt_model m;
    memset(&m, 0, sizeof m);
    m.cfg = cfg;
    m.src_vocab = sv;
    m.tgt_vocab = tv;
    nmt_examples ex;
    int bad = 0;
    if (nmt_examples_build(&ex, &m, (char *const *)en, (char *const *)es, (size_t)B) != 0) {
        CHECK(0, "nmt_examples_build: %s", nmt_last_error());
    } else {
        for (int b = 0; b < B; b++) {
            const int32_t *din = ex.ids + ex.tgt_off[b];
            bad += check_ids("nmt_examples_build source", b, ex.ids + ex.src_off[b], ex.src_len[b], enc_ids + b * L);
            bad += check_ids("nmt_examples_build decoder input", b, din, ex.tgt_len[b], dec_ids + b * L);
            bad += check_ids("nmt_examples_build target", b, din + ex.tgt_len[b], ex.tgt_len[b], tgt_ids + b * L);
        }
        nmt_examples_free(&ex);
    }
    fprintf(stderr, "  %-52s %5d rows, %d id rows differ\n", "ids from nmt_examples_build (trainer's recipe)", B, bad);
    nmt_vocab_free(sv);
    nmt_vocab_free(tv);
}

/* ---- helpers for model runs ---------------------------------------------- */

/* Packs the fixture rows rows[0..n) into b. */
static void pack_rows(nmt_batch *b, const int *rows, int n) {
    const int32_t *src[64], *din[64], *tgt[64];
    int sl[64], dl[64];
    for (int i = 0; i < n; i++) {
        int k = rows[i];
        src[i] = enc_ids + k * L, din[i] = dec_ids + k * L, tgt[i] = tgt_ids + k * L;
        sl[i] = slen[k], dl[i] = dlen[k];
    }
    nmt_batch_build(b, n, src, sl, din, tgt, dl);
}

static double batch_loss(const nmt_ws *ws, const nmt_batch *b) {
    double s = 0;
    for (int k = 0; k < b->dec.ntok; k++) s += ws->loss[k];
    return s / b->dec.ntok;
}

/* Copies the fixture's tensors "<prefix><name>" into a table-layout block. */
static int load_block(float *block, const char *prefix) {
    int bad = 0;
    for (int i = 0; i < tab.n; i++) {
        const nmt_param *p = &tab.p[i];
        char name[160];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        const nmt_st_tensor *t = tensor(name, NMT_ST_F32);
        int ok = t && t->ndim == p->ndim;
        for (int d = 0; ok && d < p->ndim; d++) ok = t->shape[d] == p->shape[d];
        CHECK(ok, "%s: shape differs from the parameter table's", name);
        if (!ok) {
            bad++;
            continue;
        }
        memcpy(block + p->offset, t->data, p->numel * sizeof(float));
    }
    return bad;
}

/* Compares a table-layout block with "<prefix><name>" tensors, tensor by tensor. */
static double compare_block(const char *label, const float *block, const char *prefix, double atol,
                            double scaled_tol) {
    double worst = 0;
    for (int i = 0; i < tab.n; i++) {
        const nmt_param *p = &tab.p[i];
        char name[160], what[200];
        snprintf(name, sizeof name, "%s%s", prefix, p->name);
        float *ref = f32(name, p->numel);
        if (!ref) continue;
        snprintf(what, sizeof what, "%s %s", label, p->name);
        double w = compare(what, block + p->offset, ref, NULL, NULL, p->numel, p->ndim == 2 ? p->shape[1] : 1, atol,
                           scaled_tol);
        if (!(w <= worst)) worst = w;
        free(ref);
    }
    return worst;
}

/* The attention model's encoder outputs and attention weights after a forward
 * pass, at real positions, against Keras' (which are 0 at padded source
 * positions: masked outputs, and weights after the -1e9 mask). */
static void check_attention_acts(const nmt_ws *ws, const nmt_batch *b) {
    const float *mem = nmt_ws_act(ws, "enc.outputs"), *w = nmt_ws_act(ws, "attention.weights");
    if (strcmp(cfg.arch, "attention")) return;
    float *ref_mem = f32("enc_outputs", (size_t)B * L * U), *ref_w = f32("attention_weights", (size_t)B * L * L);
    CHECK(mem && w, "attention: no enc.outputs or attention.weights activation");
    if (mem && w && ref_mem && ref_w) {
        const size_t size = sizeof(float) * B * L * (U > L ? U : L);
        float *ours = malloc(size), *refv = malloc(size);
        size_t n = 0, pad = 0, pad_bad = 0;
        for (int t = 0; t < b->enc.T; t++)   // encoder outputs, packed row (step t, row r)
            for (int r = 0; r < b->enc.bs[t]; r++, n++) {
                memcpy(ours + n * U, mem + (size_t)(b->enc.off[t] + r) * U, sizeof(float) * U);
                memcpy(refv + n * U, ref_mem + ((size_t)b->enc_orig[r] * L + t) * U, sizeof(float) * U);
            }
        compare("encoder outputs [h_f; h_b] at real source positions", ours, refv, NULL, NULL, n * U, U, TOL_FWD, 0);
        for (int r = 0; r < B; r++)
            for (int t = b->enc.len[r]; t < L; t++, pad++)
                for (int j = 0; j < U; j++) pad_bad += ref_mem[((size_t)b->enc_orig[r] * L + t) * U + j] != 0;
        n = 0;
        for (int t = 0; t < b->dec.T; t++)   // weights of decoder row r at step t over its source's positions
            for (int r = 0; r < b->dec.bs[t]; r++) {
                const int e = b->dec_to_enc[r], slen = b->enc.len[e], bo = b->dec_orig[r];
                if (slen == 0) continue;   // Keras: uniform weights over padding, whose outputs are 0
                const float *rw = ref_w + ((size_t)bo * L + t) * L;
                memcpy(ours + n, w + (size_t)(b->dec.off[t] + r) * b->enc.T, sizeof(float) * slen);
                memcpy(refv + n, rw, sizeof(float) * slen);
                n += slen;
                for (int j = slen; j < L; j++, pad++) pad_bad += !(fabsf(rw[j]) < 1e-6f);
            }
        compare("attention weights at real (decoder, source) positions", ours, refv, NULL, NULL, n, L, TOL_FWD, 0);
        CHECK(pad_bad == 0, "Keras' padded encoder outputs and weights should be 0: %zu of %zu are not", pad_bad, pad);
        free(ours);
        free(refv);
    }
    free(ref_mem);
    free(ref_w);
}

/* ---- 2. forward / backward ------------------------------------------------ */

static void check_forward_backward(void) {
    fprintf(stderr, "2. forward/backward from the initial weights (whole batch)\n");
    int all[64];
    for (int i = 0; i < B; i++) all[i] = i;
    nmt_batch b;
    nmt_batch_alloc(&b, B, L);
    pack_rows(&b, all, B);
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &cfg, B, NMT_FP32, 1) == 0, "ws: %s", nmt_last_error());
    const float scale = 1.0f / (float)b.dec.ntok;

    // forward only: logits (ws.logits is replaced by its gradient in a backward call)
    nmt_ws_forward_backward(&ws, init_params, NULL, &b, scale);
    float *ref_logits = f32("logits", (size_t)B * L * Vt);
    if (ref_logits) {
        // gather ours into (B, L, Vt) at real positions; reference elsewhere
        float *ours = malloc(sizeof(float) * B * L * Vt), *refv = malloc(sizeof(float) * B * L * Vt);
        size_t n = 0;
        for (int t = 0; t < b.dec.T; t++)
            for (int r = 0; r < b.dec.bs[t]; r++) {
                int bo = b.dec_orig[r];
                memcpy(ours + n * Vt, ws.logits + (size_t)(b.dec.off[t] + r) * Vt, sizeof(float) * Vt);
                memcpy(refv + n * Vt, ref_logits + ((size_t)bo * L + t) * Vt, sizeof(float) * Vt);
                n++;
            }
        int nreal = 0;
        for (int i = 0; i < B; i++) nreal += dlen[i];
        CHECK((int)n == nreal && b.dec.ntok == nreal, "packed decoder positions %zu, ntok %d, real targets %d", n,
              b.dec.ntok, nreal);
        compare("logits at real decoder positions", ours, refv, NULL, NULL, n * Vt, Vt, TOL_FWD, 0);

        // Keras' generic-kernel LSTM repeats the last output at padded steps, so there
        // the fixture's logits are those of each sentence's last real step (never in the loss);
        // Attention() multiplies its output by the query mask: there the logits are the bias.
        const int att = strcmp(cfg.arch, "attention") == 0;
        const float *bias = init_params + tab.p[nmt_param_index(&tab, "output.bias")].offset;
        size_t np = 0;
        for (int r = 0; r < B; r++) {
            int bo = b.dec_orig[r], len = b.dec.len[r];
            if (len == 0) continue;
            for (int t = len; t < L; t++) {
                memcpy(ours + np * Vt, att ? bias : ws.logits + (size_t)(b.dec.off[len - 1] + r) * Vt, sizeof(float) * Vt);
                memcpy(refv + np * Vt, ref_logits + ((size_t)bo * L + t) * Vt, sizeof(float) * Vt);
                np++;
            }
        }
        if (np)
            compare(att ? "logits at padded positions (= the output bias)" : "logits at padded positions (= last real step)",
                    ours, refv, NULL, NULL, np * Vt, Vt, TOL_FWD, 0);
        free(ours);
        free(refv);
    }
    check_attention_acts(&ws, &b);
    double loss_fwd = batch_loss(&ws, &b);

    // encoder final state ([h_f; h_b] for a bidirectional encoder): the decoder's initial
    // state from the inference encode, mapped back from encoder-sorted rows
    float *ref_h = f32("enc_final_h", (size_t)B * U), *ref_c = f32("enc_final_c", (size_t)B * U);
    if (ref_h && ref_c) {
        float *h = malloc(sizeof(float) * B * U), *c = malloc(sizeof(float) * B * U);
        float *state = malloc(sizeof(float) * B * 2 * U);
        nmt_ws_encode(&ws, init_params, &b, state);
        for (int r = 0; r < B; r++) {
            memcpy(h + b.enc_orig[r] * U, state + r * 2 * U, sizeof(float) * U);
            memcpy(c + b.enc_orig[r] * U, state + r * 2 * U + U, sizeof(float) * U);
        }
        free(state);
        compare("encoder final h (incl. the zero-length source)", h, ref_h, NULL, NULL, (size_t)B * U, U, TOL_FWD, 0);
        compare("encoder final c", c, ref_c, NULL, NULL, (size_t)B * U, U, TOL_FWD, 0);
        free(h);
        free(c);
    }
    free(ref_h);
    free(ref_c);

    // forward + backward: loss and gradients of the masked mean (loss_scale 1/ntok)
    float *grads = nmt_xalloc_aligned(tab.total * sizeof(float));
    nmt_ws_forward_backward(&ws, init_params, grads, &b, scale);
    double loss_bwd = batch_loss(&ws, &b);
    double *ref_loss = f64("loss", 1);
    if (ref_loss) {
        compare("loss (forward-only call)", NULL, NULL, ref_loss, &loss_fwd, 1, 1, TOL_FWD, 0);
        compare("loss (forward+backward call)", NULL, NULL, ref_loss, &loss_bwd, 1, 1, TOL_FWD, 0);
    }
    free(ref_loss);
    compare_block("grad", grads, "grad/", TOL_FWD, TOL_GRAD_SCALED);

    free(grads);
    free(ref_logits);
    nmt_ws_free(&ws);
    nmt_batch_free(&b);
}

/* ---- 3. Nadam ------------------------------------------------------------- */

/* `steps` Nadam steps from the initial weights; step s uses the rows rowsets[s % nsets]
 * (each with nrows[] rows). Losses (computed before each update) go to losses[]; the
 * final weights to `params`. present_rule 0: pass NULL row masks (dense rule). */
static void run_nadam(float *params, double *losses, nmt_nadam_kind kind, int steps, int nsets,
                      const int *const *rowsets, const int *nrows, int present_rule) {
    memcpy(params, init_params, tab.total * sizeof(float));
    nmt_batch b;
    nmt_batch_alloc(&b, B, L);
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &cfg, B, NMT_FP32, 1) == 0, "ws: %s", nmt_last_error());
    nmt_nadam opt;
    nmt_nadam_init(&opt, kind, tab.total);
    float *grads = nmt_xalloc_aligned(tab.total * sizeof(float));
    uint8_t **present = calloc((size_t)tab.n, sizeof *present);
    int nlookup = 0;
    for (int i = 0; i < tab.n; i++)
        if (tab.p[i].lookup) present[i] = calloc(tab.p[i].shape[0], 1), nlookup++;
    CHECK(nlookup == 2, "%d tensors are marked as looked up (the two embedding tables)", nlookup);
    for (int s = 0; s < steps; s++) {
        pack_rows(&b, rowsets[s % nsets], nrows[s % nsets]);
        memset(grads, 0, tab.total * sizeof(float));
        nmt_ws_forward_backward(&ws, params, grads, &b, 1.0f / (float)b.dec.ntok);
        losses[s] = batch_loss(&ws, &b);
        int use_present = kind == NMT_NADAM_LEGACY && present_rule;
        for (int i = 0; use_present && i < tab.n; i++) {   // as src/train/trainer.c does
            if (!tab.p[i].lookup) continue;
            const int src = tab.p[i].lookup == NMT_LOOKUP_SRC;
            memset(present[i], 0, tab.p[i].shape[0]);
            for (int k = 0; k < (src ? b.enc.ntok : b.dec.ntok); k++) present[i][(src ? b.enc_ids : b.dec_ids)[k]] = 1;
        }
        nmt_nadam_step(&opt, &tab, params, grads, use_present ? present : NULL);
    }
    for (int i = 0; i < tab.n; i++) free(present[i]);
    free(present);
    free(grads);
    nmt_nadam_free(&opt);
    nmt_ws_free(&ws);
    nmt_batch_free(&b);
}

/* Runs one schedule and compares its per-step losses and final weights with <run>/. */
static void check_run(const char *run, nmt_nadam_kind kind, int steps, int nsets, const int *const *rowsets,
                      const int *nrows, const char *also) {
    float *params = nmt_xalloc_aligned(tab.total * sizeof(float));
    double losses[64];
    run_nadam(params, losses, kind, steps, nsets, rowsets, nrows, 1);
    char name[160], what[200];
    snprintf(name, sizeof name, "%s/losses", run);
    double *ref = f64(name, (size_t)steps);
    if (ref) {
        snprintf(what, sizeof what, "%s losses (before each update)", run);
        compare(what, NULL, NULL, ref, losses, (size_t)steps, 1, TOL_FWD, 0);
    }
    free(ref);
    snprintf(name, sizeof name, "%s/param/", run);
    double worst = compare_block(run, params, name, TOL_OPT, 0);
    fprintf(stderr, "  %-52s worst |diff| over all weights %.3e (tolerance %.0e)\n", run, worst, TOL_OPT);
    if (also) {
        // not a target: how far the same weights are from another Keras run (for scale)
        float *other = nmt_xalloc_aligned(tab.total * sizeof(float));
        snprintf(name, sizeof name, "%s/param/", also);
        if (load_block(other, name) == 0) {
            double d = 0;
            for (size_t i = 0; i < tab.total; i++) {
                double x = fabs((double)params[i] - other[i]);
                if (x > d) d = x;
            }
            fprintf(stderr, "  (for scale: ours vs %s, which nmt does not reproduce: max |diff| %.3e)\n", also, d);
        }
        free(other);
    }
    free(params);
}

static void check_nadam(void) {
    int all[64], lo[64], hi[64];
    for (int i = 0; i < B; i++) all[i] = i;
    for (int i = 0; i < B / 2; i++) lo[i] = i, hi[i] = B / 2 + i;
    const int *full_sets[1] = {all}, full_n[1] = {B};
    const int *alt_sets[2] = {lo, hi}, alt_n[2] = {B / 2, B - B / 2};

    fprintf(stderr, "3. Nadam, 5 steps on the whole batch\n");
    check_run("nadam_new_eager", NMT_NADAM_NEW, 5, 1, full_sets, full_n, "nadam_new");
    check_run("nadam_legacy", NMT_NADAM_LEGACY, 5, 1, full_sets, full_n, NULL);

    fprintf(stderr, "3b. Nadam, 6 steps alternating rows 0-3 / 4-7\n");
    check_run("alt/nadam_new_eager", NMT_NADAM_NEW, 6, 2, alt_sets, alt_n, "alt/nadam_new");
    check_run("alt/nadam_legacy", NMT_NADAM_LEGACY, 6, 2, alt_sets, alt_n, NULL);

    // The alternating legacy run must tell the sparse rule from the dense one, or the
    // comparison above would not test it: the dense rule has to miss the fixture.
    float *dense = nmt_xalloc_aligned(tab.total * sizeof(float));
    float *ref = nmt_xalloc_aligned(tab.total * sizeof(float));
    double losses[64];
    run_nadam(dense, losses, NMT_NADAM_LEGACY, 6, 2, alt_sets, alt_n, 0);
    if (load_block(ref, "alt/nadam_legacy/param/") == 0) {
        double d = 0;
        for (size_t i = 0; i < tab.total; i++) {
            double x = fabs((double)dense[i] - ref[i]);
            if (x > d) d = x;
        }
        fprintf(stderr, "  (legacy with the dense rule instead, vs alt/nadam_legacy: max |diff| %.3e)\n", d);
        CHECK(d > 10 * TOL_OPT, "alt/nadam_legacy does not discriminate the sparse rule (dense rule off by %.3e)", d);
    }
    free(dense);
    free(ref);
}

/* ---- main ------------------------------------------------------------------ */

static void run_fixture(const char *arch) {
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/keras_%s_tiny.safetensors", arch);
    fprintf(stderr, "== %s: %s\n", arch, path);
    if (fixture_open(&st, path)) return;
    nmt_json *jc = meta_json("config"), *jen = meta_json("en"), *jes = meta_json("es");
    if (!jc || !jen || !jes) return;
    const char *farch = nmt_json_str(nmt_json_get(jc, "arch"));   // absent in the first (basic) fixture
    CHECK(strcmp(farch ? farch : "basic", arch) == 0, "%s: config.arch is '%s'", path, farch ? farch : "(none)");
    Vs = (int)get_int(jc, "src_vocab"), Vt = (int)get_int(jc, "tgt_vocab");
    E = (int)get_int(jc, "embed"), U = (int)get_int(jc, "units"), L = (int)get_int(jc, "max_length");
    B = (int)get_int(jc, "batch");
    int src_max = (int)get_int(jc, "src_max_tokens"), tgt_max = (int)get_int(jc, "tgt_max_tokens");
    CHECK(get_int(jc, "steps") == 5 && get_int(jc, "alt_steps") == 6, "config: steps/alt_steps are not 5/6");
    size_t nen, nes;
    const char **en = strings(jen, &nen), **es = strings(jes, &nes);
    CHECK(B >= 2 && B <= 64 && B % 2 == 0 && (size_t)B == nen && nen == nes && L > 0 && L <= 64,
          "config: batch %d, %zu/%zu sentences, max_length %d", B, nen, nes, L);
    if (!(B >= 2 && B <= 64 && B % 2 == 0 && (size_t)B == nen && nen == nes && L > 0 && L <= 64)) return;

    // The optimizer hyper-parameters are nmt's defaults.
    nmt_json *jn = nmt_json_get(jc, "nadam");
    double lr = 0, b1 = 0, b2 = 0, eps = 0;
    CHECK(nmt_json_num(nmt_json_get(jn, "learning_rate"), &lr) == 0 && nmt_json_num(nmt_json_get(jn, "beta_1"), &b1) == 0 &&
              nmt_json_num(nmt_json_get(jn, "beta_2"), &b2) == 0 && nmt_json_num(nmt_json_get(jn, "epsilon"), &eps) == 0,
          "config.nadam incomplete");
    nmt_nadam o;
    nmt_nadam_init(&o, NMT_NADAM_NEW, 1);
    CHECK(o.lr == lr && o.beta1 == b1 && o.beta2 == b2 && o.eps == eps,
          "nadam defaults %g %g %g %g vs fixture %g %g %g %g", o.lr, o.beta1, o.beta2, o.eps, lr, b1, b2, eps);
    nmt_nadam_free(&o);

    CHECK(nmt_config_default(&cfg, arch) == 0, "config: %s", nmt_last_error());
    cfg.src_vocab = Vs, cfg.tgt_vocab = Vt, cfg.embed = E, cfg.units = U, cfg.max_length = L;
    if (nmt_param_table_build(&tab, &cfg) != 0) {
        CHECK(0, "nmt_param_table_build: %s", nmt_last_error());
        return;
    }
    // the table is exactly the fixture's param/ tensors
    int nparam = 0;
    for (int i = 0; i < st.n; i++) nparam += strncmp(st.t[i].name, "param/", 6) == 0;
    CHECK(tab.n == nparam, "parameter table has %d tensors, the fixture %d", tab.n, nparam);

    enc_ids = i32("enc_ids", B, L), dec_ids = i32("dec_ids", B, L), tgt_ids = i32("target_ids", B, L);
    if (!enc_ids || !dec_ids || !tgt_ids) return;
    for (int b = 0; b < B; b++) {
        slen[b] = row_length(enc_ids + b * L, "enc_ids", b);
        dlen[b] = row_length(dec_ids + b * L, "dec_ids", b);
        CHECK(row_length(tgt_ids + b * L, "target_ids", b) == dlen[b], "row %d: target and decoder lengths differ", b);
        for (int t = 0; t < L; t++) {
            CHECK(enc_ids[b * L + t] >= 0 && enc_ids[b * L + t] < Vs, "enc_ids[%d,%d] out of range", b, t);
            CHECK(dec_ids[b * L + t] >= 0 && dec_ids[b * L + t] < Vt, "dec_ids[%d,%d] out of range", b, t);
            CHECK(tgt_ids[b * L + t] >= 0 && tgt_ids[b * L + t] < Vt, "target_ids[%d,%d] out of range", b, t);
        }
    }

    check_vectorization(en, es, src_max, tgt_max);

    init_params = nmt_xalloc_aligned(tab.total * sizeof(float));
    if (load_block(init_params, "param/") == 0) {
        check_forward_backward();
        check_nadam();
    }

    free(init_params);
    free(enc_ids), free(dec_ids), free(tgt_ids);
    free(en), free(es);
    nmt_json_free(jc), nmt_json_free(jen), nmt_json_free(jes);
    nmt_param_table_free(&tab);
    nmt_st_free(&st);
}

int main(void) {
    for (size_t i = 0; i < sizeof ARCHS / sizeof *ARCHS; i++) run_fixture(ARCHS[i]);
    return check_exit("test_keras_parity");
}
