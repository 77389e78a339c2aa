/* The golden numerics lock: a tiny model of every architecture trained 6 Nadam
 * steps on fixed batches must give, at every ISA level this CPU has (scalar,
 * avx2, avx512: core/cpu.h) and on 1 and 2 threads, every step's loss and the
 * final weights' sha256 recorded in tests/golden/numerics.txt, bit for bit.
 *
 * The recorded values are the same on every x86-64 CPU (fp32 and the emulated
 * bf16): each product element is one FMA chain in a fixed order, and the
 * element-wise math is written once (core/vmath.h). A change to any of it fails
 * here; if it is deliberate, re-record and say why in CHANGELOG.md:
 *   NMT_REGEN_GOLDEN=1 build/tests/test_numerics */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "models/arch.h"
#include "models/batch.h"
#include "models/model.h"
#include "nmt.h"
#include "train/train.h"

#define GOLDEN "tests/golden/numerics.txt"
enum { B = 12, L = 10, STEPS = 6, NBATCH = 3 };

/* One run: STEPS losses (the batch's mean over its target tokens, summed in
 * token order in double) and the final weights' sha256. */
typedef struct {
    float loss[STEPS];
    char sha[65];
} outcome;

static void make_batches(nmt_batch *bat, const nmt_config *c, int lm) {
    nmt_rng rng;
    nmt_rng_seed(&rng, 99);
    for (int k = 0; k < NBATCH; k++) {
        static int32_t ids[B][3][L];
        const int32_t *src[B], *din[B], *tgt[B];
        int slen[B], dlen[B];
        const int V = lm ? c->tgt_vocab - 2 : c->tgt_vocab;   // a language model's ids are vocabulary ids - 2
        for (int i = 0; i < B; i++) {
            slen[i] = 1 + (int)(nmt_rng_double(&rng) * L) % L;
            dlen[i] = lm ? L : 1 + (int)(nmt_rng_double(&rng) * L) % L;
            for (int t = 0; t < L; t++) {
                ids[i][0][t] = lm ? 0 : 1 + (int32_t)(nmt_rng_double(&rng) * (c->src_vocab - 1)) % (c->src_vocab - 1);
                ids[i][1][t] = (lm ? 0 : 1) + (int32_t)(nmt_rng_double(&rng) * (V - 1)) % (V - 1);
                ids[i][2][t] = (lm ? 0 : 1) + (int32_t)(nmt_rng_double(&rng) * (V - 1)) % (V - 1);
            }
            src[i] = ids[i][0], din[i] = ids[i][1], tgt[i] = ids[i][2];
        }
        nmt_batch_alloc(&bat[k], B, L);
        nmt_batch_build(&bat[k], B, lm ? NULL : src, slen, din, tgt, dlen);
    }
}

static outcome train(const char *arch, nmt_precision prec, int threads) {
    outcome o = {{0}, {0}};
    nmt_config c;
    CHECK(nmt_config_default(&c, arch) == 0, "config %s: %s", arch, nmt_last_error());
    const int lm = nmt_arch_info_find(arch)->lm;
    if (!lm) c.src_vocab = 40;
    c.tgt_vocab = 44, c.embed = 16, c.units = 32, c.max_length = L;
    nmt_model m;
    CHECK(nmt_model_init(&m, &c) == 0, "model %s: %s", arch, nmt_last_error());
    nmt_model_randomize(&m, 7);
    nmt_batch bat[NBATCH];
    make_batches(bat, &c, lm);
    nmt_set_threads(threads);
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &c, B, prec, 1) == 0, "ws %s: %s", arch, nmt_last_error());
    nmt_nadam opt;
    nmt_nadam_init(&opt, NMT_NADAM_NEW, m.table.total);
    opt.lr = 0.01;
    opt.hook = nmt_ws_update_hook(&ws, m.params);
    float *grads = calloc(m.table.total, sizeof(float));
    for (int s = 0; s < STEPS; s++) {
        const nmt_batch *b = &bat[s % NBATCH];
        nmt_ws_forward_backward(&ws, m.params, grads, b, 1.0f / b->dec.ntok);
        double sum = 0;
        for (int k = 0; k < b->dec.ntok; k++) sum += ws.loss[k];
        o.loss[s] = (float)(sum / b->dec.ntok);
        nmt_nadam_step(&opt, &m.table, m.params, grads, NULL);
    }
    nmt_sha256_hex(m.params, sizeof(float) * m.table.total, o.sha);
    free(grads);
    nmt_nadam_free(&opt);
    nmt_ws_free(&ws);
    for (int k = 0; k < NBATCH; k++) nmt_batch_free(&bat[k]);
    nmt_model_free(&m);
    return o;
}

static void format(char *line, size_t size, const char *arch, nmt_precision prec, const outcome *o) {
    int n = snprintf(line, size, "%s %s", arch, nmt_precision_name(prec));
    for (int s = 0; s < STEPS; s++) {
        uint32_t u;
        memcpy(&u, &o->loss[s], 4);
        n += snprintf(line + n, size - n, " %08x", (unsigned)u);
    }
    snprintf(line + n, size - n, " %s", o->sha);
}

/* Nadam alone, both kinds, the legacy one with some rows of a looked-up table
 * absent: three steps give the same bytes (weights, m, v) at every ISA level
 * (its vector widths), on tensors whose rows end in a partial vector. */
