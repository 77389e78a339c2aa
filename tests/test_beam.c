/* Beam search (decode/beam.c), for every registered architecture, on tiny
 * random models:
 *   - a beam of 1 is greedy decoding, token for token;
 *   - exhaustive search: every possible output (endofseq after 0..L-1 words,
 *     or L words) is scored through decode_step with a log-softmax computed
 *     here in double; a beam that can hold every prefix (V hypotheses when
 *     max_length is 2, V^2 when it is 3) returns exactly the best n of them,
 *     in order, with their scores;
 *   - every n-best hypothesis's score is what the teacher-forced training
 *     forward gives its tokens (the sum of -loss), also with a length penalty
 *     (score * length^A);
 *   - stopping early (n-best 1) changes nothing: the best equals the best of a
 *     run that keeps the whole beam to the end;
 *   - results (text and score bits) are the same alone, in any batch and at
 *     1 or 2 threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/decode.h"
#include "nmt.h"
#include "tiny.h"

enum { NS = 60 };
static char *en[NS], *es[NS];

static void tiny(nmt_model *m, const char *arch, int V, int L, uint32_t seed) {
    tiny_model(m, arch, en, es, NS, V, 16, L, seed, 1.0f);
}

/* ---- exhaustive search -------------------------------------------------------- */

typedef struct {
    double score;
    int len;
    int32_t tok[8];
} seq;

typedef struct {
    const nmt_model *m;
    nmt_ws *ws;
    int S, V, L, eos;
    seq *all;
    int n;
} enumerator;

static double log_softmax(const float *z, int V, int j) {
    double mx = z[0], sum = 0;
    for (int i = 1; i < V; i++) mx = z[i] > mx ? z[i] : mx;
    for (int i = 0; i < V; i++) sum += exp(z[i] - mx);
    return z[j] - mx - log(sum);
}

/* Every output after prefix p, from decoder state `state` with last token `last`. */
static void enumerate(enumerator *e, seq p, const float *state, int32_t last) {
    float *out = malloc(sizeof(float) * e->S), *logits = malloc(sizeof(float) * e->V);
    const int src = 0;
    nmt_ws_decode_step(e->ws, e->m->params, 1, &last, &src, state, out, logits);
    for (int j = 0; j < e->V; j++) {
        seq q = p;
        q.tok[q.len++] = j;
        q.score += log_softmax(logits, e->V, j);
        if (j == e->eos || q.len == e->L) e->all[e->n++] = q;
        else enumerate(e, q, out, j);
    }
    free(out);
    free(logits);
}

static int by_score(const void *a, const void *b) {
    const double x = ((const seq *)a)->score, y = ((const seq *)b)->score;
    return (x < y) - (x > y);
}

/* s's tokens as the translator gives them: without a final endofseq */
static int same_ids(const seq *s, const int32_t *ids, int n, int eos) {
    const int len = s->len - (s->tok[s->len - 1] == eos);
    return len == n && !memcmp(s->tok, ids, sizeof(int32_t) * (size_t)n);
}

