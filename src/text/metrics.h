/* Corpus BLEU and chrF exactly as sacreBLEU 2.x computes them by default
 * (docs/METRICS.md): BLEU with the "13a" tokenizer, n-grams up to 4, "exp"
 * smoothing, case-sensitive, one reference; chrF2 with character n-grams up to
 * 6, no word n-grams, whitespace removed. Both are corpus-level: the sentences'
 * statistics are summed, then the score is computed once.
 *
 *     nmt_metrics m;
 *     nmt_metrics_init(&m);
 *     for (each sentence pair) nmt_metrics_add(&m, hyp, ref);
 *     nmt_bleu b;
 *     double bleu = nmt_metrics_bleu(&m, &b), chrf = nmt_metrics_chrf(&m);
 *
 * Text is UTF-8 and is read as Python reads it, as code points; an invalid byte
 * is one character of its own, as Python's "surrogateescape" decoding makes it
 * (each byte 0xHH of a sequence Python's strict decoder refuses becomes
 * U+DCHH), so invalid input scores as sacreBLEU scores that decoding of it.
 * Whitespace is what Python's str.split() splits on (ASCII, U+0085, U+00A0,
 * U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 and the
 * separators U+001C-U+001F). An empty corpus scores 0 (sacreBLEU refuses it). */
#ifndef NMT_TEXT_METRICS_H
#define NMT_TEXT_METRICS_H
#include <stddef.h>

#define NMT_BLEU_ORDER 4   /* word n-grams 1..4 */
#define NMT_CHRF_ORDER 6   /* character n-grams 1..6 */
#define NMT_CHRF_BETA 2    /* recall weighs beta^2 = 4 times precision */

/* The corpus' sufficient statistics: sums over the sentence pairs added. */
typedef struct {
    long long sentences;
    long long hyp_len, ref_len;              /* BLEU: 13a tokens */
    long long correct[NMT_BLEU_ORDER];       /* BLEU: clipped n-gram matches, n = 1..4 */
    long long total[NMT_BLEU_ORDER];         /* BLEU: hypothesis n-grams */
    long long chrf_hyp[NMT_CHRF_ORDER];      /* chrF: hypothesis n-grams (0 where the reference has none) */
    long long chrf_ref[NMT_CHRF_ORDER];      /* chrF: reference n-grams */
    long long chrf_match[NMT_CHRF_ORDER];    /* chrF: clipped matches */
} nmt_metrics;

/* BLEU and the details sacreBLEU prints beside it. */
typedef struct {
    double score;                        /* 0..100 */
    double precisions[NMT_BLEU_ORDER];   /* percent; exp-smoothed where no n-gram matched */
    double bp;                           /* brevity penalty */
    double ratio;                        /* hyp_len / ref_len, 0 if ref_len is 0 */
    long long hyp_len, ref_len;
} nmt_bleu;

void nmt_metrics_init(nmt_metrics *m);
/* Adds one sentence pair (NUL-terminated). */
void nmt_metrics_add(nmt_metrics *m, const char *hyp, const char *ref);
/* The same with lengths in bytes: NUL bytes are characters like any other. */
void nmt_metrics_add_n(nmt_metrics *m, const char *hyp, size_t hyp_len, const char *ref, size_t ref_len);
/* Corpus BLEU (0..100); fills *detail if not NULL. */
double nmt_metrics_bleu(const nmt_metrics *m, nmt_bleu *detail);
/* Corpus chrF2 (0..100). */
double nmt_metrics_chrf(const nmt_metrics *m);

/* The scores as sacreBLEU's Score.format() writes them:
 *   "BLEU = 29.74 82.1/52.2/31.6/6.7 (BP = 0.965 ratio = 0.966 hyp_len = 28 ref_len = 29)"
 *   "chrF2 = 68.78" */
#define NMT_METRICS_TEXT_MAX 160
void nmt_bleu_text(const nmt_bleu *b, char out[NMT_METRICS_TEXT_MAX]);
void nmt_chrf_text(double chrf, char out[NMT_METRICS_TEXT_MAX]);
#endif
