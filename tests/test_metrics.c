/* BLEU and chrF against sacreBLEU: tests/fixtures/metrics_sacrebleu.json,
 * written by tools/make_metrics_fixture.py (sacreBLEU 2.6.0) for the pairs of
 * tests/fixtures/metrics_pairs.tsv. Every corpus of the fixture and every pair
 * alone: scores, precisions, BP and ratio within 1e-4, lengths and n-gram
 * counts exactly, and the text sacreBLEU prints. Then properties checked by
 * hand: identical text scores 100, disjoint text 0, a worked example of exp
 * smoothing and of chrF, the empty corpus, and arbitrary bytes. */
#include "check.h"
#include "core/error.h"
#include "io/json.h"
#include "text/metrics.h"

#define PAIRS_PATH "tests/fixtures/metrics_pairs.tsv"
#define FIXTURE_PATH "tests/fixtures/metrics_sacrebleu.json"
#define TOL 1e-4

typedef struct {
    const char *name, *hyp, *ref;   // into the file's buffer
    size_t hyp_len, ref_len;
} pair;

static double worst;   // the largest |nmt - sacreBLEU| of any number compared

/* ---- the fixture ------------------------------------------------------------ */

static int hex(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

// undoes the file's escapes (\\ \t \n \r \xHH) in place; returns the length
static size_t unescape(char *s) {
    size_t j = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\') {
            s[j++] = s[i];
            continue;
        }
        char e = s[++i];
        if (e == 'x' && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            s[j++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            CHECK(e == '\\' || e == 't' || e == 'n' || e == 'r', "%s: bad escape \\%c", PAIRS_PATH, e);
            s[j++] = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
        }
    }
    s[j] = 0;
    return j;
}

// the pairs of the TSV file (header skipped); *buf holds their text
static pair *read_pairs(char **buf, int *n) {
    size_t len;
    *n = 0;
    if (nmt_read_file(PAIRS_PATH, buf, &len)) {
        CHECK(0, "%s", nmt_last_error());
        return NULL;
    }
    pair *p = NULL;
    char *line = strchr(*buf, '\n');   // after the header
    for (int no = 2; line && line[1]; no++) {
        line++;
        char *end = strchr(line, '\n'), *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (end) *end = 0;
        CHECK(t1 && t2 && !strchr(t2 + 1, '\t'), "%s:%d: expected NAME<TAB>HYP<TAB>REF", PAIRS_PATH, no);
        if (!(t1 && t2)) break;
        *t1 = *t2 = 0;
        p = nmt_xrealloc(p, (size_t)(*n + 1) * sizeof *p);
        p[*n] = (pair){.name = line, .hyp = t1 + 1, .ref = t2 + 1};
        p[*n].hyp_len = unescape(t1 + 1);
        p[*n].ref_len = unescape(t2 + 1);
        (*n)++;
        line = end;
    }
    return p;
}

static const pair *find_pair(const pair *p, int n, const char *name) {
    for (int i = 0; name && i < n; i++)
        if (strcmp(p[i].name, name) == 0) return &p[i];
    CHECK(0, "no pair named %s in %s", name ? name : "(null)", PAIRS_PATH);
    return NULL;
}

/* ---- comparisons ------------------------------------------------------------ */

static void check_real(double got, const nmt_json *v, const char *what, const char *where) {
    double want = NAN;
    CHECK(nmt_json_num(v, &want) == 0, "%s: %s missing in the fixture", where, what);
    worst = check_worst(worst, fabs(got - want));
    CHECK(fabs(got - want) <= TOL, "%s: %s = %.9g, sacreBLEU %.9g", where, what, got, want);
}

static void check_count(long long got, const nmt_json *v, const char *what, const char *where) {
    long long want = -1;
    CHECK(nmt_json_int(v, &want) == 0, "%s: %s missing in the fixture", where, what);
    CHECK(got == want, "%s: %s = %lld, sacreBLEU %lld", where, what, got, want);
}

static void check_text(const char *got, const nmt_json *v, const char *where) {
    const char *want = nmt_json_str(v);
    CHECK(want && strcmp(got, want) == 0, "%s: \"%s\", sacreBLEU \"%s\"", where, got, want ? want : "(missing)");
}

