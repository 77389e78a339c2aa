/* The bf16 mixed-precision path (--precision bf16).
 *
 * 1. Rounding: nmt_bf16_roundf (bit arithmetic) against nmt_bf16_round_ref
 *    (nearest neighbour by distance in double) on a sweep of bit patterns and
 *    every hard case (ties both ways, overflow to infinity, NaNs, subnormals);
 *    the AVX2 form and the threaded array form give the scalar form's bits.
 * 2. The model: after a bf16 forward and backward pass every operand of every
 *    matrix product (embedding outputs, h, dz, the logits' gradient, the
 *    kernels' copies and packings) holds bf16 values, and the float masters do
 *    not change; loss and gradients agree with fp32 within the tolerances
 *    stated below, and differ from them (the rounding happens); bf16 results
 *    are bit-identical on 1 and 2 threads.
 * 3. The copies the training loop keeps (the packed kernels, U^T, and in bf16
 *    the rounded kernels), refreshed through the update hook as Nadam updates
 *    them block by block instead of packed afresh: four steps give the same
 *    bits either way, in fp32 and in bf16.
 * 2 and 3 run for every architecture. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/bf16.h"
#include "core/cpu.h"
#include "core/rng.h"
#include "kernels/gemm.h"
#include "models/seq2seq.h"
#include "kernels/gemm_packed.h"
#include "nmt.h"
#include "train/train.h"

static uint32_t bits(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static float from_bits(uint32_t b) {
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
static int is_bf16(float x) { return (bits(x) & 0xffffu) == 0; }

/* Patterns to test: a sweep over all exponents and signs, plus hand-picked cases. */
static uint32_t *patterns(long *n) {
    const uint32_t hard[] = {
        0x00000000, 0x80000000,                          // +-0
        0x3f808000, 0x3f818000, 0x3f807fff, 0x3f808001,  // ties to even (down, up), just below/above
        0xbf808000, 0xbf818000,                          // negative ties
        0x7f7f0000, 0x7f7f7fff, 0x7f7f8000, 0x7f7fffff,  // largest bf16, just below half-ulp, tie, above
        0xff7f8000, 0xff7f7fff,                          // negative overflow tie, just below
        0x7f800000, 0xff800000,                          // infinities
        0x7f800001, 0x7f80ffff, 0x7fc00000, 0xffc00001, 0x7fbfffff, 0xff800001,   // NaNs
        0x00000001, 0x00008000, 0x00018000, 0x0000ffff, 0x007fffff, 0x807f8000,   // subnormals
        0x00800000, 0x3f800000, 0x3effffff, 0x4b7fffff,
    };
    const long nh = sizeof hard / sizeof *hard, stride = 4093;   // a prime: every low-bit pattern appears
    long cap = nh + (1L << 32) / stride + 1;
    uint32_t *p = malloc(sizeof(uint32_t) * cap);
    long k = 0;
    for (long i = 0; i < nh; i++) p[k++] = hard[i];
    for (uint64_t b = 0; b <= 0xffffffffull; b += stride) p[k++] = (uint32_t)b;
    *n = k;
    return p;
}

/* Lanes where nmt_bf16_round8 differs from the scalar form (whole blocks of 8). */
static __attribute__((target("avx2,fma"))) long round8_diff(const float *a, long n) {
    long diff = 0;
    for (long i = 0; i + 8 <= n; i += 8) {
        float out[8];
        _mm256_storeu_ps(out, nmt_bf16_round8(_mm256_loadu_ps(a + i)));
        for (int l = 0; l < 8; l++) diff += bits(out[l]) != bits(nmt_bf16_roundf(a[i + l]));
    }
    return diff;
}
/* The same for nmt_bf16_round16 (whole blocks of 16). */
static __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) long round16_diff(const float *a, long n) {
    long diff = 0;
    for (long i = 0; i + 16 <= n; i += 16) {
        float out[16];
        _mm512_storeu_ps(out, nmt_bf16_round16(_mm512_loadu_ps(a + i)));
        for (int l = 0; l < 16; l++) diff += bits(out[l]) != bits(nmt_bf16_roundf(a[i + l]));
    }
    return diff;
}

