/* Translation through the model interface (models/arch.h): the
 * architecture's encode, then one decode_step per output token for every
 * unfinished hypothesis, each carrying its own decoder state (linear in the
 * output length, unlike the notebook's re-run of the whole model per word,
 * whose results it reproduces). Greedy decoding (translate.c) or beam search
 * (beam.c). decode_step is the very code of the training forward pass, and
 * every product in it goes through the pre-packed weight kernel
 * (kernels/gemm_packed.h), where each output element is one FMA chain
 * whatever the other rows: a sentence's results (tokens and scores) are
 * bit-for-bit the same alone or in any batch. */
#ifndef NMT_DECODE_DECODE_H
#define NMT_DECODE_DECODE_H
#include "models/arch.h"
#include "models/model.h"
#include "text/metrics.h"

#define NMT_TRANSLATE_MAX_BATCH 64
#define NMT_BEAM_MAX 64

/* How to decode (nmt translate's --beam, --length-penalty, --n-best). */
typedef struct {
    int beam;               /* hypotheses kept per sentence; 1 = greedy decoding */
    double length_penalty;  /* A: hypotheses are ranked by score / length^A; 0 = the notebook's */
    int n_best;             /* results kept per sentence (1..beam) */
    int scores;             /* with a beam of 1 too: the results' scores (nmt_translation_nbest) */
} nmt_decode_opts;

/* One hypothesis of a beam (decode/beam.c). */
typedef struct {
    double score;   /* sum of the log-probabilities of its tokens (endofseq included) */
    double rank;    /* score / len^A: what the beam sorts by */
    int len;        /* tokens scored */
    int row;        /* its row in the next decoder step; -1: finished */
} nmt_hyp;

typedef struct {
    const nmt_model *m;
    nmt_decode_opts opt;
    int maxB, S;                                  /* sentences per batch, state values per sentence */
    nmt_ws ws;                                    /* inference workspace, weights held */
    nmt_batch b;                                  /* encoder side of a batch */
    int32_t *src;                                 /* (maxB, L) vectorized sentences */
    int *slen;
    float *state0, *state, *state2, *logits;      /* (B,S) (H,S) (H,S) (H,V); H = maxB * beam */
    int32_t *prev;                                /* (H) last token of each active row */
    int *row;                                     /* (H) encoder row of each active row */
    int32_t *ids;                                 /* (maxB * n_best, L) output token ids */
    int *nids;                                    /* (maxB * n_best) their counts */
    double *score;                                /* (maxB * n_best) their scores */
    int *nfound;                                  /* (maxB) results of each sentence (<= n_best) */
    char **out;                                   /* (maxB * n_best) results */
    size_t *out_len, *out_cap;
    /* beam search (beam.c): each sentence's beam, and the next one */
    nmt_hyp *hyp, *hyp2;                          /* (maxB, beam) */
    int32_t *htok, *htok2;                        /* (maxB, beam, L) their tokens */
    int *nhyp;                                    /* (maxB) hypotheses in each beam */
    float *lse;                                   /* (H) log-sum-exp of each row's logits */
    int32_t *tf_ids;                              /* (2 L) teacher forcing (nmt_translation_attention) */
} nmt_translator;

/* maxB: sentences per batch (1..NMT_TRANSLATE_MAX_BATCH; 0 = the maximum).
 * opt: NULL for greedy decoding. -1 with a message if the model's
 * architecture cannot be run or opt is out of range. */
int nmt_translator_init(nmt_translator *tr, const nmt_model *m, int maxB, const nmt_decode_opts *opt);
void nmt_translator_free(nmt_translator *tr);
/* Translates n (<= maxB) sentences; nmt_translation(tr, i) gives the i-th result
 * (tokens joined by single spaces, those of a character vocabulary by
 * nothing; without startofseq/endofseq), valid until the next call. */
void nmt_translate_batch(nmt_translator *tr, const char *const *sentences, int n);
const char *nmt_translation(const nmt_translator *tr, int i);
/* The same result as target token ids (*n of them, endofseq excluded). */
const int32_t *nmt_translation_ids(const nmt_translator *tr, int i, int *n);
/* The k-th best (k < n_best) of sentence i and its score (*score: what the
 * beam ranks by: sum of log-probabilities / length^A; NAN after greedy
 * decoding without opt.scores); NULL if the search found fewer (a tiny model
 * can have fewer possible outputs than n_best). */
const char *nmt_translation_nbest(const nmt_translator *tr, int i, int k, double *score);
const int32_t *nmt_translation_nbest_ids(const nmt_translator *tr, int i, int k, int *n);
/* The attention weights behind result k of sentence i of the last batch:
 * its teacher-forced forward pass (which computes what decoding computed),
 * as a malloc'd (*n_out, *n_src) array: row j is output token j (endofseq
 * included when the result has it) over the source tokens. *src_ids and
 * *out_ids (valid until the next call) give the tokens. NULL with a message
 * if the architecture has no attention. */
float *nmt_translation_attention(nmt_translator *tr, int i, int k, const int32_t **src_ids, int *n_src,
                                 const int32_t **out_ids, int *n_out);
/* One sentence (a batch of one). */
const char *nmt_translate(nmt_translator *tr, const char *sentence);

/* Translates en[0..n) (in batches of maxB) and adds each translation to acc
 * against es[i], both as the target vocabulary standardizes text: its strip
 * characters deleted, ASCII lower-cased, punctuation removed, words separated
 * by single spaces (the reference in the only form a translation can take; the
 * translation's [UNK] becomes the one word "unk", which matches nothing real);
 * with a character vocabulary, ASCII lower-cased characters, not separated. */
void nmt_translate_score(nmt_translator *tr, char *const *en, char *const *es, size_t n, nmt_metrics *acc);

/* Internal: the search of nmt_translate_batch after the encode (greedy.c,
 * beam.c). nmt_translate_batch runs greedy for a beam of 1 without scores; the
 * beam search with a beam of 1 gives the same tokens (tests/test_beam.c checks it). */
void nmt_decode_greedy(nmt_translator *tr, int n);
void nmt_decode_beam(nmt_translator *tr, int n);
void nmt_translate_encode(nmt_translator *tr, const char *const *sentences, int n);
/* Appends token id to result k (sentence k / n_best, rank k % n_best). */
void nmt_translation_append(nmt_translator *tr, long k, int id);

/* ---- text generation (generate.c): a language model's architecture ------
 * The prompt's characters are fed one decode_step each from the zero state,
 * then each new character is drawn from softmax(logits / temperature) (=
 * softmax(log p / T), the book's next_char) with nmt's MT19937 seeded by
 * `seed`, printed, and fed back: one step per character, the state carried
 * (the book re-runs the whole text for every character). The same model,
 * prompt and seed give the same bytes on any machine with the same float
 * arithmetic (the draw compares a 53-bit uniform with the cumulative
 * probabilities summed in id order). temperature 0: the most probable
 * character (the first on ties), no draw. */
typedef struct {
    long length;          /* characters to generate */
    double temperature;   /* >= 0 */
    uint32_t seed;
} nmt_generate_opts;
/* emit(text, n, ctx) receives the prompt as given, then each generated
 * character as it is drawn. -1 with a message if the model is not a language
 * model or the prompt has a character its vocabulary lacks. */
int nmt_generate(const nmt_model *m, const char *prompt, const nmt_generate_opts *o,
                 void (*emit)(const char *text, size_t n, void *ctx), void *ctx);
#endif
