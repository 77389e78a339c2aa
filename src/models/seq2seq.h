/* The chapter-16 encoder–decoder (basic): forward and backward over a packed
 * batch. Real-generic (float for training, double for gradient checks).
 *
 *   source ids -> Embedding -> LSTM --(h, c at each sentence's last token)--+
 *   decoder-input ids -> Embedding -> LSTM (initial state from the encoder) -> Dense -> logits
 *
 * Loss: per-token sparse cross-entropy from the logits; the caller picks the
 * normalisation through loss_scale (1/real target tokens = Keras >= 2.10). */
#ifndef NMT_MODELS_SEQ2SEQ_H
#define NMT_MODELS_SEQ2SEQ_H
#include <stdint.h>

#include "layers/layers.h"
#include "layers/packed.h"
#include "models/model.h"

/* A batch in packed form: the encoder side sorted by source length, the decoder
 * side by target length (decoder input and target have equal lengths). */
typedef struct {
    int maxB, maxT;
    nmt_packed enc, dec;
    int32_t *enc_ids;    /* (enc.ntok) packed source ids */
    int32_t *dec_ids;    /* (dec.ntok) packed decoder-input ids */
    int32_t *tgt_ids;    /* (dec.ntok) packed target ids */
    int *enc_orig;       /* (B) caller's index of encoder row r */
    int *dec_orig;       /* (B) caller's index of decoder row r */
    int *dec_to_enc;     /* (B) encoder row of decoder row r */
} nmt_batch;

void nmt_batch_alloc(nmt_batch *b, int maxB, int maxT);
void nmt_batch_free(nmt_batch *b);
/* Packs B examples. Example i: source src[i] (slen[i] ids), decoder input din[i]
 * and target tgt[i] (dlen[i] ids each; din/tgt may be NULL for encoder-only use).
 * Lengths must be <= maxT. */
void nmt_batch_build(nmt_batch *b, int B, const int32_t *const *src, const int *slen,
                     const int32_t *const *din, const int32_t *const *tgt, const int *dlen);

#define NMT_T float
#define NMT_FN(name) name
#include "models/seq2seq_gen.h"
#undef NMT_T
#undef NMT_FN
#define NMT_T double
#define NMT_FN(name) name##_f64
#include "models/seq2seq_gen.h"
#undef NMT_T
#undef NMT_FN
#endif