// m's statistics and scores against a fixture record {"bleu": {...}, "chrf": {...}}
static void check_record(const nmt_metrics *m, const nmt_json *rec, const char *where) {
    const nmt_json *jb = nmt_json_get(rec, "bleu"), *jc = nmt_json_get(rec, "chrf");
    char what[64], text[NMT_METRICS_TEXT_MAX];
    nmt_bleu b;
    check_real(nmt_metrics_bleu(m, &b), nmt_json_get(jb, "score"), "BLEU", where);
    for (int k = 0; k < NMT_BLEU_ORDER; k++) {
        snprintf(what, sizeof what, "precision %d", k + 1);
        check_real(b.precisions[k], nmt_json_at(nmt_json_get(jb, "precisions"), (size_t)k), what, where);
        snprintf(what, sizeof what, "matching %d-grams", k + 1);
        check_count(m->correct[k], nmt_json_at(nmt_json_get(jb, "counts"), (size_t)k), what, where);
        snprintf(what, sizeof what, "hypothesis %d-grams", k + 1);
        check_count(m->total[k], nmt_json_at(nmt_json_get(jb, "totals"), (size_t)k), what, where);
    }
    check_real(b.bp, nmt_json_get(jb, "bp"), "BP", where);
    check_real(b.ratio, nmt_json_get(jb, "ratio"), "ratio", where);
    check_count(b.hyp_len, nmt_json_get(jb, "sys_len"), "hyp_len", where);
    check_count(b.ref_len, nmt_json_get(jb, "ref_len"), "ref_len", where);
    nmt_bleu_text(&b, text);
    check_text(text, nmt_json_get(jb, "text"), where);

    const double chrf = nmt_metrics_chrf(m);
    check_real(chrf, nmt_json_get(jc, "score"), "chrF", where);
    const nmt_json *stats = nmt_json_get(jc, "stats");
    CHECK(nmt_json_size(stats) == 3 * NMT_CHRF_ORDER, "%s: chrF stats", where);
    for (int k = 0; k < NMT_CHRF_ORDER; k++) {
        snprintf(what, sizeof what, "chrF hypothesis %d-grams", k + 1);
        check_count(m->chrf_hyp[k], nmt_json_at(stats, (size_t)(3 * k)), what, where);
        snprintf(what, sizeof what, "chrF reference %d-grams", k + 1);
        check_count(m->chrf_ref[k], nmt_json_at(stats, (size_t)(3 * k + 1)), what, where);
        snprintf(what, sizeof what, "chrF matching %d-grams", k + 1);
        check_count(m->chrf_match[k], nmt_json_at(stats, (size_t)(3 * k + 2)), what, where);
    }
    nmt_chrf_text(chrf, text);
    check_text(text, nmt_json_get(jc, "text"), where);
}

// every corpus of the fixture, then every pair alone
static void test_sacrebleu(void) {
    char *text = NULL, *buf = NULL;
    size_t len;
    int n = 0;
    pair *p = read_pairs(&buf, &n);
    nmt_json *doc = NULL;
    if (nmt_read_file(FIXTURE_PATH, &text, &len) == 0) doc = nmt_json_parse(text, len, FIXTURE_PATH);
    CHECK(doc != NULL, "%s", nmt_last_error());
    long long n_pairs = -1;
    CHECK(doc && nmt_json_int(nmt_json_get(doc, "n_pairs"), &n_pairs) == 0 && n_pairs == n && n >= 40,
          "%d pairs in %s, the fixture says %lld", n, PAIRS_PATH, n_pairs);
    if (!doc || !p) goto done;

    const nmt_json *corpora = nmt_json_get(doc, "corpora");
    for (size_t c = 0; c < nmt_json_size(corpora); c++) {
        const nmt_json *rec = nmt_json_at(corpora, c), *names = nmt_json_get(rec, "pairs");
        char where[128];
        snprintf(where, sizeof where, "corpus %s", nmt_json_str(nmt_json_get(rec, "name")));
        nmt_metrics m;
        nmt_metrics_init(&m);
        for (size_t i = 0; i < nmt_json_size(names); i++) {
            const pair *q = find_pair(p, n, nmt_json_str(nmt_json_at(names, i)));
            if (q) nmt_metrics_add_n(&m, q->hyp, q->hyp_len, q->ref, q->ref_len);
        }
        check_record(&m, rec, where);
    }
    const nmt_json *sentences = nmt_json_get(doc, "sentences");
    CHECK(nmt_json_size(corpora) >= 10 && nmt_json_size(sentences) == (size_t)n, "%zu corpora, %zu sentences",
          nmt_json_size(corpora), nmt_json_size(sentences));
    for (size_t s = 0; s < nmt_json_size(sentences); s++) {
        const nmt_json *rec = nmt_json_at(sentences, s);
        const pair *q = find_pair(p, n, nmt_json_str(nmt_json_get(rec, "pair")));
        if (!q) continue;
        char where[128];
        snprintf(where, sizeof where, "pair %s", q->name);
        nmt_metrics m;
        nmt_metrics_init(&m);
        nmt_metrics_add_n(&m, q->hyp, q->hyp_len, q->ref, q->ref_len);
        check_record(&m, rec, where);
    }
    fprintf(stderr, "sacreBLEU %s, %zu corpora and %zu sentences: largest difference %.3g\n",
            nmt_json_str(nmt_json_get(doc, "sacrebleu_version")), nmt_json_size(corpora), nmt_json_size(sentences),
            worst);
done:
    nmt_json_free(doc);
    free(text);
    free(buf);
    free(p);
}