static void check_rounding(void) {
    long n;
    uint32_t *p = patterns(&n);
    long bad = 0, bad_nan = 0;
    for (long i = 0; i < n; i++) {
        float x = from_bits(p[i]), r = nmt_bf16_roundf(x), ref = nmt_bf16_round_ref(x);
        if (x != x) {   // NaN: stays a NaN, sign kept, and is a bf16 value
            if (!(r != r) || !is_bf16(r) || (bits(r) >> 31) != (p[i] >> 31)) bad_nan++;
            continue;
        }
        if (bits(r) != bits(ref) || !is_bf16(r)) {
            if (bad < 5) fprintf(stderr, "  0x%08x: round 0x%08x, reference 0x%08x\n", p[i], bits(r), bits(ref));
            bad++;
        }
    }
    CHECK(bad == 0, "%ld of %ld patterns round differently from the reference", bad, n);
    CHECK(bad_nan == 0, "%ld NaNs do not stay NaN with their sign", bad_nan);
    // the spot values that define the rules
    CHECK(bits(nmt_bf16_roundf(from_bits(0x3f808000))) == 0x3f800000, "tie with even lsb rounds down");
    CHECK(bits(nmt_bf16_roundf(from_bits(0x3f818000))) == 0x3f820000, "tie with odd lsb rounds up");
    CHECK(bits(nmt_bf16_roundf(from_bits(0x7f7f8000))) == 0x7f800000, "tie above the largest bf16 overflows");
    CHECK(bits(nmt_bf16_roundf(from_bits(0x7f7f7fff))) == 0x7f7f0000, "just below the tie stays finite");
    CHECK(isnan(nmt_bf16_roundf(from_bits(0x7f800001))), "a NaN with only low payload bits stays NaN");

    // the AVX2 form and the array form (threaded over chunks) give the same bits
    float *a = malloc(sizeof(float) * n), *v = malloc(sizeof(float) * n);
    for (long i = 0; i < n; i++) a[i] = v[i] = from_bits(p[i]);
    nmt_round_bf16(v, v, n);
    long diff = 0;
    for (long i = 0; i < n; i++) diff += bits(v[i]) != bits(nmt_bf16_roundf(a[i]));
    CHECK(diff == 0, "nmt_round_bf16 (AVX2 lanes, threads) differs from the scalar form on %ld of %ld", diff, n);
    if (nmt_cpu_isa() >= NMT_ISA_AVX2) {
        diff = round8_diff(a, n);
        CHECK(diff == 0, "nmt_bf16_round8 differs from the scalar form on %ld lanes", diff);
    }
    if (nmt_cpu_isa() >= NMT_ISA_AVX512) {
        diff = round16_diff(a, n);
        CHECK(diff == 0, "nmt_bf16_round16 differs from the scalar form on %ld lanes", diff);
    }
    free(a), free(v), free(p);
}

/* ---- the model ---------------------------------------------------------------- */
enum { B = 16 };
static nmt_config cfg;
static const nmt_param_table *tab;
static float *params;
static nmt_batch bat;

typedef struct {
    float *grads;
    double loss;
} result;

static result run(nmt_precision prec, int threads, nmt_ws *keep) {
    nmt_set_threads(threads);
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &cfg, B, prec, 1) == 0, "ws: %s", nmt_last_error());
    result r = {calloc(tab->total, sizeof(float)), 0};
    nmt_ws_forward_backward(&ws, params, r.grads, &bat, 1.0f / bat.dec.ntok);
    for (int k = 0; k < bat.dec.ntok; k++) r.loss += ws.loss[k];
    r.loss /= bat.dec.ntok;
    if (keep) *keep = ws;
    else nmt_ws_free(&ws);
    return r;
}

