/* Translation by greedy decoding, carrying the encoder and decoder state: each
 * output token costs one decoder step (linear in the output length, unlike the
 * notebook's re-run of the whole model per word, whose result it reproduces). */
#ifndef NMT_DECODE_DECODE_H
#define NMT_DECODE_DECODE_H
#include "models/model.h"
#include "models/seq2seq.h"

typedef struct {
    const nmt_model *m;
    nmt_ws ws;
    nmt_batch b;
    nmt_packed step;   /* one decoder step for one sentence */
    float *h, *c, *logits;
    char *out;
    size_t out_cap;
} nmt_translator;

void nmt_translator_init(nmt_translator *tr, const nmt_model *m);
void nmt_translator_free(nmt_translator *tr);
/* Translates one English sentence. The result (tokens joined by single spaces,
 * without startofseq/endofseq) stays valid until the next call. A sentence's
 * translation never depends on other sentences translated before or after. */
const char *nmt_translate(nmt_translator *tr, const char *sentence);
#endif
