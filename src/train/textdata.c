/* A language model's data: the book's char-RNN windows (ch16 §1.1, §1.3). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/train.h"

long nmt_text_ids(const nmt_vocab *v, const char *text, size_t len, int32_t *ids) {
    size_t n = nmt_vectorize_chars(v, text, len, ids, len);
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 2)   // [UNK]: not a character of the vocabulary
            return nmt_error("character %zu of the text is not in the model's vocabulary of %d characters", i + 1,
                             nmt_vocab_size(v) - 2);
        ids[i] -= 2;   // model ids: the book's ids - 2 (no padding, no unknown)
    }
    return (long)n;
}

/* Examples over ids[0..n): windows of w inputs (w + 1 characters). */
static void windows(nmt_examples *ex, const int32_t *ids, size_t n, int w, int streams) {
    memset(ex, 0, sizeof *ex);
    ex->lm = 1;
    ex->ids = nmt_xmalloc(sizeof(int32_t) * (n + 1));
    memcpy(ex->ids, ids, sizeof(int32_t) * n);
    size_t count = 0;
    if (!streams) {
        count = n > (size_t)w ? n - w : 0;   // shift 1, drop the remainder
    } else {
        // np.array_split: part k has n / S characters, the first n % S one more; the
        // shortest part sets the number of its non-overlapping windows (shift w)
        const size_t S = (size_t)streams, shortest = n / S;
        count = shortest >= (size_t)w + 1 ? (shortest - 1) / w * S : 0;
    }
    ex->n = count;
    ex->tgt_off = nmt_xmalloc(sizeof(size_t) * (count + 1));
    ex->tgt_len = nmt_xmalloc(sizeof(int) * (count + 1));
    for (size_t i = 0; i < count; i++) {
        ex->tgt_len[i] = w;
        if (!streams) {
            ex->tgt_off[i] = i;
        } else {   // example j * S + k: window j of part k
            const size_t S = (size_t)streams, k = i % S, j = i / S;
            const size_t start = k * (n / S) + (k < n % S ? k : n % S);
            ex->tgt_off[i] = start + j * (size_t)w;
        }
    }
}

int nmt_text_data_build(nmt_data *d, const nmt_model *m, const char *text, size_t len, const char *path,
                        size_t n_train, size_t n_valid, int streams) {
    memset(d, 0, sizeof *d);
    const int w = m->cfg.max_length;
    int32_t *ids = nmt_xmalloc(sizeof(int32_t) * (len + 1));
    long n = nmt_text_ids(m->tgt_vocab, text, len, ids);
    if (n < 0) {
        free(ids);
        return nmt_error_prefix("%s", path);
    }
    if (n_train == 0 && n_valid == 0) {   // the book's split, or its fractions of a shorter text
        const size_t book_total = 1115394;   // tiny Shakespeare's characters
        if ((size_t)n > NMT_CHAR_N_TRAIN + NMT_CHAR_N_VALID) {
            n_train = NMT_CHAR_N_TRAIN, n_valid = NMT_CHAR_N_VALID;
        } else {
            n_train = (size_t)((double)n * NMT_CHAR_N_TRAIN / book_total);
            n_valid = (size_t)((double)n * NMT_CHAR_N_VALID / book_total);
        }
    }
    if (n_train + n_valid > (size_t)n) {
        free(ids);
        return nmt_error("%s: the text has %ld characters, fewer than %zu training and %zu validation ones", path, n,
                         n_train, n_valid);
    }
    windows(&d->train, ids, n_train, w, streams);
    windows(&d->valid, ids + n_train, n_valid, w, streams);
    free(ids);
    if (d->train.n == 0)
        return nmt_error("%s: %zu training characters make no window of %d + 1%s", path, n_train, w,
                         streams ? " in each stream" : "");
    return 0;
}