static void check_nadam_levels(void) {
    nmt_param_table tab = {0};
    const int emb[2] = {37, 19}, ker[2] = {5, 45}, bias[1] = {23};
    nmt_param_add(&tab, "emb", NMT_INIT_ZERO, NMT_LOOKUP_DEC, 2, emb);
    nmt_param_add(&tab, "kernel", NMT_INIT_ZERO, NMT_DENSE, 2, ker);
    nmt_param_add(&tab, "bias", NMT_INIT_ZERO, NMT_DENSE, 1, bias);
    const size_t n = tab.total;
    float *w0 = nmt_xcalloc(n, sizeof(float)), *g0 = nmt_xcalloc(n, sizeof(float));
    float *w = nmt_xalloc_aligned(n * sizeof(float)), *g = nmt_xalloc_aligned(n * sizeof(float));
    float *want = nmt_xalloc_aligned(3 * n * sizeof(float)), *got = nmt_xalloc_aligned(3 * n * sizeof(float));
    nmt_rng rng;
    nmt_rng_seed(&rng, 5);
    for (size_t k = 0; k < n; k++) w0[k] = (float)(nmt_rng_double(&rng) - 0.5), g0[k] = (float)(nmt_rng_double(&rng) - 0.5);
    uint8_t rows[37], *present[3] = {rows, NULL, NULL};
    for (int r = 0; r < 37; r++) rows[r] = r % 3 != 1;
    for (int kind = 0; kind < 2; kind++)
        for (int isa = nmt_cpu_max_isa(); isa >= NMT_ISA_SCALAR; isa--) {
            nmt_cpu_set_isa((nmt_isa)isa);
            nmt_nadam o;
            nmt_nadam_init(&o, (nmt_nadam_kind)kind, n);
            memset(o.m, 0, n * sizeof(float)), memset(o.v, 0, n * sizeof(float));
            memcpy(w, w0, n * sizeof(float));
            for (int step = 0; step < 3; step++) {
                for (size_t k = 0; k < n; k++) g[k] = g0[k] * (float)(step + 1);
                nmt_nadam_step(&o, &tab, w, g, kind ? present : NULL);
            }
            float *dst = isa == (int)nmt_cpu_max_isa() ? want : got;
            memcpy(dst, w, n * sizeof(float)), memcpy(dst + n, o.m, n * sizeof(float));
            memcpy(dst + 2 * n, o.v, n * sizeof(float));
            if (dst == got)
                CHECK(memcmp(want, got, 3 * n * sizeof(float)) == 0, "nadam %s at %s: not the bits of %s",
                      kind ? "legacy" : "new", nmt_isa_name((nmt_isa)isa), nmt_isa_name(nmt_cpu_max_isa()));
            nmt_nadam_free(&o);
        }
    nmt_cpu_set_isa(nmt_cpu_max_isa());
    free(w0), free(g0), free(w), free(g), free(want), free(got);
    nmt_param_table_free(&tab);
}

int main(void) {
    const int regen = getenv("NMT_REGEN_GOLDEN") && *getenv("NMT_REGEN_GOLDEN");
    char golden[64][256];
    int ngolden = 0;
    FILE *f = fopen(GOLDEN, "r");
    if (!regen) {
        CHECK(f != NULL, "cannot read %s", GOLDEN);
        char buf[256];
        while (f && ngolden < 64 && fgets(buf, sizeof buf, f))
            if (buf[0] != '#' && buf[0] != '\n') {
                buf[strcspn(buf, "\n")] = 0;
                strcpy(golden[ngolden++], buf);
            }
    }
    if (f) fclose(f);
    FILE *out = regen ? fopen(GOLDEN ".tmp", "w") : NULL;
    if (out)
        fprintf(out, "# arch precision, the loss after each of %d Nadam steps (float bits), the final weights' sha256.\n"
                     "# Written by NMT_REGEN_GOLDEN=1 build/tests/test_numerics: record why in CHANGELOG.md.\n",
                STEPS);
    const nmt_isa top = nmt_cpu_max_isa();
    fprintf(stderr, "  ISA levels: scalar..%s\n", nmt_isa_name(top));
    for (int a = 0; a < nmt_arch_count(); a++) {
        const nmt_arch_info *ai = nmt_arch_info_at(a);
        for (int p = 0; p < 2; p++) {
            const nmt_precision prec = p ? NMT_BF16 : NMT_FP32;
            if (prec == NMT_BF16 && ai->lm) continue;   // the GRU has fp32 kernels only
            char want[256] = "", got[256];
            for (int isa = top; isa >= NMT_ISA_SCALAR; isa--)
                for (int t = 1; t <= 2; t++) {
                    nmt_cpu_set_isa((nmt_isa)isa);
                    outcome o = train(ai->name, prec, t);
                    format(got, sizeof got, ai->name, prec, &o);
                    if (!want[0]) {   // the first run: against the recorded line
                        strcpy(want, got);
                        if (out) fprintf(out, "%s\n", got);
                        int found = regen;
                        for (int g = 0; g < ngolden && !found; g++) found = strcmp(golden[g], got) == 0;
                        CHECK(found, "%s %s: not the recorded numerics (%s); got\n    %s", ai->name,
                              nmt_precision_name(prec), GOLDEN, got);
                    } else {
                        CHECK(strcmp(want, got) == 0, "%s %s at %s, %d threads: %s\n    differs from %s", ai->name,
                              nmt_precision_name(prec), nmt_isa_name((nmt_isa)isa), t, got, want);
                    }
                }
            nmt_cpu_set_isa(top);
        }
    }
    check_nadam_levels();
    if (out) {
        CHECK(fclose(out) == 0 && rename(GOLDEN ".tmp", GOLDEN) == 0, "cannot write %s", GOLDEN);
        fprintf(stderr, "  recorded %s\n", GOLDEN);
    }
    return check_exit("test_numerics");
}
