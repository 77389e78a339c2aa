/* Packed variable-length batches (no arithmetic on padding).
 *
 * The B sequences of a batch are sorted by length, longest first (ties keep
 * their original order). Step t then involves exactly the first bs[t] rows, and
 * their tokens are stored contiguously, time-major:
 *
 *   packed row of (sequence b, step t) = off[t] + b,   valid iff b < bs[t]
 *
 * so every per-step operation works on one contiguous block of bs[t] rows, and
 * per-token operations (input projections, output layer, loss) run once over
 * all ntok rows. Keras mask semantics follow: a sequence's state stops changing
 * after its last real token, and padded positions contribute nothing. */
#ifndef NMT_LAYERS_PACKED_H
#define NMT_LAYERS_PACKED_H

typedef struct {
    int B;      /* sequences */
    int T;      /* steps: the longest length (0 if all are empty) */
    int ntok;   /* real tokens in all */
    int *len;   /* (B) length of sorted sequence b, non-increasing */
    int *bs;    /* (T) sequences active at step t, non-increasing */
    int *off;   /* (T+1) first packed row of step t; off[T] == ntok */
} nmt_packed;

/* Allocates room for up to maxB sequences of up to maxT steps. */
void nmt_packed_alloc(nmt_packed *p, int maxB, int maxT);
void nmt_packed_free(nmt_packed *p);
/* Fills bs/off/T/ntok from len[0..B) (which must be non-increasing). */
void nmt_packed_layout(nmt_packed *p, int B);
#endif
