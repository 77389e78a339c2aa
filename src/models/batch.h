/* A batch of translation examples in packed form (layers/packed.h): the
 * encoder side sorted by source length, the decoder side by target length
 * (decoder input and target have equal lengths). Not precision-specific. */
#ifndef NMT_MODELS_BATCH_H
#define NMT_MODELS_BATCH_H
#include <stdint.h>

#include "layers/packed.h"

typedef struct {
    int maxB, maxT;
    nmt_packed enc, dec;
    int32_t *enc_ids;    /* (enc.ntok) packed source ids */
    int *enc_rev;        /* (enc.ntok) packed row of the same row's token len-1-t: step t of the
                            reversed sequences (a backward RNN) is packed row k, reading the
                            token at packed row enc_rev[k]; the layout (bs, off) is enc's */
    int32_t *dec_ids;    /* (dec.ntok) packed decoder-input ids */
    int32_t *tgt_ids;    /* (dec.ntok) packed target ids */
    int *enc_orig;       /* (B) caller's index of encoder row r */
    int *dec_orig;       /* (B) caller's index of decoder row r */
    int *dec_to_enc;     /* (B) encoder row of decoder row r (-1: no encoder side) */
} nmt_batch;

void nmt_batch_alloc(nmt_batch *b, int maxB, int maxT);
void nmt_batch_free(nmt_batch *b);
/* Packs B examples. Example i: source src[i] (slen[i] ids), decoder input din[i]
 * and target tgt[i] (dlen[i] ids each; din/tgt may be NULL for encoder-only use).
 * Lengths must be <= maxT. src NULL (a language model): no encoder side
 * (enc empty, dec_to_enc -1). */
void nmt_batch_build(nmt_batch *b, int B, const int32_t *const *src, const int *slen,
                     const int32_t *const *din, const int32_t *const *tgt, const int *dlen);
#endif