static long count_not_bf16(const float *x, long n) {
    long c = 0;
    for (long i = 0; i < n; i++) c += !is_bf16(x[i]);
    return c;
}

static long pmat_len(const nmt_pmat *p) { return (long)p->panels * p->K * NMT_PMAT_W; }

static const float *act(const nmt_ws *ws, const char *name) {
    const float *a = nmt_ws_act(ws, name);
    CHECK(a != NULL, "no activation '%s'", name);
    return a;
}

/* Values of a packed LSTM's copies that are not bf16: W, the gates, U^T, W^T. */
static long lstm_not_bf16(const nmt_lstm_rec *r) {
    long c = count_not_bf16(r->W.data, pmat_len(&r->W)) + count_not_bf16(r->Ut.data, pmat_len(&r->Ut));
    for (int g = 0; g < 4; g++) c += count_not_bf16(r->gate[g].data, pmat_len(&r->gate[g]));
    return c + count_not_bf16(r->Wt.data, pmat_len(&r->Wt));
}

/* The trainer's loop: Nadam re-packs each block of the kernels right after
 * updating it (the update hook), and the next step uses those copies without
 * packing. Four steps that way must give the very bits of four steps that
 * pack from scratch, in both precisions. */
static void check_fused_repack(nmt_precision prec) {
    nmt_set_threads(2);
    float *p[2], *g[2];
    nmt_ws ws[2];
    nmt_nadam o[2];
    for (int k = 0; k < 2; k++) {
        p[k] = nmt_xalloc_aligned(sizeof(float) * tab->total), g[k] = calloc(tab->total, sizeof(float));
        memcpy(p[k], params, sizeof(float) * tab->total);
        nmt_ws_alloc(&ws[k], &cfg, B, prec, 1);
        nmt_nadam_init(&o[k], NMT_NADAM_NEW, tab->total);
    }
    o[0].hook = nmt_ws_update_hook(&ws[0], p[0]);   // as the trainer does
    for (int step = 0; step < 4; step++)
        for (int k = 0; k < 2; k++) {
            nmt_ws_forward_backward(&ws[k], p[k], g[k], &bat, 1.0f / bat.dec.ntok);
            nmt_nadam_step(&o[k], tab, p[k], g[k], NULL);
        }
    CHECK(ws[0].refreshed == 1, "%s %s: the update hook did not leave refreshed copies", cfg.arch,
          nmt_precision_name(prec));
    CHECK(memcmp(p[0], p[1], sizeof(float) * tab->total) == 0,
          "%s %s: 4 steps with the packing refreshed inside Nadam differ from 4 steps packing afresh", cfg.arch,
          nmt_precision_name(prec));
    CHECK(memcmp(params, p[1], sizeof(float) * tab->total) != 0, "the steps did not move the parameters");
    for (int k = 0; k < 2; k++) {
        free(p[k]), free(g[k]);
        nmt_ws_free(&ws[k]);
        nmt_nadam_free(&o[k]);
    }
}