/* A beam of `beam` hypotheses, n-best `beam`, against every output of the model. */
static void check_exhaustive(const char *arch, int V, int L, int beam, uint32_t seed) {
    nmt_model m;
    tiny(&m, arch, V, L, seed);
    nmt_decode_opts opt = {.beam = beam, .n_best = beam};
    nmt_translator tr;
    CHECK(nmt_translator_init(&tr, &m, 1, &opt) == 0, "translator: %s", nmt_last_error());
    const int eos = nmt_vocab_id(m.tgt_vocab, "endofseq", 8), sos = nmt_vocab_id(m.tgt_vocab, "startofseq", 10);
    long total = 0;
    for (int k = 0; k < L; k++) total = total * (V - 1) + 1;
    total += (long)pow(V - 1, L);   // endofseq after 0..L-1 words, or L words
    enumerator e = {.m = &m, .ws = &tr.ws, .S = tr.S, .V = V, .L = L, .eos = eos};
    e.all = malloc(sizeof(seq) * (size_t)total);
    int bad = 0, checked = 0;
    for (int i = 0; i < NS; i += 7) {
        nmt_translate_batch(&tr, (const char *const *)&en[i], 1);
        // the exhaustive list, from the same encoding
        e.n = 0;
        enumerate(&e, (seq){0}, tr.state0, sos);
        CHECK(e.n == total, "%s: %d outputs enumerated, %ld expected", arch, e.n, total);
        qsort(e.all, (size_t)e.n, sizeof(seq), by_score);
        for (int q = 0; q < beam; q++) {
            double score;
            const char *got = nmt_translation_nbest(&tr, 0, q, &score);
            int n;
            const int32_t *ids = nmt_translation_nbest_ids(&tr, 0, q, &n);
            // a near-tie may order two outputs either way: then only the scores must agree
            const int tie = (q > 0 && e.all[q].score - e.all[q - 1].score > -1e-5) ||
                            (q + 1 < e.n && e.all[q].score - e.all[q + 1].score < 1e-5);
            if ((!tie && !same_ids(&e.all[q], ids, n, eos)) || fabs(score - e.all[q].score) > 1e-5) {
                if (bad++ < 5)
                    fprintf(stderr, "  %s '%s' #%d: beam '%s' %.7f, exhaustive %.7f\n", arch, en[i], q, got, score,
                            e.all[q].score);
            }
            checked++;
        }
    }
    CHECK(bad == 0, "%s (V %d, L %d, beam %d): %d of %d n-best entries differ from exhaustive search", arch, V, L,
          beam, bad, checked);
    fprintf(stderr, "  %s: beam %d = the best %d of %ld outputs (max_length %d), %d sentences\n", arch, beam, beam,
            total, L, (NS + 6) / 7);
    free(e.all);
    nmt_translator_free(&tr);
    nmt_model_free(&m);
}

/* ---- teacher-forced scores ---------------------------------------------------- */

/* The n-best hypotheses' scores against the training forward's losses. */
static void check_scores(const nmt_model *m, nmt_translator *tr, const char *arch, double A) {
    const int L = m->cfg.max_length, NB = tr->opt.n_best;
    const int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10), eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    nmt_ws ws;
    CHECK(nmt_ws_alloc(&ws, &m->cfg, NB, NMT_FP32, 0) == 0, "ws: %s", nmt_last_error());
    nmt_ws_hold_weights(&ws, m->params);
    nmt_batch b;
    nmt_batch_alloc(&b, NB, L);
    double worst = 0;
    for (int i = 0; i < NS; i++) {
        nmt_translate_batch(tr, (const char *const *)&en[i], 1);
        int32_t src[64], din[NMT_BEAM_MAX][64], tgt[NMT_BEAM_MAX][64];
        const int32_t *sp[NMT_BEAM_MAX], *dp[NMT_BEAM_MAX], *tp[NMT_BEAM_MAX];
        int slen[NMT_BEAM_MAX], dlen[NMT_BEAM_MAX];
        double score[NMT_BEAM_MAX];
        const int sl = nmt_vectorize(m->src_vocab, en[i], src, L);
        for (int q = 0; q < NB; q++) {
            nmt_translation_nbest(tr, 0, q, &score[q]);
            int k;
            const int32_t *ids = nmt_translation_nbest_ids(tr, 0, q, &k);
            memcpy(tgt[q], ids, sizeof(int32_t) * (size_t)k);
            if (k < L) tgt[q][k++] = eos;
            din[q][0] = sos;
            for (int j = 1; j < k; j++) din[q][j] = tgt[q][j - 1];
            dlen[q] = k, slen[q] = sl, sp[q] = src, dp[q] = din[q], tp[q] = tgt[q];
        }
        nmt_batch_build(&b, NB, sp, slen, dp, tp, dlen);
        nmt_ws_forward_backward(&ws, m->params, NULL, &b, 1);
        double sum[NMT_BEAM_MAX] = {0};
        // packed decoder rows: step t holds rows 0..bs[t]-1 (sorted by length)
        for (int t = 0, k = 0; t < b.dec.T; t++)
            for (int r = 0; r < b.dec.bs[t]; r++, k++) sum[b.dec_orig[r]] -= ws.loss[k];
        for (int q = 0; q < NB; q++) {
            const double want = A > 0 ? sum[q] / pow(dlen[q], A) : sum[q];
            worst = check_worst(worst, fabs(score[q] - want) / (1 + fabs(want)));
        }
    }
    CHECK(worst < 2e-5, "%s: n-best scores differ from teacher forcing by %.3g (relative)", arch, worst);
    fprintf(stderr, "  %s: %d-best scores = teacher-forced log-probabilities (A %g), worst %.2g\n", arch, NB, A,
            worst);
    nmt_batch_free(&b);
    nmt_ws_free(&ws);
}

