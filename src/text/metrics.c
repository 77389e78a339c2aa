/* BLEU and chrF as sacreBLEU 2.x computes them by default (metrics.h,
 * docs/METRICS.md). Each sentence is first decoded into code points, as Python
 * holds a str, so that every rule below reads as it does in sacreBLEU: the 13a
 * tokenizer's replacements and regular expressions, str.split(), and n-grams of
 * words or characters counted with clipping. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "text/metrics.h"
#include "text/text.h"

/* ---- text as code points ------------------------------------------------- */

// a growable string of code points
typedef struct {
    uint32_t *c;
    size_t n, cap;
} ustr;

static void us_push(ustr *s, uint32_t c) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->c = nmt_xrealloc(s->c, s->cap * sizeof *s->c);
    }
    s->c[s->n++] = c;
}

// Python's str.isspace(): what str.split() splits on and str.rstrip() removes
static int is_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

// out = text[0..len) as bytes.decode("utf-8", "surrogateescape") gives it: a
// byte 0xHH that starts no valid character is the one character U+DCHH
static void decode(ustr *out, const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    out->n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = nmt_utf8_char_len(s, i, len);
        if (k == 0) {
            us_push(out, 0xDC00u + s[i++]);
            continue;
        }
        uint32_t c = k == 1 ? s[i] : s[i] & (0x7Fu >> k);   // the lead byte's payload bits
        for (size_t j = 1; j < k; j++) c = c << 6 | (s[i + j] & 0x3Fu);
        us_push(out, c);
        i += k;
    }
}

/* ---- the 13a tokenizer ---------------------------------------------------- */

// out = in.replace(from, to): occurrences of the ASCII string `from` found left
// to right without overlaps
static void replace_all(ustr *out, const ustr *in, const char *from, const char *to) {
    const size_t m = strlen(from);
    out->n = 0;
    for (size_t i = 0; i < in->n;) {
        size_t k = 0;
        while (k < m && i + k < in->n && in->c[i + k] == (unsigned char)from[k]) k++;
        if (k < m) {
            us_push(out, in->c[i++]);
            continue;
        }
        for (const char *t = to; *t; t++) us_push(out, (unsigned char)*t);
        i += m;
    }
}

