/* Packing a batch of examples (not precision-specific). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/batch.h"

void nmt_batch_alloc(nmt_batch *b, int maxB, int maxT) {
    memset(b, 0, sizeof *b);
    b->maxB = maxB;
    b->maxT = maxT;
    nmt_packed_alloc(&b->enc, maxB, maxT);
    nmt_packed_alloc(&b->dec, maxB, maxT);
    long n = (long)maxB * maxT + 1;
    b->enc_ids = nmt_xcalloc(n, sizeof(int32_t));
    b->enc_rev = nmt_xcalloc(n, sizeof(int));
    b->dec_ids = nmt_xcalloc(n, sizeof(int32_t));
    b->tgt_ids = nmt_xcalloc(n, sizeof(int32_t));
    b->enc_orig = nmt_xcalloc(maxB + 1, sizeof(int));
    b->dec_orig = nmt_xcalloc(maxB + 1, sizeof(int));
    b->dec_to_enc = nmt_xcalloc(maxB + 1, sizeof(int));
}

void nmt_batch_free(nmt_batch *b) {
    nmt_packed_free(&b->enc);
    nmt_packed_free(&b->dec);
    free(b->enc_ids);
    free(b->enc_rev);
    free(b->dec_ids);
    free(b->tgt_ids);
    free(b->enc_orig);
    free(b->dec_orig);
    free(b->dec_to_enc);
    memset(b, 0, sizeof *b);
}

/* order[0..B) = indices sorted by len descending, ties in index order (stable). */
static void sort_by_length(int *order, const int *len, int B) {
    for (int i = 0; i < B; i++) {
        int k = i;
        while (k > 0 && len[order[k - 1]] < len[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
}

/* Scatters ids of the sorted rows into packed (time-major) order. */
static void pack_ids(int32_t *dst, const nmt_packed *p, const int *orig, const int32_t *const *rows) {
    for (int t = 0; t < p->T; t++)
        for (int r = 0; r < p->bs[t]; r++) dst[p->off[t] + r] = rows[orig[r]][t];
}

/* The decoder side: rows sorted by dlen. */
static void build_dec(nmt_batch *b, int B, const int32_t *const *din, const int32_t *const *tgt, const int *dlen) {
    sort_by_length(b->dec_orig, dlen, B);
    for (int r = 0; r < B; r++) b->dec.len[r] = dlen[b->dec_orig[r]];
    nmt_packed_layout(&b->dec, B);
    pack_ids(b->dec_ids, &b->dec, b->dec_orig, din);
    pack_ids(b->tgt_ids, &b->dec, b->dec_orig, tgt);
}

void nmt_batch_build(nmt_batch *b, int B, const int32_t *const *src, const int *slen,
                     const int32_t *const *din, const int32_t *const *tgt, const int *dlen) {
    if (!src) {   // a language model's batch: the decoder side only
        b->enc.B = b->enc.T = b->enc.ntok = 0;
        build_dec(b, B, din, tgt, dlen);
        for (int r = 0; r < B; r++) b->dec_to_enc[r] = -1;
        return;
    }
    sort_by_length(b->enc_orig, slen, B);
    for (int r = 0; r < B; r++) b->enc.len[r] = slen[b->enc_orig[r]];
    nmt_packed_layout(&b->enc, B);
    pack_ids(b->enc_ids, &b->enc, b->enc_orig, src);
    for (int t = 0; t < b->enc.T; t++)
        for (int r = 0; r < b->enc.bs[t]; r++) b->enc_rev[b->enc.off[t] + r] = b->enc.off[b->enc.len[r] - 1 - t] + r;
    if (!din) {
        b->dec.B = b->dec.T = b->dec.ntok = 0;
        return;
    }
    build_dec(b, B, din, tgt, dlen);
    // inverse of enc_orig, then decoder row -> encoder row
    int inv[b->maxB > 0 ? b->maxB : 1];
    for (int r = 0; r < B; r++) inv[b->enc_orig[r]] = r;
    for (int r = 0; r < B; r++) b->dec_to_enc[r] = inv[b->dec_orig[r]];
}