/* ---- properties ------------------------------------------------------------- */

static double bleu_of(const char *const *hyp, const char *const *ref, int n, double *chrf) {
    nmt_metrics m;
    nmt_metrics_init(&m);
    for (int i = 0; i < n; i++) nmt_metrics_add(&m, hyp[i], ref[i]);
    *chrf = nmt_metrics_chrf(&m);
    return nmt_metrics_bleu(&m, NULL);
}

static void test_identical_and_disjoint(void) {
    static const char *const es[] = {"Me gusta el fútbol.", "¿Dónde está el baño?", "Tom no quiere ir a la escuela.",
                                     "Sí", "¡Qué día tan bonito!"};
    static const char *const other[] = {"xyz qwv kk", "zzz", "wxy 7 8", "kk", "qq wv"};
    double chrf, bleu = bleu_of(es, es, 5, &chrf);
    CHECK(fabs(bleu - 100) < 1e-9 && chrf == 100, "identical corpus: BLEU %.17g, chrF %.17g", bleu, chrf);
    bleu = bleu_of(other, es, 5, &chrf);
    CHECK(bleu == 0 && chrf == 0, "disjoint corpus: BLEU %g, chrF %g", bleu, chrf);
    // a corpus in another order scores the same
    static const char *const es_rev[] = {"¡Qué día tan bonito!", "Sí", "Tom no quiere ir a la escuela.",
                                         "¿Dónde está el baño?", "Me gusta el fútbol."};
    static const char *const hyp[] = {"Me gusta fútbol.", "Dónde está baño?", "Tom no quiere ir.", "No",
                                      "¡Qué día!"};
    static const char *const hyp_rev[] = {"¡Qué día!", "No", "Tom no quiere ir.", "Dónde está baño?",
                                          "Me gusta fútbol."};
    double chrf2, bleu2;
    bleu = bleu_of(hyp, es, 5, &chrf);
    bleu2 = bleu_of(hyp_rev, es_rev, 5, &chrf2);
    CHECK(bleu == bleu2 && chrf == chrf2 && bleu > 0 && bleu < 100, "order: BLEU %g vs %g, chrF %g vs %g", bleu,
          bleu2, chrf, chrf2);
}

// worked by hand from the definitions (docs/METRICS.md)
static void test_worked_examples(void) {
    nmt_metrics m;
    nmt_bleu b;
    // precisions 3/4, 2/3, 1/2 and no 4-gram match: exp smoothing makes it 100/(2*1)
    nmt_metrics_init(&m);
    nmt_metrics_add(&m, "a b c d", "a b c e");
    double want = pow(75. * (200. / 3) * 50 * 50, 0.25);
    CHECK_CLOSE(nmt_metrics_bleu(&m, &b), want, 1e-12, 1e-12, "BLEU of 'a b c d' for 'a b c e'");
    CHECK_CLOSE(b.precisions[3], 50, 1e-12, 0, "its smoothed 4-gram precision");
    // two orders without a match: 100/(2*2) and 100/(4*1)
    nmt_metrics_init(&m);
    nmt_metrics_add(&m, "a b x d", "a b c d");
    nmt_metrics_bleu(&m, &b);
    CHECK(b.precisions[2] == 25 && b.precisions[3] == 25, "smoothed precisions %g, %g", b.precisions[2],
          b.precisions[3]);
    // brevity penalty: 2 tokens for 4, exp(1 - 4/2); no 3-gram at all: score 0
    nmt_metrics_init(&m);
    nmt_metrics_add(&m, "a b", "a b c d");
    CHECK(nmt_metrics_bleu(&m, &b) == 0, "a corpus without 3-grams scores 0");
    CHECK_CLOSE(b.bp, exp(-1), 1e-15, 0, "BP of 2 tokens for 4");
    CHECK(b.precisions[0] == 100 && b.precisions[1] == 100 && b.precisions[2] == 0, "precisions of 'a b'");
    // chrF of "ab" for "abc": P = 1, 1 and R = 2/3, 1/2 at orders 1, 2 (order 3 has
    // no hypothesis n-gram); F2 = 5 P R / (4 P + R) with P = 1, R = 7/12: 7/11
    nmt_metrics_init(&m);
    nmt_metrics_add(&m, "a b", "ab c");
    CHECK_CLOSE(nmt_metrics_chrf(&m), 700. / 11, 1e-12, 1e-12, "chrF of 'ab' for 'abc'");
    // 13a: these tokens are "3.5", "1,000", "co-operate", "3", "-", "4", "\"", "&" and "<b>"
    // as "<", "b", ">": 11 tokens
    nmt_metrics_init(&m);
    nmt_metrics_add(&m, "3.5 1,000 co-operate 3-4 &quot; &amp; &lt;b&gt;", "x");
    CHECK(m.hyp_len == 11, "13a: %lld tokens", m.hyp_len);
}

