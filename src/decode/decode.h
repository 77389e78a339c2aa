/* Translation by greedy decoding, carrying the encoder and decoder state: each
 * output token costs one decoder step (linear in the output length, unlike the
 * notebook's re-run of the whole model per word, whose result it reproduces).
 *
 * Sentences are translated in batches: the encoder runs over a packed batch and
 * the decoder steps all unfinished sentences together. Every product goes
 * through the pre-packed weight kernel (kernels/gemm_packed.h), where each
 * output element is one FMA chain whatever the other rows, so a sentence's
 * translation is bit-for-bit the same alone or in any batch. */
#ifndef NMT_DECODE_DECODE_H
#define NMT_DECODE_DECODE_H
#include "kernels/gemm_packed.h"
#include "models/model.h"
#include "models/seq2seq.h"

#define NMT_TRANSLATE_MAX_BATCH 64

typedef struct {
    const nmt_model *m;
    int maxB;
    nmt_pmat enc_W, enc_U, dec_W, dec_U, out_W;   /* weights packed once */
    nmt_batch b;                                  /* encoder side of a batch */
    int32_t *src;                                 /* (maxB, L) vectorized sentences */
    int *slen;
    float *x, *z, *eh, *ec;                       /* encoder: (n,E) (n,4u) (n,u) (n,u) */
    float *h, *c, *h2, *c2, *logits;              /* decoder: (B,u) x4, (B,V) */
    int32_t *prev;                                /* (B) last token of each active row */
    int *sent;                                    /* (B) sentence of each active row */
    char **out;                                   /* (maxB) results */
    size_t *out_len, *out_cap;
} nmt_translator;

/* maxB: sentences per batch (1..NMT_TRANSLATE_MAX_BATCH; 0 = the maximum). */
void nmt_translator_init(nmt_translator *tr, const nmt_model *m, int maxB);
void nmt_translator_free(nmt_translator *tr);
/* Translates n (<= maxB) sentences; nmt_translation(tr, i) gives the i-th result
 * (tokens joined by single spaces, without startofseq/endofseq), valid until
 * the next call. */
void nmt_translate_batch(nmt_translator *tr, const char *const *sentences, int n);
const char *nmt_translation(const nmt_translator *tr, int i);
/* One sentence (a batch of one). */
const char *nmt_translate(nmt_translator *tr, const char *sentence);
#endif