/* ---- per architecture ----------------------------------------------------------- */

static char **translate_all(const nmt_model *m, nmt_decode_opts opt, int bs, double *scores) {
    nmt_translator tr;
    CHECK(nmt_translator_init(&tr, m, bs, &opt) == 0, "translator: %s", nmt_last_error());
    char **out = calloc((size_t)NS * opt.n_best, sizeof(char *));
    for (int start = 0; start < NS; start += bs) {
        const int n = NS - start < bs ? NS - start : bs;
        nmt_translate_batch(&tr, (const char *const *)en + start, n);
        for (int i = 0; i < n; i++)
            for (int q = 0; q < opt.n_best; q++) {
                const long k = (long)(start + i) * opt.n_best + q;
                out[k] = strdup(nmt_translation_nbest(&tr, i, q, scores ? &scores[k] : NULL));
            }
    }
    nmt_translator_free(&tr);
    return out;
}

static void free_all(char **out, int n) {
    for (int i = 0; i < n; i++) free(out[i]);
    free(out);
}

static void check_arch(const char *arch) {
    nmt_model m;
    tiny(&m, arch, 13, 10, 5);
    nmt_set_threads(1);

    // a beam of 1 is greedy decoding: the beam code against translate.c's
    char **greedy = translate_all(&m, (nmt_decode_opts){.beam = 1, .n_best = 1}, 8, NULL);
    {
        nmt_translator tr;
        nmt_decode_opts one = {.beam = 1, .n_best = 1};
        CHECK(nmt_translator_init(&tr, &m, 8, &one) == 0, "translator: %s", nmt_last_error());
        int bad = 0, distinct = 0;
        for (int start = 0; start < NS; start += 8) {
            const int n = NS - start < 8 ? NS - start : 8;
            nmt_translate_encode(&tr, (const char *const *)en + start, n);
            nmt_decode_beam(&tr, n);
            for (int i = 0; i < n; i++) bad += strcmp(nmt_translation(&tr, i), greedy[start + i]) != 0;
        }
        for (int i = 1; i < NS; i++) distinct += strcmp(greedy[i], greedy[i - 1]) != 0;
        CHECK(bad == 0, "%s: the beam search with a beam of 1 differs from greedy decoding in %d of %d", arch, bad,
              NS);
        CHECK(distinct > 10, "%s: the random model should translate differently (%d changes)", arch, distinct);
        nmt_translator_free(&tr);
    }

    // early stopping keeps the best: n-best 1 against n-best 5 (which runs the beam to the end), by
    // score and length-normalised (where an open hypothesis can still overtake a finished one)
    const nmt_decode_opts b5 = {.beam = 5, .n_best = 5};
    double *s5 = calloc(NS * 5, sizeof(double));
    char **all5 = translate_all(&m, b5, 1, s5);
    int differs_from_greedy = 0;
    for (int p = 0; p < 2; p++) {
        const double A = p ? 1.0 : 0;
        nmt_decode_opts all = b5, top = {.beam = 5, .n_best = 1, .length_penalty = A};
        all.length_penalty = A;
        double *sa = calloc(NS * 5, sizeof(double)), s1[NS];
        char **alla = translate_all(&m, all, 1, sa), **top1 = translate_all(&m, top, 1, s1);
        int bad = 0;
        for (int i = 0; i < NS; i++) {
            bad += strcmp(alla[i * 5], top1[i]) != 0 || sa[i * 5] != s1[i];
            if (!p) differs_from_greedy += strcmp(top1[i], greedy[i]) != 0;
            for (int q = 1; q < 5; q++) bad += !(sa[i * 5 + q] <= sa[i * 5 + q - 1]);   // sorted
        }
        CHECK(bad == 0, "%s: n-best 1 (stopping early) and n-best 5 disagree or are unsorted (%d, A %g)", arch, bad,
              A);
        free_all(alla, NS * 5);
        free_all(top1, NS);
        free(sa);
    }
    CHECK(differs_from_greedy > 0, "%s: beam 5 never differs from greedy decoding on %d sentences", arch, NS);
    fprintf(stderr, "  %s: beam 1 = greedy; beam 5 changes %d of %d translations\n", arch, differs_from_greedy, NS);

    // batch and thread invariance, text and score bits
    for (int threads = 1; threads <= 2; threads++) {
        nmt_set_threads(threads);
        for (int bs = 2; bs <= NMT_TRANSLATE_MAX_BATCH; bs *= 5) {   // 2, 10, 50
            double *s = calloc(NS * 5, sizeof(double));
            char **o = translate_all(&m, b5, bs, s);
            int diff = 0;
            for (int k = 0; k < NS * 5; k++) diff += strcmp(o[k], all5[k]) != 0 || s[k] != s5[k];
            CHECK(diff == 0, "%s: %d n-best entries differ in batches of %d at %d threads", arch, diff, bs, threads);
            free_all(o, NS * 5);
            free(s);
        }
    }
    nmt_set_threads(1);

    // scores are the model's log-probabilities, also length-normalised
    for (int p = 0; p < 2; p++) {
        nmt_translator tr;
        nmt_decode_opts o = {.beam = 4, .n_best = 4, .length_penalty = p ? 0.7 : 0};
        CHECK(nmt_translator_init(&tr, &m, 1, &o) == 0, "translator: %s", nmt_last_error());
        check_scores(&m, &tr, arch, o.length_penalty);
        nmt_translator_free(&tr);
    }

    free_all(greedy, NS);
    free_all(all5, NS * 5);
    free(s5);
    nmt_model_free(&m);

    // exhaustive search: 6 tokens, up to 2 steps (beam 6 holds every prefix), then 3 steps (beam 36)
    check_exhaustive(arch, 6, 2, 6, 11);
    check_exhaustive(arch, 6, 3, 36, 12);
}

int main(void) {
    tiny_corpus(en, es, NS, 4, 1, 7);   // 1..8 words
    // options out of range are refused with a message
    {
        nmt_model m;
        tiny(&m, "basic", 13, 10, 1);
        nmt_translator tr;
        const nmt_decode_opts bad[] = {{.beam = 0, .n_best = 1}, {.beam = NMT_BEAM_MAX + 1, .n_best = 1},
                                       {.beam = 3, .n_best = 4}, {.beam = 3, .n_best = 0},
                                       {.beam = 3, .n_best = 1, .length_penalty = -1}};
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
            CHECK(nmt_translator_init(&tr, &m, 1, &bad[k]) == -1 && *nmt_last_error(),
                  "options #%zu should be refused", k);
        nmt_model_free(&m);
    }
    for (int a = 0; a < nmt_arch_count(); a++)   // the translators (a language model has no beam: test_charrnn)
        if (!nmt_arch_info_at(a)->lm) check_arch(nmt_arch_info_at(a)->name);
    for (int i = 0; i < NS; i++) free(en[i]), free(es[i]);
    return check_exit("test_beam");
}