static void test_empty(void) {
    nmt_metrics m;
    nmt_bleu b;
    char text[NMT_METRICS_TEXT_MAX];
    nmt_metrics_init(&m);
    CHECK(nmt_metrics_bleu(&m, &b) == 0 && b.bp == 1 && b.ratio == 0 && nmt_metrics_chrf(&m) == 0,
          "the empty corpus");
    nmt_bleu_text(&b, text);
    CHECK_STR(text, "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)");
    nmt_chrf_text(nmt_metrics_chrf(&m), text);
    CHECK_STR(text, "chrF2 = 0.00");
    nmt_metrics_add(&m, "", "");
    CHECK(nmt_metrics_bleu(&m, &b) == 0 && m.sentences == 1 && m.hyp_len == 0, "an empty pair");
}

// arbitrary bytes (NUL, invalid UTF-8, whitespace) never crash, and a text
// against itself scores 100 whatever it holds
static void test_bytes(void) {
    uint32_t x = 12345;
    char s[4096];
    for (int round = 0; round < 200; round++) {
        size_t len = 1 + (size_t)round * 20;
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            // 1 in 8 a space so that there are words; else any byte
            s[i] = (x >> 16) % 8 == 0 ? ' ' : (char)(unsigned char)(x >> 20);
        }
        nmt_metrics m;
        nmt_metrics_init(&m);
        nmt_metrics_add_n(&m, s, len, s, len);
        nmt_bleu b;
        double bleu = nmt_metrics_bleu(&m, &b), chrf = nmt_metrics_chrf(&m);
        if (m.hyp_len >= NMT_BLEU_ORDER) CHECK(fabs(bleu - 100) < 1e-9, "round %d: BLEU %.17g", round, bleu);
        if (m.chrf_hyp[0] > 0) CHECK(fabs(chrf - 100) < 1e-9, "round %d: chrF %.17g", round, chrf);
        // against a shifted copy: any score, within range
        nmt_metrics_init(&m);
        nmt_metrics_add_n(&m, s + 1, len - 1, s, len);
        bleu = nmt_metrics_bleu(&m, &b), chrf = nmt_metrics_chrf(&m);
        CHECK(bleu >= 0 && bleu <= 100 + 1e-9 && chrf >= 0 && chrf <= 100 + 1e-9, "round %d: %g, %g", round,
              bleu, chrf);
    }
    // a long line of repeated words: clipping counts each reference word once
    size_t n = 200000;
    char *big = nmt_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) big[2 * i] = 'a', big[2 * i + 1] = ' ';
    big[2 * n] = 0;
    nmt_metrics m;
    nmt_metrics_init(&m);
    nmt_metrics_add(&m, big, "a a a");
    CHECK(m.hyp_len == (long long)n && m.correct[0] == 3 && m.correct[3] == 0 && m.total[3] == (long long)n - 3,
          "200000 words: %lld tokens, %lld and %lld matches", m.hyp_len, m.correct[0], m.correct[3]);
    free(big);
}

int main(void) {
    test_sacrebleu();
    test_identical_and_disjoint();
    test_worked_examples();
    test_empty();
    test_bytes();
    return check_exit("test_metrics");
}
