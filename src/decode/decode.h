/* Translation by greedy decoding through the model interface (models/arch.h):
 * the architecture's encode, then one decode_step per output token for every
 * unfinished sentence, carrying each sentence's decoder state (linear in the
 * output length, unlike the notebook's re-run of the whole model per word,
 * whose result it reproduces). decode_step is the very code of the training
 * forward pass, and every product in it goes through the pre-packed weight
 * kernel (kernels/gemm_packed.h), where each output element is one FMA chain
 * whatever the other rows: a sentence's translation is bit-for-bit the same
 * alone or in any batch. */
#ifndef NMT_DECODE_DECODE_H
#define NMT_DECODE_DECODE_H
#include "models/arch.h"
#include "models/model.h"

#define NMT_TRANSLATE_MAX_BATCH 64

typedef struct {
    const nmt_model *m;
    int maxB, S;                                  /* sentences per batch, state values per sentence */
    nmt_ws ws;                                    /* inference workspace, weights held */
    nmt_batch b;                                  /* encoder side of a batch */
    int32_t *src;                                 /* (maxB, L) vectorized sentences */
    int *slen;
    float *state0, *state, *state2, *logits;      /* (B,S) (B,S) (B,S) (B,V) */
    int32_t *prev;                                /* (B) last token of each active row */
    int *row;                                     /* (B) encoder row of each active row */
    int32_t *ids;                                 /* (maxB, L) output token ids */
    int *nids;                                    /* (maxB) their counts */
    char **out;                                   /* (maxB) results */
    size_t *out_len, *out_cap;
} nmt_translator;

/* maxB: sentences per batch (1..NMT_TRANSLATE_MAX_BATCH; 0 = the maximum).
 * -1 with a message if the model's architecture cannot be run. */
int nmt_translator_init(nmt_translator *tr, const nmt_model *m, int maxB);
void nmt_translator_free(nmt_translator *tr);
/* Translates n (<= maxB) sentences; nmt_translation(tr, i) gives the i-th result
 * (tokens joined by single spaces, without startofseq/endofseq), valid until
 * the next call. */
void nmt_translate_batch(nmt_translator *tr, const char *const *sentences, int n);
const char *nmt_translation(const nmt_translator *tr, int i);
/* The same result as target token ids (*n of them, endofseq excluded). */
const int32_t *nmt_translation_ids(const nmt_translator *tr, int i, int *n);
/* One sentence (a batch of one). */
const char *nmt_translate(nmt_translator *tr, const char *sentence);
#endif
