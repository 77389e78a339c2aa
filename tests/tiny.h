/* Tiny random translators for the decoding tests (test_decode, test_beam):
 * a corpus of random sentences over a dozen words, and a model of any
 * architecture whose random weights are scaled up so that its outputs vary
 * (the initialization alone predicts nearly the same token everywhere). */
#ifndef NMT_TESTS_TINY_H
#define NMT_TESTS_TINY_H
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "nmt.h"

/* n English and Spanish sentences of min_words..min_words+spread random words
 * (strdup'd; free each). */
static inline void tiny_corpus(char **en, char **es, int n, uint32_t seed, int min_words, int spread) {
    static const char *w_en[] = {"the", "cat", "i", "like", "soccer", "you", "dog", "is", "big", "we", "go", "home"};
    static const char *w_es[] = {"el", "gato", "me", "gusta", "fútbol", "tú", "perro", "es", "grande", "vamos", "casa"};
    nmt_rng rng;
    nmt_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        char a[256] = "", b[256] = "";
        const int words = min_words + (int)nmt_rng_interval(&rng, (uint32_t)spread);
        for (int k = 0; k < words; k++) {
            strcat(a, w_en[nmt_rng_interval(&rng, 11)]);
            strcat(a, " ");
            strcat(b, w_es[nmt_rng_interval(&rng, 10)]);
            strcat(b, " ");
        }
        en[i] = strdup(a), es[i] = strdup(b);
    }
}

/* A model of arch with vocabularies adapted to the corpus, random weights
 * times 4, and eos_boost added to endofseq's output bias (translations of
 * every length then occur). */
static inline void tiny_model(nmt_model *m, const char *arch, char **en, char **es, int n, int tgt_vocab, int units,
                              int max_length, uint32_t seed, float eos_boost) {
    nmt_config cfg;
    CHECK(nmt_config_default(&cfg, arch) == 0, "config %s", arch);
    cfg.src_vocab = 12, cfg.tgt_vocab = tgt_vocab, cfg.embed = 8, cfg.units = units, cfg.max_length = max_length;
    CHECK(nmt_model_init(m, &cfg) == 0, "init: %s", nmt_last_error());
    m->src_vocab = nmt_vocab_adapt((const char *const *)en, (size_t)n, cfg.src_vocab, NULL, NULL, NULL);
    m->tgt_vocab = nmt_vocab_adapt((const char *const *)es, (size_t)n, cfg.tgt_vocab, "startofseq", "endofseq", NULL);
    nmt_model_randomize(m, seed);
    for (size_t i = 0; i < m->table.total; i++) m->params[i] *= 4;
    const nmt_param *ob = nmt_param_find(&m->table, "output.bias");
    CHECK(ob != NULL, "%s: no output.bias", arch);
    m->params[ob->offset + nmt_vocab_id(m->tgt_vocab, "endofseq", 8)] += eos_boost;
}
#endif