// the characters 13a puts between spaces, the class [\{-\~\[-\` -\&\(-\+\:-\@\/]:
// ASCII punctuation but ' , - . (and the space, which changes nothing)
static int is_13a_symbol(uint32_t c) {
    return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
           (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

// 13a's three rules on two characters, each a re.sub over the whole line
typedef enum {
    NONDIGIT_PERIOD,   // ([^0-9])([\.,]) -> "\1 \2 ": a period or comma after a non-digit
    PERIOD_NONDIGIT,   // ([\.,])([^0-9]) -> " \1 \2": a period or comma before a non-digit
    DIGIT_DASH,        // ([0-9])(-)      -> "\1 \2 ": a dash after a digit
} pair_rule;

static int rule_matches(pair_rule r, uint32_t a, uint32_t b) {
    if (r == NONDIGIT_PERIOD) return !is_digit(a) && (b == '.' || b == ',');
    if (r == PERIOD_NONDIGIT) return (a == '.' || a == ',') && !is_digit(b);
    return is_digit(a) && b == '-';
}

// out = in with rule r applied as re.sub applies it: matches are found left to
// right, and a match's two characters are not looked at again
static void apply_rule(ustr *out, const ustr *in, pair_rule r) {
    out->n = 0;
    for (size_t i = 0; i < in->n;) {
        if (i + 1 == in->n || !rule_matches(r, in->c[i], in->c[i + 1])) {
            us_push(out, in->c[i++]);
            continue;
        }
        if (r == PERIOD_NONDIGIT) us_push(out, ' ');
        us_push(out, in->c[i]);
        us_push(out, ' ');
        us_push(out, in->c[i + 1]);
        if (r != PERIOD_NONDIGIT) us_push(out, ' ');
        i += 2;
    }
}

// the line as BLEU's 13a tokenizer leaves it, before the final split: rstrip(),
// the language-independent replacements, then the punctuation rules. a and b
// are work buffers; returns the one holding the result
static ustr *tokenize_13a(ustr *a, ustr *b, const char *text, size_t len) {
    static const char *const replace[][2] = {
        {"<skipped>", ""}, {"-\n", ""}, {"\n", " "},                          // mteval's line handling
        {"&quot;", "\""}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"},      // these four entities, in this order
    };
    decode(a, text, len);
    while (a->n && is_space(a->c[a->n - 1])) a->n--;
    for (size_t i = 0; i < sizeof replace / sizeof *replace; i++) {
        replace_all(b, a, replace[i][0], replace[i][1]);
        ustr *t = a;
        a = b, b = t;
    }
    // " " + line + " " with every symbol between spaces
    b->n = 0;
    us_push(b, ' ');
    for (size_t i = 0; i < a->n; i++) {
        const int sym = is_13a_symbol(a->c[i]);
        if (sym) us_push(b, ' ');
        us_push(b, a->c[i]);
        if (sym) us_push(b, ' ');
    }
    us_push(b, ' ');
    apply_rule(a, b, NONDIGIT_PERIOD);
    apply_rule(b, a, PERIOD_NONDIGIT);
    apply_rule(a, b, DIGIT_DASH);
    return a;
}

/* ---- n-grams ------------------------------------------------------------ */

// n items (the words of a line, or its characters without whitespace); item k
// is text[beg[k]..end[k]). Words are joined by one space, characters by
// nothing, so an n-gram k..k+n-1 is the span text[beg[k]..end[k+n-1]) and two
// n-grams of the same order are equal exactly when their spans are
typedef struct {
    ustr text;
    size_t *beg, *end;
    size_t n, cap;
} items;

static void items_push(items *it, size_t beg, size_t end) {
    if (it->n == it->cap) {
        it->cap = it->cap ? 2 * it->cap : 64;
        it->beg = nmt_xrealloc(it->beg, it->cap * sizeof *it->beg);
        it->end = nmt_xrealloc(it->end, it->cap * sizeof *it->end);
    }
    it->beg[it->n] = beg, it->end[it->n] = end;
    it->n++;
}

// it = the words of `in` (str.split()), or with chars set the characters of
// those words (''.join(in.split()))
static void split_items(items *it, const ustr *in, int chars) {
    it->n = it->text.n = 0;
    for (size_t i = 0; i < in->n;) {
        if (is_space(in->c[i])) {
            i++;
            continue;
        }
        if (!chars && it->n) us_push(&it->text, ' ');
        const size_t beg = it->text.n;
        for (; i < in->n && !is_space(in->c[i]); i++) {
            if (chars) items_push(it, it->text.n, it->text.n + 1);
            us_push(&it->text, in->c[i]);
        }
        if (!chars) items_push(it, beg, it->text.n);
    }
}

static void items_free(items *it) {
    free(it->text.c);
    free(it->beg);
    free(it->end);
}

// number of n-grams of it
static size_t ngrams(const items *it, int n) { return it->n >= (size_t)n ? it->n - (size_t)n + 1 : 0; }

// FNV-1a over the code points of the n-gram at k
static uint64_t ngram_hash(const items *it, size_t k, int n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = it->beg[k]; i < it->end[k + n - 1]; i++) h = (h ^ it->text.c[i]) * 1099511628211ull;
    return h ^ h >> 29;
}

static int ngram_equal(const items *a, size_t i, const items *b, size_t j, int n) {
    const size_t la = a->end[i + n - 1] - a->beg[i], lb = b->end[j + n - 1] - b->beg[j];
    return la == lb && memcmp(a->text.c + a->beg[i], b->text.c + b->beg[j], la * sizeof(uint32_t)) == 0;
}

// the n-gram matches of hyp in ref, clipped: the sum over distinct n-grams of
// min(count in hyp, count in ref). Each hypothesis n-gram takes one of the
// reference's unused occurrences, if one is left.
static long long clipped_matches(const items *hyp, const items *ref, int n) {
    const size_t nr = ngrams(ref, n), nh = ngrams(hyp, n);
    if (nr == 0 || nh == 0) return 0;
    size_t cap = 16;
    while (cap < 2 * nr) cap *= 2;
    // open addressing: first[s] = 1 + where the slot's n-gram first occurs in ref, 0 = empty
    size_t *first = nmt_xcalloc(cap, sizeof *first);
    long long *unused = nmt_xcalloc(cap, sizeof *unused);
    for (size_t k = 0; k < nr; k++) {
        size_t s = ngram_hash(ref, k, n) & (cap - 1);
        while (first[s] && !ngram_equal(ref, first[s] - 1, ref, k, n)) s = (s + 1) & (cap - 1);
        if (!first[s]) first[s] = k + 1;
        unused[s]++;
    }
    long long matches = 0;
    for (size_t k = 0; k < nh; k++) {
        size_t s = ngram_hash(hyp, k, n) & (cap - 1);
        while (first[s] && !ngram_equal(ref, first[s] - 1, hyp, k, n)) s = (s + 1) & (cap - 1);
        if (first[s] && unused[s] > 0) unused[s]--, matches++;
    }
    free(first);
    free(unused);
    return matches;
}

/* ---- statistics ------------------------------------------------------------ */

void nmt_metrics_init(nmt_metrics *m) { memset(m, 0, sizeof *m); }

void nmt_metrics_add(nmt_metrics *m, const char *hyp, const char *ref) {
    nmt_metrics_add_n(m, hyp, strlen(hyp), ref, strlen(ref));
}

void nmt_metrics_add_n(nmt_metrics *m, const char *hyp, size_t hyp_len, const char *ref, size_t ref_len) {
    ustr a = {0}, b = {0};
    items h = {0}, r = {0};
    m->sentences++;

    // BLEU: 13a words, n-grams of 1..4 words
    split_items(&h, tokenize_13a(&a, &b, hyp, hyp_len), 0);
    split_items(&r, tokenize_13a(&a, &b, ref, ref_len), 0);
    m->hyp_len += (long long)h.n;
    m->ref_len += (long long)r.n;
    for (int n = 1; n <= NMT_BLEU_ORDER; n++) {
        m->total[n - 1] += (long long)ngrams(&h, n);
        m->correct[n - 1] += clipped_matches(&h, &r, n);
    }

    // chrF: the characters but whitespace, n-grams of 1..6 characters; an order
    // the reference is too short for counts no hypothesis n-grams (sacreBLEU's
    // "don't count hits if no reference exists for that n-gram")
    decode(&a, hyp, hyp_len);
    split_items(&h, &a, 1);
    decode(&a, ref, ref_len);
    split_items(&r, &a, 1);
    for (int n = 1; n <= NMT_CHRF_ORDER; n++) {
        const size_t nr = ngrams(&r, n);
        m->chrf_hyp[n - 1] += nr ? (long long)ngrams(&h, n) : 0;
        m->chrf_ref[n - 1] += (long long)nr;
        m->chrf_match[n - 1] += clipped_matches(&h, &r, n);
    }
    free(a.c);
    free(b.c);
    items_free(&h);
    items_free(&r);
}

/* ---- scores ---------------------------------------------------------------- */

double nmt_metrics_bleu(const nmt_metrics *m, nmt_bleu *detail) {
    nmt_bleu d = {.score = 0, .bp = 1, .hyp_len = m->hyp_len, .ref_len = m->ref_len};
    d.ratio = m->ref_len ? (double)m->hyp_len / (double)m->ref_len : 0;
    // brevity penalty: exp(1 - r/c) for a corpus shorter than its references
    if (m->hyp_len < m->ref_len) d.bp = m->hyp_len > 0 ? exp(1 - (double)m->ref_len / (double)m->hyp_len) : 0;
    int any = 0;
    for (int n = 0; n < NMT_BLEU_ORDER; n++) any |= m->correct[n] != 0;
    if (any) {
        // precisions up to the first order without hypothesis n-grams (the rest stay 0);
        // "exp" smoothing: the k-th order without a match gets 100 / (2^k total)
        double smooth = 1, log_sum = 0;
        for (int n = 0; n < NMT_BLEU_ORDER && m->total[n] > 0; n++) {
            if (m->correct[n] == 0) {
                smooth *= 2;
                d.precisions[n] = 100. / (smooth * (double)m->total[n]);
            } else {
                d.precisions[n] = 100. * (double)m->correct[n] / (double)m->total[n];
            }
        }
        // geometric mean; sacreBLEU's log of a zero precision is -9999999999, so the score is 0
        for (int n = 0; n < NMT_BLEU_ORDER; n++)
            log_sum += d.precisions[n] > 0 ? log(d.precisions[n]) : -9999999999.;
        d.score = d.bp * exp(log_sum / NMT_BLEU_ORDER);
    }
    if (detail) *detail = d;
    return d.score;
}

double nmt_metrics_chrf(const nmt_metrics *m) {
    // precision and recall averaged over the orders that both sides have n-grams
    // of (sacreBLEU's default, eps_smoothing=False), then their F-beta score
    const double factor = NMT_CHRF_BETA * NMT_CHRF_BETA;
    double prec = 0, rec = 0;
    int orders = 0;
    for (int n = 0; n < NMT_CHRF_ORDER; n++) {
        if (m->chrf_hyp[n] <= 0 || m->chrf_ref[n] <= 0) continue;
        prec += (double)m->chrf_match[n] / (double)m->chrf_hyp[n];
        rec += (double)m->chrf_match[n] / (double)m->chrf_ref[n];
        orders++;
    }
    if (orders == 0) return 0;
    prec /= orders;
    rec /= orders;
    if (prec + rec == 0) return 0;
    return 100 * ((1 + factor) * prec * rec / (factor * prec + rec));
}

void nmt_bleu_text(const nmt_bleu *b, char out[NMT_METRICS_TEXT_MAX]) {
    snprintf(out, NMT_METRICS_TEXT_MAX,
             "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)", b->score,
             b->precisions[0], b->precisions[1], b->precisions[2], b->precisions[3], b->bp, b->ratio, b->hyp_len,
             b->ref_len);
}

void nmt_chrf_text(double chrf, char out[NMT_METRICS_TEXT_MAX]) {
    snprintf(out, NMT_METRICS_TEXT_MAX, "chrF%d = %.2f", NMT_CHRF_BETA, chrf);
}