static void check_model(const char *arch) {
    fprintf(stderr, "== %s\n", arch);
    nmt_config_default(&cfg, arch);
    cfg.src_vocab = 50, cfg.tgt_vocab = 60, cfg.embed = 24, cfg.units = 72, cfg.max_length = 12;
    nmt_model m;
    CHECK(nmt_model_init(&m, &cfg) == 0, "model");
    nmt_model_randomize(&m, 11);   // Keras initializers: realistic magnitudes
    params = m.params;
    tab = &m.table;
    // nudge every parameter off its initial value (biases off zero), and scale the
    // embeddings and the output layer up so that the logits are far from uniform
    nmt_rng rng;
    nmt_rng_seed(&rng, 5);
    for (long i = 0; i < (long)tab->total; i++) params[i] += 0.01f * (float)(nmt_rng_double(&rng) - 0.5);
    const char *scaled[] = {"encoder.embedding", "decoder.embedding", "output.kernel"};
    // (attention feeds the output layer averages of encoder outputs: smaller values)
    const float by[] = {20, 20, strcmp(arch, "attention") ? 8 : 16};
    for (int s = 0; s < 3; s++) {
        const nmt_param *p = nmt_param_find(tab, scaled[s]);
        for (long i = 0; i < (long)p->numel; i++) params[p->offset + i] *= by[s];
    }

    // B examples of lengths 0..12 (sources) and 1..12 (targets), random ids
    int32_t ids[B][3][12];
    const int32_t *src[B], *din[B], *tgt[B];
    int slen[B], dlen[B];
    for (int i = 0; i < B; i++) {
        slen[i] = i == 3 ? 0 : 1 + (int)(nmt_rng_double(&rng) * 12) % 12;
        dlen[i] = 1 + (int)(nmt_rng_double(&rng) * 12) % 12;
        for (int t = 0; t < 12; t++) {
            ids[i][0][t] = 1 + (int32_t)(nmt_rng_double(&rng) * (cfg.src_vocab - 1)) % (cfg.src_vocab - 1);
            ids[i][1][t] = 1 + (int32_t)(nmt_rng_double(&rng) * (cfg.tgt_vocab - 1)) % (cfg.tgt_vocab - 1);
            ids[i][2][t] = 1 + (int32_t)(nmt_rng_double(&rng) * (cfg.tgt_vocab - 1)) % (cfg.tgt_vocab - 1);
        }
        src[i] = ids[i][0], din[i] = ids[i][1], tgt[i] = ids[i][2];
    }
    nmt_batch_alloc(&bat, B, cfg.max_length);
    nmt_batch_build(&bat, B, src, slen, din, tgt, dlen);
    const int bidir = strcmp(arch, "basic") != 0, att = strcmp(arch, "attention") == 0;
    const long E = cfg.embed, u = cfg.units, eu = bidir ? u / 2 : u, V = cfg.tgt_vocab, ne = bat.enc.ntok,
               nd = bat.dec.ntok;

    float *before = malloc(sizeof(float) * tab->total);
    memcpy(before, params, sizeof(float) * tab->total);
    nmt_ws w16, w32;
    result r16 = run(NMT_BF16, 2, &w16);
    result r32 = run(NMT_FP32, 2, &w32);
    CHECK(memcmp(before, params, sizeof(float) * tab->total) == 0, "the bf16 pass changed the float parameters");

    // every operand of a product is a bf16 value (the last backward pass's dz is the
    // encoder's, of its last direction)
    struct { const char *name; long n; int when; } ops[] = {
        {"enc.x", ne * E, 1}, {"dec.x", nd * E, 1}, {"enc.h", ne * eu, 1}, {"dec.h", nd * u, 1},
        {"dec.h0", B * u, 1}, {"logits", nd * V, 1}, {"lstm.scratch", ne * 4 * eu, 1},
        {"enc.x_reversed", ne * E, bidir}, {"enc.backward.h", ne * eu, bidir}, {"attention.context", nd * u, att},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (!ops[i].when) continue;
        const float *x = act(&w16, ops[i].name);
        long c16 = x ? count_not_bf16(x, ops[i].n) : -1;
        CHECK(c16 == 0, "%s bf16: %s has %ld of %ld values that are not bf16", arch, ops[i].name, c16, ops[i].n);
    }
    for (int w = 0; w < 3; w++) {
        const nmt_lstm_rec *r = nmt_s2s_lstm_packed(&w16, w);
        CHECK((r != NULL) == (w != 1 || bidir), "%s: packed LSTM %d", arch, w);
        if (r) CHECK(lstm_not_bf16(r) == 0, "%s bf16: packed LSTM %d has values that are not bf16", arch, w);
    }
    const nmt_dense_w *ow = nmt_s2s_dense_packed(&w16);
    CHECK(count_not_bf16(ow->W.data, pmat_len(&ow->W)) == 0 && count_not_bf16(ow->Wt.data, pmat_len(&ow->Wt)) == 0,
          "%s bf16: output layer copies not bf16", arch);
    // ... which the check can tell apart: in fp32 they are not
    CHECK(count_not_bf16(act(&w32, "dec.h"), nd * u) > nd * u / 2, "fp32 decoder h looks rounded");
    CHECK(lstm_not_bf16(nmt_s2s_lstm_packed(&w32, 2)) > 0, "fp32 packing looks rounded");
    CHECK(count_not_bf16(act(&w32, "logits"), nd * V) > nd * V / 2, "fp32 logits gradient looks rounded");

    // bf16 against fp32. Tolerances: bf16 keeps 8 significant bits (relative
    // rounding error <= 2^-9 = 0.2%). Measured here: loss 2.3e-6 (basic), 6.1e-6
    // (bidirectional), 8.1e-5 (attention, whose larger output kernel magnifies the
    // rounding of its context vectors) relative, gradients 0.2-0.5% (relative L2
    // norm per tensor). Bounds: 2e-4 for the loss, 2% per gradient tensor; a
    // wrong operand or a lost term is off by tens of percent.
    fprintf(stderr, "loss fp32 %.7f bf16 %.7f (relative %.2e)\n", r32.loss, r16.loss,
            fabs(r16.loss - r32.loss) / r32.loss);
    CHECK(fabs(r16.loss - r32.loss) <= 2e-4 * r32.loss, "bf16 loss %.7f vs fp32 %.7f", r16.loss, r32.loss);
    CHECK(r16.loss != r32.loss, "bf16 loss equals fp32's to the bit: no rounding happened");
    CHECK(fabs(r32.loss - log(V)) > 0.1, "the loss %.4f is too close to log V to test the forward pass", r32.loss);
    for (int i = 0; i < tab->n; i++) {
        const float *a = r16.grads + tab->p[i].offset, *b = r32.grads + tab->p[i].offset;
        double num = 0, den = 0;
        for (long k = 0; k < (long)tab->p[i].numel; k++) num += (double)(a[k] - b[k]) * (a[k] - b[k]), den += (double)b[k] * b[k];
        double rel = sqrt(num / (den > 0 ? den : 1));
        fprintf(stderr, "  %-34s relative L2 difference %.2e\n", tab->p[i].name, rel);
        CHECK(den > 0, "%s: zero fp32 gradient", tab->p[i].name);
        CHECK(rel <= 2e-2, "%s: bf16 gradient differs from fp32 by %.3g (relative L2)", tab->p[i].name, rel);
        CHECK(rel > 0, "%s: bf16 gradient equals fp32's", tab->p[i].name);
    }

    // bf16 on one thread: the very same bits
    result r1 = run(NMT_BF16, 1, NULL);
    CHECK(r1.loss == r16.loss, "bf16 loss differs between 1 and 2 threads");
    CHECK(memcmp(r1.grads, r16.grads, sizeof(float) * tab->total) == 0, "bf16 gradients differ between 1 and 2 threads");

    check_fused_repack(NMT_FP32);
    check_fused_repack(NMT_BF16);

    free(r1.grads), free(r16.grads), free(r32.grads), free(before);
    nmt_ws_free(&w16), nmt_ws_free(&w32);
    nmt_batch_free(&bat);
    nmt_model_free(&m);
}

int main(void) {
    nmt_numerics_init();
    check_rounding();
    for (int a = 0; a < nmt_arch_count(); a++)   // the translators: charrnn has no bf16 path (nmt train refuses it)
        if (!nmt_arch_info_at(a)->lm) check_model(nmt_arch_info_at(a)->name);
    return check_exit("test_bf16");
}
