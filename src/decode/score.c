/* BLEU and chrF of a model's translations (decode.h). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "decode/decode.h"
#include "nmt.h"

/* ref as the target vocabulary writes it into *out (grown): words separated by
 * single spaces, characters by nothing (as nmt_translation joins them). */
static void standardized(const nmt_vocab *v, const char *ref, char **out, size_t *cap) {
    const size_t n = strlen(ref) + 1;   // at most this many words, and bytes
    int32_t *ids = nmt_xcalloc(n, sizeof(int32_t));
    char **words = nmt_xcalloc(n, sizeof(char *));
    const int k = nmt_vectorize_words(v, ref, ids, words, (int)(n < (size_t)1 << 30 ? n : (size_t)1 << 30));
    if (*cap < n + 1) *out = nmt_xrealloc(*out, *cap = n + 1);
    size_t len = 0;
    const int sep = nmt_vocab_split(v) != NMT_SPLIT_CHARACTER;
    for (int i = 0; i < k; i++) {
        const size_t w = strlen(words[i]);
        if (i && sep) (*out)[len++] = ' ';
        memcpy(*out + len, words[i], w);
        len += w;
        free(words[i]);
    }
    (*out)[len] = 0;
    free(words);
    free(ids);
}

void nmt_translate_score(nmt_translator *tr, char *const *en, char *const *es, size_t n, nmt_metrics *acc) {
    char *ref = NULL, *hyp = NULL;
    size_t cap = 0, hcap = 0;
    for (size_t i = 0; i < n; i += (size_t)tr->maxB) {
        const int k = n - i < (size_t)tr->maxB ? (int)(n - i) : tr->maxB;
        nmt_translate_batch(tr, (const char *const *)en + i, k);
        for (int j = 0; j < k; j++) {
            standardized(tr->m->tgt_vocab, es[i + j], &ref, &cap);
            standardized(tr->m->tgt_vocab, nmt_translation(tr, j), &hyp, &hcap);   // [UNK] -> unk
            nmt_metrics_add(acc, hyp, ref);
        }
    }
    free(ref);
    free(hyp);
}
