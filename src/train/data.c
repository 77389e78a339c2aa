/* The book's data recipe (ch16-reference.md §1.5). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/train.h"

int nmt_examples_build(nmt_examples *ex, const nmt_model *m, char *const *en, char *const *es, size_t n) {
    const int L = m->cfg.max_length;
    memset(ex, 0, sizeof *ex);
    int sos = nmt_vocab_id(m->tgt_vocab, "startofseq", 10);
    int eos = nmt_vocab_id(m->tgt_vocab, "endofseq", 8);
    if (sos < 2 || eos < 2) return nmt_error("target vocabulary lacks startofseq/endofseq");
    ex->n = n;
    ex->ids = nmt_xmalloc(sizeof(int32_t) * (n * (size_t)3 * L + 1));
    ex->src_off = nmt_xmalloc(sizeof(size_t) * (n + 1));
    ex->tgt_off = nmt_xmalloc(sizeof(size_t) * (n + 1));
    ex->src_len = nmt_xmalloc(sizeof(int) * (n + 1));
    ex->tgt_len = nmt_xmalloc(sizeof(int) * (n + 1));
    int32_t *toks = nmt_xmalloc(sizeof(int32_t) * (L + 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        ex->src_off[i] = k;
        ex->src_len[i] = nmt_vectorize(m->src_vocab, en[i], ex->ids + k, L);
        k += ex->src_len[i];
        int nt = nmt_vectorize(m->tgt_vocab, es[i], toks, L);
        int len = nt + 1 < L ? nt + 1 : L;
        ex->tgt_off[i] = k;
        ex->tgt_len[i] = len;
        int32_t *din = ex->ids + k, *tgt = din + len;
        din[0] = sos;
        for (int j = 1; j < len; j++) din[j] = toks[j - 1];
        for (int j = 0; j < len; j++) tgt[j] = j < nt ? toks[j] : eos;
        k += 2 * (size_t)len;
    }
    free(toks);
    return 0;
}

void nmt_examples_free(nmt_examples *ex) {
    free(ex->ids);
    free(ex->src_off);
    free(ex->tgt_off);
    free(ex->src_len);
    free(ex->tgt_len);
    memset(ex, 0, sizeof *ex);
}

int nmt_data_load(nmt_data *d, nmt_model *m, const char *path, uint32_t shuffle_seed, size_t n_train,
                  int adapt_vocab, const char *strip, int strict) {
    memset(d, 0, sizeof *d);
    if (!strip) strip = adapt_vocab || !m->src_vocab ? "" : nmt_vocab_strip_chars(m->src_vocab);
    if (nmt_strip_chars_check(strip, "characters to delete")) return -1;
    if (nmt_corpus_read(&d->corpus, path, strip, strict)) return -1;
    nmt_corpus_shuffle(&d->corpus, shuffle_seed);
    size_t n = d->corpus.n;
    if (n_train > n) n_train = n;
    if (adapt_vocab) {
        m->src_vocab = nmt_vocab_adapt((const char *const *)d->corpus.en, n, m->cfg.src_vocab, NULL, NULL, NULL);
        m->tgt_vocab = nmt_vocab_adapt((const char *const *)d->corpus.es, n, m->cfg.tgt_vocab,
                                       "startofseq", "endofseq", NULL);
        if (!m->src_vocab || !m->tgt_vocab) return nmt_error_prefix("%s", path);
        nmt_vocab_set_strip_chars(m->src_vocab, strip);   // checked above
        nmt_vocab_set_strip_chars(m->tgt_vocab, strip);
        if (nmt_vocab_size(m->src_vocab) != m->cfg.src_vocab || nmt_vocab_size(m->tgt_vocab) != m->cfg.tgt_vocab)
            return nmt_error("%s: the corpus has too few distinct words for vocabularies of %d/%d tokens",
                             path, m->cfg.src_vocab, m->cfg.tgt_vocab);
    }
    if (nmt_examples_build(&d->train, m, d->corpus.en, d->corpus.es, n_train)) return -1;
    if (nmt_examples_build(&d->valid, m, d->corpus.en + n_train, d->corpus.es + n_train, n - n_train))
        return -1;
    return 0;
}

void nmt_data_free(nmt_data *d) {
    nmt_examples_free(&d->train);
    nmt_examples_free(&d->valid);
    nmt_corpus_free(&d->corpus);
}
